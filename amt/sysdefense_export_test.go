package amt_test

import (
	"context"
	"github.com/oobkit/oobkit/internal/simconv"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/filter"
)

// TestExportPolicyRoundTrip: the active settings of a computer are exported
// to the filter file format and read back equal to what was applied
// (apply -> export -> file -> parse).
func TestExportPolicyRoundTrip(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	ctx := context.Background()
	p, err := filter.DefaultRemediation(mgmt, filter.RemediationOptions{
		Name: "lab quarantine", Precedence: 3, AntiSpoofing: filter.AntiSpoofingCount,
		TaskServer: mgmt, NotificationServerOnly: true,
		Remove: []filter.KeptPort{{Port: filter.Ports(137)}},
	})
	require.NoError(t, err)
	flows := filter.RequiredFlows(mgmt, filter.FlowPorts{})
	_, err = c.ApplyPolicy(ctx, p, amt.ApplyOptions{Flows: flows})
	require.NoError(t, err)

	got, err := c.ExportPolicy(ctx, amt.Wired)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "CBFilters.xml")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, filter.Export(f, got))
	require.NoError(t, f.Close())

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	back, err := filter.Unmarshal(data)
	require.NoError(t, err)
	assert.Equal(t, p, back, "what was applied comes back from the file")
	assert.Equal(t, simconv.Active(srv, amt.Wired), back)

	// The exported file applies again, and to the wireless interface too.
	_, err = c.ApplyPolicy(ctx, back, amt.ApplyOptions{Interfaces: []amt.Interface{amt.Wireless}, Flows: flows})
	require.NoError(t, err)
	again, err := c.ExportPolicy(ctx, amt.Wireless)
	require.NoError(t, err)
	assert.Equal(t, p, again)
}

// TestExportPolicyUnfiltered: an interface without a policy allows all
// network traffic, and exports so.
func TestExportPolicyUnfiltered(t *testing.T) {
	_, c := start(t, amttest.Config{})
	got, err := c.ExportPolicy(context.Background(), amt.Wired)
	require.NoError(t, err)
	assert.Equal(t, filter.AllowAll(), got)
}

// TestApplyRefusesEditedListThatCutsOff: the port list can be edited, the
// defaults included, but the apply path still refuses a list that would
// cut the computer off from its management server, before sending
// anything. Field notes: "the potential to decapitate vPro systems from the
// network becomes a very real, very severe consequence of improper
// filters."
func TestApplyRefusesEditedListThatCutsOff(t *testing.T) {
	flows := filter.RequiredFlows(mgmt, filter.FlowPorts{})
	for _, rm := range []filter.KeptPort{
		{Port: filter.Ports(filter.EtherTypeARP), Transport: filter.TransportEthernet},
		{Port: filter.Ports(filter.DefaultHTTPPort)},
		{Port: filter.Ports(filter.DefaultTicklePort), Transport: filter.TransportTCP},
	} {
		t.Run(rm.Spec(), func(t *testing.T) {
			srv, c := start(t, amttest.Config{})
			p, err := filter.DefaultRemediation(mgmt, filter.RemediationOptions{Remove: []filter.KeptPort{rm}})
			require.NoError(t, err)
			_, err = c.ApplyPolicy(context.Background(), p, amt.ApplyOptions{Flows: flows})
			requireClass(t, err, oobkit.ErrInvalidArgument)
			assert.Contains(t, err.Error(), "flow")
			f, pol, links := srv.DefenseObjects()
			assert.Zero(t, f+pol+links, "nothing was sent")
		})
	}
}

// TestReapplyQuarantine: applying the quarantine to a computer that is
// already quarantined succeeds (a re-run job).
func TestReapplyQuarantine(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	ctx := context.Background()
	flows := filter.RequiredFlows(mgmt, filter.FlowPorts{})
	for range 3 {
		_, err := c.ApplyPolicy(ctx, remediation(t), amt.ApplyOptions{Flows: flows, Interfaces: []amt.Interface{amt.Wired, amt.Wireless}})
		require.NoError(t, err)
	}
	f, pol, links := srv.DefenseObjects()
	assert.Equal(t, []int{len(remediation(t).Rules), 1, 2}, []int{f, pol, links})
}
