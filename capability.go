package oobkit

import (
	"context"
	"fmt"
	"io"
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

// InventoryReader collects a computer's inventory.
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
