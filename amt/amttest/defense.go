package amttest

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// The simulator's own System Defense engine: it reads the AMT_IPHeadersFilter,
// AMT_Hdr8021Filter and AMT_SystemDefensePolicy properties as the device
// stored them and decides packets from them, per the Intel AMT SDK class
// reference (AMT_IPHeadersFilter:
// https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/HTMLDocuments/WS-Management_Class_Reference/AMT_IPHeadersFilter.htm,
// AMT_Hdr8021Filter, AMT_SystemDefensePolicy in the same directory) and the
// System Defense overview ("filters are evaluated in the order of the
// policy's FilterCreationHandles; the first matching filter decides, else the
// policy's default Tx/Rx action":
// https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/default.htm?turl=WordDocuments%2Fsystemdefensefeatures.htm).

// Class and property names of System Defense (Intel AMT SDK).
const (
	classIPFilter         = "AMT_IPHeadersFilter"
	classEtherFilter      = "AMT_Hdr8021Filter"
	classDefensePolicy    = "AMT_SystemDefensePolicy"
	propCreationHandles   = "FilterCreationHandles"
	filterDirTransmit     = 0 // FilterDirection 0: outgoing
	filterDirReceive      = 1 // FilterDirection 1: incoming
	profilePassCount      = 0 // FilterProfile 0: pass and count
	profileDropCount      = 1 // 1: drop and count
	profileRateLimit      = 2 // 2: rate limit (FilterProfileData packets/s)
	profilePass           = 3 // 3: pass
	profileDrop           = 4 // 4: drop
	antiSpoofingOff       = 0 // AntiSpoofingSupport 0: off
	antiSpoofingEvent     = 1 // 1: on, event on match
	antiSpoofingCount     = 2 // 2: on, count
	antiSpoofingCountEvnt = 3 // 3: on, count and event
)

// Interface is a network interface System Defense filters: the wired port
// (CIM_EthernetPort "Intel(r) AMT Ethernet Port 0") or the wireless one
// ("… Port 1").
type Interface int

// The filtered interfaces.
const (
	Wired    Interface = 0
	Wireless Interface = 1
)

// DeviceID is the CIM_EthernetPort DeviceID of the interface.
func (i Interface) DeviceID() string { return "Intel(r) AMT Ethernet Port " + strconv.Itoa(int(i)) }

// String is "wired" or "wireless".
func (i Interface) String() string {
	if i == Wireless {
		return "wireless"
	}
	return "wired"
}

// Action is what the device does with a packet.
type Action int

// Actions.
const (
	Pass Action = iota + 1
	Drop
	RateLimit
)

// String names the action.
func (a Action) String() string {
	switch a {
	case Pass:
		return "pass"
	case Drop:
		return "drop"
	case RateLimit:
		return "rate-limit"
	}
	return "action(" + strconv.Itoa(int(a)) + ")"
}

// DecidedBy says what decided a packet.
type DecidedBy int

// Deciders.
const (
	ByRule DecidedBy = iota + 1
	ByDefault
	ByAntiSpoofing
)

// Packet is one packet the device sees. EtherType 0 means IPv4 or IPv6 as
// Src says.
type Packet struct {
	// Transmit is true for a packet the host sends, false for one it receives.
	Transmit bool
	// EtherType of the frame.
	EtherType uint16
	// Src and Dst are the IP addresses.
	Src, Dst netip.Addr
	// Protocol is the IP protocol number (6 TCP, 17 UDP, 1 ICMP).
	Protocol uint8
	// SrcPort and DstPort are the TCP/UDP ports.
	SrcPort, DstPort uint16
	// Flags are the TCP flags (FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32).
	Flags uint8
	// Spoofed marks a transmitted packet with a source address not the host's.
	Spoofed bool
}

// Decision is what the device decided for a packet.
type Decision struct {
	// Action is what happens to the packet, Rate its limit for RateLimit.
	Action Action
	Rate   uint32
	// By says what decided; Rule (the filter's ElementName, or "filter-<n>")
	// and Index (its 0-based position) are set for ByRule.
	By    DecidedBy
	Rule  string
	Index int
	// Count and MatchEvent are the decider's counting and event flags.
	Count, MatchEvent bool
}

// DefenseFilter is one stored filter: its class and properties as sent.
type DefenseFilter struct {
	Class      string
	Properties map[string]string
}

// DefensePolicy is a stored AMT_SystemDefensePolicy: its properties (without
// FilterCreationHandles) and its filters in handle order.
type DefensePolicy struct {
	Properties map[string]string
	Filters    []DefenseFilter
}

func propBool(p map[string]string, name string) bool { return strings.EqualFold(p[name], "true") }

func propUint(p map[string]string, name string) (uint64, bool) {
	v, err := strconv.ParseUint(strings.TrimSpace(p[name]), 10, 32)
	return v, err == nil
}

// propAddr reads an address property: hex octets (4 or 16 bytes) as the
// SDK's octet-string type, or the usual text form.
func propAddr(p map[string]string, name string) (netip.Addr, bool) {
	s := strings.TrimSpace(p[name])
	if s == "" {
		return netip.Addr{}, false
	}
	if b, err := hex.DecodeString(s); err == nil {
		if a, ok := netip.AddrFromSlice(b); ok {
			return a, true
		}
	}
	a, err := netip.ParseAddr(s)
	return a, err == nil
}

