package tasks

import (
	"context"
	"github.com/oobkit/oobkit/internal/simconv"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/filter"
)

var (
	mgmtServer = netip.MustParseAddr("192.0.2.5")
	pcAddr     = netip.MustParseAddr("192.0.2.10")
	// packets a filtered computer sends and receives
	toServerHTTP = filter.Packet{Direction: filter.Transmit, Src: pcAddr, Dst: mgmtServer, Protocol: filter.TCP,
		SrcPort: 49152, DstPort: 80, Flags: filter.TCPFlags(0x02)}
	toWebSite = filter.Packet{Direction: filter.Transmit, Src: pcAddr, Dst: netip.MustParseAddr("198.51.100.7"),
		Protocol: filter.TCP, SrcPort: 49153, DstPort: 443, Flags: filter.TCPFlags(0x02)}
	pingIn  = filter.Packet{Direction: filter.Receive, Src: netip.MustParseAddr("198.51.100.7"), Dst: pcAddr, Protocol: filter.ICMP}
	spoofed = filter.Packet{Direction: filter.Transmit, Src: netip.MustParseAddr("203.0.113.9"), Dst: mgmtServer,
		Protocol: filter.TCP, SrcPort: 49154, DstPort: 80, Flags: filter.TCPFlags(0x02), Spoofed: true}
)

// cutOffPolicy is a custom policy file that keeps ARP but drops everything
// else, the management server's traffic included.
const cutOffPolicy = `<?xml version="1.0" encoding="UTF-8"?>
<filterPolicy schemaVersion="1" name="lockdown" antiSpoofing="off">
  <default direction="receive" action="drop" count="true"/>
  <default direction="transmit" action="drop" count="true"/>
  <ethernet name="arp-rx" direction="receive" action="pass" etherType="0x0806"/>
  <ethernet name="arp-tx" direction="transmit" action="pass" etherType="0x0806"/>
</filterPolicy>
`

// filterRig is one simulated AMT device (a fleet of one: the same code path
// as thousands) and a runner reaching it.
func filterRig(t *testing.T, vary func(*amttest.Config)) (*amttest.Device, oobkit.Target, *Runner) {
	t.Helper()
	fleet, err := amttest.NewFleet(amttest.FleetConfig{Size: 1, Vary: func(_ int, c *amttest.Config) {
		if vary != nil {
			vary(c)
		}
	}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = fleet.Close() })
	conn := NewConnector(StaticCredentials{oobkit.AMT: {{Name: "site", Credential: fleet.Credential(0)}}})
	conn.Register(oobkit.AMT, amtDialer(fleet.Transport()))
	r := NewRunner(conn, WithProbe(nil), WithRetry(fastRetry), WithTargetTimeout(30*time.Second))
	return fleet.Device(0), fleet.Target(0), r
}

func runFilter(t *testing.T, r *Runner, tg oobkit.Target, task *NetworkFilterTask) Result {
	t.Helper()
	rep, err := r.Run(context.Background(), &Job{Name: "filter", Steps: []Step{{ID: "f", Task: task}}}, []oobkit.Target{tg})
	require.NoError(t, err)
	return rep.Results[0]
}

