// Package dmtf holds the DMTF CIM values that more than one oobkit client
// speaks, defined once: the power states of the Power State Management
// Profile (DMTF DSP1027), which Intel AMT and DASH computers report in
// CIM_AssociatedPowerManagementService.PowerState and accept in
// RequestPowerStateChange.
//
// The values are a type of their own, so a DMTF value never converts
// silently to an [oobkit.PowerAction] (amt.PowerOn is 2, which as an
// untyped constant would have been oobkit's "power off"), and
// [PowerState.State] is the one mapping from a DMTF value to the row of the
// RTSM guide's Table C-3.
package dmtf

import (
	"fmt"

	"github.com/oobkit/oobkit"
)

// PowerState is a DSP1027 PowerState value (CIM_AssociatedPowerManagementService,
// CIM 2.x schema: https://schemas.dmtf.org/wbem/cim-html/2.49.0/CIM_AssociatedPowerManagementService.html).
type PowerState int

// The DSP1027 values. 5, 9, 10, 11 and 14–16 are transitions (a request, or
// a state reported while one runs), not states a computer rests in.
const (
	PowerUnknown              PowerState = 0
	PowerOther                PowerState = 1
	PowerOn                   PowerState = 2
	PowerSleepLight           PowerState = 3
	PowerSleepDeep            PowerState = 4
	PowerCycleOffSoft         PowerState = 5
	PowerOffHard              PowerState = 6
	PowerHibernate            PowerState = 7
	PowerOffSoft              PowerState = 8
	PowerCycleOffHard         PowerState = 9
	PowerMasterBusReset       PowerState = 10
	PowerNMI                  PowerState = 11 // Diagnostic Interrupt (NMI)
	PowerOffSoftGraceful      PowerState = 12
	PowerOffHardGraceful      PowerState = 13
	PowerMasterBusResetGrace  PowerState = 14
	PowerCycleOffSoftGraceful PowerState = 15
	PowerCycleOffHardGraceful PowerState = 16
)

var names = map[PowerState]string{
	PowerUnknown: "Unknown", PowerOther: "Other", PowerOn: "On", PowerSleepLight: "Sleep - Light",
	PowerSleepDeep: "Sleep - Deep", PowerCycleOffSoft: "Power Cycle (Off - Soft)", PowerOffHard: "Off - Hard",
	PowerHibernate: "Hibernate (Off - Soft)", PowerOffSoft: "Off - Soft", PowerCycleOffHard: "Power Cycle (Off - Hard)",
	PowerMasterBusReset: "Master Bus Reset", PowerNMI: "Diagnostic Interrupt (NMI)",
	PowerOffSoftGraceful: "Off - Soft Graceful", PowerOffHardGraceful: "Off - Hard Graceful",
	PowerMasterBusResetGrace: "Master Bus Reset Graceful", PowerCycleOffSoftGraceful: "Power Cycle (Off - Soft Graceful)",
	PowerCycleOffHardGraceful: "Power Cycle (Off - Hard Graceful)",
}

// String returns the value's DSP1027 name and number, e.g. "On (2)".
func (v PowerState) String() string {
	if n, ok := names[v]; ok {
		return fmt.Sprintf("%s (%d)", n, int(v))
	}
	return fmt.Sprintf("PowerState %d", int(v))
}

// State maps the value to the row of Table C-3 that says the same thing, as
// DSP1027 relates its values to ACPI: 2 On is S0/G0; 3 Sleep-Light is S1 or
// S2 without saying which, so it is the row "sleeping, S1, S2 or S3 cannot
// be determined"; 4 Sleep-Deep is S3; 7 Hibernate (Off-Soft) is S4; 8
// Off-Soft and 12 Off-Soft Graceful are S5/G2; 6 Off-Hard and 13 Off-Hard
// Graceful are G3 (DSP1027: Off-Hard corresponds to ACPI G3). Everything
// else (0 Unknown, 1 Other, the transitions) is the unknown row: a
// transition names no state, and never the nearest S-state. A client that
// knows more (AMT's system power state for 1 and 3) refines this itself.
func (v PowerState) State() oobkit.PowerState {
	switch v {
	case PowerOn:
		return oobkit.PowerS0
	case PowerSleepLight:
		return oobkit.PowerSleeping
	case PowerSleepDeep:
		return oobkit.PowerS3
	case PowerHibernate:
		return oobkit.PowerS4
	case PowerOffSoft, PowerOffSoftGraceful:
		return oobkit.PowerS5
	case PowerOffHard, PowerOffHardGraceful:
		return oobkit.PowerG3
	}
	return oobkit.PowerUnknown
}
