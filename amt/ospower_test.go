package amt_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
)

// TestModernStandby: Intel, "Remote Power Management of Intel AMT Devices
// with InstantGo": "Intel AMT added support for InstantGo in version 10.0
// … when a system is in the low OS power state (S0) of InstantGo, the
// hardware power state will show as S0. This requires an additional query
// for the OSPowerSavingState in order to determine if the OS is in a full
// or low power state"
// (https://www.intel.com/content/www/us/en/docs/active-management-technology/developer-guide/2021/remote-power-management-of-intel-amt-devices-with.html).
// A host in Modern Standby stays in Table C-3 row 1 (S0/G0 "working", DMTF
// 2 On); OSPowerSavingState says power saving; full power again when the
// OS wakes; off, the saving state ends. Firmware before 10 lacks the class.
func TestModernStandby(t *testing.T) {
	ctx := context.Background()
	srv, c := start(t, amttest.Config{Firmware: "12.0.67", OSPowerSaving: true})

	st, err := c.PowerStatus(ctx)
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerS0, st.State, "the hardware stays in S0")
	assert.Equal(t, amt.PowerOn, st.Raw)
	os, err := c.OSPowerSavingState(ctx)
	require.NoError(t, err)
	assert.Equal(t, amt.OSPowerSaving, os)

	srv.SetOSPowerSaving(false)
	os, err = c.OSPowerSavingState(ctx)
	require.NoError(t, err)
	assert.Equal(t, amt.OSPowerFull, os)

	srv.SetOSPowerSaving(true)
	require.NoError(t, c.SetPower(ctx, oobkit.ActionOff))
	assert.False(t, srv.OSPowerSaving(), "leaving S0 ends Modern Standby")
	os, err = c.OSPowerSavingState(ctx)
	require.NoError(t, err)
	assert.Equal(t, amt.OSPowerUnknown, os)
	srv.SetOSPowerSaving(true)
	assert.False(t, srv.OSPowerSaving(), "no Modern Standby outside S0")

	_, old := start(t, amttest.Config{Firmware: "9.5.3", OSPowerSaving: true})
	_, err = old.OSPowerSavingState(ctx)
	requireClass(t, err, oobkit.ErrUnsupported) // AMT 9 has no IPS_PowerManagementService
	ps, err := old.PowerState(ctx)
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerS0, ps)
}
