package amttest

import (
	"github.com/beevik/etree"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// Modern Standby (InstantGo, Connected Standby). Intel, "Remote Power
// Management of Intel AMT Devices with InstantGo": "Intel AMT added support
// for InstantGo in version 10.0 … when a system is in the low OS power
// state (S0) of InstantGo, the hardware power state will show as S0. This
// requires an additional query for the OSPowerSavingState in order to
// determine if the OS is in a full or low power state"
// (https://www.intel.com/content/www/us/en/docs/active-management-technology/developer-guide/2021/remote-power-management-of-intel-amt-devices-with.html).
// The state is IPS_PowerManagementService.OSPowerSavingState (class of the
// AMT 10 schema): 0 Unknown, 1 Unsupported, 2 Full power, 3 OS power
// saving. Firmware before 10 lacks the class.

// ipsPowerService is IPS_PowerManagementService's resource URI.
const ipsPowerService = wsman.IPSBase + "IPS_PowerManagementService"

// OSPowerSavingState values of IPS_PowerManagementService.
const (
	osPowerUnknown = 0
	osPowerFull    = 2
	osPowerSaving  = 3
)

func (d *Device) registerOSPower() {
	if !d.cfg.Generation().ModernStandby {
		return
	}
	d.handleGet(ipsPowerService, func(*wsmantest.Request) (*etree.Element, error) {
		d.mu.Lock()
		st := d.osPowerStateLocked()
		d.mu.Unlock()
		in := wsman.NewInstance(ipsPowerService, "IPS_PowerManagementService")
		in.Set("CreationClassName", "IPS_PowerManagementService")
		in.Set("ElementName", "Intel(r) AMT Power Management Service")
		in.Set("Name", "Intel(r) AMT Power Management Service")
		in.SetInt("OSPowerSavingState", int64(st))
		in.Set("SystemCreationClassName", "CIM_ComputerSystem")
		in.Set("SystemName", "Intel(r) AMT")
		return in.Element(), nil
	})
}

// osPowerStateLocked is OSPowerSavingState: full power or power saving in
// S0; outside S0 the OS runs in no state (Unknown — a simulator choice, the
// source documents S0 only).
func (d *Device) osPowerStateLocked() int {
	switch {
	case d.row != oobkit.PowerS0:
		return osPowerUnknown
	case d.osSaving:
		return osPowerSaving
	}
	return osPowerFull
}

// SetOSPowerSaving puts the OS in Modern Standby power saving (true) or
// back to full power. CIM_AssociatedPowerManagementService keeps reporting
// S0; only IPS_PowerManagementService.OSPowerSavingState changes. It has no
// effect outside S0 or on firmware before 10; leaving S0 ends it.
func (d *Device) SetOSPowerSaving(on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if on && (d.row != oobkit.PowerS0 || !d.cfg.Generation().ModernStandby) {
		return
	}
	d.osSaving = on
	d.notifyLocked()
}

// OSPowerSaving reports whether the OS is in Modern Standby power saving.
func (d *Device) OSPowerSaving() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.osSaving
}
