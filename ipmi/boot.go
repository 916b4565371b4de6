package ipmi

import (
	"context"
	"fmt"
	"strings"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/bougou/go-ipmi/pkg/types"

	"github.com/oobkit/oobkit"
)

var errInvalid = oobkit.ErrInvalidArgument

var bootSelectors = map[oobkit.BootDevice]types.BootDeviceSelector{
	oobkit.BootNone:      types.BootDeviceSelectorNoOverride,
	oobkit.BootPXE:       types.BootDeviceSelectorForcePXE,
	oobkit.BootHardDrive: types.BootDeviceSelectorForceHardDrive,
	oobkit.BootCD:        types.BootDeviceSelectorForceCDROM,
	oobkit.BootFloppy:    types.BootDeviceSelectorForceFloppy,
	oobkit.BootBIOSSetup: types.BootDeviceSelectorForceBIOSSetup,
}

// SetNextBoot writes the boot flags parameter (Set System Boot Options
// parameter 5, IPMI v2.0 §28.13 Table 28-14): the device, once or
// Persistent, legacy or EFI, and the advanced options the flags can carry —
// LockKeyboard, DisablePowerButton (locks power-off and reset buttons),
// BypassPassword, ProgressEvents ("force progress event traps") and SOL
// (console redirection enabled). EnterBIOS is honoured only as "boot into
// BIOS setup" (Device none or bios); the IDE-R devices are AMT-only. What
// cannot be honoured is refused with [oobkit.ErrUnsupported].
//
// The flags are read back after writing (Get System Boot Options parameter
// 5): a BMC may accept the command and keep less than it was given, as
// ipmi_sim and pyghmi's BMC do with Persistent and EFI. Then the error
// wraps [oobkit.ErrUnsupported] and carries a [*BootNotKeptError] naming
// what was not kept; what was kept stays in force.
//
// The parameter is written without the optional set-in-progress lock
// (parameter 0), which many BMCs, ipmi_sim among them, reject; ipmitool's
// "chassis bootdev" does the same.
func (c *Client) SetNextBoot(ctx context.Context, opts oobkit.BootOptions) error {
	dev := opts.Device
	if opts.EnterBIOS {
		if dev != oobkit.BootNone && dev != oobkit.BootBIOSSetup {
			return unsupported("Set System Boot Options", "IPMI cannot enter BIOS setup and then boot "+dev.String())
		}
		dev = oobkit.BootBIOSSetup
	}
	sel, ok := bootSelectors[dev]
	if !ok {
		if dev == oobkit.BootIDERCD || dev == oobkit.BootIDERFloppy {
			return unsupported("Set System Boot Options", "IDE redirection boot is an AMT feature")
		}
		return fmt.Errorf("%w: ipmi: boot device %s", oobkit.ErrInvalidArgument, dev)
	}
	flags := &types.BootOptionParam_BootFlags{
		BootFlagsValid:          true,
		Persist:                 opts.Persistent,
		BIOSBootType:            types.BIOSBootType(opts.EFI),
		BootDeviceSelector:      sel,
		LockKeyboard:            opts.LockKeyboard,
		LockoutPowerOff:         opts.DisablePowerButton,
		LockoutResetButton:      opts.DisablePowerButton,
		BypassUserPassword:      opts.BypassPassword,
		ForceProgressEventTraps: opts.ProgressEvents,
	}
	if opts.SOL {
		flags.ConsoleRedirectionControl = types.ConsoleRedirectionControl_Enable
	}
	if err := c.do(ctx, "Set System Boot Options", func(cl *client.Client) error {
		return cl.SetSystemBootOptionsParamFor(ctx, flags)
	}); err != nil {
		return err
	}
	kept, err := c.BootDevice(ctx)
	if err != nil {
		return err
	}
	want := opts
	want.Device, want.EnterBIOS = dev, false
	if lost := bootDiff(want, kept); len(lost) > 0 {
		return &oobkit.Error{Protocol: oobkit.IPMI, Op: "Set System Boot Options", Class: oobkit.ErrUnsupported,
			Message: "the BMC did not keep " + strings.Join(lost, ", ") + " (read back: " + describeBoot(kept) + ")",
			Err:     &BootNotKeptError{Requested: want, Kept: kept, Fields: lost}}
	}
	return nil
}