// addrOK matches a against the Hdr{Src,Dest}Address / Mask / EndOfRange
// triple; an absent address matches anything.
func addrOK(p map[string]string, addr, mask, end string, a netip.Addr) bool {
	base, ok := propAddr(p, addr)
	if !ok {
		return true
	}
	if !a.IsValid() || a.Is4() != base.Is4() {
		return false
	}
	if hi, ok := propAddr(p, end); ok {
		return a.Compare(base) >= 0 && a.Compare(hi) <= 0
	}
	m, ok := propAddr(p, mask)
	if !ok {
		return a == base
	}
	x, y, mm := a.AsSlice(), base.AsSlice(), m.AsSlice()
	for i := range x {
		if x[i]&mm[i] != y[i]&mm[i] {
			return false
		}
	}
	return true
}

func portOK(p map[string]string, start, end string, port uint16) bool {
	lo, ok := propUint(p, start)
	if !ok {
		return true
	}
	hi, ok := propUint(p, end)
	if !ok {
		hi = lo
	}
	return uint64(port) >= lo && uint64(port) <= hi
}

func (pkt *Packet) etherType() uint16 {
	switch {
	case pkt.EtherType != 0:
		return pkt.EtherType
	case pkt.Src.Is4() || pkt.Dst.Is4():
		return 0x0800
	case pkt.Src.IsValid() || pkt.Dst.IsValid():
		return 0x86dd
	}
	return 0
}

// filterMatches says whether one stored filter matches pkt.
func filterMatches(f DefenseFilter, pkt *Packet) bool {
	p := f.Properties
	dir, _ := propUint(p, "FilterDirection")
	if (dir == filterDirTransmit) != pkt.Transmit {
		return false
	}
	et := pkt.etherType()
	switch f.Class {
	case classEtherFilter:
		v, ok := propUint(p, "HdrProtocolID8021")
		return ok && uint16(v) == et
	case classIPFilter:
	default:
		return false
	}
	ver, _ := propUint(p, "HdrIPVersion")
	if !(ver == 4 && et == 0x0800 || ver == 6 && et == 0x86dd) {
		return false
	}
	if proto, ok := propUint(p, "HdrProtocolID"); ok && uint8(proto) != pkt.Protocol {
		return false
	}
	if !addrOK(p, "HdrSrcAddress", "HdrSrcMask", "HdrSrcAddressEndOfRange", pkt.Src) ||
		!addrOK(p, "HdrDestAddress", "HdrDestMask", "HdrDestAddressEndOfRange", pkt.Dst) {
		return false
	}
	_, hasPorts := p["HdrSrcPortStart"]
	_, hasDst := p["HdrDestPortStart"]
	if hasPorts || hasDst {
		if pkt.Protocol != 6 && pkt.Protocol != 17 {
			return false
		}
		if !portOK(p, "HdrSrcPortStart", "HdrSrcPortEnd", pkt.SrcPort) ||
			!portOK(p, "HdrDestPortStart", "HdrDestPortEnd", pkt.DstPort) {
			return false
		}
	}
	on, _ := propUint(p, "TCPFlagsOn")
	off, _ := propUint(p, "TCPFlagsOff")
	if on != 0 || off != 0 {
		if pkt.Protocol != 6 || uint64(pkt.Flags)&on != on || uint64(pkt.Flags)&off != 0 {
			return false
		}
	}
	return true
}

// decide evaluates pkt: anti-spoofing for a forged transmitted packet, then
// the first matching filter, then the direction's default.
func (p *DefensePolicy) decide(pkt Packet) Decision {
	pp := p.Properties
	if as, _ := propUint(pp, "AntiSpoofingSupport"); pkt.Transmit && pkt.Spoofed && as != antiSpoofingOff {
		return Decision{Action: Drop, By: ByAntiSpoofing, Index: -1,
			Count:      as == antiSpoofingCount || as == antiSpoofingCountEvnt,
			MatchEvent: as == antiSpoofingEvent || as == antiSpoofingCountEvnt}
	}
	for i, f := range p.Filters {
		if !filterMatches(f, &pkt) {
			continue
		}
		d := Decision{By: ByRule, Index: i, Rule: f.Properties["ElementName"], MatchEvent: propBool(f.Properties, "ActionEventOnMatch")}
		if d.Rule == "" {
			d.Rule = fmt.Sprintf("filter-%d", i+1)
		}
		prof, _ := propUint(f.Properties, "FilterProfile")
		switch prof {
		case profilePassCount:
			d.Action, d.Count = Pass, true
		case profileDropCount:
			d.Action, d.Count = Drop, true
		case profileRateLimit:
			rate, _ := propUint(f.Properties, "FilterProfileData")
			d.Action, d.Rate = RateLimit, uint32(rate)
		case profilePass:
			d.Action = Pass
		default:
			d.Action = Drop
		}
		return d
	}
	prefix := "Rx"
	if pkt.Transmit {
		prefix = "Tx"
	}
	d := Decision{Action: Pass, By: ByDefault, Index: -1, Count: propBool(pp, prefix+"DefaultCount"),
		MatchEvent: propBool(pp, prefix+"DefaultMatchEvent")}
	if propBool(pp, prefix+"DefaultDrop") {
		d.Action = Drop
	}
	return d
}
