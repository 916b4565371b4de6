package dmtf_test

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dmtf"
)

// One mapping from DSP1027 values to Table C-3 rows, and amt and dash give
// the same answer for every value (they used to disagree on reset and NMI).
func TestOneMapping(t *testing.T) {
	want := map[dmtf.PowerState]oobkit.PowerState{
		dmtf.PowerUnknown: oobkit.PowerUnknown, dmtf.PowerOther: oobkit.PowerUnknown, dmtf.PowerOn: oobkit.PowerS0,
		dmtf.PowerSleepLight: oobkit.PowerSleeping, dmtf.PowerSleepDeep: oobkit.PowerS3, dmtf.PowerCycleOffSoft: oobkit.PowerUnknown,
		dmtf.PowerOffHard: oobkit.PowerG3, dmtf.PowerHibernate: oobkit.PowerS4, dmtf.PowerOffSoft: oobkit.PowerS5,
		dmtf.PowerCycleOffHard: oobkit.PowerUnknown, dmtf.PowerMasterBusReset: oobkit.PowerUnknown, dmtf.PowerNMI: oobkit.PowerUnknown,
		dmtf.PowerOffSoftGraceful: oobkit.PowerS5, dmtf.PowerOffHardGraceful: oobkit.PowerG3,
		dmtf.PowerMasterBusResetGrace: oobkit.PowerUnknown, dmtf.PowerCycleOffSoftGraceful: oobkit.PowerUnknown,
		dmtf.PowerCycleOffHardGraceful: oobkit.PowerUnknown, 99: oobkit.PowerUnknown,
	}
	for v, s := range want {
		assert.Equal(t, s, v.State(), "%v", v)
		assert.Equal(t, s, amt.StateFromDMTF(v), "amt %v", v)
		assert.Equal(t, s, dash.StateFromDMTF(v), "dash %v", v)
	}
	assert.Equal(t, "On (2)", dmtf.PowerOn.String())
	assert.Equal(t, dmtf.PowerOn, amt.PowerOn)
	assert.Equal(t, dmtf.PowerOn, dash.DMTFOn)
}

// The type trap is closed: client.SetPower(ctx, amt.PowerOn) used to compile
// and send power off (amt.PowerOn was the untyped constant 2, which is
// oobkit's ActionOff). The DMTF constants now have a type of their own, and
// Go does not convert one named type to another without an explicit
// conversion, so that call no longer compiles.
func TestDMTFValueIsNotAPowerAction(t *testing.T) {
	want := reflect.TypeOf(dmtf.PowerState(0))
	for name, v := range map[string]any{"amt.PowerOn": amt.PowerOn, "amt.PowerOffSoft": amt.PowerOffSoft,
		"amt.PowerOther": amt.PowerOther, "dash.DMTFOn": dash.DMTFOn, "dash.DMTFOffSoft": dash.DMTFOffSoft} {
		assert.Equal(t, want, reflect.TypeOf(v), name)
		assert.NotEqual(t, reflect.TypeOf(oobkit.ActionOn), reflect.TypeOf(v), name)
	}
}
