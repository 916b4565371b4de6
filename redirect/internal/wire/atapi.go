package wire

import (
	"encoding/binary"
	"fmt"
)

// Drive-select values: the floppy is the master, the CD/DVD the slave
// (reference §4.7).
const (
	DeviceFloppy = 0xA0
	DeviceCD     = 0xB0
)

// ATAPacket is the ATA PACKET command; IDE-R carries nothing else.
const ATAPacket = 0xA0

// SCSI/ATAPI operation codes answered by an IDE-R client (SPC-4, MMC-6,
// SFF-8020i; the set firmware sends per reference §4.8).
const (
	ScsiTestUnitReady     = 0x00
	ScsiRequestSense      = 0x03
	ScsiRead6             = 0x08
	ScsiWrite6            = 0x0A
	ScsiInquiry           = 0x12
	ScsiModeSense6        = 0x1A
	ScsiStartStop         = 0x1B
	ScsiPreventAllow      = 0x1E
	ScsiReadFormatCaps    = 0x23
	ScsiReadCapacity10    = 0x25
	ScsiRead10            = 0x28
	ScsiWrite10           = 0x2A
	ScsiWriteVerify10     = 0x2E
	ScsiReadTOC           = 0x43
	ScsiGetConfiguration  = 0x46
	ScsiGetEventStatus    = 0x4A
	ScsiReadDiscInfo      = 0x51
	ScsiModeSense10       = 0x5A
	ScsiRead12            = 0xA8
	ScsiGetPerformance    = 0xAC
	ScsiServiceActionIn16 = 0x9E
	ReadCapacity16Action  = 0x10
)

// Sense keys and additional sense codes used by the client (SPC-4 §4.5.6).
const (
	SenseNone           = 0x00
	SenseNotReady       = 0x02
	SenseIllegalRequest = 0x05
	SenseUnitAttention  = 0x06
	SenseDataProtect    = 0x07

	ASCInvalidOpcode     = 0x20
	ASCLBAOutOfRange     = 0x21
	ASCInvalidFieldInCDB = 0x24
	ASCWriteProtected    = 0x27
	ASCMediumChanged     = 0x28
	ASCMediumNotPresent  = 0x3A
)

// Command is an ATAPI command the device wrote (message 0x50, 28 bytes,
// amtterm struct ider_command_written_message).
type Command struct {
	Seq         uint32
	Feature     byte // bit0 = DMA
	ByteCount   uint16
	DriveSelect byte
	ATACommand  byte
	CDB         [12]byte
}

// Device returns DeviceCD when drive-select bit 4 is set, else DeviceFloppy.
func (c Command) Device() byte {
	if c.DriveSelect&0x10 != 0 {
		return DeviceCD
	}
	return DeviceFloppy
}

// DMA reports whether the host asked for a DMA transfer.
func (c Command) DMA() bool { return c.Feature&1 != 0 }

// ParseCommand decodes a 0x50 message. It never panics on short input.
func ParseCommand(raw []byte) (Command, error) {
	if len(raw) < 28 || raw[0] != OpIDERCommand {
		return Command{}, ProtoErr("ide-r command", fmt.Sprintf("command message of %d bytes", len(raw)))
	}
	c := Command{
		Seq:         Seq(raw),
		Feature:     raw[9],
		ByteCount:   binary.LittleEndian.Uint16(raw[12:14]),
		DriveSelect: raw[14],
		ATACommand:  raw[15],
	}
	copy(c.CDB[:], raw[16:28])
	return c, nil
}

// CommandWritten builds a 0x50 message (the device side).
func CommandWritten(seq uint32, device byte, dma bool, cdb []byte) []byte {
	b := make([]byte, 28)
	PutHeader(b, OpIDERCommand, 0, seq)
	if dma {
		b[9] = 1
	}
	binary.LittleEndian.PutUint16(b[12:14], 0xFFFE)
	b[14] = 0xA0
	if device == DeviceCD {
		b[14] = 0xB0
	}
	b[15] = ATAPacket
	copy(b[16:28], cdb)
	return b
}

// CDB is a decoded command descriptor block: the fields the client uses.
type CDB struct {
	Op byte
	// LBA and Blocks for READ(6/10/12) and WRITE.
	LBA    uint32
	Blocks uint32
	// Alloc is the allocation length (bytes the host accepts back).
	Alloc uint32
	// Page and PageControl for MODE SENSE.
	Page        byte
	PageControl byte
	SubPage     byte
	// MSF and Format for READ TOC; RT and Feature for GET CONFIGURATION.
	MSF     bool
	Format  byte
	RT      byte
	Feature uint16
	// Polled and Classes for GET EVENT STATUS NOTIFICATION.
	Polled  bool
	Classes byte
	// Start and LoEj for START STOP UNIT.
	Start, LoEj bool
	// ServiceAction for SERVICE ACTION IN(16).
	ServiceAction byte
}

