package filter

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/oobkit/oobkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaultRemediationPassesVerify(t *testing.T) {
	for _, server := range []string{"10.0.0.5", "2001:db8::5"} {
		t.Run(server, func(t *testing.T) {
			addr := netip.MustParseAddr(server)
			p, err := DefaultRemediation(addr, RemediationOptions{})
			require.NoError(t, err)
			rep := Verify(p, RequiredFlows(addr, FlowPorts{}))
			assert.True(t, rep.OK(), "%v", rep.Failures())
			assert.Len(t, rep.Results, 5)
			require.NoError(t, CheckApply(p, RequiredFlows(addr, FlowPorts{}), false))
			// Nothing else gets through: a stranger's web server, and the
			// management server on a port not kept open.
			for _, pkt := range []Packet{
				{Direction: Transmit, Src: computer, Dst: stranger, Protocol: TCP, SrcPort: 50000, DstPort: 443, Flags: SYN},
				{Direction: Receive, Src: addr, Dst: computer, Protocol: TCP, SrcPort: 50000, DstPort: 3389, Flags: SYN},
			} {
				if addr.Is6() {
					pkt.Src, pkt.Dst = netip.Addr{}, netip.Addr{}
					pkt.EtherType = EtherTypeIPv6
				}
				d := p.Evaluate(pkt)
				assert.Equal(t, Drop, d.Action, pkt.String())
			}
			for _, f := range Validate(p) {
				assert.NotEqual(t, Error, f.Severity, f.String())
			}
		})
	}
}

func TestDefaultRemediationPortsConfigurable(t *testing.T) {
	opts := RemediationOptions{HTTPPort: 8080, TicklePort: 52029, NotificationServerOnly: true, TaskServer: mgmt}
	p := mustRemediation(t, opts)
	assert.True(t, Verify(p, RequiredFlows(mgmt, FlowPorts{HTTP: 8080, Tickle: 52029})).OK())
	// The standard ports are no longer open to the server.
	rep := Verify(p, RequiredFlows(mgmt, FlowPorts{}))
	require.False(t, rep.OK())
	assert.Equal(t, []string{"mgmt-http", "mgmt-tickle-tcp"}, flowNames(rep.Failures()))
	// The Notification Server ports are narrowed to the server.
	d := p.Evaluate(Packet{Direction: Transmit, Src: computer, Dst: stranger, Protocol: TCP, SrcPort: 50000, DstPort: 8080, Flags: SYN})
	assert.Equal(t, ByDefault, d.By)
	// The task server's range is open to the task server only.
	d = p.Evaluate(Packet{Direction: Transmit, Src: computer, Dst: mgmt, Protocol: TCP, SrcPort: 50000, DstPort: 50122, Flags: SYN})
	assert.Equal(t, "task-server-tcp-tx-to", d.Rule)
	d = p.Evaluate(Packet{Direction: Transmit, Src: computer, Dst: stranger, Protocol: TCP, SrcPort: 50000, DstPort: 50122, Flags: SYN})
	assert.Equal(t, ByDefault, d.By)
	assert.Equal(t, Drop, d.Action)

	_, err := DefaultRemediation(mgmt, RemediationOptions{Add: []KeptPort{{Port: Ports(1), Transport: 0}}})
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	_, err = DefaultRemediation(netip.Addr{}, RemediationOptions{})
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}

func flowNames(rs []FlowResult) []string {
	var n []string
	for _, r := range rs {
		n = append(n, r.Flow)
	}
	return n
}

