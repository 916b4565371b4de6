package ipmi

import (
	"context"
	"fmt"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/bougou/go-ipmi/pkg/command/chassis"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/ipmispec"
)

// PowerState reads the computer's power state as a row of the RTSM guide's
// Table C-3. The chassis power bit of Get Chassis Status (IPMI v2.0 §28.2)
// is the hardware truth; the ACPI state of Get ACPI Power State (§20.7,
// whose values map to the rows one to one, see [StateFromACPI]) names the
// row when the BMC has one that agrees with the chassis. Many BMCs
// (ipmi_sim among them) never receive Set ACPI Power State (§20.6) from
// system software, so their ACPI state is stale or "unknown"; then the
// chassis bit alone says Legacy ON or Legacy OFF (rows 12 and 13: on or
// off, no ACPI detail), never the nearest S-state.
func (c *Client) PowerState(ctx context.Context) (oobkit.PowerState, error) {
	st, err := c.ChassisStatus(ctx)
	if err != nil {
		return oobkit.PowerUnknown, err
	}
	var acpi uint8
	aerr := c.do(ctx, "Get ACPI Power State", func(cl *client.Client) error {
		res, err := cl.GetACPIPowerState(ctx)
		if err == nil {
			acpi = uint8(res.SystemPowerState)
		}
		return err
	})
	if aerr == nil {
		if row := StateFromACPI(acpi); agrees(row, st.PowerOn) {
			return row, nil
		}
	} else if ctx.Err() != nil {
		return oobkit.PowerUnknown, aerr
	}
	if st.PowerOn {
		return oobkit.PowerLegacyOn, nil
	}
	return oobkit.PowerLegacyOff, nil
}

// StateFromACPI maps the system power state of Get ACPI Power State (IPMI
// v2.0 §20.7; the enumeration of §20.6, the same states as sensor type 22h
// "System ACPI Power State", Table 42-3) to its row of Table C-3: 00h S0/G0
// … 0Ah "S5 entered by override" are rows 1–11, 20h Legacy On, 21h Legacy
// Off, 2Ah Unknown.
func StateFromACPI(v uint8) oobkit.PowerState { return ipmispec.StateFromACPIPowerState(v) }

// StateFromSensorOffset maps a sensor type 22h "System ACPI Power State"
// event offset (IPMI v2.0 Table 42-3; 00h–0Ch are rows 1–13 of Table C-3,
// 0Eh Unknown) to its row.
func StateFromSensorOffset(offset uint8) oobkit.PowerState {
	return ipmispec.StateFromACPIOffset(offset)
}

// agrees reports whether the ACPI row can be true of a chassis whose power
// is on (or off): S0 and the light sleeps need main power, the soft-off and
// deep sleep states do not have it. Unknown agrees with nothing.
func agrees(row oobkit.PowerState, on bool) bool {
	switch row {
	case oobkit.PowerS0, oobkit.PowerS1, oobkit.PowerS2, oobkit.PowerLegacyOn:
		return on
	case oobkit.PowerS3, oobkit.PowerS4, oobkit.PowerS5, oobkit.PowerS4S5, oobkit.PowerG3, oobkit.PowerS5Override, oobkit.PowerLegacyOff:
		return !on
	case oobkit.PowerSleeping, oobkit.PowerG1:
		return true
	}
	return false
}

// chassisRule is one line of the IPMI power gate: the Chassis Control
// function an action sends and the chassis power it needs.
type chassisRule struct {
	control chassis.ChassisControl
	needsOn bool // the chassis must be powered (else: must be off)
	spec    string
}

// ChassisRules is the IPMI power gate as data. Table C-3 is Intel AMT's; an
// IPMI BMC acts through Chassis Control (IPMI v2.0 §28.3), whose functions
// each make sense from one chassis power: power up from off; power down,
// hard reset, power cycle and soft shutdown (ACPI emulation) from on. A
// sleeping computer whose chassis power is on counts as on. Graceful
// reboot, sleep and hibernate have no Chassis Control function.
var chassisRules = map[oobkit.PowerAction]chassisRule{
	oobkit.ActionOn:                  {chassis.ChassisControlPowerUp, false, "§28.3 power up"},
	oobkit.ActionOnToBIOS:            {chassis.ChassisControlPowerUp, false, "§28.3 power up, boot flag BIOS setup"},
	oobkit.ActionOnToBIOSTerminal:    {chassis.ChassisControlPowerUp, false, "§28.3 power up, boot flag BIOS setup"},
	oobkit.ActionOff:                 {chassis.ChassisControlPowerDown, true, "§28.3 power down"},
	oobkit.ActionShutdown:            {chassis.ChassisControlSoftShutdown, true, "§28.3 soft shutdown via ACPI overtemperature emulation"},
	oobkit.ActionReset:               {chassis.ChassisControlHardReset, true, "§28.3 hard reset"},
	oobkit.ActionResetToBIOS:         {chassis.ChassisControlHardReset, true, "§28.3 hard reset, boot flag BIOS setup"},
	oobkit.ActionResetToBIOSTerminal: {chassis.ChassisControlHardReset, true, "§28.3 hard reset, boot flag BIOS setup"},
	// §28.3: "no action [should] occur if system power is off (S4/S5)
	// when this action is selected".
	oobkit.ActionCycle: {chassis.ChassisControlPowerCycle, true, "§28.3 power cycle"},
}

