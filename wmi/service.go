package wmi

import (
	"context"
	"fmt"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// Service is one Windows service (Win32_Service).
type Service struct {
	Name        string // the key: "Spooler"
	DisplayName string // what services.msc shows: "Print Spooler"
	// State is "Running", "Stopped", "Paused", "Start Pending", "Stop Pending"…
	State string
	// StartMode is "Auto", "Manual", "Disabled", "Boot" or "System".
	StartMode  string
	PathName   string // the executable and its arguments
	StartName  string // the account it runs as: "LocalSystem", ".\svcaccount"
	PID        uint32 // ProcessId; 0 when not running
	AcceptStop bool   // whether it can be stopped now
	Started    bool   // whether it has been started (Win32_Service.Started)
	ExitCode   uint32 // Win32 exit code of the last run
}

// decodeService reads a Win32_Service instance.
func decodeService(in *wsman.Instance) Service {
	return Service{
		Name:        text(in, "Name"),
		DisplayName: text(in, "DisplayName"),
		State:       text(in, "State"),
		StartMode:   text(in, "StartMode"),
		PathName:    text(in, "PathName"),
		StartName:   text(in, "StartName"),
		PID:         uint32(uintProp(in, "ProcessId")),
		AcceptStop:  in.Bool("AcceptStop"),
		Started:     in.Bool("Started"),
		ExitCode:    uint32(uintProp(in, "ExitCode")),
	}
}

// StartMode is a value for [Client.SetStartMode].
type StartMode string

// Start modes Win32_Service.ChangeStartMode accepts. Boot and System are for
// drivers.
const (
	StartAutomatic StartMode = "Automatic"
	StartManual    StartMode = "Manual"
	StartDisabled  StartMode = "Disabled"
	StartBoot      StartMode = "Boot"
	StartSystem    StartMode = "System"
)

// Services lists the computer's services.
func (c *Client) Services(ctx context.Context) ([]Service, error) {
	items, err := c.enumerate(ctx, "Win32_Service")
	if err != nil {
		return nil, err
	}
	out := make([]Service, 0, len(items))
	for _, it := range items {
		out = append(out, decodeService(it))
	}
	return out, nil
}

// Service reads one service by its name ("Spooler"), not its display name.
func (c *Client) Service(ctx context.Context, name string) (Service, error) {
	if err := checkServiceName(name); err != nil {
		return Service{}, err
	}
	in, err := c.ws.Get(ctx, uri("Win32_Service"), wsman.Sel("Name", name))
	if err != nil {
		if isNotFound(err) {
			return Service{}, noSuchService("Get", name, err)
		}
		return Service{}, explain(err)
	}
	return decodeService(in), nil
}

func noSuchService(op, name string, err error) error {
	return &oobkit.Error{Protocol: oobkit.WMI, Op: op, Class: oobkit.ErrInvalidArgument,
		Message: fmt.Sprintf("no service named %q", name), Err: err}
}

func checkServiceName(name string) error {
	if strings.TrimSpace(name) == "" || strings.ContainsAny(name, `/\`) {
		return &oobkit.Error{Protocol: oobkit.WMI, Op: "Service", Class: oobkit.ErrInvalidArgument,
			Message: fmt.Sprintf("%q is not a service name", name)}
	}
	return nil
}

// control invokes a Win32_Service method and maps its return value.
func (c *Client) control(ctx context.Context, name, method string, in *wsman.Instance) error {
	if err := checkServiceName(name); err != nil {
		return err
	}
	_, rv, err := c.invoke(ctx, "Win32_Service", method, wsman.Sel("Name", name), in)
	if err != nil {
		if isNotFound(err) {
			return noSuchService(method, name, err)
		}
		return err
	}
	return serviceError(method, name, rv)
}

// StartService starts a service (Win32_Service.StartService). Windows starts
// the services it depends on first. A service already running is an error
// wrapping oobkit.ErrInvalidState with device code "10"; see [ServiceReturn]
// for every code.
func (c *Client) StartService(ctx context.Context, name string) error {
	return c.control(ctx, name, "StartService", nil)
}

// StopService stops a service (Win32_Service.StopService). A service that
// others depend on while they run is refused with code 3
// (oobkit.ErrInvalidState): stop the dependents first.
func (c *Client) StopService(ctx context.Context, name string) error {
	return c.control(ctx, name, "StopService", nil)
}

// RestartService stops a running service, waits until it has stopped, and
// starts it. A stopped service is just started.
func (c *Client) RestartService(ctx context.Context, name string) error {
	err := c.StopService(ctx, name)
	if err != nil && oobkit.DeviceCode(err) != "6" { // 6: not active, nothing to stop
		return err
	}
	for {
		s, err := c.Service(ctx, name)
		if err != nil {
			return err
		}
		if s.State == "Stopped" {
			break
		}
		if err := c.wait(ctx); err != nil {
			return err
		}
	}
	return c.StartService(ctx, name)
}

// SetStartMode changes how a service starts (Win32_Service.ChangeStartMode).
func (c *Client) SetStartMode(ctx context.Context, name string, mode StartMode) error {
	switch mode {
	case StartAutomatic, StartManual, StartDisabled, StartBoot, StartSystem:
	default:
		return &oobkit.Error{Protocol: oobkit.WMI, Op: "ChangeStartMode", Class: oobkit.ErrInvalidArgument,
			Message: fmt.Sprintf("unknown start mode %q (Automatic, Manual, Disabled, Boot, System)", mode)}
	}
	in := wsman.MethodInput(uri("Win32_Service"), "ChangeStartMode").Set("StartMode", string(mode))
	return c.control(ctx, name, "ChangeStartMode", in)
}
