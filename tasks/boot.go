package tasks

import (
	"context"
	"fmt"

	"github.com/oobkit/oobkit"
)

// BootTask sets the device a computer boots from next (PXE, hard drive, CD,
// floppy, BIOS setup, or an IDE-R image device) with the RTSM advanced
// options, and then, unless NoPower is set, starts the boot: power on when
// the computer is off, reset when it is on or when Table C-3 lets a boot
// redirection ride only on the reboot (footnote 2: "Redirection can be
// enabled only for the reboot command", e.g. S3, where the reboot is
// "Performed through the power on command").
//
// Before the next boot is set, the protocol's power table is asked (for
// Intel AMT, Table C-3's power and boot-redirect columns; with NoPower the
// boot-redirect column alone), so a refused step sets nothing; IgnoreTable
// overrides it. Serving an IDE-R image is the
// job of a redirection session (package redirect), which must be open
// before this task runs; this task only selects the device ([IDERBootTask]
// does both).
type BootTask struct {
	// Options is the boot device and the advanced options.
	Options oobkit.BootOptions `json:"options"`
	// NoPower sets the next boot only, without powering on or resetting.
	NoPower bool `json:"noPower,omitempty"`
	// Protocols overrides the protocol preference for this step.
	Protocols []oobkit.Protocol `json:"protocols,omitempty"`
	// IgnoreTable sets the boot and sends the power action whatever the
	// protocol's power table says ([oobkit.WithPowerTableOverride]); off by
	// default.
	IgnoreTable bool `json:"ignoreTable,omitempty"`
}

// BootOutput is what a [BootTask] returns.
type BootOutput struct {
	Device oobkit.BootDevice `json:"device"`
	// Before is the power state read before the boot.
	Before oobkit.PowerState `json:"before"`
	// Action is the power action that started the boot, none with NoPower.
	Action oobkit.PowerAction `json:"action,omitzero"`
}

// Kind returns "boot".
func (t *BootTask) Kind() string { return "boot" }

// Run sets the next boot and starts it, through one protocol.
func (t *BootTask) Run(ctx context.Context, env *Env) (any, error) {
	order := env.Order(t.Protocols...)
	out := &BootOutput{Device: t.Options.Device}
	action := oobkit.ActionNone
	out.Before = readPowerState(ctx, env, order)
	if !t.NoPower {
		action = bootAction(out.Before)
	}
	actx := ctx
	if t.IgnoreTable {
		actx = oobkit.WithPowerTableOverride(ctx)
	}
	_, err := env.First(ctx, order, func(c oobkit.Client) error {
		if !t.IgnoreTable {
			if err := gatePower(ctx, c, action, &t.Options, out.Before); err != nil {
				return fmt.Errorf("boot %v: %w", t.Options.Device, err)
			}
		}
		bc, err := Capability[oobkit.BootController](c, "boot control")
		if err != nil {
			return err
		}
		var pc oobkit.PowerController
		if action != oobkit.ActionNone {
			if pc, err = Capability[oobkit.PowerController](c, "power control"); err != nil {
				return err
			}
		}
		if err := bc.SetNextBoot(ctx, t.Options); err != nil {
			return err
		}
		if pc == nil {
			return nil
		}
		return pc.SetPower(actx, action)
	})
	if err == nil {
		out.Action = action
	}
	return out, err
}

// bootAction is the power action that starts a boot from state s: power on
// when a boot redirection may ride on it, otherwise reset (which Table C-3
// performs "through the power on command" in S3 and S4).
func bootAction(s oobkit.PowerState) oobkit.PowerAction {
	if !s.IsOn() && oobkit.Allowed(s, oobkit.ActionOn) == nil && oobkit.BootRedirectAllowed(s, oobkit.ActionOn) == nil {
		return oobkit.ActionOn
	}
	if s.IsOn() || oobkit.Allowed(s, oobkit.ActionReset) == nil {
		return oobkit.ActionReset
	}
	return oobkit.ActionOn
}
