package filter

import (
	"fmt"
	"net/netip"
	"time"
)

// Direction is the way a packet travels through the computer's network
// interface, seen from the computer.
type Direction uint8

const (
	// Receive is inbound traffic: from the network to the computer.
	Receive Direction = iota + 1
	// Transmit is outbound traffic: from the computer to the network.
	Transmit
)

// String returns "receive" or "transmit".
func (d Direction) String() string {
	switch d {
	case Receive:
		return "receive"
	case Transmit:
		return "transmit"
	}
	return fmt.Sprintf("direction(%d)", uint8(d))
}

// Action is what a rule (or a default) does with the packets it matches.
type Action uint8

const (
	// Pass lets the packet through.
	Pass Action = iota + 1
	// Drop discards the packet.
	Drop
	// RateLimit lets matching packets through up to Rule.Rate packets per
	// second and drops the rest. AMT documents that its rate limits are not
	// exact.
	RateLimit
)

// String returns "pass", "drop" or "rate-limit" (the words of the XML file).
func (a Action) String() string {
	switch a {
	case Pass:
		return "pass"
	case Drop:
		return "drop"
	case RateLimit:
		return "rate-limit"
	}
	return fmt.Sprintf("action(%d)", uint8(a))
}

// Protocol is an IP protocol number (IANA "Assigned Internet Protocol
// Numbers"); AnyProtocol matches every protocol.
type Protocol uint8

// Protocols a policy commonly names.
const (
	AnyProtocol Protocol = 0
	ICMP        Protocol = 1
	TCP         Protocol = 6
	UDP         Protocol = 17
	ICMPv6      Protocol = 58
)

// String returns "any", "icmp", "tcp", "udp", "icmpv6" or the number.
func (p Protocol) String() string {
	switch p {
	case AnyProtocol:
		return "any"
	case ICMP:
		return "icmp"
	case TCP:
		return "tcp"
	case UDP:
		return "udp"
	case ICMPv6:
		return "icmpv6"
	}
	return fmt.Sprintf("%d", uint8(p))
}

// hasPorts reports whether packets of p carry port numbers.
func (p Protocol) hasPorts() bool { return p == TCP || p == UDP }

// EtherTypes a policy commonly names (IEEE 802 numbers; the reference gives
// 2048 IP and 2054 ARP for AMT_Hdr8021Filter.HdrProtocolID8021).
const (
	EtherTypeIPv4 uint16 = 0x0800
	EtherTypeARP  uint16 = 0x0806
	EtherTypeIPv6 uint16 = 0x86DD
)

// TCPFlags is a set of TCP header flags, with the bit values of the TCP
// header's flag byte (RFC 793/9293).
type TCPFlags uint8

// The TCP flags.
const (
	FIN TCPFlags = 1 << iota
	SYN
	RST
	PSH
	ACK
	URG
)

// AntiSpoofing is the policy's anti-spoofing mode, with the values of
// AMT_SystemDefensePolicy.AntiSpoofingSupport (reference amt_wsman.md §2(d)).
// With any mode other than AntiSpoofingOff, transmitted packets whose source
// address is not the computer's own are dropped before any rule is consulted.
type AntiSpoofing uint8

// Anti-spoofing modes.
const (
	AntiSpoofingOff           AntiSpoofing = 0
	AntiSpoofingEvent         AntiSpoofing = 1 // on, with an event on match
	AntiSpoofingCount         AntiSpoofing = 2 // on, counting matches
	AntiSpoofingCountAndEvent AntiSpoofing = 3 // on, counting and event
	AntiSpoofingOn            AntiSpoofing = 4 // on, without counting or event
)

// PortRange is an inclusive range of TCP/UDP ports. The zero value matches
// every port.
type PortRange struct {
	First, Last uint16
}

// Ports returns the range of the single port p.
func Ports(p uint16) PortRange { return PortRange{First: p, Last: p} }

// Any reports whether r is the zero range, which matches every port.
func (r PortRange) Any() bool { return r == PortRange{} }

// Contains reports whether port p is in r.
func (r PortRange) Contains(p uint16) bool { return r.Any() || (r.First <= p && p <= r.Last) }

