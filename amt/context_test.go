package amt_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/filter"
)

// operations calls every network operation of the client once.
var operations = []struct {
	name string
	call func(ctx context.Context, c *amt.Client) error
}{
	{"Detect", func(ctx context.Context, c *amt.Client) error { _, err := c.Detect(ctx); return err }},
	{"PowerStatus", func(ctx context.Context, c *amt.Client) error { _, err := c.PowerStatus(ctx); return err }},
	{"PowerState", func(ctx context.Context, c *amt.Client) error { _, err := c.PowerState(ctx); return err }},
	{"SetPower", func(ctx context.Context, c *amt.Client) error { return c.SetPower(ctx, oobkit.ActionReset) }},
	{"RequestPowerStateChange", func(ctx context.Context, c *amt.Client) error {
		return c.RequestPowerStateChange(ctx, amt.PowerMasterBusReset)
	}},
	{"BootSettings", func(ctx context.Context, c *amt.Client) error { _, err := c.BootSettings(ctx); return err }},
	{"SetNextBoot", func(ctx context.Context, c *amt.Client) error {
		return c.SetNextBoot(ctx, oobkit.BootOptions{Device: oobkit.BootPXE})
	}},
	{"RedirectionSettings", func(ctx context.Context, c *amt.Client) error { _, err := c.RedirectionSettings(ctx); return err }},
	{"EndRedirectionSessions", func(ctx context.Context, c *amt.Client) error {
		_, err := c.EndRedirectionSessions(ctx, amt.RedirectSOL)
		return err
	}},
	{"SetRedirection", func(ctx context.Context, c *amt.Client) error {
		return c.SetRedirection(ctx, amt.RedirectionSettings{SOL: true})
	}},
	{"Consent", func(ctx context.Context, c *amt.Client) error { _, err := c.Consent(ctx); return err }},
	{"SetConsentRequired", func(ctx context.Context, c *amt.Client) error { return c.SetConsentRequired(ctx, amt.ConsentAll) }},
	{"StartConsent", func(ctx context.Context, c *amt.Client) error { return c.StartConsent(ctx) }},
	{"SendConsentCode", func(ctx context.Context, c *amt.Client) error { return c.SendConsentCode(ctx, 123456) }},
	{"CancelConsent", func(ctx context.Context, c *amt.Client) error { return c.CancelConsent(ctx) }},
	{"MESettings", func(ctx context.Context, c *amt.Client) error { _, err := c.MESettings(ctx); return err }},
	{"SetIdleWakeTimeout", func(ctx context.Context, c *amt.Client) error { return c.SetIdleWakeTimeout(ctx, 30) }},
	{"SetPowerScheme", func(ctx context.Context, c *amt.Client) error { return c.SetPowerScheme(ctx, "SCHEME 2") }},
	{"Unprovision", func(ctx context.Context, c *amt.Client) error { return c.Unprovision(ctx, 0) }},
	{"Inventory", func(ctx context.Context, c *amt.Client) error { _, err := c.Inventory(ctx); return err }},
	{"EventLog", func(ctx context.Context, c *amt.Client) error { _, err := c.EventLog(ctx, 0); return err }},
	{"MessageLog", func(ctx context.Context, c *amt.Client) error { _, err := c.MessageLog(ctx, 0); return err }},
	{"ApplyPolicy", func(ctx context.Context, c *amt.Client) error {
		_, err := c.ApplyPolicy(ctx, filter.LimitPing(10), amt.ApplyOptions{})
		return err
	}},
	{"ActivePolicies", func(ctx context.Context, c *amt.Client) error { _, err := c.ActivePolicies(ctx); return err }},
	{"FilterStatistics", func(ctx context.Context, c *amt.Client) error { _, err := c.FilterStatistics(ctx); return err }},
	{"RemoveAllPolicies", func(ctx context.Context, c *amt.Client) error { return c.RemoveAllPolicies(ctx) }},
}

// TestCanceledContext: every operation given a canceled context fails with
// the context's error and sends nothing to the device.
func TestCanceledContext(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, op := range operations {
		t.Run(op.name, func(t *testing.T) {
			before := srv.Counters().Requests
			err := op.call(ctx, c)
			require.Error(t, err)
			assert.ErrorIs(t, err, context.Canceled)
			assert.Equal(t, before, srv.Counters().Requests, "nothing reached the device")
		})
	}
}
