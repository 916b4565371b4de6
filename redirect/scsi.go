package redirect

import (
	"encoding/binary"

	"github.com/oobkit/oobkit/redirect/internal/wire"
)

// handle answers one ATAPI command. Replies follow SPC-4/MMC-6 and the
// command set real firmware sends (reference §4.8); anything unknown gets
// ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE.
func (d *IDER) handle(cmd wire.Command) error {
	d.commands.Add(1)
	dev := cmd.Device()
	dma := cmd.DMA()
	dr := d.drives[0]
	if dev == wire.DeviceCD {
		dr = d.drives[1]
	}
	cdb := wire.DecodeCDB(cmd.CDB)
	if cmd.ATACommand != wire.ATAPacket {
		return d.check(dr, dev, dma, wire.SenseIllegalRequest, wire.ASCInvalidOpcode, 0)
	}
	if cdb.Op == wire.ScsiRequestSense {
		return d.requestSense(dr, dev, dma, cdb)
	}
	if dr == nil {
		if cdb.Op == wire.ScsiInquiry {
			return d.reply(dr, dev, dma, inquiry(dev), cdb.Alloc)
		}
		return d.check(dr, dev, dma, wire.SenseNotReady, wire.ASCMediumNotPresent, 0)
	}
	m := dr.m
	cd := dev == wire.DeviceCD
	switch cdb.Op {
	case wire.ScsiTestUnitReady:
		if dr.attention {
			dr.attention = false
			return d.check(dr, dev, dma, wire.SenseUnitAttention, wire.ASCMediumChanged, 0)
		}
		return d.good(dr, dev, dma)
	case wire.ScsiInquiry:
		return d.reply(dr, dev, dma, inquiry(dev), cdb.Alloc)
	case wire.ScsiRead6, wire.ScsiRead10, wire.ScsiRead12:
		return d.read(dr, dev, dma, int64(cdb.LBA), int64(cdb.Blocks))
	case wire.ScsiWrite6, wire.ScsiWrite10, wire.ScsiWriteVerify10:
		return d.check(dr, dev, dma, wire.SenseDataProtect, wire.ASCWriteProtected, 0)
	case wire.ScsiReadCapacity10:
		b := d.scratch[:8]
		last := m.blocks - 1
		binary.BigEndian.PutUint32(b[0:], uint32(min(last, 0xFFFFFFFF)))
		binary.BigEndian.PutUint32(b[4:], uint32(m.blockSize))
		return d.reply(dr, dev, dma, b, 8)
	case wire.ScsiServiceActionIn16:
		if cdb.ServiceAction != wire.ReadCapacity16Action {
			break
		}
		b := d.scratch[:32]
		clear(b)
		binary.BigEndian.PutUint64(b[0:], uint64(m.blocks-1))
		binary.BigEndian.PutUint32(b[8:], uint32(m.blockSize))
		return d.reply(dr, dev, dma, b, cdb.Alloc)
	case wire.ScsiReadFormatCaps:
		// Capacity list header + current/maximum descriptor, formatted
		// media (SFF-8070i §11.7 / MMC-6 READ FORMAT CAPACITIES).
		b := d.scratch[:12]
		copy(b, []byte{0, 0, 0, 8})
		binary.BigEndian.PutUint32(b[4:], uint32(m.blocks))
		binary.BigEndian.PutUint32(b[8:], uint32(m.blockSize))
		b[8] = 0x02
		return d.reply(dr, dev, dma, b, cdb.Alloc)
	case wire.ScsiModeSense6, wire.ScsiModeSense10:
		data, ok := modeSense(d.scratch[:0], m, cd, cdb)
		if !ok {
			return d.check(dr, dev, dma, wire.SenseIllegalRequest, wire.ASCInvalidFieldInCDB, 0)
		}
		return d.reply(dr, dev, dma, data, cdb.Alloc)
	case wire.ScsiStartStop, wire.ScsiPreventAllow:
		return d.good(dr, dev, dma)
	case wire.ScsiReadTOC:
		if !cd {
			break
		}
		data, ok := readTOC(d.scratch[:0], m, cdb)
		if !ok {
			return d.check(dr, dev, dma, wire.SenseIllegalRequest, wire.ASCInvalidFieldInCDB, 0)
		}
		return d.reply(dr, dev, dma, data, cdb.Alloc)
	case wire.ScsiGetConfiguration:
		if !cd {
			break
		}
		return d.reply(dr, dev, dma, getConfiguration(d.scratch[:0], cdb), cdb.Alloc)
	case wire.ScsiGetEventStatus:
		if !cd {
			break
		}
		if !cdb.Polled {
			return d.check(dr, dev, dma, wire.SenseIllegalRequest, wire.ASCInvalidFieldInCDB, 0)
		}
		return d.reply(dr, dev, dma, eventStatus(d.scratch[:0], cdb), cdb.Alloc)
	case wire.ScsiReadDiscInfo:
		if !cd {
			break
		}
		return d.reply(dr, dev, dma, discInfo(d.scratch[:0]), cdb.Alloc)
	}
	return d.check(dr, dev, dma, wire.SenseIllegalRequest, wire.ASCInvalidOpcode, 0)
}

