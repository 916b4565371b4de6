package redirecttest

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/oobkit/oobkit/redirect/internal/wire"
)

// serveKVM answers the 8-byte KVM start and hands the rest of the
// connection to the RFB server (reference §5).
func (s *Server) serveKVM(c *devConn) error {
	c.fr.KVM = true
	f, err := c.fr.Next()
	if err != nil {
		return err
	}
	if f.Op != wire.OpIDERStart {
		return fmt.Errorf("expected KVM start, got 0x%02x", f.Op)
	}
	if err := c.write(wire.Header8(wire.OpIDERStartReply, 0, 0)); err != nil {
		return err
	}
	conn := &bufConn{Conn: c.nc, r: c.fr.Buffered()}
	if s.cfg.KVM != nil {
		return s.cfg.KVM(conn)
	}
	return rfbServer(conn, RFBVersion(s.cfg.AMTVersion))
}

type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// RFBServer is a minimal RFB 3.8 server (RFC 6143): version, security type
// None, a 640×480 32-bit desktop named "oobkit KVM"; then it reads and
// discards client messages until the connection closes.
func RFBServer(conn net.Conn) error { return rfbServer(conn, rfb38) }

// rfbServer is RFBServer announcing version (RFBVersion); the viewer's
// answer is read and the session goes on in RFB 3.8.
func rfbServer(conn net.Conn, version string) error {
	if _, err := io.WriteString(conn, version); err != nil {
		return err
	}
	ver := make([]byte, 12)
	if _, err := io.ReadFull(conn, ver); err != nil {
		return err
	}
	if !strings.HasPrefix(string(ver), "RFB 003.") {
		return fmt.Errorf("viewer version %q: only RFB 3.x is served", ver)
	}
	if _, err := conn.Write([]byte{1, 1}); err != nil { // one security type: None
		return err
	}
	choice := make([]byte, 1)
	if _, err := io.ReadFull(conn, choice); err != nil {
		return err
	}
	if choice[0] != 1 {
		return fmt.Errorf("client chose security type %d", choice[0])
	}
	if _, err := conn.Write([]byte{0, 0, 0, 0}); err != nil { // SecurityResult OK
		return err
	}
	if _, err := io.ReadFull(conn, choice); err != nil { // ClientInit shared flag
		return err
	}
	name := "oobkit KVM"
	init := make([]byte, 24, 24+len(name))
	binary.BigEndian.PutUint16(init[0:], 640)
	binary.BigEndian.PutUint16(init[2:], 480)
	copy(init[4:20], []byte{32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0})
	binary.BigEndian.PutUint32(init[20:], uint32(len(name)))
	init = append(init, name...)
	if _, err := conn.Write(init); err != nil {
		return err
	}
	_, err := io.Copy(io.Discard, conn)
	return err
}
