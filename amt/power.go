package amt

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/dmtf"
	"github.com/oobkit/oobkit/internal/ipmispec"
	"github.com/oobkit/oobkit/internal/wsman"
)

// DMTF power-state values used by CIM_AssociatedPowerManagementService.PowerState
// and RequestPowerStateChange (DSP1027), of package dmtf's type: a DMTF value
// is not an [oobkit.PowerAction] and does not convert to one silently.
const (
	PowerOn                   = dmtf.PowerOn
	PowerSleepLight           = dmtf.PowerSleepLight
	PowerSleepDeep            = dmtf.PowerSleepDeep
	PowerCycleOffSoft         = dmtf.PowerCycleOffSoft
	PowerOffHard              = dmtf.PowerOffHard
	PowerHibernate            = dmtf.PowerHibernate
	PowerOffSoft              = dmtf.PowerOffSoft
	PowerCycleOffHard         = dmtf.PowerCycleOffHard
	PowerMasterBusReset       = dmtf.PowerMasterBusReset
	PowerNMI                  = dmtf.PowerNMI
	PowerOffSoftGraceful      = dmtf.PowerOffSoftGraceful
	PowerOffHardGraceful      = dmtf.PowerOffHardGraceful
	PowerMasterBusResetGrace  = dmtf.PowerMasterBusResetGrace
	PowerCycleOffSoftGraceful = dmtf.PowerCycleOffSoftGraceful
	PowerCycleOffHardGraceful = dmtf.PowerCycleOffHardGraceful
)

// PowerStatus is what the device reports about its power.
type PowerStatus struct {
	// State is the row of Table C-3 the device is in (see [StateFromDMTF]
	// and [Client.PowerStatus]).
	State oobkit.PowerState
	// Raw is the DMTF PowerState value the device reported.
	Raw dmtf.PowerState
	// Available lists the DMTF values RequestPowerStateChange accepts now.
	Available []dmtf.PowerState
	// System is the AMT system power state, the newest "System ACPI Power
	// State" (sensor type 22h) record of the event log, when it was read:
	// only when Raw alone does not name a row (1 Other, 3 Sleep-Light).
	System oobkit.PowerState
}

// StateFromDMTF maps a CIM_AssociatedPowerManagementService.PowerState
// value to its row of Table C-3: the one mapping of package dmtf
// ([dmtf.PowerState.State]). [Client.PowerStatus] refines 1 Other and 3
// Sleep-Light with the AMT system power state.
func StateFromDMTF(v dmtf.PowerState) oobkit.PowerState { return v.State() }

// PowerOther is the DMTF PowerState value 1, "Other": the device is in a
// state DSP1027 has no value for.
const PowerOther = dmtf.PowerOther

// refinable lists, per DMTF value that does not name one row, the rows the
// AMT system power state may name instead: Sleep-Light is S1 or S2 (or
// undetermined sleep), Other is one of the rows DSP1027 has no value for.
var refinable = map[dmtf.PowerState][]oobkit.PowerState{
	PowerSleepLight: {oobkit.PowerS1, oobkit.PowerS2, oobkit.PowerSleeping},
	PowerOther: {oobkit.PowerS4S5, oobkit.PowerSleeping, oobkit.PowerG1, oobkit.PowerS5Override,
		oobkit.PowerLegacyOn, oobkit.PowerLegacyOff},
}

// systemStateRecords is how many of the newest event-log records are
// searched for the AMT system power state.
const systemStateRecords = 32

// PowerStatus reads CIM_AssociatedPowerManagementService: the current state
// and the values the device offers. When the DMTF value does not name one
// row of Table C-3 (3 Sleep-Light: S1 or S2; 1 Other), the AMT system power
// state decides: the newest "System ACPI Power State" record (IPMI sensor
// type 22h, the ASF system power state the management engine logs on each
// change; IPMI v2.0 Table 42-3), accepted only when it names a row the DMTF
// value allows. Otherwise Sleep-Light stays "sleeping, undetermined" and
// Other is unknown.
func (c *Client) PowerStatus(ctx context.Context) (PowerStatus, error) {
	in, err := c.associatedPower(ctx)
	if err != nil {
		return PowerStatus{}, err
	}
	st, err := decodePowerStatus(in)
	if err != nil {
		return st, err
	}
	if rows, ok := refinable[st.Raw]; ok {
		sys, err := c.SystemPowerState(ctx)
		if err != nil {
			return st, err
		}
		st.System = sys
		if slices.Contains(rows, sys) {
			st.State = sys
		}
	}
	return st, nil
}

// SystemPowerState returns the AMT system power state as the event log
// last recorded it: the newest asserted "System ACPI Power State" (sensor
// type 22h) record among the newest records, its offset mapped to a row of
// Table C-3 (offsets 00h–0Ch are rows 1–13, 0Eh unknown). Unknown when the
// log has no such record.
func (c *Client) SystemPowerState(ctx context.Context) (oobkit.PowerState, error) {
	recs, err := c.MessageLog(ctx, systemStateRecords)
	if err != nil {
		return oobkit.PowerUnknown, err
	}
	for _, r := range recs {
		if r.SensorType == ipmispec.SensorTypeACPIPowerState && r.Offset&0x80 == 0 {
			return ipmispec.StateFromACPIOffset(r.Offset), nil
		}
	}
	return oobkit.PowerUnknown, nil
}

