package redirecttest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// BootOptions configure [Boot].
type BootOptions struct {
	// Device is the drive to boot from.
	Device Device
	// SHA256 is the expected hex SHA-256 of the image; when set, a different
	// hash fails the boot.
	SHA256 string
	// ReadBytes is the size of each READ(10); 0 means 64 KiB.
	ReadBytes int
}

// BootFirmware boots from dev without an expected hash.
func BootFirmware(dev Device) Firmware { return Boot(BootOptions{Device: dev}) }

// Boot returns firmware that behaves like a BIOS booting from an IDE-R
// drive: it polls the drive until the unit attention clears, identifies it,
// reads its capacity, mode pages and table of contents (CD) or format
// capacities (floppy), locks the medium, reads the whole image with READ(10)
// and hashes it, re-reads sector 0 with READ(6) and checks that a read past
// the end is refused with LOGICAL BLOCK ADDRESS OUT OF RANGE.
func Boot(o BootOptions) Firmware {
	return func(ctx context.Context, d *Drive) (BootReport, error) {
		rep := BootReport{Device: o.Device}
		dev := o.Device
		cmd := func(cdb ...byte) (Result, error) { return d.Command(ctx, dev, pad(cdb)) }
		// Spin up: the first TEST UNIT READY reports the medium change.
		ready := false
		for range 4 {
			r, err := cmd(0x00)
			if err != nil {
				return rep, err
			}
			if r.Good {
				ready = true
				break
			}
			if r.Key != 0x06 && r.Key != 0x02 {
				return rep, fmt.Errorf("TEST UNIT READY: sense %02x/%02x/%02x", r.Key, r.ASC, r.ASCQ)
			}
			if _, err := cmd(0x03, 0, 0, 0, 18, 0); err != nil {
				return rep, err
			}
		}
		if !ready {
			return rep, fmt.Errorf("drive %s never became ready", dev)
		}
		if _, err := cmd(0x12, 0, 0, 0, 36, 0); err != nil {
			return rep, err
		}
		if dev == CD {
			r, err := cmd(0x46, 0x00, 0, 0, 0, 0, 0, 0x01, 0x00)
			if err != nil || !r.Good || len(r.Data) < 8 || binary.BigEndian.Uint16(r.Data[6:]) != 0x0008 {
				return rep, fmt.Errorf("GET CONFIGURATION: %v %+v", err, r)
			}
			if r, err = cmd(0x4A, 0x01, 0, 0, 0x10, 0, 0, 0, 8); err != nil || !r.Good {
				return rep, fmt.Errorf("GET EVENT STATUS NOTIFICATION: %v %+v", err, r)
			}
		}
		r, err := cmd(0x25)
		if err != nil || !r.Good || len(r.Data) != 8 {
			return rep, fmt.Errorf("READ CAPACITY: %v %+v", err, r)
		}
		rep.Blocks = int64(binary.BigEndian.Uint32(r.Data[0:])) + 1
		rep.BlockSize = int(binary.BigEndian.Uint32(r.Data[4:]))
		if want := map[Device]int{CD: 2048, Floppy: 512}[dev]; rep.BlockSize != want {
			return rep, fmt.Errorf("READ CAPACITY: block size %d, want %d", rep.BlockSize, want)
		}
		if r, err = cmd(0x5A, 0, 0x3F, 0, 0, 0, 0, 0x02, 0x00); err != nil || !r.Good {
			return rep, fmt.Errorf("MODE SENSE(10): %v %+v", err, r)
		}
		if r, err = cmd(0x1A, 0, 0x3F, 0, 0xFF, 0); err != nil || !r.Good {
			return rep, fmt.Errorf("MODE SENSE(6): %v %+v", err, r)
		}
		if dev == CD {
			r, err = cmd(0x43, 0, 0, 0, 0, 0, 0, 0, 0xFF)
			if err != nil || !r.Good || len(r.Data) < 20 || int64(binary.BigEndian.Uint32(r.Data[16:])) != rep.Blocks {
				return rep, fmt.Errorf("READ TOC: %v %+v", err, r)
			}
		} else {
			r, err = cmd(0x23, 0, 0, 0, 0, 0, 0, 0, 0xFC)
			if err != nil || !r.Good || len(r.Data) < 12 || int64(binary.BigEndian.Uint32(r.Data[4:])) != rep.Blocks {
				return rep, fmt.Errorf("READ FORMAT CAPACITIES: %v %+v", err, r)
			}
		}
		if r, err = cmd(0x1E, 0, 0, 0, 1, 0); err != nil || !r.Good {
			return rep, fmt.Errorf("PREVENT MEDIUM REMOVAL: %v %+v", err, r)
		}
		if r, err = cmd(0x1B, 0, 0, 0, 1, 0); err != nil || !r.Good {
			return rep, fmt.Errorf("START STOP UNIT: %v %+v", err, r)
		}
		// Read the whole image.
		step := int64(o.ReadBytes)
		if step <= 0 {
			step = 64 << 10
		}
		per := max(step/int64(rep.BlockSize), 1)
		h := sha256.New()
		var first []byte
		for lba := int64(0); lba < rep.Blocks; lba += per {
			n := min(per, rep.Blocks-lba)
			r, err := cmd(0x28, 0, byte(lba>>24), byte(lba>>16), byte(lba>>8), byte(lba), 0, byte(n>>8), byte(n))
			if err != nil {
				return rep, err
			}
			if !r.Good || int64(len(r.Data)) != n*int64(rep.BlockSize) {
				return rep, fmt.Errorf("READ(10) at %d: %d bytes, sense %02x/%02x", lba, len(r.Data), r.Key, r.ASC)
			}
			if lba == 0 {
				first = append(first, r.Data[:rep.BlockSize]...)
			}
			h.Write(r.Data)
			rep.Bytes += int64(len(r.Data))
		}
		rep.SHA256 = hex.EncodeToString(h.Sum(nil))
		if r, err = cmd(0x08, 0, 0, 0, 1, 0); err != nil || !r.Good || !bytes.Equal(r.Data, first) {
			return rep, fmt.Errorf("READ(6) of sector 0 differs from READ(10): %v", err)
		}
		last := rep.Blocks
		if r, err = cmd(0x28, 0, byte(last>>24), byte(last>>16), byte(last>>8), byte(last), 0, 0, 1); err != nil || r.Good || r.Key != 0x05 || r.ASC != 0x21 {
			return rep, fmt.Errorf("READ(10) past the end: want sense 05/21, got %v %+v", err, r)
		}
		if o.SHA256 != "" && o.SHA256 != rep.SHA256 {
			return rep, fmt.Errorf("image hash %s, want %s", rep.SHA256, o.SHA256)
		}
		return rep, nil
	}
}

// pad returns cdb as a 12-byte ATAPI packet.
func pad(cdb []byte) []byte {
	var b [12]byte
	copy(b[:], cdb)
	return b[:]
}
