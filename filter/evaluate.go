package filter

import (
	"fmt"
	"net/netip"
)

// Packet describes one packet for Evaluate. A zero Src or Dst address, or a
// zero port, means "unknown": Evaluate then treats a rule that constrains
// that field as possibly matching (see Decision.Uncertain). Verify uses this
// for flows whose peer (a DNS server) or ephemeral port is not known.
type Packet struct {
	// Direction is Receive or Transmit.
	Direction Direction
	// EtherType of the frame; zero means IPv4 or IPv6 according to Src or
	// Dst.
	EtherType uint16
	// Src and Dst are the IP addresses of an IP packet.
	Src, Dst netip.Addr
	// Protocol is the IP protocol.
	Protocol Protocol
	// SrcPort and DstPort are the TCP/UDP ports.
	SrcPort, DstPort uint16
	// Flags are the TCP flags of a TCP packet.
	Flags TCPFlags
	// Spoofed marks a transmitted packet whose source address is not the
	// computer's own; the device decides this from its own view of the
	// host's addresses, so the caller states it.
	Spoofed bool
}

// etherType returns the packet's EtherType, or 0 when it cannot be known.
func (p *Packet) etherType() uint16 {
	if p.EtherType != 0 {
		return p.EtherType
	}
	for _, a := range [...]netip.Addr{p.Src, p.Dst} {
		switch {
		case a.Is4():
			return EtherTypeIPv4
		case a.IsValid():
			return EtherTypeIPv6
		}
	}
	return 0
}

// String describes p in one line, e.g. "transmit tcp 10.0.0.7:49152 -> 10.0.0.5:80 [SYN]".
func (p Packet) String() string {
	et := p.etherType()
	if et != EtherTypeIPv4 && et != EtherTypeIPv6 {
		return fmt.Sprintf("%s ethertype 0x%04x", p.Direction, et)
	}
	s := fmt.Sprintf("%s %s %s -> %s", p.Direction, p.Protocol, endpoint(p.Src, p.SrcPort, p.Protocol), endpoint(p.Dst, p.DstPort, p.Protocol))
	if p.Protocol == TCP && p.Flags != 0 {
		s += " [" + p.Flags.String() + "]"
	}
	return s
}

func endpoint(a netip.Addr, port uint16, proto Protocol) string {
	host := "*"
	if a.IsValid() {
		host = a.String()
	}
	if !proto.hasPorts() {
		return host
	}
	ps := "*"
	if port != 0 {
		ps = fmt.Sprint(port)
	}
	if a.Is6() {
		host = "[" + host + "]"
	}
	return host + ":" + ps
}

// DecidedBy says what kind of thing decided a packet.
type DecidedBy uint8

// What can decide a packet.
const (
	// ByRule: the rule named in Decision.Rule matched first.
	ByRule DecidedBy = iota + 1
	// ByDefault: no rule matched; the direction's default action applied.
	ByDefault
	// ByAntiSpoofing: the packet was transmitted with a forged source
	// address and the policy's anti-spoofing dropped it.
	ByAntiSpoofing
)

// Decision is the outcome of Evaluate.
type Decision struct {
	// Action is what happens to the packet.
	Action Action
	// Rate is the packets-per-second limit when Action is RateLimit.
	Rate uint32
	// By says whether a rule, the default or anti-spoofing decided.
	By DecidedBy
	// Rule is the deciding rule's name (ByRule only) and Index its position.
	Rule  string
	Index int
	// Count and MatchEvent are the decider's counting and event flags.
	Count, MatchEvent bool
	// Uncertain names earlier rules that might match the packet because
	// one of its fields is unknown, and that would decide differently.
	Uncertain []string
}

// Decider names what decided, for reports: the rule's name in quotes,
// "the default receive action", "the default transmit action" or
// "anti-spoofing".
func (d Decision) Decider(dir Direction) string {
	switch d.By {
	case ByRule:
		return fmt.Sprintf("rule %q", d.Rule)
	case ByAntiSpoofing:
		return "anti-spoofing"
	}
	return "the default " + dir.String() + " action"
}

