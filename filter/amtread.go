package filter

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
)

// FromAMT builds a Policy back from AMT instances as a client reads them
// from the device: the filters in precedence order (the order of
// FilterCreationHandles) and the AMT_SystemDefensePolicy properties.
// Properties the mapping does not use (InstanceID, CreationClassName, …) are
// ignored; a filter without ElementName is named "filter-<n>" (1-based).
// Addresses are read as hex octets or in the usual text form. Values that
// make no sense are errors wrapping oobkit.ErrProtocol: they came from the
// device.
func FromAMT(a *AMTPolicy) (*Policy, error) {
	pr := propReader{props: a.Policy, what: ClassSystemDefensePolicy}
	p := &Policy{Name: a.Policy[propPolicyName], Timeout: time.Duration(a.TimeoutSeconds) * time.Second}
	p.Precedence = uint32(pr.uint(propPolicyPrecedence, 32))
	p.AntiSpoofing = AntiSpoofing(pr.uint(propAntiSpoofingSupport, 8))
	if _, ok := antiSpoofingNames[p.AntiSpoofing]; !ok {
		pr.fail(propAntiSpoofingSupport, "unknown mode")
	}
	p.Transmit = DefaultAction{Action: dropOrPass(pr.bool(propTxDefaultDrop)), MatchEvent: pr.bool(propTxDefaultMatchEvent), Count: pr.bool(propTxDefaultCount)}
	p.Receive = DefaultAction{Action: dropOrPass(pr.bool(propRxDefaultDrop)), MatchEvent: pr.bool(propRxDefaultMatchEvent), Count: pr.bool(propRxDefaultCount)}
	if pr.err != nil {
		return nil, pr.err
	}
	for i, inst := range a.Filters {
		r, err := ruleFromAMT(inst, i)
		if err != nil {
			return nil, err
		}
		p.Rules = append(p.Rules, r)
	}
	return p, nil
}

func dropOrPass(drop bool) Action {
	if drop {
		return Drop
	}
	return Pass
}

func ruleFromAMT(inst AMTInstance, i int) (Rule, error) {
	pr := propReader{props: inst.Properties, what: fmt.Sprintf("%s #%d", inst.Class, i+1)}
	r := Rule{Name: inst.Properties[propElementName]}
	if r.Name == "" {
		r.Name = fmt.Sprintf("filter-%d", i+1)
	}
	switch pr.uint(propFilterDirection, 8) {
	case amtDirTransmit:
		r.Direction = Transmit
	case amtDirReceive:
		r.Direction = Receive
	default:
		pr.fail(propFilterDirection, "unknown direction")
	}
	switch pr.uint(propFilterProfile, 8) {
	case amtProfilePassCount:
		r.Action, r.Count = Pass, true
	case amtProfileDropCount:
		r.Action, r.Count = Drop, true
	case amtProfileRateLimit:
		r.Action = RateLimit
		r.Rate = uint32(pr.uint(propFilterProfileData, 32))
	case amtProfilePass:
		r.Action = Pass
	case amtProfileDrop:
		r.Action = Drop
	default:
		pr.fail(propFilterProfile, "unknown profile")
	}
	r.MatchEvent = pr.bool(propActionEventOnMatch)
	if pr.bool(propIsNegated) {
		pr.fail(propIsNegated, "negated filters are not supported")
	}
	switch inst.Class {
	case ClassHdr8021Filter:
		r.Ether = &EtherMatch{EtherType: uint16(pr.uint(propHdrProtocolID8021, 16))}
	case ClassIPHeadersFilter:
		m := &IPMatch{Version: uint8(pr.uint(propHdrIPVersion, 8))}
		m.Src = pr.addrMatch(propHdrSrcAddress, propHdrSrcMask, propHdrSrcAddressEnd)
		m.Dst = pr.addrMatch(propHdrDestAddress, propHdrDestMask, propHdrDestAddressEnd)
		m.Protocol = Protocol(pr.uint(propHdrProtocolID, 8))
		m.SrcPorts = pr.ports(propHdrSrcPortStart, propHdrSrcPortEnd)
		m.DstPorts = pr.ports(propHdrDestPortStart, propHdrDestPortEnd)
		m.FlagsOn = TCPFlags(pr.uint(propTCPFlagsOn, 8))
		m.FlagsOff = TCPFlags(pr.uint(propTCPFlagsOff, 8))
		r.IP = m
	default:
		return r, fmt.Errorf("filter: unknown filter class %q: %w", inst.Class, oobkit.ErrProtocol)
	}
	if pr.err != nil {
		return r, pr.err
	}
	if probs := r.problems(); len(probs) > 0 {
		return r, fmt.Errorf("filter: %s: %s: %w", pr.what, strings.Join(probs, "; "), oobkit.ErrProtocol)
	}
	return r, nil
}

// propReader reads typed values from a property map, keeping the first error.
type propReader struct {
	props map[string]string
	what  string
	err   error
}

func (pr *propReader) fail(name, msg string) {
	if pr.err == nil {
		pr.err = fmt.Errorf("filter: %s %s=%q: %s: %w", pr.what, name, pr.props[name], msg, oobkit.ErrProtocol)
	}
}

func (pr *propReader) uint(name string, bits int) uint64 {
	v, ok := pr.props[name]
	if !ok || v == "" {
		return 0
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, bits)
	if err != nil {
		pr.fail(name, "not a number")
	}
	return n
}

func (pr *propReader) bool(name string) bool {
	switch strings.ToLower(strings.TrimSpace(pr.props[name])) {
	case "", "false", "0":
		return false
	case "true", "1":
		return true
	}
	pr.fail(name, "not a boolean")
	return false
}

func (pr *propReader) addr(name string) netip.Addr {
	v := strings.TrimSpace(pr.props[name])
	if v == "" {
		return netip.Addr{}
	}
	if b, err := hex.DecodeString(v); err == nil && (len(b) == 4 || len(b) == 16) {
		a, _ := netip.AddrFromSlice(b)
		return a
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		pr.fail(name, "not an address")
	}
	return a
}

func (pr *propReader) addrMatch(addr, mask, end string) AddrMatch {
	m := AddrMatch{Addr: pr.addr(addr), Mask: pr.addr(mask), End: pr.addr(end)}
	return normalizeMask(m)
}

func (pr *propReader) ports(start, end string) PortRange {
	r := PortRange{First: uint16(pr.uint(start, 16)), Last: uint16(pr.uint(end, 16))}
	if _, ok := pr.props[end]; !ok {
		r.Last = r.First
	}
	return r
}
