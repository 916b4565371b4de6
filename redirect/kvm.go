package redirect

import (
	"bufio"
	"context"
	"net"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/redirect/internal/wire"
)

// OpenKVM starts a KVM session and returns the authenticated channel as a
// raw RFB stream for a VNC library: the first bytes read are the server's
// "RFB 003.008\n". The redirection layer has already authenticated, so the
// RFB security type to choose is 1 (None) (reference §5). Closing the
// returned connection ends the session.
func (c *Client) OpenKVM(ctx context.Context) (net.Conn, error) {
	const op = "start KVM"
	s, err := c.open(ctx, wire.TagKVM)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = s.nc.SetDeadline(time.Unix(1, 0)) })
	c.stepDeadline(ctx, s.nc)
	s.fr.KVM = true
	err = s.write(wire.Header8(wire.OpIDERStart, 0, 0))
	var f wire.Frame
	if err == nil {
		f, err = s.expect(op, wire.OpIDERStartReply)
	} else {
		err = ioErr(op, err)
	}
	if err == nil && f.Raw[1] != 0 {
		err = withCode(classErr(op, oobkit.ErrUnsupported, "the device refused KVM", nil), f.Raw[1])
	}
	if !stop() && err == nil {
		err = classErr(op, oobkit.ErrUnreachable, "session setup interrupted", ctx.Err())
	}
	if err != nil {
		s.close()
		return nil, interrupted(ctx, op, err)
	}
	_ = s.nc.SetDeadline(time.Time{})
	return &rfbConn{Conn: s.nc, r: s.fr.Buffered()}, nil
}

// rfbConn is the session's connection whose reads first drain the bytes the
// frame reader had already buffered.
type rfbConn struct {
	net.Conn
	r *bufio.Reader
}

// Read reads the RFB stream.
func (c *rfbConn) Read(p []byte) (int, error) { return c.r.Read(p) }
