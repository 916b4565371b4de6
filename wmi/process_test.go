package wmi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/wmi"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

func TestProcesses(t *testing.T) {
	pc := newComputer(t, false)
	pc.Do(func(pc *wmitest.Computer) {
		pc.Shares[`\\fileserver\tools`] = true
		pc.Shares[`\\fileserver\private`] = false
	})
	c := ntlmClient(t, pc)
	ctx := ctx(t)

	procs, err := c.Processes(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, procs)
	assert.Equal(t, "System", procs[0].Name)
	assert.False(t, procs[1].Created.IsZero(), "CreationDate decoded from <cim:Datetime>")

	pid, err := c.StartProcess(ctx, wmi.StartOptions{CommandLine: "notepad.exe C:\\notes.txt"})
	require.NoError(t, err)
	uncPID, err := c.StartProcess(ctx, wmi.StartOptions{CommandLine: `\\fileserver\tools\agent.exe /install`})
	require.NoError(t, err)
	second, err := c.StartProcess(ctx, wmi.StartOptions{CommandLine: `"C:\Windows\System32\notepad.exe"`})
	require.NoError(t, err)

	running := map[uint32]wmi.Process{}
	for _, p := range pc.Processes() {
		running[p.PID] = wmi.Process{Name: p.Name, CommandLine: p.CommandLine}
	}
	assert.Equal(t, "notepad.exe", running[pid].Name)
	assert.Equal(t, "agent.exe", running[uncPID].Name)
	assert.Equal(t, `\\fileserver\tools\agent.exe /install`, running[uncPID].CommandLine)

	require.NoError(t, c.TerminateProcess(ctx, uncPID))
	n, err := c.TerminateProcesses(ctx, "NOTEPAD.EXE")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	for _, p := range pc.Processes() {
		assert.NotContains(t, []uint32{pid, uncPID, second}, p.PID)
	}
	n, err = c.TerminateProcesses(ctx, "notepad.exe")
	require.NoError(t, err)
	assert.Zero(t, n)
}

func TestProcessErrors(t *testing.T) {
	pc := newComputer(t, false)
	pc.Do(func(pc *wmitest.Computer) { pc.Shares[`\\fileserver\private`] = false })
	c := ntlmClient(t, pc)
	tests := []struct {
		name  string
		do    func() error
		class error
		code  string
	}{
		{"missing program", func() error {
			_, err := c.StartProcess(ctx(t), wmi.StartOptions{CommandLine: `C:\nowhere\x.exe`})
			return err
		}, oobkit.ErrInvalidArgument, "9"},
		{"unknown share", func() error {
			_, err := c.StartProcess(ctx(t), wmi.StartOptions{CommandLine: `\\other\share\x.exe`})
			return err
		}, oobkit.ErrInvalidArgument, "9"},
		{"share refuses the computer account", func() error {
			_, err := c.StartProcess(ctx(t), wmi.StartOptions{CommandLine: `\\fileserver\private\x.exe`})
			return err
		}, oobkit.ErrAuth, "2"},
		{"empty command line", func() error {
			_, err := c.StartProcess(ctx(t), wmi.StartOptions{CommandLine: "  "})
			return err
		}, oobkit.ErrInvalidArgument, ""},
		{"no such PID", func() error { return c.TerminateProcess(ctx(t), 99999) }, oobkit.ErrInvalidArgument, "InvalidSelectors"},
		{"critical process", func() error { return c.TerminateProcess(ctx(t), 4) }, oobkit.ErrAuth, "2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			require.ErrorIs(t, err, tt.class)
			if tt.code != "" {
				assert.Contains(t, err.Error(), tt.code)
			}
		})
	}
}

// TestTerminateServiceProcess: killing a service's process stops the service.
func TestTerminateServiceProcess(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	s, err := c.Service(ctx(t), "Spooler")
	require.NoError(t, err)
	require.NoError(t, c.TerminateProcess(ctx(t), s.PID))
	s, err = c.Service(ctx(t), "Spooler")
	require.NoError(t, err)
	assert.Equal(t, "Stopped", s.State)
	events, err := c.Events(ctx(t), wmi.EventQuery{Logs: []string{"System"}, Types: []wmi.EventType{wmi.EventError}, Max: 1})
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, "7034", events[0].Code)
}
