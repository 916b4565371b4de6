package ipmi

import (
	"context"
	"fmt"

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
	return c.do(ctx, "Set System Boot Options", func(cl *client.Client) error {
		return cl.SetSystemBootOptionsParamFor(ctx, flags)
	})
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
