package amttest

import (
	"slices"

	"github.com/oobkit/oobkit"
	"strconv"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// available lists the DMTF values RequestPowerStateChange accepts in the
// current state, as the firmware decides (written from Intel's power state
// transitions, independently of the client's copy of Table C-3). On: the
// real AMT 12 capture offers 10,8,5,11,4,7,14,12; before AMT 9 there is no
// sleep, hibernate or graceful. S1 (context maintained): reset, off, cycle.
// S3, S4, S5: power on only. Any other state: nothing.
func (d *Device) availableLocked() []int {
	switch d.row {
	case oobkit.PowerS0:
	case oobkit.PowerS1:
		return []int{powerMasterBusReset, powerOffSoft, powerCycleOffSoft}
	case oobkit.PowerS3, oobkit.PowerS4, oobkit.PowerS5:
		return []int{powerOn}
	default:
		return nil
	}
	if d.cfg.Major() < 9 {
		return []int{powerMasterBusReset, powerOffSoft, powerCycleOffSoft, powerNMI}
	}
	return []int{powerMasterBusReset, powerOffSoft, powerCycleOffSoft, powerNMI,
		powerSleepDeep, powerHibernate, powerMasterBusResetGrace, powerOffSoftGraceful}
}

func (d *Device) associatedPower() []*etree.Element {
	d.mu.Lock()
	defer d.mu.Unlock()
	in := wsman.NewInstance(schema.AssociatedPower, "CIM_AssociatedPowerManagementService")
	var avail []string
	for _, v := range d.availableLocked() {
		avail = append(avail, strconv.Itoa(v))
	}
	in.Set("AvailableRequestedPowerStates", avail...)
	in.SetInt("PowerState", int64(d.power))
	in.SetEPR("ServiceProvided", &wsman.EndpointReference{ResourceURI: schema.PowerService, Selectors: schema.PowerServiceSelectors()})
	in.SetEPR("UserOfService", schema.ManagedSystemEPR())
	return []*etree.Element{in.Element()}
}

// ASF/IPMI records the device logs on power events (sensor types 1Dh
// "System Boot Initiated", 22h "System ACPI Power State", 0Fh "System
// Firmware Progress"; entity 22h "System Firmware", the BIOS).
func bootRecord(offset uint8) Record {
	return Record{DeviceAddress: 0xff, SensorType: 0x1d, EventType: 0x6f, Offset: offset, SourceType: 0x68,
		Severity: 2, SensorNumber: 0xff, Entity: 34}
}

func acpiRecord(offset uint8) Record {
	return Record{DeviceAddress: 0xff, SensorType: 0x22, EventType: 0x6f, Offset: offset, SourceType: 0x68,
		Severity: 2, SensorNumber: 0xff, Entity: 34}
}

func progressRecord(code uint8) Record {
	return Record{DeviceAddress: 0xff, SensorType: 0x0f, EventType: 0x6f, Offset: 2, SourceType: 0x68,
		Severity: 2, SensorNumber: 0xff, Entity: 34, Data: [8]byte{0x40, code}}
}

func (d *Device) requestPowerStateChange(r *wsmantest.Request) (*etree.Element, error) {
	const m = "RequestPowerStateChange"
	in := r.Instance()
	v, ok := in.Int("PowerState")
	if !ok {
		return output(schema.PowerService, m, 5), nil
	}
	if me := in.EPR("ManagedElement"); me == nil || me.Selectors.Get("Name") != schema.ManagedSystem {
		return output(schema.PowerService, m, 5), nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !slices.Contains(d.availableLocked(), int(v)) {
		// Real firmware answers 2 for a value it does not offer (sdague/amt #21).
		return output(schema.PowerService, m, 2), nil
	}
	if d.sessionOpen && v != powerOn {
		return output(schema.PowerService, m, 6), nil // in use: a redirection session is active
	}
	d.powerChanges++
	d.requests = append(d.requests, int(v))
	if d.stuck || (d.heldBack && (v == powerOffSoftGraceful || v == powerMasterBusResetGrace)) {
		return output(schema.PowerService, m, 0), nil
	}
	switch int(v) {
	case powerOn:
		d.setRowLocked(oobkit.PowerS0)
		d.raiseLocked(d.powerAlert("PLAT0272", "Power on for system %s.", bootRecord(0)))
		d.addRecordLocked(bootRecord(0))
		d.bootLocked()
	case powerMasterBusReset, powerNMI:
		d.raiseLocked(d.powerAlert("PLAT0282", "System restart requested for system %s.", bootRecord(1)))
		d.addRecordLocked(bootRecord(1))
		d.bootLocked()
	case powerMasterBusResetGrace:
		d.raiseLocked(d.powerAlert("PLAT0282", "System restart requested for system %s.", bootRecord(6)))
		d.addRecordLocked(bootRecord(6))
		d.bootLocked()
	case powerCycleOffSoft:
		d.raiseLocked(d.powerAlert("PLAT0276", "Power cycle soft requested for system %s.", acpiRecord(5)))
		d.addRecordLocked(acpiRecord(5))
		d.addRecordLocked(bootRecord(0))
		d.bootLocked()
	case powerOffSoft, powerOffSoftGraceful:
		d.setRowLocked(oobkit.PowerS5)
		d.boot.InBIOSSetup = false
		d.raiseLocked(d.powerAlert("PLAT0362", "Computer system %s is in soft off mode.", acpiRecord(5)))
		d.addRecordLocked(acpiRecord(5))
	case powerSleepDeep:
		d.setRowLocked(oobkit.PowerS3)
		d.raiseLocked(d.powerAlert("PLAT0366", "Computer system %s is sleeping.", acpiRecord(3)))
		d.addRecordLocked(acpiRecord(3))
	case powerHibernate:
		d.setRowLocked(oobkit.PowerS4)
		d.raiseLocked(d.powerAlert("PLAT0358", "Computer system %s is in hibernate.", acpiRecord(4)))
		d.addRecordLocked(acpiRecord(4))
	}
	return output(schema.PowerService, m, 0), nil
}

// bootLocked boots the computer: the single-use boot settings decide what,
// then they are cleared.
func (d *Device) bootLocked() {
	b := &d.boot
	what := "hdd"
	if b.SingleUse {
		switch {
		case b.Settings.UseIDER && b.Settings.IDERCD:
			what = "ider-cd"
		case b.Settings.UseIDER:
			what = "ider-floppy"
		case b.Settings.BIOSSetup:
			what = "bios"
		case b.Source == bootSourcePXE:
			what = "pxe"
		case b.Source == bootSourceCD:
			what = "cd"
		}
	}
	d.addRecordLocked(progressRecord(1))     // memory initialization
	d.row, d.power = oobkit.PowerS0, powerOn // a reset from S1 boots too
	b.Boots++
	b.SOL = b.SingleUse && b.Settings.UseSOL
	b.InBIOSSetup = what == "bios" || (b.SingleUse && b.Settings.BIOSPause)
	if b.InBIOSSetup {
		d.addRecordLocked(progressRecord(5)) // user-initiated system setup
	} else {
		d.addRecordLocked(progressRecord(0x13)) // starting OS boot process
	}
	b.LastBoot = what
	b.Settings, b.Source, b.SingleUse = BootSettings{}, "", false
	d.addRecordLocked(acpiRecord(0))
	d.notifyLocked()
}

// readOnlyBoot are the properties real firmware reports but refuses in a Put.
var readOnlyBoot = []string{"WinREBootEnabled", "UEFILocalPBABootEnabled", "UEFIHTTPSBootEnabled",
	"SecureBootControlEnabled", "BootguardStatus", "OptionsCleared", "BIOSLastStatus", "RPEEnabled"}

func (d *Device) getBootSettings(r *wsmantest.Request) (*etree.Element, error) {
	if r.Selectors.Get("InstanceID") != schema.BootSettingsID {
		return nil, wsmantest.Fault("InvalidSelectors", "no such AMT_BootSettingData")
	}
	d.mu.Lock()
	s := d.boot.Settings
	d.mu.Unlock()
	b := strconv.FormatBool
	ider := "0"
	if s.IDERCD {
		ider = "1"
	}
	return instance(schema.BootSettings,
		"BIOSLastStatus", "2", "BIOSPause", b(s.BIOSPause), "BIOSSetup", b(s.BIOSSetup),
		"BootMediaIndex", "0", "ConfigurationDataReset", "false", "ElementName", "Intel(r) AMT Boot Configuration Settings",
		"EnforceSecureBoot", "false", "FirmwareVerbosity", "0", "ForcedProgressEvents", b(s.ForcedProgress),
		"IDERBootDevice", ider, "InstanceID", schema.BootSettingsID, "LockKeyboard", b(s.LockKeyboard),
		"LockPowerButton", b(s.LockPowerButton), "LockResetButton", b(s.LockResetButton), "LockSleepButton", b(s.LockSleepButton),
		"OptionsCleared", "true", "OwningEntity", "Intel(r) AMT", "ReflashBIOS", "false", "SecureErase", "false",
		"UEFIHTTPSBootEnabled", "false", "UEFILocalPBABootEnabled", "false", "UseIDER", b(s.UseIDER), "UseSOL", b(s.UseSOL),
		"UseSafeMode", "false", "UserPasswordBypass", b(s.UserPasswordBypass), "WinREBootEnabled", "false"), nil
}

func (d *Device) putBootSettings(r *wsmantest.Request) (*etree.Element, error) {
	in := r.Instance()
	for _, f := range readOnlyBoot {
		if in.Has(f) {
			return nil, wsmantest.Fault("InvalidRepresentation", "read-only property "+f+" in Put")
		}
	}
	s := readBootSettings(in)
	d.mu.Lock()
	d.boot.Settings = s
	d.mu.Unlock()
	return d.getBootSettings(r)
}

var bootSources = []string{bootSourcePXE, bootSourceHardDrive, bootSourceCD}

func (d *Device) changeBootOrder(r *wsmantest.Request) (*etree.Element, error) {
	const m = "ChangeBootOrder"
	src := ""
	if epr := r.Instance().EPR("Source"); epr != nil {
		src = epr.Selectors.Get("InstanceID")
		if !slices.Contains(bootSources, src) {
			return output(schema.BootConfig, m, 4), nil // invalid reference
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if src != "" && d.optRequired == 4294967295 && d.optState != 3 && d.optState != 4 {
		return output(schema.BootConfig, m, 6), nil // access denied: consent needed
	}
	s := d.boot.Settings
	if src != "" && (s.UseSOL || s.UseIDER || s.BIOSPause || s.BIOSSetup) {
		return output(schema.BootConfig, m, 5), nil
	}
	d.boot.Source = src
	return output(schema.BootConfig, m, 0), nil
}

func (d *Device) setBootConfigRole(r *wsmantest.Request) (*etree.Element, error) {
	const m = "SetBootConfigRole"
	in := r.Instance()
	role, _ := in.Int("Role")
	epr := in.EPR("BootConfigSetting")
	if role != 1 || epr == nil || epr.Selectors.Get("InstanceID") != schema.BootConfigID {
		return output(schema.BootService, m, 5), nil
	}
	d.mu.Lock()
	d.boot.SingleUse = true
	d.mu.Unlock()
	return output(schema.BootService, m, 0), nil
}
