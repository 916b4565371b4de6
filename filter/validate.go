package filter

import (
	"fmt"
	"time"
)

// Severity grades a Finding.
type Severity uint8

const (
	// Warning: the policy can be applied but probably does not do what its
	// author meant (a shadowed rule, a policy that isolates the computer).
	Warning Severity = iota + 1
	// Error: the policy cannot be applied as written.
	Error
)

// String returns "warning" or "error".
func (s Severity) String() string {
	if s == Error {
		return "error"
	}
	return "warning"
}

// Finding codes: stable identifiers for programs that act on findings.
const (
	CodeMalformed     = "malformed"      // a rule or default is ill-formed
	CodeDuplicateName = "duplicate-name" // two rules share a name
	CodeNeverMatches  = "never-matches"  // the rule's conditions contradict each other
	CodeShadowed      = "shadowed"       // an earlier rule decides all the rule's packets differently
	CodeRedundant     = "redundant"      // an earlier rule decides all the rule's packets the same way
	CodeIsolates      = "isolates"       // a direction drops everything: the computer is cut off
	CodeARPBlocked    = "arp-blocked"    // IPv4 traffic passes but ARP does not
)

// Finding is one problem Validate found.
type Finding struct {
	Severity Severity
	// Code is one of the Code… constants.
	Code string
	// Rule is the name of the rule concerned ("" for the whole policy) and
	// Other the earlier rule that shadows it.
	Rule, Other string
	// Message explains the problem in a sentence.
	Message string
}

// String returns "error: rule \"x\": message".
func (f Finding) String() string {
	if f.Rule == "" {
		return fmt.Sprintf("%s: %s", f.Severity, f.Message)
	}
	return fmt.Sprintf("%s: rule %q: %s", f.Severity, f.Rule, f.Message)
}

// Validate checks p and returns its findings, errors and warnings in rule
// order; nil means none.
func Validate(p *Policy) []Finding {
	var out []Finding
	add := func(sev Severity, code, rule, other, format string, args ...any) {
		out = append(out, Finding{Severity: sev, Code: code, Rule: rule, Other: other, Message: fmt.Sprintf(format, args...)})
	}
	if p.Name == "" {
		add(Error, CodeMalformed, "", "", "the policy has no name")
	}
	if p.Timeout < 0 || p.Timeout%time.Second != 0 || p.Timeout > maxTimeout {
		add(Error, CodeMalformed, "", "", "timeout %s is not a whole number of seconds between 0 and %s", p.Timeout, maxTimeout)
	}
	if _, ok := antiSpoofingNames[p.AntiSpoofing]; !ok {
		add(Error, CodeMalformed, "", "", "unknown anti-spoofing mode %d", p.AntiSpoofing)
	}
	for _, d := range []Direction{Receive, Transmit} {
		if a := p.Default(d).Action; a != Pass && a != Drop {
			add(Error, CodeMalformed, "", "", "the default %s action must be pass or drop, not %s", d, a)
		}
	}
	seen := map[string]bool{}
	for i := range p.Rules {
		r := &p.Rules[i]
		if r.Name != "" && seen[r.Name] {
			add(Error, CodeDuplicateName, r.Name, "", "another rule has the same name")
		}
		seen[r.Name] = true
		for _, msg := range r.problems() {
			add(Error, CodeMalformed, r.Name, "", "%s", msg)
		}
		if msg := r.contradiction(); msg != "" {
			add(Warning, CodeNeverMatches, r.Name, "", "never matches: %s", msg)
			continue
		}
		for j := range i {
			e := &p.Rules[j]
			if e.contradiction() != "" || !e.covers(r) {
				continue
			}
			if e.Action == r.Action && e.Rate == r.Rate {
				add(Warning, CodeRedundant, r.Name, e.Name, "never decides: earlier rule %q matches all its packets with the same action", e.Name)
			} else {
				add(Warning, CodeShadowed, r.Name, e.Name, "never decides: earlier rule %q matches all its packets and %ss them", e.Name, e.Action)
			}
			break
		}
	}
	out = append(out, isolation(p)...)
	return out
}

// maxTimeout is the largest timeout a uint32 count of seconds holds.
const maxTimeout = time.Duration(1<<32-1) * time.Second

