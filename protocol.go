package oobkit

import (
	"fmt"
	"strings"
)

// Protocol names a management technology.
type Protocol string

// The protocols oobkit speaks.
const (
	AMT         Protocol = "amt"         // Intel AMT over WS-Management (16992/16993)
	DASH        Protocol = "dash"        // DMTF DASH over WS-Management (623/664)
	IPMI        Protocol = "ipmi"        // IPMI v2.0 RMCP+ (623/udp)
	WMI         Protocol = "wmi"         // Windows Management over WinRM (5985/5986)
	SNMP        Protocol = "snmp"        // SNMP v1/v2c/v3 (161/udp, traps 162/udp)
	Redirection Protocol = "redirection" // AMT redirection: SOL, IDE-R, KVM (16994/16995)
	// ASF is DMTF Alert Standard Format 2.0 (DSP0136) over RMCP: presence
	// ping, system state and remote control on UDP 623 (the "compatibility"
	// port 026Fh) and, with the RMCP security extensions, UDP 664 (the
	// secure port 0298h).
	ASF Protocol = "asf"
)

// Protocols lists every protocol in the default preference order for
// out-of-band work.
var Protocols = []Protocol{AMT, DASH, IPMI, WMI, SNMP, Redirection, ASF}

// ParseProtocol returns the protocol named s (case-insensitive), or an error
// wrapping [ErrInvalidArgument] that lists the known names.
func ParseProtocol(s string) (Protocol, error) {
	p := Protocol(strings.ToLower(strings.TrimSpace(s)))
	if p.Valid() {
		return p, nil
	}
	names := make([]string, len(Protocols))
	for i, q := range Protocols {
		names[i] = string(q)
	}
	return "", fmt.Errorf("%w: unknown protocol %q (known: %s)", ErrInvalidArgument, s, strings.Join(names, ", "))
}

// Valid reports whether p is one of [Protocols].
func (p Protocol) Valid() bool {
	for _, q := range Protocols {
		if p == q {
			return true
		}
	}
	return false
}

// DefaultPort returns the well-known port of p, with or without TLS. It
// returns 0 for an unknown protocol.
func (p Protocol) DefaultPort(tls bool) int {
	switch p {
	case AMT:
		if tls {
			return 16993
		}
		return 16992
	case DASH:
		if tls {
			return 664
		}
		return 623
	case IPMI:
		return 623
	case WMI:
		if tls {
			return 5986
		}
		return 5985
	case SNMP:
		return 161
	case Redirection:
		if tls {
			return 16995
		}
		return 16994
	case ASF:
		// "tls" selects the RMCP security extensions' port (DSP0136 §3.2.3).
		if tls {
			return 664
		}
		return 623
	}
	return 0
}
