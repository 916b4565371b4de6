package ipmi

import (
	"context"
	"fmt"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/bougou/go-ipmi/pkg/command/chassis"

	"github.com/oobkit/oobkit"
)

// PowerState reads the power bit of Get Chassis Status (IPMI v2.0 §28.2) and
// reports [oobkit.PowerLegacyOn] or [oobkit.PowerLegacyOff].
//
// Why not S0/S5: the only ACPI state a BMC has is what system software last
// wrote with Set ACPI Power State (§20.6); many BMCs (ipmi_sim among them)
// never receive it, so it is stale or "unknown" and would contradict the
// chassis. The chassis power bit is the hardware truth, and the power table
// treats legacy on/off like S0/soft-off with a note.
func (c *Client) PowerState(ctx context.Context) (oobkit.PowerState, error) {
	st, err := c.ChassisStatus(ctx)
	if err != nil {
		return oobkit.PowerUnknown, err
	}
	if st.PowerOn {
		return oobkit.PowerLegacyOn, nil
	}
	return oobkit.PowerLegacyOff, nil
}

// SetPower performs action with Chassis Control (§28.3): on → power up,
// off → power down (hard), shutdown → soft shutdown via ACPI emulation
// (the OS sees a power-button press), reset → hard reset, cycle → power
// cycle, on-to-bios / reset-to-bios → a one-time "BIOS setup" boot flag then
// power up / hard reset. Graceful reboot, sleep and hibernate have no IPMI
// command and fail with [oobkit.ErrUnsupported].
//
// The current state is read first and the action refused, with an error
// wrapping [oobkit.ErrInvalidState], when [oobkit.Allowed] says the power
// table forbids it (power on when on, power off or reset when off).
func (c *Client) SetPower(ctx context.Context, action oobkit.PowerAction) error {
	ctl, ok := chassisControls[action]
	if !ok {
		if action.Column() == oobkit.ColumnNone {
			return fmt.Errorf("%w: ipmi: power action %s", oobkit.ErrInvalidArgument, action)
		}
		return &oobkit.Error{Protocol: oobkit.IPMI, Op: "Chassis Control", Class: oobkit.ErrUnsupported,
			Message: fmt.Sprintf("IPMI has no %q power action", action)}
	}
	state, err := c.PowerState(ctx)
	if err != nil {
		return err
	}
	if err := oobkit.Allowed(state, action); err != nil {
		return &oobkit.Error{Protocol: oobkit.IPMI, Op: "Chassis Control", Class: oobkit.ErrInvalidState, Err: err}
	}
	if action == oobkit.ActionOnToBIOS || action == oobkit.ActionResetToBIOS {
		if err := c.SetNextBoot(ctx, oobkit.BootOptions{Device: oobkit.BootBIOSSetup}); err != nil {
			return err
		}
	}
	return c.do(ctx, "Chassis Control", func(cl *client.Client) error {
		_, err := cl.ChassisControl(ctx, ctl)
		return err
	})
}

var chassisControls = map[oobkit.PowerAction]chassis.ChassisControl{
	oobkit.ActionOn:          chassis.ChassisControlPowerUp,
	oobkit.ActionOff:         chassis.ChassisControlPowerDown,
	oobkit.ActionShutdown:    chassis.ChassisControlSoftShutdown,
	oobkit.ActionReset:       chassis.ChassisControlHardReset,
	oobkit.ActionCycle:       chassis.ChassisControlPowerCycle,
	oobkit.ActionOnToBIOS:    chassis.ChassisControlPowerUp,
	oobkit.ActionResetToBIOS: chassis.ChassisControlHardReset,
}
