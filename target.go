package oobkit

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Target is one managed computer. A target knows nothing of credentials:
// those come from a [Credential], usually resolved through a connection
// profile.
type Target struct {
	// Name is how reports refer to the computer. Empty means Address.
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// Address is a host name or an IP address, without a port.
	Address string `json:"address" yaml:"address"`
	// GUID is the computer's SMBIOS/AMT GUID when known.
	GUID string `json:"guid,omitempty" yaml:"guid,omitempty"`
	// Ports overrides the well-known port of a protocol (both plain and TLS).
	Ports map[Protocol]int `json:"ports,omitempty" yaml:"ports,omitempty"`
	// Labels are free-form key/value pairs (site, rack, owner…).
	Labels map[string]string `json:"labels,omitempty" yaml:"labels,omitempty"`
}

// String returns the target's name, or its address when it has no name.
func (t Target) String() string {
	if t.Name != "" {
		return t.Name
	}
	return t.Address
}

// Port returns the port to use for protocol p: the override in Ports if any,
// else the protocol's well-known port.
func (t Target) Port(p Protocol, tls bool) int {
	if n, ok := t.Ports[p]; ok && n > 0 {
		return n
	}
	return p.DefaultPort(tls)
}

// HostPort returns "address:port" for protocol p, bracketing IPv6 addresses.
func (t Target) HostPort(p Protocol, tls bool) string {
	return net.JoinHostPort(t.Address, strconv.Itoa(t.Port(p, tls)))
}

// Validate reports a clear error (wrapping [ErrInvalidArgument]) when the
// target cannot be used: no address, an address with a port or spaces, or a
// port override out of range.
func (t Target) Validate() error {
	if strings.TrimSpace(t.Address) == "" {
		return fmt.Errorf("%w: target %q has no address", ErrInvalidArgument, t.Name)
	}
	if strings.ContainsAny(t.Address, " \t\r\n/") {
		return fmt.Errorf("%w: target address %q is not a host name or IP address", ErrInvalidArgument, t.Address)
	}
	if _, _, err := net.SplitHostPort(t.Address); err == nil && net.ParseIP(t.Address) == nil {
		return fmt.Errorf("%w: target address %q must not carry a port; use Ports", ErrInvalidArgument, t.Address)
	}
	for p, n := range t.Ports {
		if n < 1 || n > 65535 {
			return fmt.Errorf("%w: target %s: port %d for %s is out of range", ErrInvalidArgument, t, n, p)
		}
	}
	return nil
}
