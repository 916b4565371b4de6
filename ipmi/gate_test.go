package ipmi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/ipmi"
)

// TestChassisGate: IPMI states its own gate (Chassis Control, IPMI v2.0
// §28.3), not Intel AMT's Table C-3: in Legacy ON, where Table C-3 allows
// AMT nothing, a BMC powers down, resets and cycles.
func TestChassisGate(t *testing.T) {
	on := []oobkit.PowerAction{oobkit.ActionOff, oobkit.ActionShutdown, oobkit.ActionReset, oobkit.ActionCycle, oobkit.ActionResetToBIOS, oobkit.ActionResetToBIOSTerminal}
	off := []oobkit.PowerAction{oobkit.ActionOn, oobkit.ActionOnToBIOS, oobkit.ActionOnToBIOSTerminal}
	for _, st := range []oobkit.PowerState{oobkit.PowerLegacyOn, oobkit.PowerS0, oobkit.PowerS1} {
		for _, a := range on {
			assert.NoError(t, ipmi.Allowed(st, a, false), "%v in %v", a, st)
		}
		for _, a := range off {
			err := ipmi.Allowed(st, a, false)
			require.ErrorIs(t, err, oobkit.ErrInvalidState, "%v in %v", a, st)
			assert.Contains(t, err.Error(), st.String())
		}
	}
	for _, st := range []oobkit.PowerState{oobkit.PowerLegacyOff, oobkit.PowerS5, oobkit.PowerS4, oobkit.PowerS5Override} {
		for _, a := range off {
			assert.NoError(t, ipmi.Allowed(st, a, true), "%v in %v", a, st)
		}
		for _, a := range on {
			require.ErrorIs(t, ipmi.Allowed(st, a, false), oobkit.ErrInvalidState, "%v in %v", a, st)
		}
	}
	err := ipmi.Allowed(oobkit.PowerUnknown, oobkit.ActionOn, false)
	require.ErrorIs(t, err, oobkit.ErrInvalidState)
	assert.Contains(t, err.Error(), "unknown:14")
	require.ErrorIs(t, ipmi.Allowed(oobkit.PowerS0, oobkit.ActionOff, true), oobkit.ErrInvalidState, "boot flags do not ride on a power down")
	require.ErrorIs(t, ipmi.Allowed(oobkit.PowerS0, oobkit.ActionHibernate, false), oobkit.ErrUnsupported)
	require.ErrorIs(t, ipmi.Allowed(oobkit.PowerS0, oobkit.ActionNone, false), oobkit.ErrInvalidArgument)

	// Get ACPI Power State values map to their own rows (IPMI v2.0 §20.6).
	assert.Equal(t, oobkit.PowerS4S5, ipmi.StateFromACPI(0x06))
	assert.Equal(t, oobkit.PowerLegacyOn, ipmi.StateFromACPI(0x20))
	assert.Equal(t, oobkit.PowerUnknown, ipmi.StateFromACPI(0x2a))
	assert.Equal(t, oobkit.PowerUnknown, ipmi.StateFromSensorOffset(0x0e))
	assert.Equal(t, oobkit.PowerLegacyOff, ipmi.StateFromSensorOffset(0x0c))
}
