package tasks

import (
	"context"
	"fmt"

	"github.com/oobkit/oobkit"
)

// BootTask sets the device a computer boots from next (PXE, hard drive, CD,
// floppy, BIOS setup, or an IDE-R image device) with the RTSM advanced
// options, and then, unless NoPower is set, starts the boot: power on when
// the computer is off, reset when it is on. Serving an IDE-R image is the
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
	if !t.NoPower {
		out.Before = readPowerState(ctx, env, order)
		action = oobkit.ActionOn
		if out.Before.IsOn() {
			action = oobkit.ActionReset
		}
		if err := oobkit.Allowed(out.Before, action); err != nil {
			return out, fmt.Errorf("boot %v: %w", t.Options.Device, err)
		}
	}
	_, err := env.First(ctx, order, func(c oobkit.Client) error {
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
		return pc.SetPower(ctx, action)
	})
	if err == nil {
		out.Action = action
	}
	return out, err
}