// good ends the command with GOOD status.
func (d *IDER) good(dr *drive, dev byte, dma bool) error {
	if dr != nil {
		dr.sense = [3]byte{}
	}
	return d.commandEnd(dev, dma, 0, 0, 0)
}

// check ends the command with CHECK CONDITION and remembers the sense data
// for REQUEST SENSE.
func (d *IDER) check(dr *drive, dev byte, dma bool, key, asc, ascq byte) error {
	d.checks.Add(1)
	if dr != nil {
		dr.sense = [3]byte{key, asc, ascq}
	}
	return d.commandEnd(dev, dma, key, asc, ascq)
}

func (d *IDER) commandEnd(dev byte, dma bool, key, asc, ascq byte) error {
	d.c.wmu.Lock()
	defer d.c.wmu.Unlock()
	var b [31]byte
	wire.CommandEnd(b[:], d.outSeq, dev, dma, key, asc, ascq)
	d.outSeq++
	return d.c.writeLocked(b[:])
}

// reply sends data (truncated to the allocation length) as the command's
// single, final data message; no data means GOOD status.
func (d *IDER) reply(dr *drive, dev byte, dma bool, data []byte, alloc uint32) error {
	if uint32(len(data)) > alloc {
		data = data[:alloc]
	}
	if len(data) == 0 {
		return d.good(dr, dev, dma)
	}
	if dr != nil {
		dr.sense = [3]byte{}
	}
	d.c.wmu.Lock()
	defer d.c.wmu.Unlock()
	b := d.buf[:wire.DataToHostPrefixLen+len(data)]
	copy(b[wire.DataToHostPrefixLen:], data)
	wire.PutDataToHost(b, d.outSeq, dev, dma, len(data), true)
	d.outSeq++
	return d.c.writeLocked(b)
}

// requestSense returns fixed-format sense data (SPC-4 §4.5.3) for the last
// command's status, then clears it.
func (d *IDER) requestSense(dr *drive, dev byte, dma bool, cdb wire.CDB) error {
	b := d.scratch[:18]
	clear(b)
	b[0], b[7] = 0x70, 10
	if dr != nil {
		b[2], b[12], b[13] = dr.sense[0], dr.sense[1], dr.sense[2]
	} else {
		b[2], b[12] = wire.SenseNotReady, wire.ASCMediumNotPresent
	}
	return d.reply(dr, dev, dma, b, cdb.Alloc)
}

// read streams blocks from the image in messages of at most chunk bytes.
// A range past the end is LOGICAL BLOCK ADDRESS OUT OF RANGE.
func (d *IDER) read(dr *drive, dev byte, dma bool, lba, blocks int64) error {
	m := dr.m
	if lba+blocks > m.blocks {
		return d.check(dr, dev, dma, wire.SenseIllegalRequest, wire.ASCLBAOutOfRange, 0)
	}
	if blocks == 0 {
		return d.good(dr, dev, dma)
	}
	d.reads.Add(1)
	dr.sense = [3]byte{}
	off, end := lba*m.blockSize, (lba+blocks)*m.blockSize
	for off < end {
		n := min(int64(d.chunk), end-off)
		b := d.buf[:wire.DataToHostPrefixLen+int(n)]
		if err := m.readAt(b[wire.DataToHostPrefixLen:], off); err != nil {
			d.c.log.Warn("IDE-R: image read failed", "offset", off, "err", err)
			return d.check(dr, dev, dma, 0x03, 0x11, 0) // MEDIUM ERROR / UNRECOVERED READ ERROR
		}
		off += n
		d.c.wmu.Lock()
		wire.PutDataToHost(b, d.outSeq, dev, dma, int(n), off == end)
		d.outSeq++
		err := d.c.writeLocked(b)
		d.c.wmu.Unlock()
		if err != nil {
			return err
		}
		d.bytes.Add(uint64(n))
	}
	return nil
}
