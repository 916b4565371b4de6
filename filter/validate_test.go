package filter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestValidate(t *testing.T) {
	pass := DefaultAction{Action: Pass}
	ip := func(name string, d Direction, a Action, m IPMatch) Rule {
		return Rule{Name: name, Direction: d, Action: a, IP: &m}
	}
	type want struct {
		sev         Severity
		code, rule  string
		other       string
		messagePart string
	}
	tests := []struct {
		name   string
		policy Policy
		want   []want
	}{
		{"allow all is clean", *AllowAll(), nil},
		{"empty drop-all isolates both ways", Policy{Name: "x", Receive: DefaultAction{Action: Drop}, Transmit: DefaultAction{Action: Drop}},
			[]want{{Warning, CodeIsolates, "", "", "receive"}, {Warning, CodeIsolates, "", "", "transmit"}}},
		{"ipv4 without arp", Policy{Name: "x", Transmit: pass, Receive: DefaultAction{Action: Drop},
			Rules: []Rule{ip("web", Receive, Pass, IPMatch{Version: 4, Protocol: TCP, SrcPorts: Ports(80)})}},
			[]want{{Warning, CodeARPBlocked, "", "", "ARP"}}},
		{"shadowed by a broader rule with another action", Policy{Name: "x", Receive: pass, Transmit: pass, Rules: []Rule{
			ip("drop-net", Receive, Drop, IPMatch{Version: 4, Src: Prefix(mustPrefix("10.0.0.0/8"))}),
			ip("pass-host", Receive, Pass, IPMatch{Version: 4, Src: hostAddr(mgmt), Protocol: TCP, SrcPorts: Ports(80)}),
		}}, []want{{Warning, CodeShadowed, "pass-host", "drop-net", "drops"}}},
		{"redundant", Policy{Name: "x", Receive: pass, Transmit: pass, Rules: []Rule{
			{Name: "ip-drop", Direction: Transmit, Action: Drop, Ether: &EtherMatch{EtherType: EtherTypeIPv4}},
			ip("udp-drop", Transmit, Drop, IPMatch{Version: 4, Protocol: UDP}),
		}}, []want{{Warning, CodeRedundant, "udp-drop", "ip-drop", "same action"}}},
		{"contradictions", Policy{Name: "x", Receive: pass, Transmit: pass, Rules: []Rule{
			ip("flags", Receive, Drop, IPMatch{Version: 4, Protocol: TCP, FlagsOn: SYN, FlagsOff: SYN | ACK}),
			ip("icmp-ports", Receive, Drop, IPMatch{Version: 4, Protocol: ICMP, DstPorts: Ports(7)}),
			ip("after", Receive, Drop, IPMatch{Version: 4, Protocol: TCP, FlagsOn: SYN, FlagsOff: ACK}),
		}}, []want{{Warning, CodeNeverMatches, "flags", "", "both set and clear"}, {Warning, CodeNeverMatches, "icmp-ports", "", "protocol icmp"}}},
		{"malformed", Policy{Name: "", Timeout: 1500 * time.Millisecond, Receive: pass, Transmit: DefaultAction{Action: RateLimit}, Rules: []Rule{
			{Name: "both", Direction: Receive, Action: Pass, IP: &IPMatch{Version: 4}, Ether: &EtherMatch{EtherType: 1}},
			{Name: "both", Direction: Receive, Action: Pass, Rate: 3, Ether: &EtherMatch{EtherType: 2}},
			ip("v5", Receive, Pass, IPMatch{Version: 5}),
			ip("mixed", Receive, Pass, IPMatch{Version: 4, Src: hostAddr(mustAddr("2001:db8::1"))}),
			{Name: "counted-limit", Direction: Transmit, Action: RateLimit, Rate: 5, Count: true, IP: &IPMatch{Version: 4}},
		}}, []want{
			{Error, CodeMalformed, "", "", "no name"},
			{Error, CodeMalformed, "", "", "timeout"},
			{Error, CodeMalformed, "", "", "default transmit action"},
			{Error, CodeMalformed, "both", "", "exactly one"},
			{Error, CodeDuplicateName, "both", "", "same name"},
			{Error, CodeMalformed, "both", "", "rate is only meaningful"},
			{Error, CodeMalformed, "v5", "", "version must be 4 or 6"},
			{Error, CodeMalformed, "mixed", "", "not an IPv4 match"},
			{Error, CodeMalformed, "counted-limit", "", "cannot count"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Validate(&tt.policy)
			if !assert.Len(t, got, len(tt.want), "%v", got) {
				return
			}
			for i, w := range tt.want {
				g := got[i]
				assert.Equal(t, w.sev, g.Severity, g.String())
				assert.Equal(t, w.code, g.Code, g.String())
				assert.Equal(t, w.rule, g.Rule, g.String())
				assert.Equal(t, w.other, g.Other, g.String())
				assert.Contains(t, g.Message, w.messagePart)
			}
		})
	}
}
