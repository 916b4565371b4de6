package redirect

import (
	"encoding/binary"

	"github.com/oobkit/oobkit/redirect/internal/wire"
)

// The reply payloads below are built from the public SCSI/ATAPI layouts
// (SPC-4 INQUIRY and MODE SENSE headers, SBC flexible disk page, MMC-6 READ
// TOC, GET CONFIGURATION, GET EVENT STATUS NOTIFICATION, READ DISC
// INFORMATION), with the medium types and page choices real IDE-R clients
// report (reference §4.7, §4.8).

// inquiry returns standard INQUIRY data for the drive.
func inquiry(dev byte) []byte {
	b := make([]byte, 36)
	b[0] = 0x00 // direct-access (floppy)
	product := "IDE-R Floppy    "
	if dev == wire.DeviceCD {
		b[0] = 0x05 // CD/DVD
		product = "IDE-R CD-ROM    "
	}
	b[1] = 0x80 // removable
	b[2] = 0x00
	b[3] = 0x21 // ATAPI, response data format 1
	b[4] = 31
	copy(b[8:16], "oobkit  ")
	copy(b[16:32], product)
	copy(b[32:36], "1.0 ")
	return b
}

// modeSense builds MODE SENSE(6) or (10) data for page cdb.Page (0x3F = all
// pages of the drive). The medium is reported write-protected.
func modeSense(b []byte, m *medium, cd bool, cdb wire.CDB) ([]byte, bool) {
	ten := cdb.Op == wire.ScsiModeSense10
	mediumType := byte(0x00)
	if ten {
		mediumType = 0x24 // 1.44 MB medium in the 10-byte header
		if m.blocks > 2880 {
			mediumType = 0x31 // LS-120
		}
	}
	if cd {
		mediumType = 0x05
		if ten {
			mediumType = 0x01
		}
	}
	if ten {
		b = append(b, 0, 0, mediumType, 0x80, 0, 0, 0, 0)
	} else {
		b = append(b, 0, mediumType, 0x80, 0)
	}
	pages := []byte{0x01, 0x05, 0x1A}
	if cd {
		pages = []byte{0x01, 0x1A, 0x1D, 0x2A}
	}
	if cdb.SubPage != 0 {
		return nil, false
	}
	found := false
	for _, p := range pages {
		if cdb.Page != 0x3F && cdb.Page != p {
			continue
		}
		found = true
		b = appendPage(b, p, m, cdb.PageControl == 1) // PC 1: changeable values, none are
	}
	if !found {
		return nil, false
	}
	if ten {
		binary.BigEndian.PutUint16(b[0:], uint16(len(b)-2))
	} else {
		b[0] = byte(len(b) - 1)
	}
	return b, true
}

