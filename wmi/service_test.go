package wmi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/wmi"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

func TestServicesList(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	svcs, err := c.Services(ctx(t))
	require.NoError(t, err)
	byName := map[string]wmi.Service{}
	for _, s := range svcs {
		byName[s.Name] = s
	}
	require.Contains(t, byName, "Spooler")
	assert.Equal(t, "Running", byName["Spooler"].State)
	assert.Equal(t, "Auto", byName["Spooler"].StartMode)
	assert.NotZero(t, byName["Spooler"].PID)
	assert.Equal(t, "Stopped", byName["Fax"].State)
	assert.Equal(t, "Disabled", byName["RemoteRegistry"].StartMode)
}

func TestServiceControl(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	ctx := ctx(t)

	require.NoError(t, c.StartService(ctx, "Fax"))
	s, err := c.Service(ctx, "Fax")
	require.NoError(t, err)
	assert.Equal(t, "Running", s.State)
	procs, err := c.Processes(ctx)
	require.NoError(t, err)
	found := false
	for _, p := range procs {
		found = found || p.PID == s.PID && p.Name == "fxssvc.exe"
	}
	assert.True(t, found, "the service's process runs")

	require.NoError(t, c.StopService(ctx, "Fax"))
	state, _, _ := pc.ServiceState("Fax")
	assert.Equal(t, "Stopped", state)

	require.NoError(t, c.RestartService(ctx, "Spooler"))
	state, _, _ = pc.ServiceState("Spooler")
	assert.Equal(t, "Running", state)

	require.NoError(t, c.SetStartMode(ctx, "W32Time", wmi.StartDisabled))
	_, mode, _ := pc.ServiceState("W32Time")
	assert.Equal(t, "Disabled", mode)
	require.NoError(t, c.SetStartMode(ctx, "W32Time", wmi.StartAutomatic))
	_, mode, _ = pc.ServiceState("W32Time")
	assert.Equal(t, "Auto", mode)
}

func TestServiceReturnValues(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(pc *wmitest.Computer)
		do      func(c *wmi.Client) error
		code    string
		class   error
	}{
		{"already running", nil, func(c *wmi.Client) error { return c.StartService(ctx(t), "Spooler") }, "10", oobkit.ErrInvalidState},
		{"not active", nil, func(c *wmi.Client) error { return c.StopService(ctx(t), "Fax") }, "6", oobkit.ErrInvalidState},
		{"disabled", nil, func(c *wmi.Client) error { return c.StartService(ctx(t), "RemoteRegistry") }, "14", oobkit.ErrInvalidState},
		{"dependency failure", nil, func(c *wmi.Client) error { return c.StartService(ctx(t), "InvReport") }, "13", oobkit.ErrDevice},
		{"dependents running", nil, func(c *wmi.Client) error {
			if err := c.StartService(ctx(t), "Fax"); err != nil {
				return err
			}
			return c.StopService(ctx(t), "Spooler")
		}, "3", oobkit.ErrInvalidState},
		{"cannot accept control", nil, func(c *wmi.Client) error { return c.StopService(ctx(t), "RpcSs") }, "5", oobkit.ErrInvalidState},
		{"logon failed", nil, func(c *wmi.Client) error { return c.StartService(ctx(t), "BrokenSvc") }, "15", oobkit.ErrDevice},
		{"marked for deletion", func(pc *wmitest.Computer) {
			pc.AddService(wmitest.Service{Name: "Gone", DisplayName: "Gone", State: "Stopped", StartMode: "Manual", MarkedForDeletion: true})
		}, func(c *wmi.Client) error { return c.StartService(ctx(t), "Gone") }, "16", oobkit.ErrInvalidState},
		{"dependency deleted", func(pc *wmitest.Computer) {
			pc.AddService(wmitest.Service{Name: "Orphan", DisplayName: "Orphan", State: "Stopped", StartMode: "Manual",
				PathName: `C:\orphan.exe`, DependsOn: []string{"NoSuchService"}})
		}, func(c *wmi.Client) error { return c.StartService(ctx(t), "Orphan") }, "12", oobkit.ErrDevice},
		{"invalid start mode", nil, func(c *wmi.Client) error { return c.SetStartMode(ctx(t), "Spooler", wmi.StartBoot) }, "21", oobkit.ErrInvalidArgument},
		{"path not found", func(pc *wmitest.Computer) {
			pc.AddService(wmitest.Service{Name: "NoExe", DisplayName: "NoExe", State: "Stopped", StartMode: "Manual",
				PathName: `C:\missing.exe`, StartFailure: 9})
		}, func(c *wmi.Client) error { return c.StartService(ctx(t), "NoExe") }, "9", oobkit.ErrDevice},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pc := newComputer(t, false)
			if tt.prepare != nil {
				tt.prepare(pc)
			}
			c := ntlmClient(t, pc)
			err := tt.do(c)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.class)
			assert.Equal(t, tt.code, oobkit.DeviceCode(err))
			assert.Contains(t, err.Error(), wmi.ServiceReturn(mustAtoi(tt.code)).String())
		})
	}
}

func TestServiceUnknown(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	err := c.StartService(ctx(t), "NoSuchService")
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Contains(t, err.Error(), `no service named "NoSuchService"`)
	_, err = c.Service(ctx(t), "NoSuchService")
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}

func TestServiceReturnTable(t *testing.T) {
	for code := wmi.ServiceReturn(1); code <= 24; code++ {
		assert.NotEmpty(t, code.String())
		assert.NotNil(t, code.Class(), "code %d", code)
	}
	assert.Nil(t, wmi.ServiceSuccess.Class())
	assert.Equal(t, "return value 99", wmi.ServiceReturn(99).String())
	assert.ErrorIs(t, wmi.ServiceReturn(99).Class(), oobkit.ErrDevice)
}

func mustAtoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}