// String returns "80", "50120-50124" or "" for any.
func (r PortRange) String() string {
	switch {
	case r.Any():
		return ""
	case r.First == r.Last:
		return fmt.Sprintf("%d", r.First)
	}
	return fmt.Sprintf("%d-%d", r.First, r.Last)
}

// IPMatch is the part of a rule that looks at IP headers (it becomes an
// AMT_IPHeadersFilter).
type IPMatch struct {
	// Version is 4 or 6 (AMT_IPHeadersFilter.HdrIPVersion).
	Version uint8
	// Src and Dst constrain the packet's source and destination address;
	// the zero AddrMatch matches every address.
	Src, Dst AddrMatch
	// Protocol constrains the IP protocol; AnyProtocol matches all.
	Protocol Protocol
	// SrcPorts and DstPorts constrain TCP/UDP ports (zero: any).
	SrcPorts, DstPorts PortRange
	// FlagsOn must all be set and FlagsOff must all be clear in a TCP
	// packet's flags (AMT TCPFlagsOn / TCPFlagsOff).
	FlagsOn, FlagsOff TCPFlags
}

// EtherMatch is the part of a rule that looks at the Ethernet header (it
// becomes an AMT_Hdr8021Filter).
type EtherMatch struct {
	// EtherType is the protocol ID (AMT HdrProtocolID8021), e.g. 0x0806 ARP.
	EtherType uint16
}

// Rule is one filter of a policy. Exactly one of IP and Ether is set.
type Rule struct {
	// Name identifies the rule in findings, verification reports and on the
	// device (it becomes the filter's ElementName). Unique within a policy.
	Name string
	// Direction is the traffic the rule looks at.
	Direction Direction
	// Action is what happens to matching packets.
	Action Action
	// Rate is the packets-per-second limit of a RateLimit rule.
	Rate uint32
	// Count asks the device to count matches (not with RateLimit).
	Count bool
	// MatchEvent asks the device to raise an event on match.
	MatchEvent bool
	// IP is set for an IP-header rule.
	IP *IPMatch
	// Ether is set for an Ethernet (802.1) rule.
	Ether *EtherMatch
}

// DefaultAction is what happens to the packets of one direction that no rule
// matched.
type DefaultAction struct {
	// Action is Pass or Drop.
	Action Action
	// Count asks the device to count such packets.
	Count bool
	// MatchEvent asks the device to raise an event for such packets.
	MatchEvent bool
}

// Policy is a System Defense policy: ordered rules, the first matching rule
// decides (rule order is precedence within the policy), then the default of
// the packet's direction.
type Policy struct {
	// Name is the policy's name (AMT_SystemDefensePolicy.PolicyName).
	Name string
	// Precedence orders policies on the device: when several are enabled the
	// highest wins (AMT_SystemDefensePolicy.PolicyPrecedence).
	Precedence uint32
	// AntiSpoofing drops transmitted packets with a forged source address.
	AntiSpoofing AntiSpoofing
	// Timeout, when not zero, is how long the device keeps the policy
	// (AMT_SystemDefensePolicy.SetTimeout); whole seconds.
	Timeout time.Duration
	// Rules in precedence order: the first rule matching a packet decides.
	Rules []Rule
	// Receive and Transmit are the defaults per direction.
	Receive, Transmit DefaultAction
}

// Default returns the default of direction d.
func (p *Policy) Default(d Direction) DefaultAction {
	if d == Transmit {
		return p.Transmit
	}
	return p.Receive
}

// Clone returns a deep copy of p.
func (p *Policy) Clone() *Policy {
	c := *p
	c.Rules = make([]Rule, len(p.Rules))
	for i, r := range p.Rules {
		if r.IP != nil {
			ip := *r.IP
			r.IP = &ip
		}
		if r.Ether != nil {
			e := *r.Ether
			r.Ether = &e
		}
		c.Rules[i] = r
	}
	return &c
}

// Rule returns the rule named name, or nil.
func (p *Policy) Rule(name string) *Rule {
	for i := range p.Rules {
		if p.Rules[i].Name == name {
			return &p.Rules[i]
		}
	}
	return nil
}

// hostAddr is a helper for policies built from a single address.
func hostAddr(a netip.Addr) AddrMatch { return AddrMatch{Addr: a} }