func decodePowerStatus(in *wsman.Instance) (PowerStatus, error) {
	raw, ok := in.Int("PowerState")
	if !ok {
		return PowerStatus{}, protoErr("PowerState", "CIM_AssociatedPowerManagementService has no PowerState")
	}
	st := PowerStatus{State: StateFromDMTF(dmtf.PowerState(raw)), Raw: dmtf.PowerState(raw)}
	for _, v := range in.Ints("AvailableRequestedPowerStates") {
		st.Available = append(st.Available, dmtf.PowerState(v))
	}
	return st, nil
}

// PowerState reads the computer's power state: its row of Table C-3.
func (c *Client) PowerState(ctx context.Context) (oobkit.PowerState, error) {
	st, err := c.PowerStatus(ctx)
	return st.State, err
}

// candidates lists, per action, the DMTF values that perform it, best first.
// Hard off is 8 ("Off-Soft" in DMTF's words, hard off on AMT: DMT power
// states reference); graceful shutdown and reboot (12, 14) exist from AMT 9
// and need the OS agent (LMS). Choosing among what the device offers
// follows iamt (internal/power.go).
var candidates = map[oobkit.PowerAction][]dmtf.PowerState{
	oobkit.ActionOn:                  {PowerOn},
	oobkit.ActionOff:                 {PowerOffSoft, PowerOffHard},
	oobkit.ActionShutdown:            {PowerOffSoftGraceful, PowerOffHardGraceful},
	oobkit.ActionReset:               {PowerMasterBusReset},
	oobkit.ActionReboot:              {PowerMasterBusResetGrace},
	oobkit.ActionCycle:               {PowerCycleOffSoft, PowerCycleOffHard},
	oobkit.ActionOnToBIOS:            {PowerOn},
	oobkit.ActionResetToBIOS:         {PowerMasterBusReset},
	oobkit.ActionOnToBIOSTerminal:    {PowerOn},
	oobkit.ActionResetToBIOSTerminal: {PowerMasterBusReset},
	oobkit.ActionSleep:               {PowerSleepDeep},
	oobkit.ActionHibernate:           {PowerHibernate},
}