func TestNetworkFilterPolicies(t *testing.T) {
	tests := []struct {
		name  string
		task  *NetworkFilterTask
		check func(t *testing.T, d *amttest.Device, p *filter.Policy)
	}{
		{"remediation with anti-spoofing", &NetworkFilterTask{ManagementServer: mgmtServer.String(), AntiSpoofing: "on"},
			func(t *testing.T, d *amttest.Device, p *filter.Policy) {
				assert.Equal(t, filter.AntiSpoofingOn, p.AntiSpoofing)
				assert.Equal(t, filter.Pass, simconv.Evaluate(d, amt.Wired, toServerHTTP).Action, "the management server stays reachable")
				assert.Equal(t, filter.Drop, simconv.Evaluate(d, amt.Wired, toWebSite).Action, "everything else is quarantined")
				assert.Equal(t, filter.Drop, simconv.Evaluate(d, amt.Wired, spoofed).Action, "a forged source address is dropped")
				assert.True(t, filter.Verify(p, filter.RequiredFlows(mgmtServer, filter.FlowPorts{})).OK(), "the policy read back keeps the required flows")
			}},
		{"limit ping", &NetworkFilterTask{Policy: FilterLimitPing, PingRate: 5, ManagementServer: mgmtServer.String()},
			func(t *testing.T, d *amttest.Device, _ *filter.Policy) {
				dec := simconv.Evaluate(d, amt.Wired, pingIn)
				assert.Equal(t, filter.RateLimit, dec.Action)
				assert.Equal(t, uint32(5), dec.Rate)
				assert.Equal(t, filter.Pass, simconv.Evaluate(d, amt.Wired, toWebSite).Action)
			}},
		{"allow all on both interfaces", &NetworkFilterTask{Policy: FilterAllowAll, Interfaces: []string{"wired", "wireless"}},
			func(t *testing.T, d *amttest.Device, _ *filter.Policy) {
				require.NotNil(t, simconv.Active(d, amt.Wireless))
				assert.Equal(t, filter.Pass, simconv.Evaluate(d, amt.Wireless, toWebSite).Action)
				assert.Equal(t, filter.Pass, simconv.Evaluate(d, amt.Wired, pingIn).Action)
			}},
		{"custom file, forced", &NetworkFilterTask{Policy: FilterCustom, XML: cutOffPolicy, ManagementServer: mgmtServer.String(), Force: true},
			func(t *testing.T, d *amttest.Device, p *filter.Policy) {
				assert.Equal(t, "lockdown", p.Name)
				assert.Equal(t, filter.Drop, simconv.Evaluate(d, amt.Wired, toServerHTTP).Action, "forced: the policy went on as written")
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, tg, r := filterRig(t, nil)
			res := runFilter(t, r, tg, tc.task)
			require.Equal(t, StatusOK, res.Status, res.Error)
			assert.Equal(t, oobkit.AMT, res.Protocol)
			out := res.Output("f").(*NetworkFilterOutput)
			active := simconv.Active(d, amt.Wired)
			require.NotNil(t, active, "a policy is active on the wired interface")
			assert.Equal(t, out.Policy, active.Name)
			assert.Len(t, active.Rules, out.Rules)
			assert.NotEmpty(t, out.InstanceID)
			assert.Equal(t, tc.task.Force, len(out.Overridden) > 0, "overridden failures are reported only when forced")
			tc.check(t, d, active)

			res = runFilter(t, r, tg, &NetworkFilterTask{Policy: FilterStatus})
			require.Equal(t, StatusOK, res.Status, res.Error)
			st := res.Output("f").(*NetworkFilterOutput).Status
			require.NotNil(t, st, "status reports what is active")
			require.NotEmpty(t, st.Active)
			assert.Equal(t, ActiveFilter{Interface: "wired", Policy: active.Name, Rules: len(active.Rules), InstanceID: out.InstanceID}, st.Active[0])
			assert.Len(t, st.Active, len(out.Interfaces), "one entry per filtered interface")

			res = runFilter(t, r, tg, &NetworkFilterTask{Policy: FilterRemove})
			require.Equal(t, StatusOK, res.Status, res.Error)
			assert.True(t, res.Output("f").(*NetworkFilterOutput).Removed)
			assert.Nil(t, simconv.Active(d, amt.Wired))
			assert.Nil(t, simconv.Active(d, amt.Wireless))
			f, p, l := d.DefenseObjects()
			assert.Zero(t, f+p+l, "remove leaves no filter, policy or association")

			res = runFilter(t, r, tg, &NetworkFilterTask{Policy: FilterStatus})
			require.Equal(t, StatusOK, res.Status, res.Error)
			st = res.Output("f").(*NetworkFilterOutput).Status
			require.NotNil(t, st)
			assert.Empty(t, st.Active, "no policy after remove")
		})
	}
}

// TestNetworkFilterRefusals: verification comes first. A policy that cuts
// the management server off is refused before any device is contacted,
// naming the blocking rule; so is a job with bad options. AMT's own
// precondition (DHCP) is reported per computer.
func TestNetworkFilterRefusals(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "lockdown.xml")
	require.NoError(t, os.WriteFile(file, []byte(cutOffPolicy), 0o600))
	tests := []struct {
		name    string
		task    *NetworkFilterTask
		wantMsg string
	}{
		{"custom file cuts the server off", &NetworkFilterTask{Policy: FilterCustom, File: file, ManagementServer: mgmtServer.String()}, `flow "mgmt-http"`},
		{"remediation without a server", &NetworkFilterTask{}, "managementServer"},
		{"unknown policy", &NetworkFilterTask{Policy: "quarantine-all"}, "unknown policy"},
		{"bad anti-spoofing", &NetworkFilterTask{Policy: FilterAllowAll, AntiSpoofing: "sometimes"}, "anti-spoofing"},
		{"unknown interface", &NetworkFilterTask{Policy: FilterAllowAll, Interfaces: []string{"wifi"}}, "interface"},
		{"missing file", &NetworkFilterTask{Policy: FilterCustom, File: filepath.Join(dir, "none.xml")}, "policy file"},
		{"malformed policy xml", &NetworkFilterTask{Policy: FilterCustom, XML: "<filterPolicy"}, "policy file"},
		{"removing the server's port cuts it off", &NetworkFilterTask{ManagementServer: mgmtServer.String(), RemovePorts: []string{"80"}}, `flow "mgmt-http"`},
		{"removing a port the list does not keep", &NetworkFilterTask{ManagementServer: mgmtServer.String(), RemovePorts: []string{"137/udp"}}, "does not keep"},
		{"adding a port without transport", &NetworkFilterTask{ManagementServer: mgmtServer.String(), AddPorts: []string{"8443"}}, "which transport"},
		{"bad port spec", &NetworkFilterTask{ManagementServer: mgmtServer.String(), AddPorts: []string{"http/tcp"}}, "add port"},
		{"bad task server", &NetworkFilterTask{ManagementServer: mgmtServer.String(), TaskServer: "ts.example"}, "task server"},
		{"port edits on another policy", &NetworkFilterTask{Policy: FilterLimitPing, AddPorts: []string{"8443/tcp"}}, "remediation policy"},
		{"export of two interfaces", &NetworkFilterTask{Policy: FilterExport, Interfaces: []string{"wired", "wireless"}}, "one interface"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, tg, r := filterRig(t, nil)
			_, err := r.Run(context.Background(), &Job{Name: "filter", Steps: []Step{{Task: tc.task}}}, []oobkit.Target{tg})
			require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
			assert.Contains(t, err.Error(), tc.wantMsg)
			assert.Zero(t, d.Counters().Requests, "the device was never contacted")
		})
	}

	t.Run("static IP refused by AMT's DHCP precondition", func(t *testing.T) {
		d, tg, r := filterRig(t, func(c *amttest.Config) { c.StaticIP = true })
		res := runFilter(t, r, tg, &NetworkFilterTask{ManagementServer: mgmtServer.String()})
		assert.Equal(t, StatusFailed, res.Status)
		assert.NotEqual(t, "ok", res.Class, res.Error)
		assert.Contains(t, res.Error, "DHCP")
		assert.Equal(t, "invalid-state", res.Class)
		assert.Nil(t, simconv.Active(d, amt.Wired))
	})
}

