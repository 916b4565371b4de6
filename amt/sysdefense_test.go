package amt_test

import (
	"context"
	"github.com/oobkit/oobkit/internal/simconv"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/filter"
)

var mgmt = netip.MustParseAddr("192.0.2.5")

func remediation(t *testing.T) *filter.Policy {
	t.Helper()
	p, err := filter.DefaultRemediation(mgmt, filter.RemediationOptions{})
	require.NoError(t, err)
	return p
}

// packets a quarantined computer sends and receives.
var (
	toServerHTTP = filter.Packet{Direction: filter.Transmit, Src: netip.MustParseAddr("192.0.2.10"), Dst: mgmt,
		Protocol: filter.TCP, SrcPort: 49152, DstPort: 80, Flags: filter.TCPFlags(0x02)}
	toWebSite = filter.Packet{Direction: filter.Transmit, Src: netip.MustParseAddr("192.0.2.10"),
		Dst: netip.MustParseAddr("198.51.100.7"), Protocol: filter.TCP, SrcPort: 49153, DstPort: 443, Flags: filter.TCPFlags(0x02)}
	arp = filter.Packet{Direction: filter.Receive, EtherType: 0x0806}
)

func TestApplyPolicyWiredAndWireless(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	ctx := context.Background()
	p := remediation(t)
	flows := filter.RequiredFlows(mgmt, filter.FlowPorts{})
	ap, err := c.ApplyPolicy(ctx, p, amt.ApplyOptions{Interfaces: []amt.Interface{amt.Wired, amt.Wireless}, Flows: flows})
	require.NoError(t, err)
	assert.Len(t, ap.FilterHandles, len(p.Rules))

	for _, iface := range []amt.Interface{amt.Wired, amt.Wireless} {
		assert.Equal(t, filter.Pass, simconv.Evaluate(srv, iface, toServerHTTP).Action, "the management server stays reachable")
		assert.Equal(t, filter.Pass, simconv.Evaluate(srv, iface, arp).Action)
		assert.Equal(t, filter.Drop, simconv.Evaluate(srv, iface, toWebSite).Action, "everything else is quarantined")
	}
	active, err := c.ActivePolicies(ctx)
	require.NoError(t, err)
	require.Len(t, active, 2)
	for _, a := range active {
		assert.Equal(t, p.Name, a.Policy.Name)
		require.Len(t, a.Policy.Rules, len(p.Rules))
		for i := range p.Rules {
			assert.Equal(t, p.Rules[i].Name, a.Policy.Rules[i].Name)
		}
		assert.True(t, filter.Verify(a.Policy, flows).OK(), "the policy read back still passes verification")
	}

	dec := simconv.Evaluate(srv, amt.Wired, toServerHTTP)
	assert.Equal(t, filter.ByRule, dec.By)
	stats, err := c.FilterStatistics(ctx)
	require.NoError(t, err)
	assert.Len(t, stats, 2*len(p.Rules))
	matched := map[string]int64{}
	for _, s := range stats {
		matched[s.Interface.String()+"/"+s.Rule] += s.Matched
		assert.Equal(t, int64(1), s.ReadCount)
		assert.NotEmpty(t, s.Filter)
	}
	// Each interface saw one packet to the server (above) and one before.
	assert.Equal(t, int64(2), matched["wired/"+dec.Rule])
	assert.Equal(t, int64(1), matched["wireless/"+dec.Rule])
}

