package wmi

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// Win32Shutdown flags (Microsoft Win32_OperatingSystem.Win32Shutdown).
const (
	FlagLogOff   = 0
	FlagShutdown = 1
	FlagReboot   = 2
	FlagForce    = 4
	FlagPowerOff = 8
)

// ShutdownOptions choose what Win32Shutdown does.
type ShutdownOptions struct {
	// Reboot restarts instead of shutting down.
	Reboot bool
	// PowerOff turns the power off after shutting down (when the hardware
	// allows); ignored with Reboot.
	PowerOff bool
	// Force closes applications without asking them. Leave it false to let
	// the logged-on user save data: applications are asked to close and one
	// with unsaved work can hold the shutdown back. A power task (package
	// tasks) sends the non-forced action, reads the state back, and falls
	// back to an out-of-band hard action when the shutdown was held back.
	Force bool
	// Countdown and Message, when either is set, make the shutdown go
	// through Win32_OperatingSystem.Win32ShutdownTracker: Windows shows the
	// logged-on user Message and a countdown of Countdown (whole seconds)
	// before it shuts down, so they can save their work (the RTSM "Allow
	// user to save data before power operation" option).
	Countdown time.Duration
	Message   string
	// Reason is the shutdown reason code recorded with a tracked shutdown
	// (SHTDN_REASON_* flags; 0 means ReasonPlanned).
	Reason uint32
}

// ReasonPlanned is the reason code of a tracked shutdown when none is given:
// SHTDN_REASON_FLAG_PLANNED | SHTDN_REASON_MAJOR_OTHER |
// SHTDN_REASON_MINOR_OTHER (learn.microsoft.com "System Shutdown Reason
// Codes").
const ReasonPlanned = 0x80000000

// tracked reports whether the shutdown shows the user a notice.
func (o ShutdownOptions) tracked() bool { return o.Countdown > 0 || o.Message != "" }

// Flags returns the Win32Shutdown Flags value for o.
func (o ShutdownOptions) Flags() int64 {
	f := int64(FlagShutdown)
	if o.Reboot {
		f = FlagReboot
	} else if o.PowerOff {
		f = FlagPowerOff
	}
	if o.Force {
		f |= FlagForce
	}
	return f
}

// Shutdown shuts the computer down or restarts it through the operating
// system (Win32_OperatingSystem.Win32Shutdown; Win32ShutdownTracker when
// opts carry a countdown or a message). The call returns when Windows has
// accepted the request: a non-forced shutdown may still be held back by
// the logged-on user (an application asking to save), and a countdown runs
// before anything happens, so callers read the state back.
func (c *Client) Shutdown(ctx context.Context, opts ShutdownOptions) error {
	if opts.Countdown < 0 || opts.Countdown > math.MaxUint32*time.Second {
		return &oobkit.Error{Protocol: oobkit.WMI, Op: "Win32ShutdownTracker", Class: oobkit.ErrInvalidArgument,
			Message: fmt.Sprintf("countdown %v out of range", opts.Countdown)}
	}
	os, err := c.operatingSystem(ctx)
	if err != nil {
		return err
	}
	method := "Win32Shutdown"
	in := wsman.MethodInput(uri("Win32_OperatingSystem"), method).SetInt("Flags", opts.Flags()).SetInt("Reserved", 0)
	if opts.tracked() {
		// learn.microsoft.com/windows/win32/cimwin32prov/win32shutdowntracker-method-in-class-win32-operatingsystem:
		// Timeout (seconds), Comment, ReasonCode, Flags.
		method = "Win32ShutdownTracker"
		reason := opts.Reason
		if reason == 0 {
			reason = ReasonPlanned
		}
		secs := int64((opts.Countdown + time.Second - 1) / time.Second)
		in = wsman.MethodInput(uri("Win32_OperatingSystem"), method).SetInt("Timeout", secs).
			Set("Comment", opts.Message).SetInt("ReasonCode", int64(reason)).SetInt("Flags", opts.Flags())
	}
	_, rv, err := c.invoke(ctx, "Win32_OperatingSystem", method, wsman.Sel("Name", os.Get("Name")), in)
	if err != nil {
		return err
	}
	c.log.Debug("wmi shutdown", "target", c.target.String(), "method", method, "flags", opts.Flags(), "return", rv)
	return shutdownError(rv)
}

