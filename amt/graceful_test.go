package amt_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/dmtf"
)

// "For Intel AMT 9.0 and higher, graceful shutdown is performed through
// WSMan": the client reads the major version that decides it.
func TestFirmwareMajor(t *testing.T) {
	for fw, want := range map[string]int{"8.1.40": 8, "12.0.67": 12, "16.1.25": 16} {
		_, c := start(t, amttest.Config{Firmware: fw})
		got, err := c.FirmwareMajor(context.Background())
		require.NoError(t, err)
		assert.Equal(t, want, got, fw)
		assert.Equal(t, want >= amt.GracefulMajor, got >= 9)
	}
}

// A graceful restart the logged-on user holds back is accepted by the
// firmware but changes nothing: the boot mark stays; a reset changes it.
func TestBootMarkAndHeldBackRestart(t *testing.T) {
	d, c := start(t, amttest.Config{Firmware: "12.0.67"})
	ctx := context.Background()
	m0, err := c.BootMark(ctx)
	require.NoError(t, err)

	d.SetUserHoldsShutdown(true)
	require.NoError(t, c.SetPower(ctx, oobkit.ActionReboot))
	require.NoError(t, c.SetPower(ctx, oobkit.ActionShutdown))
	m1, err := c.BootMark(ctx)
	require.NoError(t, err)
	assert.Equal(t, m0, m1, "held back: no boot")
	assert.Equal(t, oobkit.PowerS0, d.PowerState(), "held back: still on")

	require.NoError(t, c.SetPower(ctx, oobkit.ActionReset))
	m2, err := c.BootMark(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, m1, m2, "the hard reset booted the computer")
	assert.Equal(t, rawInts(amt.PowerMasterBusResetGrace, amt.PowerOffSoftGraceful, amt.PowerMasterBusReset), d.PowerRequests())

	d.SetUserHoldsShutdown(false)
	require.NoError(t, c.SetPower(ctx, oobkit.ActionShutdown))
	assert.Equal(t, oobkit.PowerS5, d.PowerState())
}

// rawInts turns DMTF values into the plain numbers the simulator records.
func rawInts(vs ...dmtf.PowerState) []int {
	out := make([]int, len(vs))
	for i, v := range vs {
		out[i] = int(v)
	}
	return out
}
