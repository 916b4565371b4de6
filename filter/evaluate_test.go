package filter

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEvaluate(t *testing.T) {
	ip := func(name string, d Direction, a Action, m IPMatch) Rule {
		return Rule{Name: name, Direction: d, Action: a, IP: &m}
	}
	pol := &Policy{
		Name: "t",
		Rules: []Rule{
			{Name: "arp", Direction: Receive, Action: Pass, Ether: &EtherMatch{EtherType: EtherTypeARP}},
			ip("block-host", Receive, Drop, IPMatch{Version: 4, Src: hostAddr(stranger)}),
			ip("web-range", Receive, Pass, IPMatch{Version: 4, Protocol: TCP, Src: Range(netip.MustParseAddr("10.1.0.10"), netip.MustParseAddr("10.1.0.20")), SrcPorts: Ports(80)}),
			ip("subnet-mask", Receive, Pass, IPMatch{Version: 4, Src: AddrMatch{Addr: netip.MustParseAddr("10.2.0.1"), Mask: netip.MustParseAddr("255.255.0.255")}}),
			ip("syn-only", Receive, Drop, IPMatch{Version: 4, Protocol: TCP, DstPorts: PortRange{First: 1, Last: 1023}, FlagsOn: SYN, FlagsOff: ACK}),
			ip("ping", Receive, RateLimit, IPMatch{Version: 4, Protocol: ICMP}),
			ip("v6-net", Receive, Pass, IPMatch{Version: 6, Src: Prefix(netip.MustParsePrefix("2001:db8::/32"))}),
			ip("out-dns", Transmit, Pass, IPMatch{Version: 4, Protocol: UDP, DstPorts: Ports(53)}),
		},
		Receive:      DefaultAction{Action: Drop, Count: true},
		Transmit:     DefaultAction{Action: Pass},
		AntiSpoofing: AntiSpoofingCountAndEvent,
	}
	pol.Rules[5].Rate = 10
	tests := []struct {
		name    string
		pkt     Packet
		by      DecidedBy
		rule    string
		action  Action
		unknown []string
	}{
		{"arp by ethertype", Packet{Direction: Receive, EtherType: EtherTypeARP}, ByRule, "arp", Pass, nil},
		{"arp in the other direction falls to default", Packet{Direction: Transmit, EtherType: EtherTypeARP}, ByDefault, "", Pass, nil},
		{"blocked host", Packet{Direction: Receive, Src: stranger, Dst: computer, Protocol: TCP, SrcPort: 80, DstPort: 5000}, ByRule, "block-host", Drop, nil},
		{"range start", Packet{Direction: Receive, Src: netip.MustParseAddr("10.1.0.10"), Protocol: TCP, SrcPort: 80, DstPort: 5000}, ByRule, "web-range", Pass, nil},
		{"range end", Packet{Direction: Receive, Src: netip.MustParseAddr("10.1.0.20"), Protocol: TCP, SrcPort: 80, DstPort: 5000}, ByRule, "web-range", Pass, nil},
		{"past range end", Packet{Direction: Receive, Src: netip.MustParseAddr("10.1.0.21"), Protocol: TCP, SrcPort: 80, DstPort: 5000}, ByDefault, "", Drop, nil},
		{"range wrong port", Packet{Direction: Receive, Src: netip.MustParseAddr("10.1.0.15"), Protocol: TCP, SrcPort: 81, DstPort: 5000}, ByDefault, "", Drop, nil},
		{"non-contiguous mask matches", Packet{Direction: Receive, Src: netip.MustParseAddr("10.2.77.1"), Protocol: UDP}, ByRule, "subnet-mask", Pass, nil},
		{"non-contiguous mask misses", Packet{Direction: Receive, Src: netip.MustParseAddr("10.2.77.2"), Protocol: UDP}, ByDefault, "", Drop, nil},
		{"syn to low port", Packet{Direction: Receive, Src: netip.MustParseAddr("10.9.9.9"), Protocol: TCP, SrcPort: 40000, DstPort: 22, Flags: SYN}, ByRule, "syn-only", Drop, nil},
		{"syn-ack is not syn-only", Packet{Direction: Receive, Src: netip.MustParseAddr("10.9.9.9"), Protocol: TCP, SrcPort: 40000, DstPort: 22, Flags: SYN | ACK}, ByDefault, "", Drop, nil},
		{"ping rate-limited", Packet{Direction: Receive, Src: netip.MustParseAddr("10.9.9.9"), Protocol: ICMP}, ByRule, "ping", RateLimit, nil},
		{"ipv6 prefix", Packet{Direction: Receive, Src: netip.MustParseAddr("2001:db8::1"), Protocol: TCP, SrcPort: 1, DstPort: 2}, ByRule, "v6-net", Pass, nil},
		{"ipv6 outside prefix", Packet{Direction: Receive, Src: netip.MustParseAddr("2001:db9::1"), Protocol: TCP, SrcPort: 1, DstPort: 2}, ByDefault, "", Drop, nil},
		{"v4-mapped address unmapped by caller matches the IPv4 rule", Packet{Direction: Receive, Src: netip.MustParseAddr("::ffff:192.0.2.9").Unmap(), Protocol: ICMP}, ByRule, "block-host", Drop, nil},
		{"spoofed transmit", Packet{Direction: Transmit, Src: stranger, Protocol: UDP, DstPort: 53, Spoofed: true}, ByAntiSpoofing, "", Drop, nil},
		{"unknown source may hit block-host", Packet{Direction: Receive, EtherType: EtherTypeIPv4, Protocol: ICMP}, ByRule, "ping", RateLimit, []string{"block-host", "subnet-mask"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := pol.Evaluate(tt.pkt)
			assert.Equal(t, tt.by, d.By)
			assert.Equal(t, tt.rule, d.Rule)
			assert.Equal(t, tt.action, d.Action)
			assert.Equal(t, tt.unknown, d.Uncertain)
			if d.By == ByRule {
				assert.Equal(t, tt.rule, pol.Rules[d.Index].Name)
			}
		})
	}
}