func TestVerifyNamesBlockingRule(t *testing.T) {
	flows := RequiredFlows(mgmt, FlowPorts{})
	tests := []struct {
		name      string
		edit      func(p *Policy)
		flow      string
		also      []string
		rule      string
		blocker   string
		uncertain bool
	}{
		{
			name:    "server's HTTP rule forgotten: the default drops it",
			edit:    func(p *Policy) { removeRule(p, "ns-http-tcp-tx-to") },
			flow:    "mgmt-http",
			blocker: "the default transmit action",
		},
		{
			name: "an explicit drop before the pass rule",
			edit: func(p *Policy) {
				p.Rules = append([]Rule{{Name: "no-web", Direction: Receive, Action: Drop,
					IP: &IPMatch{Version: 4, Protocol: TCP, SrcPorts: Ports(80)}}}, p.Rules...)
			},
			// The tickle's source port is unknown, so it might be 80.
			flow: "mgmt-http", also: []string{"mgmt-tickle-tcp"}, rule: "no-web", blocker: `rule "no-web"`,
		},
		{
			name: "a drop rule on a DNS server the flow does not know",
			edit: func(p *Policy) {
				p.Rules = append([]Rule{{Name: "no-rogue-dns", Direction: Transmit, Action: Drop,
					IP: &IPMatch{Version: 4, Dst: hostAddr(stranger), Protocol: UDP, DstPorts: Ports(53)}}}, p.Rules...)
			},
			flow: "dns", rule: "no-rogue-dns", blocker: `rule "no-rogue-dns"`, uncertain: true,
		},
		{
			name: "ARP forgotten",
			edit: func(p *Policy) { removeRule(p, "arp-rx") },
			flow: "arp", blocker: "the default receive action",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustRemediation(t, RemediationOptions{})
			tt.edit(p)
			fails := Verify(p, flows).Failures()
			require.Equal(t, append([]string{tt.flow}, tt.also...), flowNames(fails))
			f := fails[0]
			assert.Equal(t, tt.flow, f.Flow)
			assert.Equal(t, tt.rule, f.BlockingRule)
			assert.Equal(t, tt.blocker, f.Blocker)
			assert.Equal(t, tt.uncertain, f.Uncertain)
			assert.Contains(t, f.String(), tt.blocker)

			err := CheckApply(p, flows, false)
			require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
			var refused *RefusedError
			require.True(t, errors.As(err, &refused))
			assert.Contains(t, err.Error(), tt.blocker)
			assert.Equal(t, oobkit.CodeInvalidArgument, oobkit.ReturnCode(err))
			assert.NoError(t, CheckApply(p, flows, true), "force applies anyway")
		})
	}
}

func TestVerifyRateLimitedPasses(t *testing.T) {
	p := AllowAll()
	p.Rules = []Rule{{Name: "slow-web", Direction: Transmit, Action: RateLimit, Rate: 5, IP: &IPMatch{Version: 4, Protocol: TCP, DstPorts: Ports(80)}}}
	rep := Verify(p, RequiredFlows(mgmt, FlowPorts{}))
	require.True(t, rep.OK())
	assert.Equal(t, []string{"slow-web"}, rep.Results[3].RateLimited)
	assert.Contains(t, rep.Results[3].String(), "rate-limited by slow-web")
}

func TestCheckApply(t *testing.T) {
	dropAll := &Policy{Name: "drop all", Receive: DefaultAction{Action: Drop}, Transmit: DefaultAction{Action: Drop}}
	err := CheckApply(dropAll, nil, false)
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "cut off")
	assert.NoError(t, CheckApply(dropAll, nil, true))

	malformed := AllowAll()
	malformed.Rules = []Rule{{Name: "r", Direction: Receive, Action: RateLimit, IP: &IPMatch{Version: 4}}}
	err = CheckApply(malformed, nil, true)
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument, "malformed policies are refused even when forced")
	assert.Contains(t, err.Error(), "rate-limit needs a rate")

	assert.ErrorIs(t, CheckApply(nil, nil, true), oobkit.ErrInvalidArgument)
	assert.NoError(t, CheckApply(LimitPing(20), RequiredFlows(mgmt, FlowPorts{}), false))
}

func removeRule(p *Policy, name string) {
	for i, r := range p.Rules {
		if r.Name == name {
			p.Rules = append(p.Rules[:i], p.Rules[i+1:]...)
			return
		}
	}
	panic("no rule " + name)
}
