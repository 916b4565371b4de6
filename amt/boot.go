package amt

import (
	"context"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
)

// Boot source InstanceIDs of CIM_BootSourceSetting on AMT (go-wsman-messages
// cim/boot/decoder.go; real AMT 12 capture cim/boot/sourcesetting/pull.xml).
const (
	BootSourcePXE       = "Intel(r) AMT: Force PXE Boot"
	BootSourceHardDrive = "Intel(r) AMT: Force Hard-drive Boot"
	BootSourceCD        = "Intel(r) AMT: Force CD/DVD Boot"
)

// readOnlyBootFields are AMT_BootSettingData properties the firmware
// reports but refuses in a Put (MeshCommander powerActionResponse1; iamt
// internal/boot.go drop a similar list).
var readOnlyBootFields = []string{
	"WinREBootEnabled", "UEFILocalPBABootEnabled", "UEFIHTTPSBootEnabled", "SecureBootControlEnabled",
	"BootguardStatus", "OptionsCleared", "BIOSLastStatus", "UefiBootParametersArray", "RPEEnabled",
	"UefiBootNumberOfParams",
}

// BootSettings are the AMT_BootSettingData flags this package sets.
type BootSettings struct {
	UseSOL, UseIDER, IDERCD                             bool
	BIOSSetup, BIOSPause                                bool
	LockKeyboard, LockPowerButton, LockResetButton      bool
	LockSleepButton, UserPasswordBypass, ForcedProgress bool
}

// settingsFor turns boot options into AMT_BootSettingData flags and the
// boot source to select ("" none). AMT refuses a boot source together with
// UseSOL/UseIDER/BIOSPause/BIOSSetup (go-wsman-messages cim/boot/configsetting.go),
// so such combinations are refused here with a clear message.
func settingsFor(o oobkit.BootOptions) (BootSettings, string, error) {
	const op = "SetNextBoot"
	switch {
	case o.Persistent:
		return BootSettings{}, "", unsupported(op, "AMT boot overrides are single-use; Persistent is not possible")
	case o.EFI:
		return BootSettings{}, "", unsupported(op, "AMT selects UEFI or legacy boot itself; EFI is not an option")
	}
	s := BootSettings{
		UseSOL: o.SOL, BIOSPause: o.EnterBIOS,
		LockKeyboard: o.LockKeyboard, LockPowerButton: o.DisablePowerButton, LockResetButton: o.DisablePowerButton,
		LockSleepButton: o.DisablePowerButton, UserPasswordBypass: o.BypassPassword, ForcedProgress: o.ProgressEvents,
	}
	source := ""
	switch o.Device {
	case oobkit.BootNone:
	case oobkit.BootPXE:
		source = BootSourcePXE
	case oobkit.BootHardDrive:
		source = BootSourceHardDrive
	case oobkit.BootCD:
		source = BootSourceCD
	case oobkit.BootBIOSSetup:
		s.BIOSSetup = true
	case oobkit.BootIDERFloppy:
		s.UseIDER = true
	case oobkit.BootIDERCD:
		s.UseIDER, s.IDERCD = true, true
	case oobkit.BootFloppy:
		return BootSettings{}, "", unsupported(op, "AMT has no local floppy boot source; use ider-floppy")
	default:
		return BootSettings{}, "", argErr(op, "unknown boot device %v", o.Device)
	}
	if source != "" && (s.UseSOL || s.BIOSPause) {
		return BootSettings{}, "", argErr(op, "AMT cannot combine a boot source (%v) with SOL or enter-BIOS; use ider or bios", o.Device)
	}
	return s, source, nil
}

func unsupported(op, msg string) error {
	return &oobkit.Error{Protocol: oobkit.AMT, Op: op, Class: oobkit.ErrUnsupported, Message: msg}
}

