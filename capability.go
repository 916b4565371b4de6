package oobkit

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Client is what every protocol client implements: the protocol it speaks and
// Close. Capabilities are discovered by type assertion on a Client.
type Client interface {
	Protocol() Protocol
	io.Closer
}

// PowerStateReader reads a computer's power state.
type PowerStateReader interface {
	PowerState(ctx context.Context) (PowerState, error)
}

// PowerController changes a computer's power state. Implementations refuse an
// action the current state does not allow with an error wrapping
// [ErrInvalidState], and an action they cannot perform with [ErrUnsupported].
type PowerController interface {
	SetPower(ctx context.Context, action PowerAction) error
}

// BootController sets the device the computer boots from next.
type BootController interface {
	SetNextBoot(ctx context.Context, opts BootOptions) error
}

// InventoryReader collects a computer's inventory. A class the computer
// lacks, refuses or faults on is a gap named in [Inventory.Missing], not an
// error ([Inventory.Partial]); the error is for a refused credential, an
// unreachable computer ([InventoryFatal]) or a computer on which nothing
// answers.
type InventoryReader interface {
	Inventory(ctx context.Context) (*Inventory, error)
}

// EventLogReader reads a computer's event log, newest first, at most max
// records (0 means all). An empty log is an empty slice, not an error.
type EventLogReader interface {
	EventLog(ctx context.Context, max int) ([]Event, error)
}

// AlertConfigurer points a computer's alerts at a destination.
type AlertConfigurer interface {
	ConfigureAlerts(ctx context.Context, cfg AlertConfig) error
}

// Describer is implemented by clients that can say what they talk to:
// AMT its firmware version and provisioning state and mode, DASH its
// registered profiles, IPMI the BMC's device ID (firmware and IPMI
// version, manufacturer), ASF the device's presence pong. The keys are the
// client's own. Discovery (tasks' "discover" step) reports them.
type Describer interface {
	Describe(ctx context.Context) (map[string]string, error)
}

// BootDevice is a device to boot from.
type BootDevice int

// Boot devices.
const (
	BootNone       BootDevice = iota // clear any override: boot as the BIOS order says
	BootPXE                          // network boot
	BootHardDrive                    // local hard drive
	BootCD                           // local CD/DVD
	BootFloppy                       // local floppy / removable
	BootBIOSSetup                    // enter BIOS setup
	BootIDERFloppy                   // IDE redirection floppy image (AMT)
	BootIDERCD                       // IDE redirection CD/DVD image (AMT)
)

var bootDeviceNames = [...]string{"none", "pxe", "hdd", "cd", "floppy", "bios", "ider-floppy", "ider-cd"}

// String returns the device's token.
func (d BootDevice) String() string {
	if d >= 0 && int(d) < len(bootDeviceNames) {
		return bootDeviceNames[d]
	}
	return fmt.Sprintf("BootDevice(%d)", int(d))
}

// ParseBootDevice reads a token written by String.
func ParseBootDevice(s string) (BootDevice, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for i, n := range bootDeviceNames {
		if n == t {
			return BootDevice(i), nil
		}
	}
	return BootNone, fmt.Errorf("%w: unknown boot device %q (want one of %s)", ErrInvalidArgument, s, strings.Join(bootDeviceNames[:], ", "))
}

