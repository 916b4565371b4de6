package snmptest

import (
	"testing"

	"github.com/oobkit/oobkit/internal/peer"
)

// Agent is a running snmpd, as StartAgent returns it.
//
// Deprecated: use NewServer, whose Server has Addr, Port, Dir, Target and
// Credential.
type Agent struct {
	// Addr is "ip:port" (127.0.0.1 unless started with StartAgentAt).
	Addr string
	// Port is the UDP port.
	Port int
	// Dir is the temporary directory with the config and log.
	Dir string
}

// StartAgent starts snmpd on a free 127.0.0.1 port and stops it in
// t.Cleanup; a missing snmpd fails or skips the test (internal/peer).
//
// Deprecated: use NewServer(Config{}).
func StartAgent(t testing.TB) *Agent {
	t.Helper()
	return StartAgentAt(t, "127.0.0.1")
}

// StartAgentAt is StartAgent on another loopback address (127.0.0.0/8).
//
// Deprecated: use NewServer(Config{IP: ip}).
func StartAgentAt(t testing.TB, ip string) *Agent {
	t.Helper()
	s, err := NewServer(Config{IP: ip})
	peer.Check(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return &Agent{Addr: s.Addr(), Port: s.Port(), Dir: s.Dir()}
}