func TestApplyPolicyRefusals(t *testing.T) {
	flows := filter.RequiredFlows(mgmt, filter.FlowPorts{})
	t.Run("forgets the server's port", func(t *testing.T) {
		srv, c := start(t, amttest.Config{})
		p, err := filter.DefaultRemediation(mgmt, filter.RemediationOptions{HTTPPort: 8080})
		require.NoError(t, err)
		_, err = c.ApplyPolicy(context.Background(), p, amt.ApplyOptions{Flows: flows})
		requireClass(t, err, oobkit.ErrInvalidArgument)
		assert.Contains(t, err.Error(), "mgmt-http")
		f, pol, links := srv.DefenseObjects()
		assert.Zero(t, f+pol+links, "nothing was sent")
	})
	t.Run("static address", func(t *testing.T) {
		srv, c := start(t, amttest.Config{StaticIP: true})
		_, err := c.ApplyPolicy(context.Background(), remediation(t), amt.ApplyOptions{Flows: flows})
		requireClass(t, err, oobkit.ErrInvalidState)
		assert.Contains(t, err.Error(), "DHCP")
		_, err = c.ApplyPolicy(context.Background(), remediation(t), amt.ApplyOptions{Flows: flows, Force: true})
		require.NoError(t, err)
		assert.NotNil(t, simconv.Active(srv, amt.Wired))
	})
}

func TestReplaceAndRemovePolicies(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	ctx := context.Background()
	flows := filter.RequiredFlows(mgmt, filter.FlowPorts{})
	_, err := c.ApplyPolicy(ctx, remediation(t), amt.ApplyOptions{Flows: flows})
	require.NoError(t, err)
	assert.Equal(t, filter.Drop, simconv.Evaluate(srv, amt.Wired, toWebSite).Action)

	ping := filter.LimitPing(10)
	_, err = c.ApplyPolicy(ctx, ping, amt.ApplyOptions{})
	require.NoError(t, err)
	assert.Equal(t, ping.Name, simconv.Active(srv, amt.Wired).Name)
	assert.Equal(t, filter.Pass, simconv.Evaluate(srv, amt.Wired, toWebSite).Action, "the ping limit lets other traffic pass")
	f, pol, links := srv.DefenseObjects()
	assert.Equal(t, len(ping.Rules), f, "the replaced policy's filters were removed")
	assert.Equal(t, 1, pol)
	assert.Equal(t, 1, links)

	require.NoError(t, c.RemoveAllPolicies(ctx))
	f, pol, links = srv.DefenseObjects()
	assert.Zero(t, f+pol+links)
	assert.Nil(t, simconv.Active(srv, amt.Wired))
	active, err := c.ActivePolicies(ctx)
	require.NoError(t, err)
	assert.Empty(t, active)
}

func TestApplyPolicyRollsBackMidApply(t *testing.T) {
	flows := filter.RequiredFlows(mgmt, filter.FlowPorts{})
	p := remediation(t)
	both := []amt.Interface{amt.Wired, amt.Wireless}
	// Creates: filters 1..n, the policy n+1, the wired link n+2, the wireless link n+3.
	for _, late := range []bool{false, true} {
		for _, failAt := range []int{1, len(p.Rules) / 2, len(p.Rules) + 1, len(p.Rules) + 2, len(p.Rules) + 3} {
			name := "create " + itoa(failAt) + " refused"
			if late {
				name = "create " + itoa(failAt) + " applied, answer lost"
			}
			t.Run(name, func(t *testing.T) {
				srv, c := start(t, amttest.Config{})
				ctx := context.Background()
				old := filter.LimitPing(5)
				_, err := c.ApplyPolicy(ctx, old, amt.ApplyOptions{Interfaces: both})
				require.NoError(t, err)
				f0, p0, l0 := srv.DefenseObjects()

				if late {
					srv.FailCreateAfterApplying(failAt)
				} else {
					srv.FailCreateAfter(failAt)
				}
				_, err = c.ApplyPolicy(ctx, p, amt.ApplyOptions{Interfaces: both, Flows: flows})
				requireClass(t, err, oobkit.ErrDevice)
				assert.Contains(t, err.Error(), "rolled back")

				f1, p1, l1 := srv.DefenseObjects()
				assert.Equal(t, []int{f0, p0, l0}, []int{f1, p1, l1}, "no half-applied policy is left")
				for _, iface := range both {
					require.NotNil(t, simconv.Active(srv, iface))
					assert.Equal(t, old.Name, simconv.Active(srv, iface).Name, "the previous policy is active again")
				}
				active, err := c.ActivePolicies(ctx)
				require.NoError(t, err)
				assert.Len(t, active, 2, "the client reads back the restored state")
			})
		}
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}
