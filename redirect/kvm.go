package redirect

import (
	"bufio"
	"context"
	"net"

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
	s.fr.KVM = true
	err = startService(ctx, s, op, func() error {
		return c.request(ctx, s, op, wire.Header8(wire.OpIDERStart, 0, 0), wire.OpIDERStartReply, "the device refused KVM")
	})
	if err != nil {
		return nil, err
	}
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
