package tasks

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// TestIDERStepConsultsTableC3: the IDE-R step ends in a power action that
// carries a boot redirection, so it asks Table C-3 before it sets the
// boot. The field notes: "Generic error, FromState detected as unknown:14.
// This will cause the power action to fail." Nothing reaches the device,
// not even the boot settings; ignoreTable sends it anyway.
func TestIDERStepConsultsTableC3(t *testing.T) {
	path, _ := testImage(t, 64<<10)
	rig := newIDERRig(t, oobkit.PowerS0, redirecttest.Config{Firmware: mountedForever})
	rig.amt.SetPowerState(oobkit.PowerUnknown)
	task := &IDERBootTask{Image: path, Wait: Duration(1)}
	rep, err := rig.runner.Run(context.Background(), &Job{Name: "ider", Steps: []Step{{ID: "ider", Task: task}}}, []oobkit.Target{rig.target})
	require.NoError(t, err)
	res := rep.Results[0]
	require.Equal(t, StatusFailed, res.Status)
	assert.Equal(t, oobkit.CodeInvalidState, res.Code)
	assert.Contains(t, res.Error, "unknown:14")
	assert.Zero(t, rig.amt.PowerChanges())
	assert.False(t, rig.amt.BootState().Settings.UseIDER, "a refused step sets no boot")
}

// TestBootStepRidesOnReboot: footnote 2, "Redirection can be enabled only
// for the reboot command.", in S3 where footnote 1 says the reboot is
// "Performed through the power on command.": a boot step on a sleeping
// computer resets (through the power on command) instead of powering on,
// and the computer boots the redirected device.
func TestBootStepRidesOnReboot(t *testing.T) {
	a, err := amttest.NewServer(amttest.Config{Power: oobkit.PowerS3})
	require.NoError(t, err)
	defer a.Close()
	r := amtServerRunner(a)
	job := &Job{Name: "pxe", Steps: []Step{{ID: "boot", Task: &BootTask{Options: oobkit.BootOptions{Device: oobkit.BootPXE}}}}}
	rep, err := r.Run(context.Background(), job, []oobkit.Target{a.Target()})
	require.NoError(t, err)
	res := rep.Results[0]
	require.Equal(t, StatusOK, res.Status, res.Error)
	out := res.Output("boot").(*BootOutput)
	assert.Equal(t, oobkit.PowerS3, out.Before)
	assert.Equal(t, oobkit.ActionReset, out.Action)
	assert.Equal(t, "pxe", a.BootState().LastBoot)
	assert.Equal(t, oobkit.PowerS0, a.PowerState())
}

// TestPowerStepUnknownRefusedUnlessIgnoreTable: an explicit per-step
// override exists; nothing overrides by default.
func TestPowerStepUnknownRefusedUnlessIgnoreTable(t *testing.T) {
	a, err := amttest.NewServer(amttest.Config{})
	require.NoError(t, err)
	defer a.Close()
	a.SetPowerState(oobkit.PowerUnknown)
	r := amtServerRunner(a)
	run := func(task *PowerTask) Result {
		rep, err := r.Run(context.Background(), &Job{Name: "p", Steps: []Step{{ID: "p", Task: task}}}, []oobkit.Target{a.Target()})
		require.NoError(t, err)
		return rep.Results[0]
	}
	res := run(&PowerTask{Action: oobkit.ActionReset})
	require.Equal(t, StatusFailed, res.Status)
	assert.Equal(t, "invalid-state", oobkit.ClassName(res.Err()))
	assert.Contains(t, res.Error, "reset is not possible in state unknown:14 (Table C-3 row 14, Unknown: AMT reboot No)")
	assert.Zero(t, a.PowerChanges())

	res = run(&PowerTask{Action: oobkit.ActionReset, IgnoreTable: true})
	assert.Equal(t, "2", res.DeviceCode, "the override sent the reset; the device refused what it does not offer: %s", res.Error)
	assert.Contains(t, res.Error, "RequestPowerStateChange")

	// A boot on a power step consults the boot-redirect column: in S0
	// (Yes², reboot only) a power on cannot carry it — and power on is No.
	a.SetPowerState(oobkit.PowerS0)
	res = run(&PowerTask{Action: oobkit.ActionReset, Boot: &oobkit.BootOptions{Device: oobkit.BootPXE}})
	require.Equal(t, StatusOK, res.Status, res.Error)
	assert.Equal(t, "pxe", a.BootState().LastBoot)
}

func amtServerRunner(a *amttest.Server) *Runner {
	conn := NewConnector(StaticCredentials{oobkit.AMT: {{Name: "amt", Credential: a.Credential()}}})
	conn.Register(oobkit.AMT, amtDialer(nil))
	return NewRunner(conn, WithProbe(nil), WithRetry(fastRetry),
		WithTargetProtocols(func(oobkit.Target) []oobkit.Protocol { return []oobkit.Protocol{oobkit.AMT} }))
}