// problems lists what makes r ill-formed.
func (r *Rule) problems() []string {
	var msgs []string
	bad := func(format string, args ...any) { msgs = append(msgs, fmt.Sprintf(format, args...)) }
	if r.Name == "" {
		bad("a rule has no name")
	}
	if r.Direction != Receive && r.Direction != Transmit {
		bad("direction must be receive or transmit")
	}
	switch r.Action {
	case Pass, Drop:
		if r.Rate != 0 {
			bad("a rate is only meaningful with the rate-limit action")
		}
	case RateLimit:
		if r.Rate == 0 {
			bad("rate-limit needs a rate above 0 packets per second")
		}
		if r.Count {
			bad("AMT cannot count matches of a rate-limit rule")
		}
	default:
		bad("unknown action %d", r.Action)
	}
	if (r.IP == nil) == (r.Ether == nil) {
		bad("a rule needs exactly one of an IP match or an Ethernet match")
		return msgs
	}
	if r.Ether != nil {
		if r.Ether.EtherType == 0 {
			bad("an Ethernet rule needs an EtherType")
		}
		return msgs
	}
	m := r.IP
	if m.Version != 4 && m.Version != 6 {
		bad("IP version must be 4 or 6, not %d", m.Version)
		return msgs
	}
	bits := 32
	if m.Version == 6 {
		bits = 128
	}
	for _, a := range []struct {
		what string
		m    AddrMatch
	}{{"source", m.Src}, {"destination", m.Dst}} {
		if a.m.Any() {
			if a.m.Mask.IsValid() || a.m.End.IsValid() {
				bad("%s has a mask or range end but no address", a.what)
			}
			continue
		}
		if a.m.Addr.BitLen() != bits || (a.m.Mask.IsValid() && a.m.Mask.BitLen() != bits) || (a.m.End.IsValid() && a.m.End.BitLen() != bits) {
			bad("%s %s is not an IPv%d match", a.what, a.m, m.Version)
		}
		if a.m.Mask.IsValid() && a.m.End.IsValid() {
			bad("%s has both a mask and a range end", a.what)
		}
		if a.m.End.IsValid() && a.m.End.Less(a.m.Addr) {
			bad("%s range ends before it starts", a.what)
		}
	}
	for _, pr := range []PortRange{m.SrcPorts, m.DstPorts} {
		if pr.Last < pr.First {
			bad("port range %d-%d ends before it starts", pr.First, pr.Last)
		}
	}
	return msgs
}

// contradiction explains why r can never match, or returns "".
func (r *Rule) contradiction() string {
	if r.IP == nil {
		return ""
	}
	m := r.IP
	if (!m.SrcPorts.Any() || !m.DstPorts.Any()) && !m.Protocol.hasPorts() {
		return fmt.Sprintf("ports are given but protocol %s has none", m.Protocol)
	}
	if m.FlagsOn|m.FlagsOff != 0 && m.Protocol != TCP {
		return fmt.Sprintf("TCP flags are given but the protocol is %s", m.Protocol)
	}
	if both := m.FlagsOn & m.FlagsOff; both != 0 {
		return fmt.Sprintf("TCP flags %s must be both set and clear", both)
	}
	return ""
}

// covers reports whether every packet r2 matches is matched by r.
func (r *Rule) covers(r2 *Rule) bool {
	if r.Direction != r2.Direction {
		return false
	}
	if r.Ether != nil {
		if r2.Ether != nil {
			return r.Ether.EtherType == r2.Ether.EtherType
		}
		return r2.IP != nil && (r.Ether.EtherType == EtherTypeIPv4 && r2.IP.Version == 4 ||
			r.Ether.EtherType == EtherTypeIPv6 && r2.IP.Version == 6)
	}
	if r.IP == nil || r2.IP == nil {
		return false
	}
	a, b := r.IP, r2.IP
	return a.Version == b.Version &&
		(a.Protocol == AnyProtocol || a.Protocol == b.Protocol) &&
		a.Src.covers(b.Src) && a.Dst.covers(b.Dst) &&
		portsCover(a.SrcPorts, b.SrcPorts) && portsCover(a.DstPorts, b.DstPorts) &&
		a.FlagsOn&^b.FlagsOn == 0 && a.FlagsOff&^b.FlagsOff == 0
}

func portsCover(a, b PortRange) bool {
	if a.Any() || (a.First == 0 && a.Last == 65535) {
		return true
	}
	return !b.Any() && a.First <= b.First && b.Last <= a.Last
}

// isolation finds directions in which nothing can pass.
func isolation(p *Policy) []Finding {
	var out []Finding
	for _, d := range []Direction{Receive, Transmit} {
		if p.Default(d).Action != Drop {
			continue
		}
		passes := false
		arp := false
		for _, r := range p.Rules {
			if r.Direction == d && r.Action != Drop {
				passes = true
				if r.Ether != nil && r.Ether.EtherType == EtherTypeARP {
					arp = true
				}
			}
		}
		if !passes {
			out = append(out, Finding{Severity: Warning, Code: CodeIsolates,
				Message: fmt.Sprintf("no rule passes %s traffic and the default drops it: the computer is cut off from the network", d)})
			continue
		}
		if !arp && ipv4Passes(p, d) {
			out = append(out, Finding{Severity: Warning, Code: CodeARPBlocked,
				Message: fmt.Sprintf("IPv4 %s traffic passes but ARP does not: the computer cannot reach its neighbours", d)})
		}
	}
	return out
}

func ipv4Passes(p *Policy, d Direction) bool {
	for _, r := range p.Rules {
		if r.Direction == d && r.Action != Drop && r.IP != nil && r.IP.Version == 4 {
			return true
		}
	}
	return false
}
