package amttest

import (
	"net"
	"strconv"

	"github.com/oobkit/oobkit"
)

// Server is one simulated device on its own loopback listener, for
// examples, oobsim and tests that need a real port.
type Server struct {
	*Device
	tls bool
}

// NewServer starts a device for cfg on 127.0.0.1, over TLS with a fresh
// self-signed certificate when cfg.TLS is set and over plain HTTP
// otherwise; Close stops it. A device of firmware 16.1 and later served
// over plain HTTP closes every connection unanswered, as its plain port does
// not listen (Generation.TLSOnly).
func NewServer(cfg Config) (*Server, error) {
	useTLS := cfg.TLS
	d := NewDevice(cfg)
	var err error
	if useTLS {
		err = d.srv.StartTLS()
	} else {
		err = d.srv.Start()
	}
	if err != nil {
		return nil, err
	}
	return &Server{Device: d, tls: useTLS}, nil
}

// URL is the WS-Management endpoint.
func (s *Server) URL() string { return s.srv.URL() }

// Fingerprint is the hex SHA-256 of the TLS certificate ("" without TLS).
func (s *Server) Fingerprint() string { return s.srv.Fingerprint() }

// Target returns a target for the device: 127.0.0.1 with the AMT port
// overridden to the listener's.
func (s *Server) Target() oobkit.Target {
	host, port, _ := net.SplitHostPort(s.srv.Addr())
	n, _ := strconv.Atoi(port)
	return oobkit.Target{Name: s.cfg.HostName, Address: host, Ports: map[oobkit.Protocol]int{oobkit.AMT: n}}
}

// Credential returns the credential the device accepts; over TLS it pins
// the device's certificate.
func (s *Server) Credential() oobkit.Credential {
	c := oobkit.UserPassword(s.cfg.Username, s.cfg.Password)
	if s.tls {
		c.TLS = oobkit.TLSSettings{Enabled: true, PinnedSHA256: s.Fingerprint()}
	}
	return c
}

// Close waits for the alerts being delivered, then stops the listener.
func (s *Server) Close() error {
	s.WaitAlerts()
	return s.srv.Close()
}
