package amt_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// guideRows is the RTSM guide's Table C-3 "Intel AMT power management
// capabilities" as printed (columns AMT reboot, AMT power off, AMT power
// on, Boot redirect; "1 Performed through the power on command.", "2
// Redirection can be enabled only for the reboot command."), with the
// state a simulated device is put in for the row.
var guideRows = []struct {
	code                      int
	reboot, off, on, redirect string
	state                     oobkit.PowerState
}{
	{1, "Yes", "Yes", "No", "Yes2", oobkit.PowerS0},
	{2, "Yes", "Yes", "No", "Yes", oobkit.PowerS1},
	{3, "No", "No", "No", "Yes", oobkit.PowerS2},
	{4, "Yes1", "Yes1", "Yes", "Yes2", oobkit.PowerS3},
	{5, "Yes1", "Yes1", "Yes", "Yes2", oobkit.PowerS4},
	{6, "No", "No", "Yes", "Yes", oobkit.PowerS5},
	{7, "No", "No", "No", "Yes", oobkit.PowerS4S5},
	{8, "No", "No", "No", "No", oobkit.PowerG3},
	{9, "No", "No", "No", "Yes", oobkit.PowerSleeping},
	{10, "No", "No", "No", "Yes", oobkit.PowerG1},
	{11, "No", "No", "No", "Yes", oobkit.PowerS5Override},
	{12, "No", "No", "No", "Yes", oobkit.PowerLegacyOn},
	{13, "No", "No", "No", "Yes", oobkit.PowerLegacyOff},
	{14, "No", "No", "No", "Yes", oobkit.PowerUnknown}, // field notes: "FromState detected as unknown:14"
}

// TestTableC3ThroughSimulator puts a simulated AMT device in each row's
// state, reads it back (the client maps what the device reports to the
// row, not to the nearest S-state), and asks the client for a reset, a
// power off and a power on: an allowed cell acts and ends where it should,
// a refused cell sends nothing and names the row and its code. Footnote 1
// ("Performed through the power on command."): in S3 and S4 the power on
// command is what the device receives first. The boot-redirect column
// rides on the same actions: reset to BIOS needs the reboot cell and the
// redirect cell; power on to BIOS needs the power-on cell and a redirect
// cell without footnote 2 ("Redirection can be enabled only for the reboot
// command.").
func TestTableC3ThroughSimulator(t *testing.T) {
	type try struct {
		action oobkit.PowerAction
		ok     bool
		end    oobkit.PowerState
	}
	for _, row := range guideRows {
		yes := func(c string) bool { return strings.HasPrefix(c, "Yes") }
		tries := []try{
			{oobkit.ActionReset, yes(row.reboot), oobkit.PowerS0},
			{oobkit.ActionOff, yes(row.off), oobkit.PowerS5},
			{oobkit.ActionOn, yes(row.on), oobkit.PowerS0},
			{oobkit.ActionResetToBIOS, yes(row.reboot) && yes(row.redirect), oobkit.PowerS0},
			{oobkit.ActionOnToBIOS, yes(row.on) && row.redirect == "Yes", oobkit.PowerS0},
		}
		for _, tr := range tries {
			t.Run(row.state.String()+"/"+tr.action.String(), func(t *testing.T) {
				srv, c := start(t, amttest.Config{})
				srv.SetPowerState(row.state)
				ctx := context.Background()
				got, err := c.PowerState(ctx)
				require.NoError(t, err)
				require.Equal(t, row.state, got, "the device's report maps to row %d", row.code)
				assert.Equal(t, row.code, got.Code())

				err = c.SetPower(ctx, tr.action)
				if !tr.ok {
					oe := requireClass(t, err, oobkit.ErrInvalidState)
					assert.Contains(t, oe.Error(), row.state.String(), "names the row and its code")
					assert.Zero(t, srv.PowerChanges(), "a refused action reaches no device")
					assert.Equal(t, row.state, srv.PowerState())
					return
				}
				require.NoError(t, err)
				assert.Equal(t, tr.end, srv.PowerState())
				via := srv.Records()
				if oobkit.ThroughPowerOn(row.state, tr.action) {
					// The device booted (power on) before anything else.
					assert.True(t, hasBoot(via), "footnote 1: the power on command was sent")
				}
				if tr.action.ToBIOS() {
					assert.Equal(t, "bios", srv.BootState().LastBoot)
				}
			})
		}
	}
}

func hasBoot(recs []amttest.Record) bool {
	for _, r := range recs {
		if r.SensorType == 0x1d { // System Boot Initiated
			return true
		}
	}
	return false
}

// TestFootnote1PowerOffFromS4: "1 Performed through the power on command."
// A power off of a hibernating computer is sent as the power on command;
// once the computer is on, the off follows and the end state is checked.
func TestFootnote1PowerOffFromS4(t *testing.T) {
	srv, c := start(t, amttest.Config{Power: oobkit.PowerS4})
	require.NoError(t, c.SetPower(context.Background(), oobkit.ActionOff))
	assert.Equal(t, 2, srv.PowerChanges(), "power on, then off")
	assert.Equal(t, oobkit.PowerS5, srv.PowerState())

	srv, c = start(t, amttest.Config{Power: oobkit.PowerS3})
	require.NoError(t, c.SetPower(context.Background(), oobkit.ActionReset))
	assert.Equal(t, 1, srv.PowerChanges(), "the reboot is the power on command")
	assert.Equal(t, oobkit.PowerS0, srv.PowerState())
	assert.Equal(t, "hdd", srv.BootState().LastBoot)
}