func TestNetworkFilterJobFile(t *testing.T) {
	job, err := ParseJob([]byte(`
name: quarantine
steps:
  - id: q
    task: filter
    with: {policy: remediation, managementServer: 192.0.2.5, antiSpoofing: count-event, ticklePort: 52029}
  - task: filter
    with: {policy: remove}
`))
	require.NoError(t, err)
	q := job.Steps[0].Task.(*NetworkFilterTask)
	assert.Equal(t, uint16(52029), q.TicklePort)
	_, err = ParseJob([]byte(`{name: typo, steps: [{task: filter, with: {polcy: remove}}]}`))
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}

// TestNetworkFilterPortEditsAndExport: the guide's "You can customize the
// ports that you want to stay open" through the task, and the active
// settings exported to the filter file format read back equal to what the
// device holds.
func TestNetworkFilterPortEditsAndExport(t *testing.T) {
	d, tg, r := filterRig(t, nil)
	res := runFilter(t, r, tg, &NetworkFilterTask{Policy: FilterExport})
	require.Equal(t, StatusOK, res.Status, res.Error)
	out := res.Output("f").(*NetworkFilterOutput)
	unfiltered, err := filter.Unmarshal([]byte(out.Export))
	require.NoError(t, err)
	assert.Equal(t, filter.AllowAll(), unfiltered, "an unfiltered computer exports allow-all")

	taskServer := netip.MustParseAddr("192.0.2.6")
	res = runFilter(t, r, tg, &NetworkFilterTask{ManagementServer: mgmtServer.String(), TaskServer: taskServer.String(),
		RemovePorts: []string{"137", "636/udp"}, AddPorts: []string{"8443/tcp"}, NotificationServerOnly: true})
	require.Equal(t, StatusOK, res.Status, res.Error)
	netbios := filter.Packet{Direction: filter.Transmit, Src: pcAddr, Dst: netip.MustParseAddr("198.51.100.7"), Protocol: filter.TCP, SrcPort: 49152, DstPort: 137}
	assert.Equal(t, filter.Drop, simconv.Evaluate(d, amt.Wired, netbios).Action, "137 removed")
	netbios.DstPort = 8443
	assert.Equal(t, filter.Pass, simconv.Evaluate(d, amt.Wired, netbios).Action, "8443 added")
	toTask := filter.Packet{Direction: filter.Transmit, Src: pcAddr, Dst: taskServer, Protocol: filter.TCP, SrcPort: 49152, DstPort: 50120}
	assert.Equal(t, filter.Pass, simconv.Evaluate(d, amt.Wired, toTask).Action, "the task server's range")
	assert.Equal(t, filter.Pass, simconv.Evaluate(d, amt.Wired, toServerHTTP).Action)
	toOther := toServerHTTP
	toOther.Dst = netip.MustParseAddr("198.51.100.7")
	assert.Equal(t, filter.Drop, simconv.Evaluate(d, amt.Wired, toOther).Action, "port 80 narrowed to the server")

	res = runFilter(t, r, tg, &NetworkFilterTask{Policy: FilterExport, Interfaces: []string{"wired"}})
	require.Equal(t, StatusOK, res.Status, res.Error)
	out = res.Output("f").(*NetworkFilterOutput)
	assert.Equal(t, []string{"wired"}, out.Interfaces)
	back, err := filter.Unmarshal([]byte(out.Export))
	require.NoError(t, err, out.Export)
	assert.Equal(t, simconv.Active(d, amt.Wired), back)
	assert.Equal(t, out.Rules, len(back.Rules))

	// The exported file applies again as a custom policy.
	res = runFilter(t, r, tg, &NetworkFilterTask{Policy: FilterCustom, XML: out.Export, ManagementServer: mgmtServer.String(), Interfaces: []string{"wireless"}})
	require.Equal(t, StatusOK, res.Status, res.Error)
	assert.Equal(t, back, simconv.Active(d, amt.Wireless))
}
