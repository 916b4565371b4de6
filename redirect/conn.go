package redirect

import (
	"bufio"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/oobkit/oobkit/redirect/internal/wire"
)

// conn is one authenticated redirection connection: a framed reader used by
// one goroutine and a writer serialised by a mutex.
type conn struct {
	nc      net.Conn // TLS or TCP
	raw     net.Conn // the TCP connection: closing it never blocks behind a stuck TLS write
	fr      *wire.FrameReader
	log     *slog.Logger
	timeout time.Duration

	wmu sync.Mutex
}

func newConn(nc, raw net.Conn, cfg config) *conn {
	// Messages from the device are small (commands, SOL output), so a small
	// read buffer keeps per-session memory low.
	return &conn{nc: nc, raw: raw, fr: wire.NewFrameReader(bufio.NewReaderSize(nc, 4096)), log: cfg.log, timeout: cfg.timeout}
}

// close drops the connection at once.
func (c *conn) close() error { return c.raw.Close() }

// write sends one message whole.
func (c *conn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeLocked(b)
}

// writeLocked sends b with the write timeout; the caller holds wmu.
func (c *conn) writeLocked(b []byte) error {
	if c.timeout > 0 {
		_ = c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
	}
	_, err := c.nc.Write(b)
	return err
}

// expect reads the next message and checks its opcode.
func (c *conn) expect(op string, want byte) (wire.Frame, error) {
	f, err := c.fr.Next()
	if err != nil {
		return f, ioErr(op, err)
	}
	if f.Op != want {
		return f, protoErr(op, fmt.Sprintf("expected message 0x%02x, got 0x%02x", want, f.Op))
	}
	return f, nil
}

func protoErr(op, msg string) error { return wire.ProtoErr(op, msg) }