// BootMark returns when Windows last booted (Win32_OperatingSystem
// LastBootUpTime, as the computer reports it): a reboot changes it, so a
// caller that asked for one can tell it happened.
func (c *Client) BootMark(ctx context.Context) (string, error) {
	os, err := c.operatingSystem(ctx)
	if err != nil {
		return "", err
	}
	return os.Get("LastBootUpTime"), nil
}

// operatingSystem reads the one Win32_OperatingSystem instance (its key,
// Name, addresses Win32Shutdown).
func (c *Client) operatingSystem(ctx context.Context) (*wsman.Instance, error) {
	items, err := c.enumerate(ctx, "Win32_OperatingSystem")
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, &oobkit.Error{Protocol: oobkit.WMI, Op: "Enumerate", Class: oobkit.ErrProtocol,
			Message: "no Win32_OperatingSystem instance"}
	}
	return items[0], nil
}

// Allowed is the WMI power gate as data. Table C-3 is Intel AMT's; the
// RTSM guide says of WMI: "WMI power management is limited to Reboot and
// Power off commands and can be performed on a computer with a running
// operating system." So: shutdown and reboot (graceful, through Windows)
// only, and only in S0. Other actions wrap ErrUnsupported; another state
// wraps ErrInvalidState and names the row and its code.
func Allowed(s oobkit.PowerState, action oobkit.PowerAction) error {
	if action != oobkit.ActionShutdown && action != oobkit.ActionReboot {
		return &oobkit.Error{Protocol: oobkit.WMI, Op: "SetPower", Class: oobkit.ErrUnsupported,
			Message: fmt.Sprintf("WMI can only shut down or reboot gracefully through Windows, not %q", action)}
	}
	if s != oobkit.PowerS0 {
		return &oobkit.Error{Protocol: oobkit.WMI, Op: "SetPower", Class: oobkit.ErrInvalidState,
			Message: fmt.Sprintf("%v is not possible in state %v: WMI needs a running operating system (S0)", action, s)}
	}
	return nil
}

// CheckPower reads the state (S0 when Windows answers) and applies
// [Allowed]; a boot redirection never rides on a WMI action (WMI sets no
// next boot). It implements [oobkit.PowerChecker].
func (c *Client) CheckPower(ctx context.Context, action oobkit.PowerAction, bootRedirect bool) (oobkit.PowerState, error) {
	if err := Allowed(oobkit.PowerS0, action); err != nil {
		return oobkit.PowerUnknown, err
	}
	if bootRedirect {
		return oobkit.PowerUnknown, &oobkit.Error{Protocol: oobkit.WMI, Op: "SetPower", Class: oobkit.ErrUnsupported,
			Message: "WMI cannot set the next boot"}
	}
	st, err := c.PowerState(ctx)
	if err != nil {
		return st, err
	}
	return st, Allowed(st, action)
}

// SetPower performs the graceful actions the operating system can
// ([Allowed]): oobkit.ActionShutdown (power off after shutdown) and
// oobkit.ActionReboot, both non-forced so users may save their work. Every
// other action needs an out-of-band protocol and returns an error wrapping
// oobkit.ErrUnsupported. The S0 condition checks itself: only a running
// Windows answers Win32Shutdown.
func (c *Client) SetPower(ctx context.Context, action oobkit.PowerAction) error {
	if err := Allowed(oobkit.PowerS0, action); err != nil {
		return err
	}
	return c.Shutdown(ctx, ShutdownOptions{PowerOff: action == oobkit.ActionShutdown, Reboot: action == oobkit.ActionReboot})
}

// PowerState reports S0 when WinRM answers an authenticated request: a
// running Windows is the only thing that can. When nothing answers it
// returns oobkit.PowerUnknown and the error: an unreachable computer may be
// off, asleep, or behind a firewall, and WMI cannot tell which.
func (c *Client) PowerState(ctx context.Context) (oobkit.PowerState, error) {
	if _, err := c.operatingSystem(ctx); err != nil {
		return oobkit.PowerUnknown, err
	}
	return oobkit.PowerS0, nil
}

var (
	_ oobkit.Client           = (*Client)(nil)
	_ oobkit.PowerController  = (*Client)(nil)
	_ oobkit.PowerStateReader = (*Client)(nil)
	_ oobkit.PowerChecker     = (*Client)(nil)
	_ oobkit.InventoryReader  = (*Client)(nil)
	_ oobkit.EventLogReader   = (*Client)(nil)
)