// BootNotKeptError is carried (errors.As) by the error [Client.SetNextBoot]
// returns when the boot flags read back after writing them differ from what
// was written: the BMC accepted the command but kept less. ipmi_sim and
// pyghmi's BMC, for instance, keep the device but neither Persistent nor
// EFI: they read back "next boot only, legacy". Whatever the BMC did keep
// (Kept) is in force, so a device that was kept will be booted once.
// The error's class is [oobkit.ErrUnsupported].
type BootNotKeptError struct {
	// Requested is what SetNextBoot wrote (EnterBIOS folded into Device).
	Requested oobkit.BootOptions
	// Kept is what the BMC reads back.
	Kept oobkit.BootOptions
	// Fields names what differs: "device", "persistent", "efi",
	// "lock-keyboard", "disable-power-button", "bypass-password",
	// "progress-events", "sol".
	Fields []string
}

// Error lists the fields the BMC did not keep.
func (e *BootNotKeptError) Error() string {
	return "boot flags not kept by the BMC: " + strings.Join(e.Fields, ", ")
}

// bootDiff names the boot options of want that got does not have.
func bootDiff(want, got oobkit.BootOptions) []string {
	var out []string
	for _, f := range []struct {
		name string
		same bool
	}{
		{"device", want.Device == got.Device},
		{"persistent", want.Persistent == got.Persistent},
		{"efi", want.EFI == got.EFI},
		{"lock-keyboard", want.LockKeyboard == got.LockKeyboard},
		{"disable-power-button", want.DisablePowerButton == got.DisablePowerButton},
		{"bypass-password", want.BypassPassword == got.BypassPassword},
		{"progress-events", want.ProgressEvents == got.ProgressEvents},
		{"sol", want.SOL == got.SOL},
	} {
		if !f.same {
			out = append(out, f.name)
		}
	}
	return out
}

// describeBoot says what boot flags read back, in ipmitool's words.
func describeBoot(b oobkit.BootOptions) string {
	s := "device " + b.Device.String()
	if b.Persistent {
		s += ", all future boots"
	} else {
		s += ", next boot only"
	}
	if b.EFI {
		return s + ", EFI"
	}
	return s + ", legacy"
}

// BootDevice reads the boot flags back (Get System Boot Options parameter 5)
// and reports the device selector as the BMC stores it, as ipmitool's
// "chassis bootparam get 5" shows it. The "boot flags valid" bit is not
// consulted: some BMCs (ipmi_sim among them) never report it set, and one
// that cleared it after a boot reports selector "no override" anyway.
func (c *Client) BootDevice(ctx context.Context) (oobkit.BootOptions, error) {
	flags := &types.BootOptionParam_BootFlags{}
	err := c.do(ctx, "Get System Boot Options", func(cl *client.Client) error {
		return cl.GetSystemBootOptionsParamFor(ctx, flags)
	})
	if err != nil {
		return oobkit.BootOptions{}, err
	}
	return bootOptionsFromFlags(flags)
}

func bootOptionsFromFlags(f *types.BootOptionParam_BootFlags) (oobkit.BootOptions, error) {
	out := oobkit.BootOptions{
		Persistent:         f.Persist,
		EFI:                bool(f.BIOSBootType),
		LockKeyboard:       f.LockKeyboard,
		DisablePowerButton: f.LockoutPowerOff,
		BypassPassword:     f.BypassUserPassword,
		ProgressEvents:     f.ForceProgressEventTraps,
		SOL:                f.ConsoleRedirectionControl == types.ConsoleRedirectionControl_Enable,
	}
	for d, s := range bootSelectors {
		if s == f.BootDeviceSelector {
			out.Device = d
			return out, nil
		}
	}
	return out, &oobkit.Error{Protocol: oobkit.IPMI, Op: "Get System Boot Options", Class: oobkit.ErrDevice,
		Message: fmt.Sprintf("boot device selector %#x has no oobkit equivalent", uint8(f.BootDeviceSelector))}
}

func unsupported(op, msg string) error {
	return &oobkit.Error{Protocol: oobkit.IPMI, Op: op, Class: oobkit.ErrUnsupported, Message: msg}
}