// ChooseValue picks the DMTF value for action among what the device
// offers. An empty offer (older firmware that omits the list) yields the
// preferred value. An action the device does not offer yields
// ErrUnsupported.
func ChooseValue(action oobkit.PowerAction, available []dmtf.PowerState) (dmtf.PowerState, error) {
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

// CheckPower reads the state and answers whether Table C-3 lets Intel AMT
// perform action there ([oobkit.Allowed]; with bootRedirect, also
// [oobkit.BootRedirectAllowed]; ActionNone with bootRedirect asks the
// boot-redirect column alone). It implements [oobkit.PowerChecker]. The
// refusal wraps ErrInvalidState and names the row and its code, e.g.
// "unknown:14".
func (c *Client) CheckPower(ctx context.Context, action oobkit.PowerAction, bootRedirect bool) (oobkit.PowerState, error) {
	st, err := c.PowerStatus(ctx)
	if err != nil {
		return oobkit.PowerUnknown, err
	}
	return st.State, gate(st.State, action, bootRedirect)
}

func gate(s oobkit.PowerState, action oobkit.PowerAction, bootRedirect bool) error {
	var err error
	if action == oobkit.ActionNone && bootRedirect {
		err = oobkit.BootRedirectAllowed(s, action) // the column alone: may a next boot be set now?
	} else {
		err = oobkit.Allowed(s, action)
	}
	if err == nil && bootRedirect {
		err = oobkit.BootRedirectAllowed(s, action)
	}
	if err == nil {
		return nil
	}
	class := classOf(err)
	return &oobkit.Error{Protocol: oobkit.AMT, Op: "SetPower", Class: class,
		Message: strings.TrimPrefix(err.Error(), class.Error()+": ")}
}

// SetPower performs action as the RTSM guide's Table C-3 allows it. It
// reads the state first and refuses an action the table does not allow
// there (ErrInvalidState naming the row and its code) unless ctx carries
// [oobkit.WithPowerTableOverride]. Then:
//
//   - Footnote 1, "Performed through the power on command": a reboot or
//     power off in S3 or S4 is sent as the power on command. A reboot is
//     the power on itself; a power off (shutdown, sleep, hibernate) follows
//     once the computer is on. Either way the state reached is read back and
//     checked (S0, or the state the off-column action leads to); a computer
//     that does not get there within the settle time (see
//     [WithPowerSettle]) fails with ErrDevice.
//   - On/reset to BIOS set the next boot to BIOS setup first; the
//     "(Terminal)" actions also enable SOL in AMT_RedirectionService and
//     redirect the BIOS console over SOL (AMT_BootSettingData UseSOL), so
//     a SOL console shows BIOS setup.
//   - Otherwise the DMTF value the device offers for the action is sent.
//
// A refusal because a redirection session is open wraps ErrBusy.
func (c *Client) SetPower(ctx context.Context, action oobkit.PowerAction) error {
	if action.Column() == oobkit.ColumnNone {
		return argErr("SetPower", "unknown power action %v", action)
	}
	st, err := c.PowerStatus(ctx)
	if err != nil {
		return err
	}
	if !oobkit.PowerTableOverridden(ctx) {
		if err := gate(st.State, action, false); err != nil {
			return err
		}
	}
	if action.ToBIOS() {
		if action.Terminal() {
			if err := c.enableSOL(ctx); err != nil {
				return err
			}
		}
		if err := c.SetNextBoot(ctx, oobkit.BootOptions{Device: oobkit.BootBIOSSetup, SOL: action.Terminal()}); err != nil {
			return err
		}
	}
	if oobkit.ThroughPowerOn(st.State, action) {
		return c.throughPowerOn(ctx, st, action)
	}
	v, err := ChooseValue(action, st.Available)
	if err != nil {
		return err
	}
	return c.RequestPowerStateChange(ctx, v)
}

// throughPowerOn carries out footnote 1 of Table C-3 for a reboot or power
// off in S3 or S4: the power on command, then the check that the computer
// is on; for an off-column action, that action and the check of its end
// state.
func (c *Client) throughPowerOn(ctx context.Context, from PowerStatus, action oobkit.PowerAction) error {
	if err := c.RequestPowerStateChange(ctx, PowerOn); err != nil {
		return err
	}
	on, err := c.awaitState(ctx, action, "the power on command", oobkit.PowerS0)
	if err != nil || action.Column() != oobkit.ColumnPowerOff {
		return err
	}
	v, err := ChooseValue(action, on.Available)
	if err != nil {
		return err
	}
	if err := c.RequestPowerStateChange(ctx, v); err != nil {
		return err
	}
	_, err = c.awaitState(ctx, action, action.String()+" after the power on command", endStates[action]...)
	return err
}

// endStates are the rows an off-column action leads to.
var endStates = map[oobkit.PowerAction][]oobkit.PowerState{
	oobkit.ActionOff:       {oobkit.PowerS5, oobkit.PowerS4S5},
	oobkit.ActionShutdown:  {oobkit.PowerS5, oobkit.PowerS4S5},
	oobkit.ActionSleep:     {oobkit.PowerS3, oobkit.PowerSleeping},
	oobkit.ActionHibernate: {oobkit.PowerS4},
}

// awaitState reads the state until it is one of want, the settle time
// passes (ErrDevice naming the state reached) or ctx ends.
func (c *Client) awaitState(ctx context.Context, action oobkit.PowerAction, what string, want ...oobkit.PowerState) (PowerStatus, error) {
	deadline := time.Now().Add(c.settle.timeout)
	for {
		st, err := c.PowerStatus(ctx)
		if err != nil {
			return st, err
		}
		if slices.Contains(want, st.State) {
			return st, nil
		}
		if !time.Now().Before(deadline) {
			return st, &oobkit.Error{Protocol: oobkit.AMT, Op: "SetPower", Class: oobkit.ErrDevice,
				Message: fmt.Sprintf("%v: after %s the computer is in %v, not %v, after %v (Table C-3 footnote 1: %q)",
					action, what, st.State, want[0], c.settle.timeout, oobkit.PowerTableNotes[1])}
		}
		t := time.NewTimer(c.settle.every)
		select {
		case <-ctx.Done():
			t.Stop()
			return st, ctx.Err()
		case <-t.C:
		}
	}
}

// enableSOL turns SOL on in AMT_RedirectionService (keeping IDE-R, KVM and
// the listener as they are) when it is off: the console a "(Terminal)"
// action shows BIOS setup on.
func (c *Client) enableSOL(ctx context.Context) error {
	rs, err := c.RedirectionSettings(ctx)
	if err != nil {
		return err
	}
	if rs.SOL && rs.Listener {
		return nil
	}
	rs.SOL, rs.Listener = true, true
	return c.SetRedirection(ctx, rs)
}

// settle bounds how long SetPower waits for the state footnote 1's power on
// command leads to.
type settle struct{ timeout, every time.Duration }

func (s settle) withDefaults() settle {
	if s.timeout <= 0 {
		s.timeout = 90 * time.Second
	}
	if s.every <= 0 {
		s.every = 2 * time.Second
	}
	return s
}

// WithPowerSettle sets how long SetPower waits, reading the state every
// every, for the computer to reach the state a reboot or power off
// "performed through the power on command" (Table C-3 footnote 1) leads to
// (default 90 s, read every 2 s). The context's deadline still applies.
func WithPowerSettle(timeout, every time.Duration) Option {
	return func(c *config) { c.settle = settle{timeout, every} }
}

// RequestPowerStateChange sends one DMTF power-state value as is (no state
// check); SetPower is the checked way.
func (c *Client) RequestPowerStateChange(ctx context.Context, value dmtf.PowerState) error {
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

var _ oobkit.PowerChecker = (*Client)(nil)