// TestFootnote1EndStateChecked: when the computer does not come on after
// the power on command, the client says so instead of reporting success.
func TestFootnote1EndStateChecked(t *testing.T) {
	srv, err := amttest.NewServer(amttest.Config{Power: oobkit.PowerS3})
	require.NoError(t, err)
	defer srv.Close()
	srv.SetStuck(true) // accepts the power on command, stays asleep
	// The settle time is the shortest possible: one read after the command.
	c, err := amt.New(srv.Target(), srv.Credential(), amt.WithPowerSettle(time.Nanosecond, time.Nanosecond))
	require.NoError(t, err)
	defer c.Close()
	err = c.SetPower(context.Background(), oobkit.ActionOff)
	oe := requireClass(t, err, oobkit.ErrDevice)
	assert.Contains(t, oe.Error(), "after the power on command the computer is in S3:4, not S0:1")
	assert.Contains(t, oe.Error(), "Performed through the power on command.")
}

// TestPowerTableOverride: an operator who knows better overrides the table
// for one call; without the override the unknown state refuses.
func TestPowerTableOverride(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	srv.SetPowerState(oobkit.PowerUnknown)
	ctx := context.Background()
	err := c.SetPower(ctx, oobkit.ActionReset)
	oe := requireClass(t, err, oobkit.ErrInvalidState)
	assert.Contains(t, oe.Error(), "unknown:14")
	// The device itself offers nothing in the unknown state and refuses.
	err = c.SetPower(oobkit.WithPowerTableOverride(ctx), oobkit.ActionReset)
	oe = requireClass(t, err, oobkit.ErrDevice)
	assert.Equal(t, "2", oe.DeviceCode, "sent to the device, which refused")

	// CheckPower answers like SetPower, for boot redirections too.
	srv.SetPowerState(oobkit.PowerS3)
	st, err := c.CheckPower(ctx, oobkit.ActionOn, true)
	assert.Equal(t, oobkit.PowerS3, st)
	requireClass(t, err, oobkit.ErrInvalidState)
	_, err = c.CheckPower(ctx, oobkit.ActionReset, true)
	require.NoError(t, err)
}

// TestResetToBIOSTerminalShowsSetupOverSOL: Table 3-1's "Reset to BIOS
// (Terminal)" "Restarts the client computer and enters BIOS in Terminal
// mode." A SOL console open on the simulated device shows the BIOS setup
// screen once the client has reset it into BIOS with SOL redirection.
func TestResetToBIOSTerminalShowsSetupOverSOL(t *testing.T) {
	for _, tc := range []struct {
		from   oobkit.PowerState
		action oobkit.PowerAction
	}{{oobkit.PowerS0, oobkit.ActionResetToBIOSTerminal}, {oobkit.PowerS5, oobkit.ActionOnToBIOSTerminal}} {
		t.Run(tc.action.String(), func(t *testing.T) {
			dev, c := start(t, amttest.Config{Power: tc.from})
			require.NoError(t, c.SetRedirection(context.Background(), amt.RedirectionSettings{IDER: true, Listener: true}),
				"SOL starts disabled; the action must enable it")
			sol := openSOL(t, dev)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			require.NoError(t, c.SetPower(ctx, tc.action))
			assert.True(t, dev.Redirection().SOL, "SOL enabled in AMT_RedirectionService")
			bs := dev.BootState()
			assert.True(t, bs.InBIOSSetup && bs.SOL)
			screen := readUntil(t, sol, amttest.BIOSSetupTitle)
			assert.Contains(t, screen, "Console redirection: Serial-over-LAN")
		})
	}
	// Without "(Terminal)" the BIOS console is not redirected: nothing shows.
	dev, c := start(t, amttest.Config{Power: oobkit.PowerS5})
	require.NoError(t, c.SetPower(context.Background(), oobkit.ActionOnToBIOS))
	assert.False(t, dev.BootState().SOL)
}

// openSOL runs the redirection endpoint of dev with dev's serial console
// and opens a SOL session to it.
func openSOL(t *testing.T, dev *amttest.Server) *redirect.SOL {
	t.Helper()
	rsrv, err := redirecttest.NewServer(redirecttest.Config{Console: dev.SOLConsole})
	require.NoError(t, err)
	t.Cleanup(func() { _ = rsrv.Close() })
	rc, err := redirect.New(rsrv.Target(), rsrv.Credential())
	require.NoError(t, err)
	t.Cleanup(func() { _ = rc.Close() })
	sol, err := rc.OpenSOL(context.Background(), redirect.SOLSettings{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sol.Close() })
	return sol
}

func readUntil(t *testing.T, r io.Reader, want string) string {
	t.Helper()
	var got []byte
	buf := make([]byte, 1024)
	for !strings.Contains(string(got), want) {
		n, err := r.Read(buf)
		got = append(got, buf[:n]...)
		require.NoError(t, err, "read so far: %q", got)
	}
	return string(got)
}
