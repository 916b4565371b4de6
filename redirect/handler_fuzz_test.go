package redirect

import (
	"bytes"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/oobkit/oobkit/redirect/internal/wire"
)

// captureConn records what the client writes.
type captureConn struct {
	net.Conn
	out bytes.Buffer
}

func (c *captureConn) Write(p []byte) (int, error)      { return c.out.Write(p) }
func (c *captureConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzIDERHandle feeds arbitrary ATAPI commands to the client's command
// handler and checks that every answer is a well-formed stream of data
// messages ending in a completed one, or a single COMMAND_END_RESPONSE,
// with consecutive sequence numbers and never more data than asked for.
func FuzzIDERHandle(f *testing.F) {
	seeds := [][]byte{
		{0x00}, {0x03, 0, 0, 0, 18}, {0x08, 0, 0, 1, 2}, {0x08, 0, 0, 0, 0}, {0x12, 0, 0, 0, 36},
		{0x1A, 0, 0x3F, 0, 0xFF}, {0x1B, 0, 0, 0, 1}, {0x1E, 0, 0, 0, 1}, {0x23, 0, 0, 0, 0, 0, 0, 0, 0xFC},
		{0x25}, {0x28, 0, 0, 0, 0, 0, 0, 0, 3}, {0x28, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF}, {0x2A},
		{0x43, 2, 0, 0, 0, 0, 0, 0, 0xFF}, {0x43, 0, 1, 0, 0, 0, 0, 0, 0xFF}, {0x46, 0, 0, 0, 0, 0, 0, 1, 0},
		{0x46, 2, 0, 0x1E, 0, 0, 0, 0, 0xFF}, {0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8}, {0x51, 0, 0, 0, 0, 0, 0, 0, 34},
		{0x5A, 0, 0x3F, 0, 0, 0, 0, 2, 0}, {0x5A, 0, 0x45, 0, 0, 0, 0, 2, 0}, {0x9E, 0x10}, {0xA8, 0, 0, 0, 0, 0, 0, 0, 0, 1},
	}
	for _, s := range seeds {
		f.Add(s, true, false)
		f.Add(s, false, true)
	}
	f.Fuzz(func(t *testing.T, cdbBytes []byte, cd, dma bool) {
		var cdb [12]byte
		copy(cdb[:], cdbBytes)
		cc := &captureConn{}
		floppy, _ := newMedium(&Image{R: bytes.NewReader(make([]byte, 10*512)), Size: 10 * 512}, 512)
		cdm, _ := newMedium(&Image{R: bytes.NewReader(make([]byte, 3*2048+5)), Size: 3*2048 + 5}, 2048)
		d := &IDER{
			c:     &conn{nc: cc, log: slog.New(slog.DiscardHandler)},
			chunk: 1024, buf: make([]byte, wire.DataToHostPrefixLen+1024), scratch: make([]byte, 0, 512),
			drives: [2]*drive{{m: floppy, dev: wire.DeviceFloppy}, {m: cdm, dev: wire.DeviceCD}},
		}
		dev := byte(wire.DeviceFloppy)
		if cd {
			dev = wire.DeviceCD
		}
		raw := wire.CommandWritten(0, dev, dma, cdb[:])
		cmd, err := wire.ParseCommand(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.handle(cmd); err != nil {
			t.Fatal(err)
		}
		fr := wire.NewFrameReader(&cc.out)
		seq := uint32(0)
		total := 0
		for {
			fm, err := fr.Next()
			if err != nil {
				t.Fatalf("answer %d: %v", seq, err)
			}
			if wire.Seq(fm.Raw) != seq {
				t.Fatalf("sequence %d, want %d", wire.Seq(fm.Raw), seq)
			}
			seq++
			switch fm.Op {
			case wire.OpIDERCommandEnd:
				if cc.out.Len() != 0 || total != 0 {
					t.Fatal("COMMAND_END after data or followed by more")
				}
				return
			case wire.OpIDERDataToHost:
				data, last := wire.DataToHostPayload(fm.Raw)
				total += len(data)
				if len(data) > d.chunk {
					t.Fatalf("chunk of %d bytes", len(data))
				}
				if last {
					if cc.out.Len() != 0 {
						t.Fatal("messages after the last chunk")
					}
					if total > 10*512+2048*4 {
						t.Fatalf("%d bytes answered", total)
					}
					return
				}
			default:
				t.Fatalf("unexpected answer 0x%02x", fm.Op)
			}
		}
	})
}
