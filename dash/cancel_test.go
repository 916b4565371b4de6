package dash_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
)

// TestCanceledContextSendsNothing: every operation given a context that has
// already ended returns context.Canceled and the computer sees no request,
// whether or not the client has cached the registered profiles.
func TestCanceledContextSendsNothing(t *testing.T) {
	dest := oobkit.AlertDestination{Delivery: oobkit.DeliveryPush, Address: "http://127.0.0.1:9/events"}
	ops := []struct {
		name string
		call func(ctx context.Context, c *dash.Client) error
	}{
		{"Identify", func(ctx context.Context, c *dash.Client) error { _, err := c.Identify(ctx); return err }},
		{"Profiles", func(ctx context.Context, c *dash.Client) error { _, err := c.Profiles(ctx); return err }},
		{"PowerState", func(ctx context.Context, c *dash.Client) error { _, err := c.PowerState(ctx); return err }},
		{"SetPower", func(ctx context.Context, c *dash.Client) error { return c.SetPower(ctx, oobkit.ActionOff) }},
		{"RequestPowerState", func(ctx context.Context, c *dash.Client) error { return c.RequestPowerState(ctx, dash.DMTFOn) }},
		{"BootSources", func(ctx context.Context, c *dash.Client) error { _, err := c.BootSources(ctx); return err }},
		{"SetNextBoot", func(ctx context.Context, c *dash.Client) error {
			return c.SetNextBoot(ctx, oobkit.BootOptions{Device: oobkit.BootPXE})
		}},
		{"BIOSAttributes", func(ctx context.Context, c *dash.Client) error { _, err := c.BIOSAttributes(ctx); return err }},
		{"SetBIOSAttribute", func(ctx context.Context, c *dash.Client) error {
			_, err := c.SetBIOSAttribute(ctx, "DASH:WakeOnLAN", "Enabled", oobkit.Secret{})
			return err
		}},
		{"Inventory", func(ctx context.Context, c *dash.Client) error { _, err := c.Inventory(ctx); return err }},
		{"Subscriptions", func(ctx context.Context, c *dash.Client) error { _, err := c.Subscriptions(ctx); return err }},
		{"Subscribe", func(ctx context.Context, c *dash.Client) error { return c.Subscribe(ctx, "DASH:AllAlerts", dest) }},
		{"ApplyAlerts", func(ctx context.Context, c *dash.Client) error {
			_, err := c.ApplyAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{dest}})
			return err
		}},
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, cached := range []bool{false, true} {
		for _, op := range ops {
			name := op.name
			if cached {
				name += " with profiles cached"
			}
			t.Run(name, func(t *testing.T) {
				sim, c := newPair(t, dashtest.Config{})
				if cached {
					_, err := c.Profiles(context.Background())
					require.NoError(t, err)
				}
				before := sim.Server().Counters().Requests
				err := op.call(canceled, c)
				require.ErrorIs(t, err, context.Canceled)
				assert.Equal(t, before, sim.Server().Counters().Requests, "nothing reached the computer")
			})
		}
	}
}