// appendPage appends one mode page; zeroed marks "changeable values".
func appendPage(b []byte, page byte, m *medium, zeroed bool) []byte {
	start := len(b)
	switch page {
	case 0x01: // read-write error recovery
		b = append(b, 0x01, 0x0A, 0, 5, 0, 0, 0, 0, 5, 0, 0, 0)
	case 0x05: // flexible disk: 500 kbit/s, 2 heads, 18 sectors, 512 bytes, 300 rpm
		p := make([]byte, 32)
		p[0], p[1] = 0x05, 0x1E
		binary.BigEndian.PutUint16(p[2:], 500)
		p[4], p[5] = 2, 18
		binary.BigEndian.PutUint16(p[6:], 512)
		binary.BigEndian.PutUint16(p[8:], uint16(min((m.blocks+35)/36, 0xFFFF)))
		binary.BigEndian.PutUint16(p[28:], 300)
		b = append(b, p...)
	case 0x1A: // power condition: no timers
		b = append(b, 0x1A, 0x0A, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	case 0x1D: // timeout and protect
		b = append(b, 0x1D, 0x08, 0, 0, 0, 0, 0, 0, 0, 0)
	case 0x2A: // CD capabilities: reads CD-ROM/-R/-RW, tray, eject, lock
		p := make([]byte, 22)
		p[0], p[1] = 0x2A, 0x14
		p[2] = 0x03
		p[6] = 0x29
		binary.BigEndian.PutUint16(p[8:], 706*4) // max read speed kB/s (4x)
		binary.BigEndian.PutUint16(p[12:], 2048)
		binary.BigEndian.PutUint16(p[14:], 706*4)
		b = append(b, p...)
	}
	if zeroed {
		clear(b[start+2:])
	}
	return b
}

// readTOC builds READ TOC data: format 0 (track 1 plus lead-out) or format
// 1 (session information), with LBA or MSF addresses.
func readTOC(b []byte, m *medium, cdb wire.CDB) ([]byte, bool) {
	addr := func(lba int64) []byte {
		if cdb.MSF {
			f := lba + 150 // 2-second pregap
			return []byte{0, byte(f / (75 * 60)), byte(f / 75 % 60), byte(f % 75)}
		}
		var a [4]byte
		binary.BigEndian.PutUint32(a[:], uint32(lba))
		return a[:]
	}
	switch cdb.Format {
	case 0:
		b = append(b, 0, 0, 1, 1)
		b = append(b, 0, 0x14, 1, 0)
		b = append(b, addr(0)...)
		b = append(b, 0, 0x14, 0xAA, 0)
		b = append(b, addr(m.blocks)...)
	case 1:
		b = append(b, 0, 0, 1, 1, 0, 0x14, 1, 0)
		b = append(b, addr(0)...)
	default:
		return nil, false
	}
	binary.BigEndian.PutUint16(b[0:], uint16(len(b)-2))
	return b, true
}

// feature appends one GET CONFIGURATION feature descriptor.
func feature(b []byte, code uint16, verFlags byte, data ...byte) []byte {
	b = binary.BigEndian.AppendUint16(b, code)
	b = append(b, verFlags, byte(len(data)))
	return append(b, data...)
}

// getConfiguration builds the feature list of a read-only CD-ROM drive.
// RT 0 lists features from cdb.Feature on, RT 1 only current ones (all are),
// RT 2 exactly cdb.Feature.
func getConfiguration(b []byte, cdb wire.CDB) []byte {
	b = append(b, 0, 0, 0, 0, 0, 0, 0x00, 0x08) // current profile: CD-ROM
	type feat struct {
		code uint16
		vf   byte
		data []byte
	}
	feats := []feat{
		{0x0000, 0x03, []byte{0x00, 0x08, 0x01, 0x00}},    // profile list: CD-ROM, current
		{0x0001, 0x0B, []byte{0, 0, 0, 2, 0x01, 0, 0, 0}}, // core: ATAPI
		{0x0002, 0x07, []byte{0x02, 0, 0, 0}},             // morphing: OCEvent
		{0x0003, 0x03, []byte{0x29, 0, 0, 0}},             // removable medium: tray, eject, lock
		{0x0010, 0x01, []byte{0, 0, 0x08, 0, 0, 1, 0, 0}}, // random readable, 2048-byte blocks
		{0x001E, 0x09, []byte{0, 0, 0, 0}},                // CD read
		{0x0100, 0x03, nil},                               // power management
		{0x0105, 0x07, []byte{0, 0, 0, 0}},                // timeout
	}
	for _, f := range feats {
		if cdb.RT == 2 && f.code != cdb.Feature || f.code < cdb.Feature {
			continue
		}
		b = feature(b, f.code, f.vf, f.data...)
	}
	binary.BigEndian.PutUint32(b[0:], uint32(len(b)-4))
	return b
}

// eventStatus answers a polled GET EVENT STATUS NOTIFICATION: a media event
// "no change, medium present" when the media class is requested, else "no
// event available".
func eventStatus(b []byte, cdb wire.CDB) []byte {
	const mediaClass = 0x10
	if cdb.Classes&mediaClass != 0 {
		return append(b, 0, 6, 0x04, mediaClass, 0x00, 0x02, 0, 0)
	}
	return append(b, 0, 2, 0x80, mediaClass)
}

// discInfo builds READ DISC INFORMATION for a finalised one-session disc.
func discInfo(b []byte) []byte {
	b = append(b, make([]byte, 34)...)
	b[1] = 32
	b[2] = 0x0E // last session complete, disc finalised
	b[3], b[4], b[5], b[6] = 1, 1, 1, 1
	b[7] = 0x20 // unrestricted use
	return b
}
