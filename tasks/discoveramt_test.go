package tasks

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/amttest"
)

// TestDiscoverAMT: discovery reports the AMT version, provisioning state
// and mode from the simulated firmware, an unprovisioned device as present
// but not provisioned, and a host where AMT does not answer as not detected.
func TestDiscoverAMT(t *testing.T) {
	fleet, err := amttest.NewFleet(amttest.FleetConfig{Size: 4, Vary: func(i int, c *amttest.Config) {
		switch i {
		case 1:
			c.Firmware, c.ClientControl = "16.0.15", true
		case 2:
			c.Unprovisioned = true
		}
	}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = fleet.Close() })
	fleet.Host().Remove(fleet.Target(3).HostPort(oobkit.AMT, false))
	r := amtRunner(fleet, WithRetry(fastRetry), WithTargetTimeout(30*time.Second))
	rep, err := r.Run(context.Background(), &Job{Name: "discover", Steps: []Step{{ID: "d", Task: &DiscoverTask{}}}}, fleet.Targets())
	require.NoError(t, err)

	tests := []struct {
		status               Status
		answered             bool
		class                string
		version, state, mode string
	}{
		{StatusOK, true, "", "12.0.67", "post-provisioning", "admin control"},
		{StatusOK, true, "", "16.0.15", "post-provisioning", "client control"},
		{StatusOK, true, "not-provisioned", "12.0.67", "pre-provisioning", ""},
		{StatusFailed, false, "not-detected", "", "", ""},
	}
	for i, tc := range tests {
		res := rep.Results[i]
		assert.Equal(t, tc.status, res.Status, "%s: %s", res.Target, res.Error)
		out := res.Output("d").(*DiscoverOutput)
		require.Len(t, out.Protocols, 1, res.Target)
		pr := out.Protocols[0]
		assert.Equal(t, tc.answered, pr.Answered, res.Target)
		assert.Equal(t, tc.class, pr.Class, res.Target)
		assert.Equal(t, tc.version, pr.Details["version"], res.Target)
		assert.Equal(t, tc.state, pr.Details["provisioning"], res.Target)
		if tc.mode != "" {
			assert.Equal(t, tc.mode, pr.Details["mode"], res.Target)
		}
	}
}
