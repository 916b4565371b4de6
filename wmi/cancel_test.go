package wmi_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/wmi"
)

// TestCanceledContextSendsNothing: every operation given a context that has
// already ended returns context.Canceled and the computer sees no request,
// on a fresh client (no NTLM handshake yet) and on one already
// authenticated.
func TestCanceledContextSendsNothing(t *testing.T) {
	ops := []struct {
		name string
		call func(ctx context.Context, c *wmi.Client) error
	}{
		{"Identify", func(ctx context.Context, c *wmi.Client) error { _, err := c.Identify(ctx); return err }},
		{"PowerState", func(ctx context.Context, c *wmi.Client) error { _, err := c.PowerState(ctx); return err }},
		{"SetPower", func(ctx context.Context, c *wmi.Client) error { return c.SetPower(ctx, oobkit.ActionShutdown) }},
		{"Shutdown", func(ctx context.Context, c *wmi.Client) error {
			return c.Shutdown(ctx, wmi.ShutdownOptions{Reboot: true})
		}},
		{"Processes", func(ctx context.Context, c *wmi.Client) error { _, err := c.Processes(ctx); return err }},
		{"StartProcess", func(ctx context.Context, c *wmi.Client) error {
			_, err := c.StartProcess(ctx, wmi.StartOptions{CommandLine: "notepad.exe"})
			return err
		}},
		{"TerminateProcess", func(ctx context.Context, c *wmi.Client) error { return c.TerminateProcess(ctx, 4) }},
		{"TerminateProcesses", func(ctx context.Context, c *wmi.Client) error {
			_, err := c.TerminateProcesses(ctx, "notepad.exe")
			return err
		}},
		{"Services", func(ctx context.Context, c *wmi.Client) error { _, err := c.Services(ctx); return err }},
		{"StartService", func(ctx context.Context, c *wmi.Client) error { return c.StartService(ctx, "Fax") }},
		{"RestartService", func(ctx context.Context, c *wmi.Client) error { return c.RestartService(ctx, "Spooler") }},
		{"SetStartMode", func(ctx context.Context, c *wmi.Client) error {
			return c.SetStartMode(ctx, "Fax", wmi.StartManual)
		}},
		{"SetLocalPassword", func(ctx context.Context, c *wmi.Client) error {
			return c.SetLocalPassword(ctx, "alice", oobkit.NewSecret("N3w-Passw0rd!"))
		}},
		{"Inventory", func(ctx context.Context, c *wmi.Client) error { _, err := c.Inventory(ctx); return err }},
		{"EventLog", func(ctx context.Context, c *wmi.Client) error { _, err := c.EventLog(ctx, 5); return err }},
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	pc := newComputer(t, false)
	for _, warm := range []bool{false, true} {
		for _, op := range ops {
			name := op.name
			if warm {
				name += " after a handshake"
			}
			t.Run(name, func(t *testing.T) {
				c := ntlmClient(t, pc, wmi.WithAllowUnencrypted()) // lets SetLocalPassword past its HTTP check
				if warm {
					_, err := c.Service(ctx(t), "Spooler")
					require.NoError(t, err)
				}
				before := pc.Server().Counters().Requests
				err := op.call(canceled, c)
				require.ErrorIs(t, err, context.Canceled)
				assert.Equal(t, before, pc.Server().Counters().Requests, "nothing reached the computer")
			})
		}
	}
}