type tri uint8

const (
	no tri = iota
	maybe
	yes
)

func both(a, b tri) tri { return min(a, b) }

// Evaluate returns which rule decides pkt and with what action: anti-spoofing
// first, then the first matching rule in precedence order, then the default
// of the packet's direction. Evaluate does not change the policy and is safe
// for concurrent use with other readers.
func (p *Policy) Evaluate(pkt Packet) Decision {
	if pkt.Direction == Transmit && pkt.Spoofed && p.AntiSpoofing != AntiSpoofingOff {
		return Decision{Action: Drop, By: ByAntiSpoofing, Index: -1,
			Count:      p.AntiSpoofing == AntiSpoofingCount || p.AntiSpoofing == AntiSpoofingCountAndEvent,
			MatchEvent: p.AntiSpoofing == AntiSpoofingEvent || p.AntiSpoofing == AntiSpoofingCountAndEvent}
	}
	var maybes []int
	for i := range p.Rules {
		r := &p.Rules[i]
		switch r.match(&pkt) {
		case yes:
			d := Decision{Action: r.Action, Rate: r.Rate, By: ByRule, Rule: r.Name, Index: i, Count: r.Count, MatchEvent: r.MatchEvent}
			d.Uncertain = p.differing(maybes, d.Action)
			return d
		case maybe:
			maybes = append(maybes, i)
		}
	}
	def := p.Default(pkt.Direction)
	d := Decision{Action: def.Action, By: ByDefault, Index: -1, Count: def.Count, MatchEvent: def.MatchEvent}
	d.Uncertain = p.differing(maybes, d.Action)
	return d
}

func (p *Policy) differing(idx []int, a Action) []string {
	var names []string
	for _, i := range idx {
		if p.Rules[i].Action != a {
			names = append(names, p.Rules[i].Name)
		}
	}
	return names
}

// match reports whether r matches pkt: yes, no, or maybe (pkt leaves a field
// r constrains unknown).
func (r *Rule) match(pkt *Packet) tri {
	if r.Direction != pkt.Direction {
		return no
	}
	et := pkt.etherType()
	if r.Ether != nil {
		switch {
		case et == 0:
			return maybe
		case et == r.Ether.EtherType:
			return yes
		}
		return no
	}
	if r.IP == nil {
		return no
	}
	m := r.IP
	switch {
	case et == EtherTypeIPv4 && m.Version == 4, et == EtherTypeIPv6 && m.Version == 6:
	default:
		return no
	}
	if m.Protocol != AnyProtocol && m.Protocol != pkt.Protocol {
		return no
	}
	res := both(addrMatch(m.Src, pkt.Src), addrMatch(m.Dst, pkt.Dst))
	if res == no {
		return no
	}
	if !m.SrcPorts.Any() || !m.DstPorts.Any() {
		if !pkt.Protocol.hasPorts() {
			return no
		}
		res = both(res, both(portMatch(m.SrcPorts, pkt.SrcPort), portMatch(m.DstPorts, pkt.DstPort)))
	}
	if m.FlagsOn != 0 || m.FlagsOff != 0 {
		if pkt.Protocol != TCP || pkt.Flags&m.FlagsOn != m.FlagsOn || pkt.Flags&m.FlagsOff != 0 {
			return no
		}
	}
	return res
}

func addrMatch(m AddrMatch, a netip.Addr) tri {
	switch {
	case m.Any():
		return yes
	case !a.IsValid():
		return maybe
	case m.Contains(a):
		return yes
	}
	return no
}

func portMatch(r PortRange, port uint16) tri {
	switch {
	case r.Any() || (r.First == 0 && r.Last == 65535):
		return yes
	case port == 0:
		return maybe
	case r.Contains(port):
		return yes
	}
	return no
}
