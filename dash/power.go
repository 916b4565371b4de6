package dash

import (
	"context"
	"slices"
	"strconv"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dmtf"
	"github.com/oobkit/oobkit/internal/wsman"
)

// DMTF PowerState values (CIM_AssociatedPowerManagementService.PowerState
// and RequestPowerStateChange's PowerState parameter, DSP1027).
const (
	DMTFOn                     = dmtf.PowerOn
	DMTFSleepLight             = dmtf.PowerSleepLight
	DMTFSleepDeep              = dmtf.PowerSleepDeep
	DMTFPowerCycleOffSoft      = dmtf.PowerCycleOffSoft
	DMTFOffHard                = dmtf.PowerOffHard
	DMTFHibernate              = dmtf.PowerHibernate
	DMTFOffSoft                = dmtf.PowerOffSoft
	DMTFPowerCycleOffHard      = dmtf.PowerCycleOffHard
	DMTFMasterBusReset         = dmtf.PowerMasterBusReset
	DMTFDiagnosticInterrupt    = dmtf.PowerNMI
	DMTFOffSoftGraceful        = dmtf.PowerOffSoftGraceful
	DMTFOffHardGraceful        = dmtf.PowerOffHardGraceful
	DMTFMasterBusResetGraceful = dmtf.PowerMasterBusResetGrace
	DMTFPowerCycleSoftGraceful = dmtf.PowerCycleOffSoftGraceful
	DMTFPowerCycleHardGraceful = dmtf.PowerCycleOffHardGraceful
)

// PowerStatus is what the computer reports about its power
// (CIM_AssociatedPowerManagementService).
type PowerStatus struct {
	// State is the DMTF state mapped to the oobkit vocabulary.
	State oobkit.PowerState
	// DMTFState is the PowerState value as reported.
	DMTFState dmtf.PowerState
	// Requested is the last RequestedPowerState, as reported.
	Requested dmtf.PowerState
	// Available lists the DMTF states the computer accepts now
	// (AvailableRequestedPowerStates).
	Available []dmtf.PowerState
}

// StateFromDMTF maps a DMTF PowerState to its row of Table C-3: the one
// mapping of package dmtf ([dmtf.PowerState.State]), the same for AMT.
func StateFromDMTF(v dmtf.PowerState) oobkit.PowerState { return v.State() }

// actionStates lists, per action, the DMTF states that perform it in order
// of preference; the first one the computer offers is requested.
var actionStates = map[oobkit.PowerAction][]dmtf.PowerState{
	oobkit.ActionOn:        {DMTFOn},
	oobkit.ActionOff:       {DMTFOffHard, DMTFOffSoft},
	oobkit.ActionShutdown:  {DMTFOffSoftGraceful, DMTFOffHardGraceful},
	oobkit.ActionReset:     {DMTFMasterBusReset},
	oobkit.ActionReboot:    {DMTFMasterBusResetGraceful, DMTFPowerCycleSoftGraceful, DMTFPowerCycleHardGraceful},
	oobkit.ActionCycle:     {DMTFPowerCycleOffSoft, DMTFPowerCycleOffHard},
	oobkit.ActionSleep:     {DMTFSleepDeep, DMTFSleepLight},
	oobkit.ActionHibernate: {DMTFHibernate},
}

// powerService is the association that carries the state and the
// references RequestPowerStateChange needs.
type powerService struct {
	status  PowerStatus
	service *wsman.EndpointReference // CIM_PowerManagementService
	system  *wsman.EndpointReference // CIM_ComputerSystem
}

func (c *Client) readPower(ctx context.Context) (*powerService, error) {
	in, err := c.first(ctx, "CIM_AssociatedPowerManagementService")
	if err != nil {
		return nil, err
	}
	st, _ := in.Int("PowerState")
	req, _ := in.Int("RequestedPowerState")
	ps := &powerService{status: PowerStatus{State: StateFromDMTF(dmtf.PowerState(st)), DMTFState: dmtf.PowerState(st), Requested: dmtf.PowerState(req)},
		service: in.EPR("ServiceProvided"), system: in.EPR("UserOfService")}
	for _, v := range in.Ints("AvailableRequestedPowerStates") {
		ps.status.Available = append(ps.status.Available, dmtf.PowerState(v))
	}
	return ps, nil
}

// PowerStatus reads the power state, the last requested state and the
// states the computer accepts now.
func (c *Client) PowerStatus(ctx context.Context) (*PowerStatus, error) {
	ps, err := c.readPower(ctx)
	if err != nil {
		return nil, err
	}
	return &ps.status, nil
}

// PowerState reads the computer's power state.
func (c *Client) PowerState(ctx context.Context) (oobkit.PowerState, error) {
	ps, err := c.readPower(ctx)
	if err != nil {
		return oobkit.PowerUnknown, err
	}
	return ps.status.State, nil
}

