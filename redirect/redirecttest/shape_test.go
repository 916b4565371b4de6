package redirecttest_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// openSOL opens a SOL session on sim with its own Target and Credential and
// returns it once the host's first output (an echo) arrived: the device
// sends its control/status message (0x29) before any output, so Status is
// then the device's.
func openSOL(t *testing.T, sim *redirecttest.Server) *redirect.SOL {
	t.Helper()
	c, err := redirect.New(sim.Target(), sim.Credential())
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	sol, err := c.OpenSOL(testCtx(t), redirect.SOLSettings{SilenceTimeout: time.Minute})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sol.Close() })
	_, err = io.WriteString(sol, "x")
	require.NoError(t, err)
	_, err = io.ReadFull(sol, make([]byte, 1))
	require.NoError(t, err)
	return sol
}

// The shape every oobkit simulator shares (NewServer, Target, Credential,
// Close) and Config.Power, a row of Table C-3, read back by the redirect
// client from the SOL control/status message's SYSTEM_POWER_STATE bit:
// set for S0/G0 and Legacy ON, clear for every other row.
func TestNewServerShapeAndPower(t *testing.T) {
	for _, tc := range []struct {
		power oobkit.PowerState
		on    bool
	}{
		{oobkit.PowerUnknown, true}, {oobkit.PowerS0, true}, {oobkit.PowerLegacyOn, true},
		{oobkit.PowerS1, false}, {oobkit.PowerS3, false}, {oobkit.PowerS4, false}, {oobkit.PowerS5, false},
		{oobkit.PowerG3, false}, {oobkit.PowerSleeping, false}, {oobkit.PowerLegacyOff, false},
	} {
		t.Run(tc.power.String(), func(t *testing.T) {
			sim, err := redirecttest.NewServer(redirecttest.Config{Power: tc.power})
			require.NoError(t, err)
			want := tc.power
			if want == oobkit.PowerUnknown {
				want = oobkit.PowerS0
			}
			assert.Equal(t, want, sim.PowerState())
			assert.Equal(t, sim.Port(), sim.Target().Port(oobkit.Redirection, false))
			assert.Equal(t, "admin", sim.Credential().Username)
			sol := openSOL(t, sim)
			st := sol.Status()
			assert.True(t, st.RTS && st.DTR, "the control message arrived: %+v", st)
			assert.Equal(t, tc.on, st.PoweredOn)
			require.NoError(t, sol.Close())
			require.NoError(t, sim.Close())
		})
	}
}

// waitStatus waits until the session's last control/status message says
// powered on (or not), or the test's deadline passes.
func waitStatus(t *testing.T, sol *redirect.SOL, on bool) {
	t.Helper()
	ctx := testCtx(t)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for sol.Status().PoweredOn != on {
		select {
		case <-ctx.Done():
			t.Fatalf("SYSTEM_POWER_STATE never became %v", on)
		case <-tick.C:
		}
	}
}

// A power change while a SOL session runs is sent as a new control/status
// message; Reboot powers the host on.
func TestPowerChangeDuringSOL(t *testing.T) {
	sim, err := redirecttest.NewServer(redirecttest.Config{Power: oobkit.PowerS5})
	require.NoError(t, err)
	defer sim.Close()
	sol := openSOL(t, sim)
	assert.False(t, sol.Status().PoweredOn)
	sim.Reboot()
	assert.Equal(t, oobkit.PowerS0, sim.PowerState())
	waitStatus(t, sol, true)
	sim.SetPowerState(oobkit.PowerS3)
	waitStatus(t, sol, false)
	require.NoError(t, sol.Close())
}

// An IDE-R session started "now" on a host that is off boots when the host
// powers on (Reboot), not before.
func TestIDERNowWaitsForPowerOn(t *testing.T) {
	img := bytes.Repeat([]byte{0xF6}, 64<<10)
	sim, err := redirecttest.NewServer(redirecttest.Config{Power: oobkit.PowerS5,
		Firmware: redirecttest.Boot(redirecttest.BootOptions{Device: redirecttest.Floppy})})
	require.NoError(t, err)
	defer sim.Close()
	c, err := redirect.New(sim.Target(), sim.Credential())
	require.NoError(t, err)
	defer c.Close()
	s, err := c.OpenIDER(testCtx(t), redirect.IDEROptions{Floppy: &redirect.Image{R: bytes.NewReader(img), Size: int64(len(img))}})
	require.NoError(t, err)
	defer s.Close()
	select {
	case <-sim.Boots():
		t.Fatal("booted while the host was off")
	default:
	}
	sim.Reboot()
	select {
	case rep := <-sim.Boots():
		require.NoError(t, rep.Err)
		assert.Equal(t, "now", rep.StartMode)
		assert.Equal(t, int64(len(img)), rep.Bytes)
	case <-testCtx(t).Done():
		t.Fatal("no boot after power-on")
	}
	require.NoError(t, s.Close())
}
