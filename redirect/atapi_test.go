package redirect_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// atapiCase is one command and what its answer must look like.
type atapiCase struct {
	name  string
	dev   redirecttest.Device
	dma   bool
	cdb   []byte
	sense [3]byte // zero for GOOD
	check func(t *testing.T, data []byte)
}

// TestATAPICommands drives every command an IDE-R client must answer
// (reference §4.8) through the simulator's firmware side and checks the
// data or sense of each answer. Floppy: 100 sectors of 512 bytes; CD: 50
// sectors of 2048 bytes.
func TestATAPICommands(t *testing.T) {
	const floppyBlocks, cdBlocks = 100, 50
	be32 := func(b []byte) uint32 { return binary.BigEndian.Uint32(b) }
	floppy, _ := image(floppyBlocks*512, 1)
	cd, _ := image(cdBlocks*2048, 2)
	cases := []atapiCase{
		{name: "TEST UNIT READY first: medium changed", dev: redirecttest.CD, cdb: []byte{0x00}, sense: [3]byte{6, 0x28, 0}},
		{name: "REQUEST SENSE reports it", dev: redirecttest.CD, cdb: []byte{0x03, 0, 0, 0, 18, 0}, check: func(t *testing.T, d []byte) {
			require.Len(t, d, 18)
			assert.Equal(t, byte(0x70), d[0])
			assert.Equal(t, []byte{6, 0x28}, []byte{d[2], d[12]})
		}},
		{name: "TEST UNIT READY then good", dev: redirecttest.CD, cdb: []byte{0x00}},
		{name: "TEST UNIT READY floppy first", dev: redirecttest.Floppy, cdb: []byte{0x00}, sense: [3]byte{6, 0x28, 0}},
		{name: "TEST UNIT READY floppy", dev: redirecttest.Floppy, dma: true, cdb: []byte{0x00}},
		{name: "INQUIRY CD", dev: redirecttest.CD, cdb: []byte{0x12, 0, 0, 0, 36, 0}, check: func(t *testing.T, d []byte) {
			require.Len(t, d, 36)
			assert.Equal(t, byte(0x05), d[0])
			assert.Equal(t, byte(0x80), d[1])
		}},
		{name: "READ CAPACITY floppy", dev: redirecttest.Floppy, cdb: []byte{0x25}, check: func(t *testing.T, d []byte) {
			assert.Equal(t, []uint32{floppyBlocks - 1, 512}, []uint32{be32(d), be32(d[4:])})
		}},
		{name: "READ CAPACITY CD", dev: redirecttest.CD, cdb: []byte{0x25}, check: func(t *testing.T, d []byte) {
			assert.Equal(t, []uint32{cdBlocks - 1, 2048}, []uint32{be32(d), be32(d[4:])})
		}},
		{name: "READ CAPACITY(16) CD", dev: redirecttest.CD, cdb: []byte{0x9E, 0x10}, check: func(t *testing.T, d []byte) {
			require.Len(t, d, 32)
			assert.Equal(t, uint64(cdBlocks-1), binary.BigEndian.Uint64(d))
			assert.Equal(t, uint32(2048), be32(d[8:]))
		}},
		{name: "READ(6) floppy sector 3", dev: redirecttest.Floppy, cdb: []byte{0x08, 0, 0, 3, 1, 0}, check: sectorCheck(floppy, 3, 512, 1)},
		{name: "READ(6) zero means 256 blocks: past the end", dev: redirecttest.Floppy, cdb: []byte{0x08, 0, 0, 0, 0, 0}, sense: [3]byte{5, 0x21, 0}},
		{name: "READ(10) CD 2 sectors DMA", dev: redirecttest.CD, dma: true, cdb: []byte{0x28, 0, 0, 0, 0, 7, 0, 0, 2}, check: sectorCheck(cd, 7, 2048, 2)},
		{name: "READ(10) count 0", dev: redirecttest.CD, cdb: []byte{0x28, 0, 0, 0, 0, 7, 0, 0, 0}},
		{name: "READ(10) last sector", dev: redirecttest.CD, cdb: []byte{0x28, 0, 0, 0, 0, cdBlocks - 1, 0, 0, 1}, check: sectorCheck(cd, cdBlocks-1, 2048, 1)},
		{name: "READ(10) past the end", dev: redirecttest.CD, cdb: []byte{0x28, 0, 0, 0, 0, cdBlocks - 1, 0, 0, 2}, sense: [3]byte{5, 0x21, 0}},
		{name: "READ(10) huge LBA", dev: redirecttest.Floppy, cdb: []byte{0x28, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF}, sense: [3]byte{5, 0x21, 0}},
		{name: "READ(12) floppy", dev: redirecttest.Floppy, cdb: []byte{0xA8, 0, 0, 0, 0, 1, 0, 0, 0, 2}, check: sectorCheck(floppy, 1, 512, 2)},
		{name: "MODE SENSE(6) all pages floppy", dev: redirecttest.Floppy, cdb: []byte{0x1A, 0, 0x3F, 0, 0xFF, 0}, check: func(t *testing.T, d []byte) {
			assert.Equal(t, len(d)-1, int(d[0]))
			assert.Equal(t, byte(0x80), d[2], "write protected")
		}},
		{name: "MODE SENSE(10) all pages CD", dev: redirecttest.CD, cdb: []byte{0x5A, 0, 0x3F, 0, 0, 0, 0, 0x01, 0x00}, check: func(t *testing.T, d []byte) {
			assert.Equal(t, len(d)-2, int(binary.BigEndian.Uint16(d)))
			assert.Equal(t, byte(0x01), d[2])
			assert.Contains(t, pagesOf(d[8:]), byte(0x2A))
		}},
		{name: "MODE SENSE(10) flexible disk page", dev: redirecttest.Floppy, cdb: []byte{0x5A, 0, 0x05, 0, 0, 0, 0, 0x01, 0x00}, check: func(t *testing.T, d []byte) {
			assert.Equal(t, []byte{0x05}, pagesOf(d[8:]))
			assert.Equal(t, uint16(512), binary.BigEndian.Uint16(d[8+6:]))
		}},
		{name: "MODE SENSE(10) truncated to allocation length", dev: redirecttest.CD, cdb: []byte{0x5A, 0, 0x3F, 0, 0, 0, 0, 0, 8}, check: func(t *testing.T, d []byte) {
			assert.Len(t, d, 8)
		}},
		{name: "MODE SENSE(10) unknown page", dev: redirecttest.CD, cdb: []byte{0x5A, 0, 0x22, 0, 0, 0, 0, 0x01, 0x00}, sense: [3]byte{5, 0x24, 0}},
		{name: "READ TOC format 0 LBA", dev: redirecttest.CD, cdb: []byte{0x43, 0, 0, 0, 0, 0, 0, 0, 0xFF}, check: func(t *testing.T, d []byte) {
			require.Len(t, d, 20)
			assert.Equal(t, []byte{0, 18, 1, 1}, d[:4])
			assert.Equal(t, byte(0xAA), d[14])
			assert.Equal(t, uint32(cdBlocks), be32(d[16:]))
		}},
		{name: "READ TOC format 0 MSF", dev: redirecttest.CD, cdb: []byte{0x43, 0x02, 0, 0, 0, 0, 0, 0, 0xFF}, check: func(t *testing.T, d []byte) {
			assert.Equal(t, []byte{0, 0, 2, 0}, d[8:12], "track 1 at 00:02:00")
			assert.Equal(t, []byte{0, 0, 2, 50}, d[16:20], "lead-out at LBA 50 + 150 frames")
		}},
		{name: "READ TOC session info", dev: redirecttest.CD, cdb: []byte{0x43, 0, 1, 0, 0, 0, 0, 0, 0xFF}, check: func(t *testing.T, d []byte) {
			assert.Equal(t, []byte{0, 10, 1, 1}, d[:4])
		}},
		{name: "READ TOC format 2", dev: redirecttest.CD, cdb: []byte{0x43, 0, 2, 0, 0, 0, 0, 0, 0xFF}, sense: [3]byte{5, 0x24, 0}},
		{name: "READ TOC on floppy", dev: redirecttest.Floppy, cdb: []byte{0x43, 0, 0, 0, 0, 0, 0, 0, 0xFF}, sense: [3]byte{5, 0x20, 0}},
		{name: "GET CONFIGURATION all", dev: redirecttest.CD, cdb: []byte{0x46, 0, 0, 0, 0, 0, 0, 0x01, 0}, check: func(t *testing.T, d []byte) {
			assert.Equal(t, len(d)-4, int(be32(d)))
			assert.Equal(t, uint16(0x0008), binary.BigEndian.Uint16(d[6:]), "current profile CD-ROM")
			assert.Equal(t, []uint16{0, 1, 2, 3, 0x10, 0x1E, 0x100, 0x105}, featuresOf(d[8:]))
		}},
		{name: "GET CONFIGURATION one feature", dev: redirecttest.CD, cdb: []byte{0x46, 2, 0, 0x10, 0, 0, 0, 0x01, 0}, check: func(t *testing.T, d []byte) {
			assert.Equal(t, []uint16{0x10}, featuresOf(d[8:]))
		}},
		{name: "GET CONFIGURATION truncated", dev: redirecttest.CD, cdb: []byte{0x46, 0, 0, 0, 0, 0, 0, 0, 8}, check: func(t *testing.T, d []byte) {
			assert.Len(t, d, 8)
		}},
		{name: "GET EVENT STATUS media", dev: redirecttest.CD, cdb: []byte{0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8}, check: func(t *testing.T, d []byte) {
			assert.Equal(t, []byte{0, 6, 4, 0x10, 0, 2, 0, 0}, d)
		}},
		{name: "GET EVENT STATUS asynchronous", dev: redirecttest.CD, cdb: []byte{0x4A, 0, 0, 0, 0x10, 0, 0, 0, 8}, sense: [3]byte{5, 0x24, 0}},
		{name: "READ FORMAT CAPACITIES floppy", dev: redirecttest.Floppy, cdb: []byte{0x23, 0, 0, 0, 0, 0, 0, 0, 0xFC}, check: func(t *testing.T, d []byte) {
			require.Len(t, d, 12)
			assert.Equal(t, uint32(floppyBlocks), be32(d[4:]))
			assert.Equal(t, byte(2), d[8])
			assert.Equal(t, uint32(512), be32(d[8:])&0xFFFFFF)
		}},
		{name: "START STOP UNIT", dev: redirecttest.CD, cdb: []byte{0x1B, 0, 0, 0, 1, 0}},
		{name: "PREVENT ALLOW MEDIUM REMOVAL", dev: redirecttest.CD, cdb: []byte{0x1E, 0, 0, 0, 1, 0}},
		{name: "READ DISC INFORMATION", dev: redirecttest.CD, cdb: []byte{0x51, 0, 0, 0, 0, 0, 0, 0, 34}, check: func(t *testing.T, d []byte) {
			require.Len(t, d, 34)
			assert.Equal(t, byte(0x0E), d[2])
		}},
		{name: "WRITE(10) is write protected", dev: redirecttest.Floppy, cdb: []byte{0x2A, 0, 0, 0, 0, 0, 0, 0, 1}, sense: [3]byte{7, 0x27, 0}},
		{name: "unknown opcode", dev: redirecttest.CD, cdb: []byte{0x4C}, sense: [3]byte{5, 0x20, 0}},
		{name: "GET PERFORMANCE unsupported", dev: redirecttest.CD, cdb: []byte{0xAC}, sense: [3]byte{5, 0x20, 0}},
		{name: "REQUEST SENSE after it", dev: redirecttest.CD, cdb: []byte{0x03, 0, 0, 0, 18, 0}, check: func(t *testing.T, d []byte) {
			assert.Equal(t, []byte{5, 0x20}, []byte{d[2], d[12]})
		}},
	}
	results := make(chan redirecttest.Result, len(cases))
	fw := func(ctx context.Context, d *redirecttest.Drive) (redirecttest.BootReport, error) {
		for _, c := range cases {
			cdb := make([]byte, 12)
			copy(cdb, c.cdb)
			var r redirecttest.Result
			var err error
			if c.dma {
				r, err = d.CommandDMA(ctx, c.dev, cdb)
			} else {
				r, err = d.Command(ctx, c.dev, cdb)
			}
			if err != nil {
				return redirecttest.BootReport{}, err
			}
			r.Data = append([]byte(nil), r.Data...)
			results <- r
		}
		return redirecttest.BootReport{}, nil
	}
	sim := newSim(t, redirecttest.Config{Firmware: fw})
	s, err := newClient(t, sim).OpenIDER(ctxT(t), redirect.IDEROptions{
		Floppy: &redirect.Image{R: floppy, Size: floppy.Size()}, CD: &redirect.Image{R: cd, Size: cd.Size()}})
	require.NoError(t, err)
	require.NoError(t, nextBoot(t, sim).Err)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := <-results
			assert.Equal(t, c.sense, [3]byte{got.Key, got.ASC, got.ASCQ})
			assert.Equal(t, c.sense == [3]byte{}, got.Good)
			if c.check != nil {
				c.check(t, got.Data)
			}
		})
	}
	st := s.Stats()
	assert.Equal(t, uint64(len(cases)), st.Commands)
	require.NoError(t, s.Close())
}

// sectorCheck verifies data is the n sectors of img starting at lba.
func sectorCheck(img *bytes.Reader, lba, size, n int) func(t *testing.T, d []byte) {
	return func(t *testing.T, d []byte) {
		want := make([]byte, size*n)
		_, err := img.ReadAt(want, int64(lba*size))
		require.NoError(t, err)
		assert.Equal(t, want, d)
	}
}

func pagesOf(b []byte) []byte {
	var out []byte
	for len(b) >= 2 {
		out = append(out, b[0]&0x3F)
		b = b[min(2+int(b[1]), len(b)):]
	}
	return out
}

func featuresOf(b []byte) []uint16 {
	var out []uint16
	for len(b) >= 4 {
		out = append(out, binary.BigEndian.Uint16(b))
		b = b[min(4+int(b[3]), len(b)):]
	}
	return out
}