// basicActions are the actions whose DMTF states every computer of the
// profile supports (DSP1027: On, Off, Power Cycle, Master Bus Reset): when
// one is not offered, the state is why.
var basicActions = map[oobkit.PowerAction]bool{oobkit.ActionOn: true, oobkit.ActionOff: true,
	oobkit.ActionReset: true, oobkit.ActionCycle: true}

// Allows is the DASH power gate. Table C-3 is Intel AMT's; a DASH computer
// states its own as data, DSP1027's AvailableRequestedPowerStates: the
// states RequestPowerStateChange accepts now. An action none of whose DMTF
// states is offered is refused with ErrInvalidState naming the state's row
// and code and the offer, or with ErrUnsupported for an optional action
// (graceful, sleep, hibernate) that a running computer does not offer. An
// empty list means the computer does not say: it decides. With
// bootRedirect the action also carries a boot configuration for the next
// boot, which only a power on or a reset (or cycle) starts.
func (st PowerStatus) Allows(action oobkit.PowerAction, bootRedirect bool) error {
	const op = "SetPower"
	if action == oobkit.ActionNone && bootRedirect {
		return nil // a next boot can be configured in any state
	}
	candidates, ok := actionStates[action]
	if !ok {
		if action.ToBIOS() {
			return errorf(op, oobkit.ErrUnsupported, "", "%v: DASH has no standard boot into BIOS setup", action)
		}
		return errorf(op, oobkit.ErrInvalidArgument, "", "unknown power action %v", action)
	}
	if bootRedirect && action.Column() == oobkit.ColumnPowerOff {
		return errorf(op, oobkit.ErrInvalidArgument, "", "a boot configuration rides on a power on or a reset, not on %v", action)
	}
	if len(st.Available) == 0 || slices.ContainsFunc(candidates, func(v dmtf.PowerState) bool { return slices.Contains(st.Available, v) }) {
		return nil
	}
	if !basicActions[action] && st.State == oobkit.PowerS0 {
		return errorf(op, oobkit.ErrUnsupported, "", "%v: the computer does not offer the DMTF states %v even when on (available: %v)",
			action, candidates, st.Available)
	}
	return errorf(op, oobkit.ErrInvalidState, "", "%v is not possible in state %v (DMTF PowerState %d): the computer offers DMTF states %d now (DSP1027 AvailableRequestedPowerStates), none of %d",
		action, st.State, st.DMTFState, st.Available, candidates)
}

// CheckPower reads the power status and applies [PowerStatus.Allows]. It
// implements [oobkit.PowerChecker].
func (c *Client) CheckPower(ctx context.Context, action oobkit.PowerAction, bootRedirect bool) (oobkit.PowerState, error) {
	ps, err := c.readPower(ctx)
	if err != nil {
		return oobkit.PowerUnknown, err
	}
	return ps.status.State, ps.status.Allows(action, bootRedirect)
}

// SetPower performs action. It reads the state first and refuses an action
// the computer does not offer now ([PowerStatus.Allows]) unless ctx carries
// [oobkit.WithPowerTableOverride], then requests the first DMTF state for
// the action that the computer lists in AvailableRequestedPowerStates (an
// empty list means the computer does not say, and the preferred state is
// tried). On-to-BIOS and reset-to-BIOS are ErrUnsupported: DASH Boot
// Control has no BIOS-setup boot source.
func (c *Client) SetPower(ctx context.Context, action oobkit.PowerAction) error {
	const op = "SetPower"
	candidates, ok := actionStates[action]
	if !ok {
		return PowerStatus{}.Allows(action, false)
	}
	ps, err := c.readPower(ctx)
	if err != nil {
		return err
	}
	if !oobkit.PowerTableOverridden(ctx) {
		if err := ps.status.Allows(action, false); err != nil {
			return err
		}
	}
	want := candidates[0]
	for _, s := range candidates {
		if slices.Contains(ps.status.Available, s) {
			want = s
			break
		}
	}
	return c.requestPowerState(ctx, ps, want)
}

// RequestPowerState requests DMTF power state v as is, without the power
// table check (for states oobkit has no action for, such as 11 NMI).
func (c *Client) RequestPowerState(ctx context.Context, v dmtf.PowerState) error {
	ps, err := c.readPower(ctx)
	if err != nil {
		return err
	}
	return c.requestPowerState(ctx, ps, v)
}

func (c *Client) requestPowerState(ctx context.Context, ps *powerService, v dmtf.PowerState) error {
	const op = "RequestPowerStateChange"
	if ps.service == nil || ps.system == nil {
		return errorf(op, oobkit.ErrProtocol, "", "the power association has no service or system reference")
	}
	in := wsman.MethodInput(uri("CIM_PowerManagementService"), op).
		Set("PowerState", strconv.Itoa(int(v))).
		SetEPR("ManagedElement", ps.system)
	out, err := c.ws.Invoke(ctx, uri("CIM_PowerManagementService"), op, ps.service.Selectors, in)
	if err != nil {
		return err
	}
	c.log.Debug("dash power request", "target", c.target.String(), "state", v)
	return checkReturn(op, out, powerReturnCodes)
}

var _ oobkit.PowerChecker = (*Client)(nil)
