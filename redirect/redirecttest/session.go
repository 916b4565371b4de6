package redirecttest

import (
	"fmt"
	"net"
	"slices"
	"sync"

	"github.com/oobkit/oobkit/internal/digest"
	"github.com/oobkit/oobkit/redirect/internal/wire"
)

// devConn is the device side of one connection.
type devConn struct {
	nc  net.Conn // TLS or TCP, for reading and writing
	raw net.Conn // the TCP connection, for closing: closing a tls.Conn can block behind a stuck write
	fr  *wire.FrameReader
	wmu sync.Mutex
	seq uint32 // device → client sequence for IDE-R, guarded by wmu
}

func (c *devConn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.nc.Write(b)
	return err
}

// serve runs one connection: session start, authentication, then the
// session kind's service.
func (s *Server) serve(nc, raw net.Conn) error {
	c := &devConn{nc: nc, raw: raw, fr: wire.NewFrameReader(nc)}
	f, err := c.fr.Next()
	if err != nil {
		return err
	}
	if f.Op != wire.OpStartSession {
		return fmt.Errorf("first message 0x%02x, want 0x10", f.Op)
	}
	kind, ok := kindOf(string(f.Raw[4:8]))
	if !ok {
		s.refused.Add(1)
		return c.write(wire.StartSessionReply(wire.StartTypeUnknown))
	}
	sl, st := s.claim(kind, c)
	if st != wire.StartOK {
		s.refused.Add(1)
		return c.write(wire.StartSessionReply(st))
	}
	defer s.release(sl)
	s.sessions.Add(1)
	if err := c.write(wire.StartSessionReply(wire.StartOK)); err != nil {
		return err
	}
	if err := s.authenticate(c); err != nil {
		return err
	}
	switch kind {
	case SOL:
		return s.serveSOL(c)
	case IDER:
		return s.serveIDER(c)
	default:
		return s.serveKVM(c)
	}
}

// errAuth ends a connection whose credential was refused.
var errAuth = fmt.Errorf("redirecttest: authentication failed")

// authenticate answers AuthenticateSession messages until one succeeds or
// fails (reference §2.4).
func (s *Server) authenticate(c *devConn) error {
	offered := []byte{}
	if !s.cfg.NoDigest {
		offered = append(offered, wire.AuthDigest)
	}
	if s.cfg.Legacy {
		offered = append(offered, wire.AuthPassword)
	}
	if s.krb.Load() != nil {
		offered = append(offered, wire.AuthKerberos)
	}
	for {
		f, err := c.fr.Next()
		if err != nil {
			return err
		}
		if f.Op != wire.OpAuthenticate {
			return fmt.Errorf("message 0x%02x before authentication", f.Op)
		}
		_, typ, data := wire.AuthFields(f.Raw)
		switch {
		case typ == wire.AuthQuery:
			if err := c.write(wire.Auth(wire.OpAuthenticateReply, 0, 0, offered)); err != nil {
				return err
			}
		case typ == wire.AuthPassword && slices.Contains(offered, typ):
			fields, err := wire.SplitLP(data)
			ok := err == nil && len(fields) == 2 && s.passwordOK(fields[0], fields[1])
			return s.authReply(c, typ, ok)
		case typ == wire.AuthDigest && slices.Contains(offered, typ):
			d, err := wire.ParseDigestFields(data)
			if err != nil {
				return s.authReply(c, typ, false)
			}
			if d.Response == "" && d.Nonce == "" {
				ch := s.digest.NewChallenge(false)
				qop := ""
				if len(ch.Qop) > 0 {
					qop = ch.Qop[0]
				}
				msg := wire.Auth(wire.OpAuthenticateReply, wire.AuthStatusFailure, wire.AuthDigest, wire.LP(nil, ch.Realm, ch.Nonce, qop))
				if err := c.write(msg); err != nil {
					return err
				}
				continue
			}
			pw, known := s.cfg.Users[d.User]
			r := digest.Response{Username: d.User, Realm: d.Realm, Nonce: d.Nonce, URI: d.URI,
				Qop: d.Qop, NC: d.NC, CNonce: d.CNonce, Response: d.Response}
			ok := known && s.digest.Check(r, digest.Request{Method: wire.DigestMethod, URI: wire.DigestURI}, pw) == nil
			return s.authReply(c, typ, ok)
		case typ == wire.AuthKerberos && slices.Contains(offered, typ):
			return s.kerberosAuth(c, data)
		default:
			if err := c.write(wire.Auth(wire.OpAuthenticateReply, wire.AuthStatusUnsupported, typ, nil)); err != nil {
				return err
			}
		}
	}
}

func (s *Server) passwordOK(user, pass string) bool {
	pw, ok := s.cfg.Users[user]
	return ok && pw == pass
}

func (s *Server) authReply(c *devConn, typ byte, ok bool) error {
	if !ok {
		s.authFailures.Add(1)
		_ = c.write(wire.Auth(wire.OpAuthenticateReply, wire.AuthStatusFailure, typ, nil))
		return errAuth
	}
	return c.write(wire.Auth(wire.OpAuthenticateReply, wire.AuthStatusOK, typ, nil))
}
