package dash

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// DMTF PowerState values (CIM_AssociatedPowerManagementService.PowerState
// and RequestPowerStateChange's PowerState parameter, DSP1027).
const (
	DMTFOn                     = 2
	DMTFSleepLight             = 3
	DMTFSleepDeep              = 4
	DMTFPowerCycleOffSoft      = 5
	DMTFOffHard                = 6
	DMTFHibernate              = 7
	DMTFOffSoft                = 8
	DMTFPowerCycleOffHard      = 9
	DMTFMasterBusReset         = 10
	DMTFDiagnosticInterrupt    = 11
	DMTFOffSoftGraceful        = 12
	DMTFOffHardGraceful        = 13
	DMTFMasterBusResetGraceful = 14
	DMTFPowerCycleSoftGraceful = 15
	DMTFPowerCycleHardGraceful = 16
)

// PowerStatus is what the computer reports about its power
// (CIM_AssociatedPowerManagementService).
type PowerStatus struct {
	// State is the DMTF state mapped to the oobkit vocabulary.
	State oobkit.PowerState
	// DMTFState is the PowerState value as reported.
	DMTFState int
	// Requested is the last RequestedPowerState, as reported.
	Requested int
	// Available lists the DMTF states the computer accepts now
	// (AvailableRequestedPowerStates).
	Available []int
}

// StateFromDMTF maps a DMTF PowerState to an [oobkit.PowerState] (DSP1027
// Table "PowerState to ACPI": On → S0, Sleep-Light → S1, Sleep-Deep → S3,
// Hibernate → S4, Off-Soft → S5). Off-Hard (6) and the graceful off values
// map to S5, not G3: a computer whose DASH controller answers has standby
// power. Transitional values (cycle, reset, NMI) are unknown.
func StateFromDMTF(v int) oobkit.PowerState {
	switch v {
	case DMTFOn:
		return oobkit.PowerS0
	case DMTFSleepLight:
		return oobkit.PowerS1
	case DMTFSleepDeep:
		return oobkit.PowerS3
	case DMTFHibernate:
		return oobkit.PowerS4
	case DMTFOffSoft, DMTFOffHard, DMTFOffSoftGraceful, DMTFOffHardGraceful:
		return oobkit.PowerS5
	}
	return oobkit.PowerUnknown
}

// actionStates lists, per action, the DMTF states that perform it in order
// of preference; the first one the computer offers is requested.
var actionStates = map[oobkit.PowerAction][]int{
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
	ps := &powerService{status: PowerStatus{State: StateFromDMTF(int(st)), DMTFState: int(st), Requested: int(req)},
		service: in.EPR("ServiceProvided"), system: in.EPR("UserOfService")}
	for _, v := range in.Ints("AvailableRequestedPowerStates") {
		ps.status.Available = append(ps.status.Available, int(v))
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

// SetPower performs action. It reads the state first and refuses an action
// the state does not allow ([oobkit.Allowed], ErrInvalidState), then
// requests the first DMTF state for the action that the computer lists in
// AvailableRequestedPowerStates (ErrUnsupported when none is offered; an
// empty list means the computer does not say, and the preferred state is
// tried). On-to-BIOS and reset-to-BIOS are ErrUnsupported: DASH Boot Control
// has no BIOS-setup boot source.
func (c *Client) SetPower(ctx context.Context, action oobkit.PowerAction) error {
	const op = "SetPower"
	candidates, ok := actionStates[action]
	if !ok {
		if action == oobkit.ActionOnToBIOS || action == oobkit.ActionResetToBIOS {
			return errorf(op, oobkit.ErrUnsupported, "", "%v: DASH has no standard boot into BIOS setup", action)
		}
		return errorf(op, oobkit.ErrInvalidArgument, "", "unknown power action %v", action)
	}
	ps, err := c.readPower(ctx)
	if err != nil {
		return err
	}
	if err := oobkit.Allowed(ps.status.State, action); err != nil {
		return &oobkit.Error{Protocol: oobkit.DASH, Op: op, Class: oobkit.ErrInvalidState,
			Message: strings.TrimPrefix(err.Error(), oobkit.ErrInvalidState.Error()+": ")}
	}
	want := 0
	for _, s := range candidates {
		if len(ps.status.Available) == 0 || slices.Contains(ps.status.Available, s) {
			want = s
			break
		}
	}
	if want == 0 {
		return errorf(op, oobkit.ErrUnsupported, "", "%v: the computer offers none of the DMTF states %v now (available: %v)",
			action, candidates, ps.status.Available)
	}
	return c.requestPowerState(ctx, ps, want)
}

// RequestPowerState requests DMTF power state v as is, without the power
// table check (for states oobkit has no action for, such as 11 NMI).
func (c *Client) RequestPowerState(ctx context.Context, v int) error {
	ps, err := c.readPower(ctx)
	if err != nil {
		return err
	}
	return c.requestPowerState(ctx, ps, v)
}

func (c *Client) requestPowerState(ctx context.Context, ps *powerService, v int) error {
	const op = "RequestPowerStateChange"
	if ps.service == nil || ps.system == nil {
		return errorf(op, oobkit.ErrProtocol, "", "the power association has no service or system reference")
	}
	in := wsman.MethodInput(uri("CIM_PowerManagementService"), op).
		Set("PowerState", strconv.Itoa(v)).
		SetEPR("ManagedElement", ps.system)
	out, err := c.ws.Invoke(ctx, uri("CIM_PowerManagementService"), op, ps.service.Selectors, in)
	if err != nil {
		return err
	}
	c.log.Debug("dash power request", "target", c.target.String(), "state", v)
	return checkReturn(op, out, powerReturnCodes)
}
