package amt

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
)

// DMTF power-state values used by CIM_AssociatedPowerManagementService.PowerState
// and RequestPowerStateChange (DSP1027; schemas.dmtf.org CIM 2.46
// CIM_AssociatedPowerManagementService).
const (
	PowerOn                   = 2
	PowerSleepLight           = 3
	PowerSleepDeep            = 4
	PowerCycleOffSoft         = 5
	PowerOffHard              = 6
	PowerHibernate            = 7
	PowerOffSoft              = 8
	PowerCycleOffHard         = 9
	PowerMasterBusReset       = 10
	PowerNMI                  = 11
	PowerOffSoftGraceful      = 12
	PowerOffHardGraceful      = 13
	PowerMasterBusResetGrace  = 14
	PowerCycleOffSoftGraceful = 15
	PowerCycleOffHardGraceful = 16
)

// PowerStatus is what the device reports about its power.
type PowerStatus struct {
	// State is the normalised state.
	State oobkit.PowerState
	// Raw is the DMTF PowerState value the device reported.
	Raw int
	// Available lists the DMTF values RequestPowerStateChange accepts now.
	Available []int
}

// StateFromDMTF maps a DMTF PowerState value to an oobkit state. Off-Hard
// (6) reads as soft off: a management engine that answers has standby
// power, so the computer is not mechanically off.
func StateFromDMTF(v int) oobkit.PowerState {
	switch v {
	case PowerOn, PowerMasterBusReset, PowerNMI, PowerMasterBusResetGrace:
		return oobkit.PowerS0
	case PowerSleepLight:
		return oobkit.PowerS1
	case PowerSleepDeep:
		return oobkit.PowerS3
	case PowerHibernate:
		return oobkit.PowerS4
	case PowerOffSoft, PowerOffHard, PowerCycleOffSoft, PowerCycleOffHard, PowerOffSoftGraceful,
		PowerOffHardGraceful, PowerCycleOffSoftGraceful, PowerCycleOffHardGraceful:
		return oobkit.PowerS5
	}
	return oobkit.PowerUnknown
}

// PowerStatus reads CIM_AssociatedPowerManagementService: the current state
// and the values the device offers.
func (c *Client) PowerStatus(ctx context.Context) (PowerStatus, error) {
	in, err := c.first(ctx, schema.AssociatedPower)
	if err != nil {
		return PowerStatus{}, err
	}
	return decodePowerStatus(in)
}

func decodePowerStatus(in *wsman.Instance) (PowerStatus, error) {
	raw, ok := in.Int("PowerState")
	if !ok {
		return PowerStatus{}, protoErr("PowerState", "CIM_AssociatedPowerManagementService has no PowerState")
	}
	st := PowerStatus{State: StateFromDMTF(int(raw)), Raw: int(raw)}
	for _, v := range in.Ints("AvailableRequestedPowerStates") {
		st.Available = append(st.Available, int(v))
	}
	return st, nil
}

// PowerState reads the computer's power state.
func (c *Client) PowerState(ctx context.Context) (oobkit.PowerState, error) {
	st, err := c.PowerStatus(ctx)
	return st.State, err
}

// candidates lists, per action, the DMTF values that perform it, best first.
// Hard off is 8 ("Off-Soft" in DMTF's words, hard off on AMT: DMT power
// states reference); graceful shutdown and reboot (12, 14) exist from AMT 9
// and need the OS agent (LMS). Choosing among what the device offers
// follows iamt (internal/power.go).
var candidates = map[oobkit.PowerAction][]int{
	oobkit.ActionOn:          {PowerOn},
	oobkit.ActionOff:         {PowerOffSoft, PowerOffHard},
	oobkit.ActionShutdown:    {PowerOffSoftGraceful, PowerOffHardGraceful},
	oobkit.ActionReset:       {PowerMasterBusReset},
	oobkit.ActionReboot:      {PowerMasterBusResetGrace},
	oobkit.ActionCycle:       {PowerCycleOffSoft, PowerCycleOffHard},
	oobkit.ActionOnToBIOS:    {PowerOn},
	oobkit.ActionResetToBIOS: {PowerMasterBusReset},
	oobkit.ActionSleep:       {PowerSleepDeep},
	oobkit.ActionHibernate:   {PowerHibernate},
}

// ChooseValue picks the DMTF value for action among what the device
// offers. An empty offer (older firmware that omits the list) yields the
// preferred value. An action the device does not offer yields
// ErrUnsupported.
func ChooseValue(action oobkit.PowerAction, available []int) (int, error) {
	cands, ok := candidates[action]
	if !ok {
		return 0, argErr("RequestPowerStateChange", "unknown power action %v", action)
	}
	if len(available) == 0 {
		return cands[0], nil
	}
	for _, v := range cands {
		if slices.Contains(available, v) {
			return v, nil
		}
	}
	msg := fmt.Sprintf("the device does not offer %v now (offers %v)", action, available)
	if action.Graceful() {
		msg += "; graceful actions need AMT 9 or later and the OS agent (LMS) running"
	}
	return 0, &oobkit.Error{Protocol: oobkit.AMT, Op: "RequestPowerStateChange", Class: oobkit.ErrUnsupported, Message: msg}
}

// SetPower performs action. It reads the state first, refuses an action
// the power table does not allow there (ErrInvalidState), picks the value
// the device offers, and for on-to-BIOS / reset-to-BIOS sets the next boot
// to BIOS setup first. A refusal because a redirection session is open
// wraps ErrBusy.
func (c *Client) SetPower(ctx context.Context, action oobkit.PowerAction) error {
	st, err := c.PowerStatus(ctx)
	if err != nil {
		return err
	}
	if err := oobkit.Allowed(st.State, action); err != nil {
		return &oobkit.Error{Protocol: oobkit.AMT, Op: "SetPower", Class: classOf(err), Message: err.Error()}
	}
	v, err := ChooseValue(action, st.Available)
	if err != nil {
		return err
	}
	if action == oobkit.ActionOnToBIOS || action == oobkit.ActionResetToBIOS {
		if err := c.SetNextBoot(ctx, oobkit.BootOptions{Device: oobkit.BootBIOSSetup}); err != nil {
			return err
		}
	}
	return c.RequestPowerStateChange(ctx, v)
}

// RequestPowerStateChange sends one DMTF power-state value as is (no state
// check); SetPower is the checked way.
func (c *Client) RequestPowerStateChange(ctx context.Context, value int) error {
	in := wsman.MethodInput(schema.PowerService, "RequestPowerStateChange").
		SetInt("PowerState", int64(value)).
		SetEPR("ManagedElement", schema.ManagedSystemEPR())
	_, err := c.invoke(ctx, schema.PowerService, "RequestPowerStateChange", schema.PowerServiceSelectors(), in, powerChangeCodes)
	return err
}

// classOf returns the oobkit class err wraps.
func classOf(err error) error {
	for _, cl := range []error{oobkit.ErrInvalidState, oobkit.ErrInvalidArgument, oobkit.ErrUnsupported} {
		if errors.Is(err, cl) {
			return cl
		}
	}
	return oobkit.ErrDevice
}