func TestEvaluateFlagsFromDecider(t *testing.T) {
	p := LimitPing(0)
	d := p.Evaluate(Packet{Direction: Receive, Src: stranger, Protocol: ICMP})
	assert.Equal(t, RateLimit, d.Action)
	assert.Equal(t, DefaultPingRate, d.Rate)
	assert.True(t, d.MatchEvent)
	d = p.Evaluate(Packet{Direction: Receive, Src: stranger, Protocol: TCP, SrcPort: 1, DstPort: 2})
	assert.Equal(t, Pass, d.Action)
	assert.Equal(t, ByDefault, d.By)
	assert.Equal(t, "the default receive action", d.Decider(Receive))
}

func TestAddrMatchParseFormat(t *testing.T) {
	tests := []struct {
		in, out string
		has     []string
		hasNot  []string
	}{
		{"10.0.0.5", "10.0.0.5", []string{"10.0.0.5"}, []string{"10.0.0.6"}},
		{"10.0.0.5/32", "10.0.0.5", []string{"10.0.0.5"}, []string{"10.0.0.4"}},
		{"10.0.0.0/8", "10.0.0.0/8", []string{"10.255.1.2"}, []string{"11.0.0.0"}},
		{"10.1.2.3/255.0.0.0", "10.1.2.3/8", []string{"10.9.9.9"}, []string{"9.1.2.3"}},
		{"10.0.0.1/255.0.255.0", "10.0.0.1/255.0.255.0", []string{"10.7.0.9"}, []string{"10.7.1.9"}},
		{"10.0.0.1-10.0.0.20", "10.0.0.1-10.0.0.20", []string{"10.0.0.20"}, []string{"10.0.0.21"}},
		{"2001:db8::/32", "2001:db8::/32", []string{"2001:db8:1::1"}, []string{"2001:db9::", "10.0.0.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m, err := ParseAddrMatch(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.out, m.String())
			for _, a := range tt.has {
				assert.True(t, m.Contains(netip.MustParseAddr(a)), a)
			}
			for _, a := range tt.hasNot {
				assert.False(t, m.Contains(netip.MustParseAddr(a)), a)
			}
		})
	}
	for _, bad := range []string{"10.0.0.300", "10.0.0.5-10.0.0.1", "10.0.0.0/33", "10.0.0.0/ffff::", "10.0.0.1-2001:db8::1", "fe80::1%eth0"} {
		_, err := ParseAddrMatch(bad)
		assert.Error(t, err, bad)
	}
}

func TestAddrCovers(t *testing.T) {
	m := func(s string) AddrMatch {
		a, err := ParseAddrMatch(s)
		require.NoError(t, err)
		return a
	}
	assert.True(t, m("10.0.0.0/8").covers(m("10.1.0.0/16")))
	assert.True(t, m("10.0.0.0/8").covers(m("10.1.0.1-10.1.0.9")))
	assert.True(t, m("10.0.0.0/255.0.0.255").covers(m("10.5.0.0/255.255.0.255")))
	assert.False(t, m("10.1.0.0/16").covers(m("10.0.0.0/8")))
	assert.False(t, m("10.0.0.1").covers(AddrMatch{}))
	assert.True(t, AddrMatch{}.covers(m("10.0.0.1")))
	assert.False(t, m("10.0.0.0/8").covers(m("2001:db8::/32")))
}
