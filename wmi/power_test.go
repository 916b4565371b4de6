package wmi_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/wmi"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

func TestShutdownFlags(t *testing.T) {
	tests := []struct {
		opts wmi.ShutdownOptions
		want int64
	}{
		{wmi.ShutdownOptions{}, 1},
		{wmi.ShutdownOptions{Force: true}, 5},
		{wmi.ShutdownOptions{Reboot: true}, 2},
		{wmi.ShutdownOptions{Reboot: true, Force: true}, 6},
		{wmi.ShutdownOptions{PowerOff: true}, 8},
		{wmi.ShutdownOptions{PowerOff: true, Force: true}, 12},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.opts.Flags(), "%+v", tt.opts)
	}
}

func TestSetPowerShutdown(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	st, err := c.PowerState(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerS0, st)

	require.NoError(t, c.SetPower(ctx(t), oobkit.ActionShutdown))
	assert.False(t, pc.IsOn())
	st, err = c.PowerState(ctx(t))
	require.ErrorIs(t, err, oobkit.ErrUnreachable)
	assert.Equal(t, oobkit.PowerUnknown, st)

	pc.PowerOn()
	st, err = c.PowerState(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerS0, st)
	events := pc.Events("System")
	var codes []uint32
	for _, e := range events {
		codes = append(codes, e.Code)
	}
	assert.Contains(t, codes, uint32(1074))
}

func TestRebootComesBack(t *testing.T) {
	pc := newComputer(t, false)
	pc.Do(func(pc *wmitest.Computer) { pc.BootTime = time.Minute })
	c := ntlmClient(t, pc)
	before, err := c.Processes(ctx(t))
	require.NoError(t, err)
	pid, err := c.StartProcess(ctx(t), wmi.StartOptions{CommandLine: "calc.exe"})
	require.NoError(t, err)
	require.NoError(t, c.SetPower(ctx(t), oobkit.ActionReboot))
	require.False(t, pc.IsOn(), "Windows goes down first")
	pc.Advance(time.Minute - time.Second)
	require.False(t, pc.IsOn(), "still booting")
	pc.Advance(time.Second)
	require.True(t, pc.IsOn(), "back once BootTime has passed, without a power-on")
	after, err := c.Processes(ctx(t))
	require.NoError(t, err)
	assert.Len(t, after, len(before), "a reboot leaves only the boot processes")
	for _, p := range after {
		assert.NotEqual(t, pid, p.PID)
	}
	s, err := c.Service(ctx(t), "Spooler")
	require.NoError(t, err)
	assert.Equal(t, "Running", s.State, "automatic services start at boot")
	assert.Equal(t, 1, pc.Shutdowns())
}

// TestNonForcedShutdownLetsUserSave: an application with unsaved work holds
// a non-forced shutdown back; a forced one closes it.
func TestNonForcedShutdownLetsUserSave(t *testing.T) {
	pc := newComputer(t, false)
	pc.StartProcess(wmitest.Process{ExecutablePath: `C:\Windows\System32\notepad.exe`, UnsavedData: true})
	c := ntlmClient(t, pc)

	require.NoError(t, c.Shutdown(ctx(t), wmi.ShutdownOptions{}))
	assert.True(t, pc.IsOn(), "the user kept working")
	events, err := c.Events(ctx(t), wmi.EventQuery{Logs: []string{"System"}, Source: "User32",
		Types: []wmi.EventType{wmi.EventInformation}, Max: 1})
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, "1073", events[0].Code)

	require.NoError(t, c.Shutdown(ctx(t), wmi.ShutdownOptions{Force: true}))
	assert.False(t, pc.IsOn())
}

func TestSetPowerUnsupported(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	for _, a := range []oobkit.PowerAction{oobkit.ActionOn, oobkit.ActionOff, oobkit.ActionReset, oobkit.ActionCycle, oobkit.ActionSleep} {
		err := c.SetPower(ctx(t), a)
		assert.ErrorIs(t, err, oobkit.ErrUnsupported, "%s", a)
	}
	assert.Zero(t, pc.Server().Counters().Requests, "refused without asking the computer")
}

// TestWMIGate: the guide, "WMI power management is limited to Reboot and
// Power off commands and can be performed on a computer with a running
// operating system."
func TestWMIGate(t *testing.T) {
	require.NoError(t, wmi.Allowed(oobkit.PowerS0, oobkit.ActionShutdown))
	require.NoError(t, wmi.Allowed(oobkit.PowerS0, oobkit.ActionReboot))
	require.ErrorIs(t, wmi.Allowed(oobkit.PowerS0, oobkit.ActionOn), oobkit.ErrUnsupported)
	require.ErrorIs(t, wmi.Allowed(oobkit.PowerS0, oobkit.ActionOff), oobkit.ErrUnsupported)
	for _, st := range oobkit.PowerStates() {
		if st == oobkit.PowerS0 {
			continue
		}
		err := wmi.Allowed(st, oobkit.ActionReboot)
		require.ErrorIs(t, err, oobkit.ErrInvalidState, "%v", st)
		assert.Contains(t, err.Error(), st.String())
	}
}