// DecodeCDB decodes the fields of cdb used by the client (SPC-4, SBC-3,
// MMC-6 layouts). Unknown operation codes decode to just Op.
func DecodeCDB(cdb [12]byte) CDB {
	be16 := func(i int) uint32 { return uint32(binary.BigEndian.Uint16(cdb[i:])) }
	be32 := func(i int) uint32 { return binary.BigEndian.Uint32(cdb[i:]) }
	d := CDB{Op: cdb[0]}
	switch cdb[0] {
	case ScsiRead6, ScsiWrite6:
		d.LBA = uint32(cdb[1]&0x1F)<<16 | uint32(cdb[2])<<8 | uint32(cdb[3])
		d.Blocks = uint32(cdb[4])
		if d.Blocks == 0 {
			d.Blocks = 256 // SBC-3 §5.8: 0 means 256 blocks
		}
	case ScsiRead10, ScsiWrite10, ScsiWriteVerify10:
		d.LBA, d.Blocks = be32(2), be16(7)
	case ScsiRead12:
		d.LBA, d.Blocks = be32(2), be32(6)
	case ScsiModeSense6:
		d.PageControl, d.Page, d.SubPage, d.Alloc = cdb[2]>>6, cdb[2]&0x3F, cdb[3], uint32(cdb[4])
	case ScsiModeSense10:
		d.PageControl, d.Page, d.SubPage, d.Alloc = cdb[2]>>6, cdb[2]&0x3F, cdb[3], be16(7)
	case ScsiRequestSense, ScsiInquiry:
		d.Alloc = uint32(cdb[4])
	case ScsiReadTOC:
		d.MSF, d.Format, d.Alloc = cdb[1]&0x02 != 0, cdb[2]&0x0F, be16(7)
		if d.Format == 0 && cdb[9]>>6 != 0 {
			d.Format = cdb[9] >> 6 // SFF-8020i places the format in the control byte
		}
	case ScsiGetConfiguration:
		d.RT, d.Feature, d.Alloc = cdb[1]&0x03, uint16(be16(2)), be16(7)
	case ScsiGetEventStatus:
		d.Polled, d.Classes, d.Alloc = cdb[1]&0x01 != 0, cdb[4], be16(7)
	case ScsiReadFormatCaps, ScsiReadDiscInfo, ScsiGetPerformance:
		d.Alloc = be16(7)
	case ScsiStartStop:
		d.Start, d.LoEj = cdb[4]&0x01 != 0, cdb[4]&0x02 != 0
	case ScsiServiceActionIn16:
		d.ServiceAction = cdb[1] & 0x1F
		d.Alloc = 32 // the allocation length sits in bytes 10–13, past the 12 bytes carried
	}
	return d
}

// Output-register blocks of a 0x51 (amtterm struct ider_data_regs: mask,
// error, sector count, sector number, byte count lsb/msb, drive select, status).
func goodRegs(dev byte) [8]byte { return [8]byte{0x85, 0, 0x03, 0, 0, 0, dev, 0x50} }

func checkRegs(dev, key byte) [8]byte {
	return [8]byte{0x87, key << 4, 0x03, 0, 0, 0, dev, 0x51}
}

// Attribute bits of an IDE-R header.
const (
	AttrDMA       = 0x01
	AttrCompleted = 0x02
)

// CommandEnd builds a 31-byte COMMAND_END_RESPONSE: GOOD when key is 0,
// else CHECK CONDITION with sense key/asc/ascq (reference §4.6).
func CommandEnd(b []byte, seq uint32, dev byte, dma bool, key, asc, ascq byte) []byte {
	b = b[:31]
	clear(b)
	attr := byte(AttrCompleted)
	if dma {
		attr |= AttrDMA
	}
	PutHeader(b, OpIDERCommandEnd, attr, seq)
	regs := goodRegs(dev)
	if key != SenseNone {
		regs = checkRegs(dev, key)
	}
	copy(b[20:28], regs[:])
	b[28], b[29], b[30] = key, asc, ascq
	return b
}

// Sense returns sense key, ASC and ASCQ of a 0x51 (device side).
func Sense(raw []byte) (key, asc, ascq byte) { return raw[28], raw[29], raw[30] }

// PutDataToHost writes the 34-byte prefix of a DATA_TO_HOST message carrying
// n bytes into b. last marks the final chunk of the command, which carries
// the completion registers (reference §4.6, MeshCentral's byte count rule).
func PutDataToHost(b []byte, seq uint32, dev byte, dma bool, n int, last bool) {
	clear(b[:DataToHostPrefixLen])
	var attr byte
	if last {
		attr = AttrCompleted
	}
	if dma {
		attr |= AttrDMA
	}
	PutHeader(b, OpIDERDataToHost, attr, seq)
	binary.LittleEndian.PutUint16(b[9:11], uint16(n))
	mask := byte(0xB5)
	if dma {
		mask = 0xB4
	}
	in := [8]byte{mask, 0, 0x02, 0, 0, 0, dev, 0x58}
	if !dma {
		binary.LittleEndian.PutUint16(in[4:6], uint16(n))
	}
	copy(b[12:20], in[:])
	if last {
		regs := goodRegs(dev)
		copy(b[20:28], regs[:])
	}
}

// DataToHostPayload returns the data of a 0x54 and whether it is the last
// chunk of its command.
func DataToHostPayload(raw []byte) (data []byte, last bool) {
	return raw[DataToHostPrefixLen:], raw[3]&AttrCompleted != 0
}