// MarshalText writes the token.
func (d BootDevice) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads the token.
func (d *BootDevice) UnmarshalText(b []byte) error {
	v, err := ParseBootDevice(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// BootOptions is the next boot: the device and the RTSM guide's advanced
// options. A protocol that cannot honour an option set to true refuses with
// [ErrUnsupported] rather than ignoring it.
type BootOptions struct {
	Device BootDevice `json:"device"`
	// Persistent keeps the override for every boot (IPMI, DASH); AMT overrides
	// are single-use.
	Persistent bool `json:"persistent,omitempty"`
	// EFI selects a UEFI boot rather than legacy BIOS (IPMI).
	EFI bool `json:"efi,omitempty"`
	// LockKeyboard locks the local keyboard during boot.
	LockKeyboard bool `json:"lockKeyboard,omitempty"`
	// DisablePowerButton locks the power and reset buttons during boot.
	DisablePowerButton bool `json:"disablePowerButton,omitempty"`
	// BypassPassword skips the BIOS startup (user) password.
	BypassPassword bool `json:"bypassPassword,omitempty"`
	// ProgressEvents makes the firmware send all boot-progress events.
	ProgressEvents bool `json:"progressEvents,omitempty"`
	// SOL redirects the BIOS console to Serial-over-LAN during boot.
	SOL bool `json:"sol,omitempty"`
	// EnterBIOS pauses in BIOS setup before booting the device.
	EnterBIOS bool `json:"enterBIOS,omitempty"`
}

// AlertDelivery says how alerts travel.
type AlertDelivery string

// Alert delivery kinds.
const (
	DeliverySNMPTrap    AlertDelivery = "snmp"          // SNMP/PET trap to Address:Port (162)
	DeliveryPush        AlertDelivery = "push"          // WS-Eventing push to a URL
	DeliveryPushWithAck AlertDelivery = "push-with-ack" // WS-Eventing push, acknowledged
)

// AlertDestination is where a computer sends alerts.
type AlertDestination struct {
	Delivery AlertDelivery `json:"delivery"`
	// Address is a host (SNMP) or a URL (WS-Eventing).
	Address string `json:"address"`
	// Port for SNMP (default 162).
	Port int `json:"port,omitempty"`
	// Community for SNMP traps.
	Community Secret `json:"community,omitzero"`
}

// AlertConfig is the alert settings a task applies.
type AlertConfig struct {
	// Destinations to add.
	Destinations []AlertDestination `json:"destinations"`
	// Remove deletes these destinations (matched by Address) instead.
	Remove []string `json:"remove,omitempty"`
	// RemoveThirdParty deletes destinations this product did not create.
	RemoveThirdParty bool `json:"removeThirdParty,omitempty"`
	// AllowPartial subscribes to as many filters as the device has room for
	// instead of failing when space is short.
	AllowPartial bool `json:"allowPartial,omitempty"`
	// Filters names the event filters to subscribe (empty: all).
	Filters []string `json:"filters,omitempty"`
	// Alerts are the RTSM guide's per-alert settings ("Under Select and
	// configure event filters, select one or more alerts, and, on the
	// Actions menu, click what you want to do with this alert"): subscribe,
	// unsubscribe (kept on the computer, inactive) or remove from client,
	// and whether the computer logs the alert ("Which alerts to log").
	Alerts []AlertSetting `json:"alerts,omitempty"`
}

// AlertAction is what an [AlertSetting] does to one alert (event filter)
// on the computer, in the RTSM guide's words.
type AlertAction string

// Alert actions of the guide's Update Out-of-Band Alert Settings task.
const (
	// AlertKeep leaves the alert's activation as it is (only its log
	// setting changes).
	AlertKeep AlertAction = ""
	// AlertSubscribe "Activates the alert. When the alert triggers, a
	// message is sent to the destination address".
	AlertSubscribe AlertAction = "subscribe"
	// AlertUnsubscribe "Deactivates the alert, but does not remove it from
	// the memory": the computer keeps it, inactive, in its slot.
	AlertUnsubscribe AlertAction = "unsubscribe"
	// AlertRemove "Removes the alert from the client computer's memory and
	// reclaims space" (Remove from client).
	AlertRemove AlertAction = "remove"
)

// AlertSetting is what to do with one alert: an event filter the computer
// offers (an AMT_PETFilterSetting or CIM_FilterCollection on AMT, a
// CIM_IndicationFilter on DASH), named as the computer names it.
type AlertSetting struct {
	// Filter names the alert (event filter).
	Filter string `json:"filter"`
	// Action is subscribe, unsubscribe or remove; empty leaves the
	// alert's activation alone.
	Action AlertAction `json:"action,omitempty"`
	// Log says whether the computer records the alert in its event log
	// ("Which alerts to log"); nil leaves the log setting alone. A
	// protocol whose firmware has no log setting separate from sending
	// refuses a non-nil Log with ErrUnsupported.
	Log *bool `json:"log,omitempty"`
}

// Validate checks the alert settings of c: each names a filter, says
// something, and has a known action; no filter is named twice.
func (c AlertConfig) Validate() error {
	seen := map[string]bool{}
	for _, a := range c.Alerts {
		switch {
		case a.Filter == "":
			return fmt.Errorf("%w: alerts: an alert setting names no filter", ErrInvalidArgument)
		case seen[a.Filter]:
			return fmt.Errorf("%w: alerts: filter %q is named twice", ErrInvalidArgument, a.Filter)
		case a.Action == AlertKeep && a.Log == nil:
			return fmt.Errorf("%w: alerts: the setting for %q neither acts nor sets logging", ErrInvalidArgument, a.Filter)
		}
		switch a.Action {
		case AlertKeep, AlertSubscribe, AlertUnsubscribe, AlertRemove:
		default:
			return fmt.Errorf("%w: alerts: unknown action %q for %q (subscribe, unsubscribe, remove)", ErrInvalidArgument, a.Action, a.Filter)
		}
		seen[a.Filter] = true
	}
	return nil
}

// Names reports whether c names the filter, in Filters or in Alerts.
func (c AlertConfig) Names(filter string) bool {
	if slices.Contains(c.Filters, filter) {
		return true
	}
	return slices.ContainsFunc(c.Alerts, func(a AlertSetting) bool { return a.Filter == filter })
}

// Removes reports whether applying c deletes an existing destination at
// address: the address is listed in Remove, or RemoveThirdParty is set and
// the address is not one of c.Destinations (this product's listeners).
func (c AlertConfig) Removes(address string) bool {
	for _, a := range c.Remove {
		if a == address {
			return true
		}
	}
	if !c.RemoveThirdParty {
		return false
	}
	for _, d := range c.Destinations {
		if d.Address == address {
			return false
		}
	}
	return true
}