// apply writes s into an AMT_BootSettingData instance read from the device.
func (s BootSettings) apply(in *wsman.Instance) {
	for _, f := range readOnlyBootFields {
		in.Delete(f)
	}
	in.SetBool("UseSOL", s.UseSOL)
	in.SetBool("UseSafeMode", false)
	in.SetBool("ReflashBIOS", false)
	in.SetBool("BIOSSetup", s.BIOSSetup)
	in.SetBool("BIOSPause", s.BIOSPause)
	in.SetBool("LockPowerButton", s.LockPowerButton)
	in.SetBool("LockResetButton", s.LockResetButton)
	in.SetBool("LockKeyboard", s.LockKeyboard)
	in.SetBool("LockSleepButton", s.LockSleepButton)
	in.SetBool("UserPasswordBypass", s.UserPasswordBypass)
	in.SetBool("ForcedProgressEvents", s.ForcedProgress)
	in.SetBool("UseIDER", s.UseIDER)
	ider := int64(0)
	if s.IDERCD {
		ider = 1
	}
	in.SetInt("IDERBootDevice", ider)
	in.SetInt("FirmwareVerbosity", 0)
	in.SetBool("ConfigurationDataReset", false)
	in.SetInt("BootMediaIndex", 0)
}

// decodeBootSettings reads the flags of an AMT_BootSettingData instance.
func decodeBootSettings(in *wsman.Instance) BootSettings {
	return BootSettings{
		UseSOL: in.Bool("UseSOL"), UseIDER: in.Bool("UseIDER"), IDERCD: in.Get("IDERBootDevice") == "1",
		BIOSSetup: in.Bool("BIOSSetup"), BIOSPause: in.Bool("BIOSPause"),
		LockKeyboard: in.Bool("LockKeyboard"), LockPowerButton: in.Bool("LockPowerButton"),
		LockResetButton: in.Bool("LockResetButton"), LockSleepButton: in.Bool("LockSleepButton"),
		UserPasswordBypass: in.Bool("UserPasswordBypass"), ForcedProgress: in.Bool("ForcedProgressEvents"),
	}
}

// BootSettings reads AMT_BootSettingData.
func (c *Client) BootSettings(ctx context.Context) (BootSettings, error) {
	in, err := c.get(ctx, schema.BootSettings, wsman.Sel("InstanceID", schema.BootSettingsID))
	if err != nil {
		return BootSettings{}, err
	}
	return decodeBootSettings(in), nil
}

// SetNextBoot sets the device and options of the next boot (single use).
// The order is MeshCommander's and iamt's: clear the boot order (some
// firmware does not clear it itself), Get + Put AMT_BootSettingData, make
// the AMT boot configuration next-single-use (SetBootConfigRole 1), then set
// the boot source. The next power on or reset boots that way; SetPower does
// not follow automatically.
func (c *Client) SetNextBoot(ctx context.Context, o oobkit.BootOptions) error {
	s, source, err := settingsFor(o)
	if err != nil {
		return err
	}
	if err := c.changeBootOrder(ctx, ""); err != nil {
		return err
	}
	in, err := c.get(ctx, schema.BootSettings, wsman.Sel("InstanceID", schema.BootSettingsID))
	if err != nil {
		return err
	}
	s.apply(in)
	if _, err := c.ws.Put(ctx, schema.BootSettings, wsman.Sel("InstanceID", schema.BootSettingsID), in); err != nil {
		return err
	}
	if o.Device != oobkit.BootNone {
		role := wsman.MethodInput(schema.BootService, "SetBootConfigRole").
			SetEPR("BootConfigSetting", &wsman.EndpointReference{ResourceURI: schema.BootConfig,
						Selectors: wsman.Sel("InstanceID", schema.BootConfigID)}).
			SetInt("Role", 1) // IsNextSingleUse (intel/lms CIM_BootService.h)
		sel := schema.ServiceSelectors("CIM_BootService", schema.BootServiceName)
		if _, err := c.invoke(ctx, schema.BootService, "SetBootConfigRole", sel, role, bootRoleCodes); err != nil {
			return err
		}
	}
	if source != "" {
		return c.changeBootOrder(ctx, source)
	}
	return nil
}

// changeBootOrder sets the boot source, or clears it when source is "".
func (c *Client) changeBootOrder(ctx context.Context, source string) error {
	in := wsman.MethodInput(schema.BootConfig, "ChangeBootOrder")
	if source != "" {
		in.SetEPR("Source", &wsman.EndpointReference{ResourceURI: schema.BootSource, Selectors: wsman.Sel("InstanceID", source)})
	}
	_, err := c.invoke(ctx, schema.BootConfig, "ChangeBootOrder", wsman.Sel("InstanceID", schema.BootConfigID), in, bootOrderCodes)
	return err
}