// Allowed is the IPMI power gate ([chassisRules]): whether the BMC may
// send action's Chassis Control function in state s. With bootRedirect the
// action also carries the boot flags of the next boot (§28.12), which only
// a power up, hard reset or power cycle starts. Refusals wrap
// ErrInvalidState and name the row and its code; an action without a
// Chassis Control function wraps ErrUnsupported.
func Allowed(s oobkit.PowerState, action oobkit.PowerAction, bootRedirect bool) error {
	const op = "Chassis Control"
	if action == oobkit.ActionNone && bootRedirect {
		return nil // boot flags can be set in any state
	}
	rule, ok := chassisRules[action]
	if !ok {
		if action.Column() == oobkit.ColumnNone {
			return &oobkit.Error{Protocol: oobkit.IPMI, Op: op, Class: oobkit.ErrInvalidArgument, Message: fmt.Sprintf("power action %v", action)}
		}
		return &oobkit.Error{Protocol: oobkit.IPMI, Op: op, Class: oobkit.ErrUnsupported,
			Message: fmt.Sprintf("IPMI has no %q power action", action)}
	}
	refuse := func(why string) error {
		return &oobkit.Error{Protocol: oobkit.IPMI, Op: op, Class: oobkit.ErrInvalidState,
			Message: fmt.Sprintf("%v is not possible in state %v: %s (%s)", action, s, why, rule.spec)}
	}
	if bootRedirect && action.Column() == oobkit.ColumnPowerOff {
		return refuse("boot flags ride on a power up, reset or cycle, not on a power off")
	}
	switch {
	case s == oobkit.PowerUnknown || s == oobkit.PowerG3:
		return refuse("the chassis power is not known")
	case rule.needsOn && !agrees(s, true):
		return refuse("the chassis is not powered")
	case !rule.needsOn && !agrees(s, false):
		return refuse("the chassis is already powered")
	}
	return nil
}

// CheckPower reads the state and applies [Allowed]. It implements
// [oobkit.PowerChecker].
func (c *Client) CheckPower(ctx context.Context, action oobkit.PowerAction, bootRedirect bool) (oobkit.PowerState, error) {
	state, err := c.PowerState(ctx)
	if err != nil {
		return oobkit.PowerUnknown, err
	}
	return state, Allowed(state, action, bootRedirect)
}

// SetPower performs action with Chassis Control (§28.3): on → power up,
// off → power down (hard), shutdown → soft shutdown via ACPI emulation
// (the OS sees a power-button press), reset → hard reset, cycle → power
// cycle, on/reset to BIOS (with or without terminal) → a one-time "BIOS
// setup" boot flag then power up / hard reset. Graceful reboot, sleep and
// hibernate have no IPMI command and fail with [oobkit.ErrUnsupported].
//
// The current state is read first and the action refused, with an error
// wrapping [oobkit.ErrInvalidState] naming the row and its code, when the
// IPMI gate ([Allowed]) forbids it (power on when on, power off or reset
// when off), unless ctx carries [oobkit.WithPowerTableOverride].
func (c *Client) SetPower(ctx context.Context, action oobkit.PowerAction) error {
	rule, ok := chassisRules[action]
	if !ok {
		return Allowed(oobkit.PowerUnknown, action, false)
	}
	if !oobkit.PowerTableOverridden(ctx) {
		if _, err := c.CheckPower(ctx, action, false); err != nil {
			return err
		}
	}
	if action.ToBIOS() {
		if err := c.SetNextBoot(ctx, oobkit.BootOptions{Device: oobkit.BootBIOSSetup}); err != nil {
			return err
		}
	}
	return c.do(ctx, "Chassis Control", func(cl *client.Client) error {
		_, err := cl.ChassisControl(ctx, rule.control)
		return err
	})
}

var _ oobkit.PowerChecker = (*Client)(nil)
