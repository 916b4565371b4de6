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

// "(Optional) To perform a graceful restart or shutdown through WMI, check
// Allow user to save data before power operation." A countdown or a message
// goes through Win32ShutdownTracker: the user is shown both, Windows waits
// for the countdown, and an application with unsaved work can still hold
// the shutdown back when it runs out.
func TestShutdownTrackerShowsCountdownAndMessage(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	boot, err := c.BootMark(ctx(t))
	require.NoError(t, err)
	require.NotEmpty(t, boot)

	require.NoError(t, c.Shutdown(ctx(t), wmi.ShutdownOptions{PowerOff: true, Countdown: 90 * time.Second, Message: "Save your work"}))
	n := pc.Notices()
	require.Len(t, n, 1)
	assert.Equal(t, "Save your work", n[0].Comment)
	assert.Equal(t, 90*time.Second, n[0].Timeout)
	assert.Equal(t, uint32(wmi.ReasonPlanned), n[0].ReasonCode)
	assert.Equal(t, int64(wmi.FlagPowerOff), n[0].Flags)
	assert.True(t, pc.IsOn(), "the countdown runs")
	err = c.Shutdown(ctx(t), wmi.ShutdownOptions{Message: "again"})
	require.ErrorIs(t, err, oobkit.ErrBusy, "one shutdown is scheduled already")
	pc.Advance(90 * time.Second)
	assert.False(t, pc.IsOn(), "down once the countdown ran out")
	assert.Equal(t, 1, pc.Shutdowns())

	pc.PowerOn()
	pc.StartProcess(wmitest.Process{ExecutablePath: `C:\Windows\System32\notepad.exe`, UnsavedData: true})
	require.NoError(t, c.Shutdown(ctx(t), wmi.ShutdownOptions{Reboot: true, Countdown: time.Second, Reason: 0x80020003}))
	pc.Advance(time.Second)
	assert.True(t, pc.IsOn(), "the user held the restart back")
	assert.Equal(t, uint32(0x80020003), pc.Notices()[1].ReasonCode)
	_, err = c.BootMark(ctx(t))
	require.NoError(t, err)

	require.ErrorIs(t, c.Shutdown(ctx(t), wmi.ShutdownOptions{Countdown: -time.Second}), oobkit.ErrInvalidArgument)
}

// A restart changes the boot mark (LastBootUpTime).
func TestBootMarkChangesOnRestart(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	before, err := c.BootMark(ctx(t))
	require.NoError(t, err)
	pc.Advance(time.Minute) // a later boot time
	require.NoError(t, c.SetPower(ctx(t), oobkit.ActionReboot))
	pc.Advance(time.Minute)
	after, err := c.BootMark(ctx(t))
	require.NoError(t, err)
	assert.NotEqual(t, before, after)
}
