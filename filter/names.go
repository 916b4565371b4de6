package filter

import (
	"fmt"
	"strconv"
	"strings"
)

var flagNames = [...]struct {
	f    TCPFlags
	name string
}{{FIN, "fin"}, {SYN, "syn"}, {RST, "rst"}, {PSH, "psh"}, {ACK, "ack"}, {URG, "urg"}}

// String returns the flags as "syn,ack" ("" for none), bits 0x40 and 0x80
// (ECE, CWR) as their numbers.
func (f TCPFlags) String() string {
	var parts []string
	for _, n := range flagNames {
		if f&n.f != 0 {
			parts = append(parts, n.name)
			f &^= n.f
		}
	}
	for bit := TCPFlags(0x40); bit != 0; bit <<= 1 {
		if f&bit != 0 {
			parts = append(parts, fmt.Sprintf("0x%02x", uint8(bit)))
		}
	}
	return strings.Join(parts, ",")
}

// ParseTCPFlags parses what TCPFlags.String writes (case-insensitive).
func ParseTCPFlags(s string) (TCPFlags, error) {
	var f TCPFlags
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		found := false
		for _, n := range flagNames {
			if part == n.name {
				f |= n.f
				found = true
			}
		}
		if !found {
			v, err := strconv.ParseUint(part, 0, 8)
			if err != nil || (v != 0x40 && v != 0x80) {
				return 0, fmt.Errorf("unknown TCP flag %q (want fin, syn, rst, psh, ack, urg, 0x40, 0x80)", part)
			}
			f |= TCPFlags(v)
		}
	}
	return f, nil
}

// ParseDirection parses "receive" or "transmit".
func ParseDirection(s string) (Direction, error) {
	switch s {
	case "receive":
		return Receive, nil
	case "transmit":
		return Transmit, nil
	}
	return 0, fmt.Errorf("unknown direction %q (want receive or transmit)", s)
}

// ParseAction parses "pass", "drop" or "rate-limit".
func ParseAction(s string) (Action, error) {
	for _, a := range [...]Action{Pass, Drop, RateLimit} {
		if s == a.String() {
			return a, nil
		}
	}
	return 0, fmt.Errorf("unknown action %q (want pass, drop or rate-limit)", s)
}

// ParseProtocol parses "any", "icmp", "tcp", "udp", "icmpv6" or a number
// 0…255.
func ParseProtocol(s string) (Protocol, error) {
	for _, p := range [...]Protocol{AnyProtocol, ICMP, TCP, UDP, ICMPv6} {
		if s == p.String() {
			return p, nil
		}
	}
	v, err := strconv.ParseUint(s, 10, 8)
	if err != nil {
		return 0, fmt.Errorf("unknown protocol %q (want any, icmp, tcp, udp, icmpv6 or 0-255)", s)
	}
	return Protocol(v), nil
}

var antiSpoofingNames = map[AntiSpoofing]string{
	AntiSpoofingOff: "off", AntiSpoofingEvent: "event", AntiSpoofingCount: "count",
	AntiSpoofingCountAndEvent: "count-event", AntiSpoofingOn: "on",
}

// String returns "off", "event", "count", "count-event" or "on".
func (a AntiSpoofing) String() string {
	if s, ok := antiSpoofingNames[a]; ok {
		return s
	}
	return fmt.Sprintf("anti-spoofing(%d)", uint8(a))
}

// ParseAntiSpoofing parses what AntiSpoofing.String writes.
func ParseAntiSpoofing(s string) (AntiSpoofing, error) {
	for a, n := range antiSpoofingNames {
		if n == s {
			return a, nil
		}
	}
	return 0, fmt.Errorf("unknown anti-spoofing mode %q (want off, event, count, count-event or on)", s)
}

// ParsePortRange parses "80", "50120-50124" or "" (any).
func ParsePortRange(s string) (PortRange, error) {
	if s == "" {
		return PortRange{}, nil
	}
	first, last, isRange := strings.Cut(s, "-")
	a, err := strconv.ParseUint(strings.TrimSpace(first), 10, 16)
	if err != nil {
		return PortRange{}, fmt.Errorf("bad port %q", first)
	}
	b := a
	if isRange {
		if b, err = strconv.ParseUint(strings.TrimSpace(last), 10, 16); err != nil {
			return PortRange{}, fmt.Errorf("bad port %q", last)
		}
	}
	if b < a {
		return PortRange{}, fmt.Errorf("port range %d-%d ends before it starts", a, b)
	}
	if a == 0 && b == 0 {
		return PortRange{}, fmt.Errorf("port 0 is not a port (leave the attribute out for any port)")
	}
	return PortRange{First: uint16(a), Last: uint16(b)}, nil
}
