package tasks

import (
	"context"
	"fmt"

	"github.com/oobkit/oobkit"
)

// PowerTask changes a computer's power state, or restores the state an
// earlier power step found.
//
// Graceful actions (shutdown, reboot) go through the operating system first:
// WMI, then any protocol that offers them (AMT 9+ over WS-Man). When none
// can, and NoHardFallback is false, the hard equivalent (off, reset) is sent
// out of band through the remaining protocols in preference order. The step
// result records the protocol that acted and every protocol tried.
//
// Before acting, the task reads the power state. Each protocol's client
// then gates the action by its own table: Intel AMT by the RTSM guide's
// Table C-3 ([oobkit.Allowed], [oobkit.BootRedirectAllowed] when Boot
// redirects the next boot), IPMI, DASH and WMI by theirs (clients that
// implement [oobkit.PowerChecker] are asked before a next boot is set; an
// AMT client that states no rules of its own is held to Table C-3 with the
// state read; Table C-3 is Intel AMT's and binds AMT clients only). A
// refusal wraps ErrInvalidState and names the state's row and code
// ("unknown:14"); IgnoreTable overrides it for an operator who knows
// better. Powering on a computer that is on, or off one that is off,
// succeeds without sending anything (Changed is false), so a job's
// "Restore" step knows which computers it changed.
type PowerTask struct {
	// Action is the power action. Exactly one of Action and Restore is set.
	Action oobkit.PowerAction `json:"action,omitzero"`
	// Restore is the id of an earlier power step of the job: this step puts
	// back the state that step found (turns off only the computers that step
	// turned on, and on only those it turned off). Turning off is a hard
	// power off, as the computer was off before and any session it started
	// belongs to the job; set RestoreGraceful to shut down through the OS
	// first instead.
	Restore string `json:"restore,omitempty"`
	// RestoreGraceful makes a restore shut down gracefully (with the usual
	// hard fallback) rather than power off hard.
	RestoreGraceful bool `json:"restoreGraceful,omitempty"`
	// Boot, when set, is applied through the same protocol just before the
	// action: lock keyboard, disable power buttons, bypass the startup
	// password, progress events, boot device.
	Boot *oobkit.BootOptions `json:"boot,omitempty"`
	// Protocols overrides the protocol preference for this step.
	Protocols []oobkit.Protocol `json:"protocols,omitempty"`
	// NoHardFallback keeps a graceful action graceful: no hard off or reset
	// when the operating system cannot be reached.
	NoHardFallback bool `json:"noHardFallback,omitempty"`
	// IgnoreTable sends the action whatever the protocol's power table says
	// about the state read ([oobkit.WithPowerTableOverride]); the device may
	// still refuse. For an operator who knows better, e.g. to leave the
	// field notes' "unknown:14" with a reboot. Off by default.
	IgnoreTable bool `json:"ignoreTable,omitempty"`
}

// PowerOutput is what a [PowerTask] returns.
type PowerOutput struct {
	// Before is the power state read before acting (unknown if unreadable).
	Before oobkit.PowerState `json:"before"`
	// Action is the action sent; none when nothing was needed.
	Action oobkit.PowerAction `json:"action,omitzero"`
	// Changed says whether an action was sent.
	Changed bool `json:"changed"`
	// Graceful says the action went through the operating system.
	Graceful bool `json:"graceful,omitempty"`
}

// Kind returns "power".
func (t *PowerTask) Kind() string { return "power" }

// Validate checks that exactly one of Action and Restore is set.
func (t *PowerTask) Validate() error {
	switch {
	case t.Restore != "" && t.Action != oobkit.ActionNone:
		return fmt.Errorf("%w: power: set either action or restore, not both", oobkit.ErrInvalidArgument)
	case t.Restore == "" && t.Action.Column() == oobkit.ColumnNone:
		return fmt.Errorf("%w: power: an action (on, off, shutdown, reset, reboot, cycle…) or restore is required", oobkit.ErrInvalidArgument)
	}
	return nil
}

// Run performs the action.
func (t *PowerTask) Run(ctx context.Context, env *Env) (any, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	action := t.Action
	if t.Restore != "" {
		a, err := restoreAction(env, t.Restore)
		if err != nil || a == oobkit.ActionNone {
			return &PowerOutput{}, err
		}
		if a == oobkit.ActionOff && t.RestoreGraceful {
			a = oobkit.ActionShutdown
		}
		action = a
	}
	order := env.Order(t.Protocols...)
	out := &PowerOutput{Before: readPowerState(ctx, env, order)}
	if noOp(out.Before, action) {
		return out, nil
	}
	actx := ctx
	if t.IgnoreTable {
		actx = oobkit.WithPowerTableOverride(ctx)
	}
	send := func(a oobkit.PowerAction) func(oobkit.Client) error {
		return func(c oobkit.Client) error {
			pc, err := Capability[oobkit.PowerController](c, "power control")
			if err != nil {
				return err
			}
			if !t.IgnoreTable {
				if err := gatePower(ctx, c, a, t.Boot, out.Before); err != nil {
					return err
				}
			}
			if t.Boot != nil {
				bc, err := Capability[oobkit.BootController](c, "boot control")
				if err != nil {
					return err
				}
				if err := bc.SetNextBoot(ctx, *t.Boot); err != nil {
					return err
				}
			}
			return pc.SetPower(actx, a)
		}
	}
	if !action.Graceful() {
		_, err := env.First(ctx, order, send(action))
		if err == nil {
			out.Action, out.Changed = action, true
		}
		return out, err
	}
	_, err := env.First(ctx, env.Order(append([]oobkit.Protocol{oobkit.WMI}, t.Protocols...)...), send(action))
	if err == nil {
		out.Action, out.Changed, out.Graceful = action, true, true
		return out, nil
	}
	if t.NoHardFallback || !moveOn(err) || ctx.Err() != nil {
		return out, err
	}
	hard := hardEquivalent(action)
	var hardOrder []oobkit.Protocol
	for _, p := range order {
		if p != oobkit.WMI { // WMI has no out-of-band hard action
			hardOrder = append(hardOrder, p)
		}
	}
	if _, herr := env.First(ctx, hardOrder, send(hard)); herr != nil {
		return out, pick(err, herr)
	}
	out.Action, out.Changed = hard, true
	return out, nil
}

// redirects reports whether boot options redirect the next boot (a boot
// device, BIOS setup or SOL), which Table C-3's boot-redirect column
// decides; the advanced options alone (lock keyboard…) do not.
func redirects(o *oobkit.BootOptions) bool {
	return o != nil && (o.Device != oobkit.BootNone || o.SOL || o.EnterBIOS)
}

// gatePower is the power table check of a step, before anything is sent
// through client c: a client that implements [oobkit.PowerChecker] applies
// its protocol's rules to the state it reads, and is asked only when a next
// boot is about to be set (otherwise its SetPower checks the same itself);
// any other Intel AMT client is held to Table C-3 with the state the step
// read, and clients of other protocols that state no rules decide in
// SetPower. A refusal wraps ErrInvalidState and names the row and its code.
func gatePower(ctx context.Context, c oobkit.Client, a oobkit.PowerAction, boot *oobkit.BootOptions, before oobkit.PowerState) error {
	redirect := redirects(boot)
	if chk, ok := c.(oobkit.PowerChecker); ok {
		if boot == nil {
			return nil
		}
		_, err := chk.CheckPower(ctx, a, redirect)
		return err
	}
	if c.Protocol() != oobkit.AMT {
		return nil
	}
	if a != oobkit.ActionNone {
		if err := oobkit.Allowed(before, a); err != nil {
			return err
		}
	}
	if redirect {
		return oobkit.BootRedirectAllowed(before, a)
	}
	return nil
}

// readPowerState reads the state through the first protocol that can; it
// returns PowerUnknown when none can (each protocol's gate then decides).
func readPowerState(ctx context.Context, env *Env, order []oobkit.Protocol) oobkit.PowerState {
	acted := env.rec.protocol // reading is not acting
	defer func() { env.rec.protocol = acted }()
	var st oobkit.PowerState
	_, err := env.First(ctx, order, func(c oobkit.Client) error {
		r, err := Capability[oobkit.PowerStateReader](c, "power state")
		if err != nil {
			return err
		}
		st, err = r.PowerState(ctx)
		return err
	})
	if err != nil {
		return oobkit.PowerUnknown
	}
	return st
}

// noOp reports whether action would not change state s.
func noOp(s oobkit.PowerState, a oobkit.PowerAction) bool {
	switch a {
	case oobkit.ActionOn:
		return s.IsOn()
	case oobkit.ActionOff, oobkit.ActionShutdown:
		// the soft-off and mechanical-off rows; S4 is not among them: Table
		// C-3 powers a hibernating computer off "through the power on
		// command"
		switch s {
		case oobkit.PowerS5, oobkit.PowerS4S5, oobkit.PowerG3, oobkit.PowerS5Override, oobkit.PowerLegacyOff:
			return true
		}
	}
	return false
}

func hardEquivalent(a oobkit.PowerAction) oobkit.PowerAction {
	switch a {
	case oobkit.ActionShutdown:
		return oobkit.ActionOff
	case oobkit.ActionReboot:
		return oobkit.ActionReset
	}
	return a
}

// restoreAction returns the action that undoes the earlier power step id on
// this target, or ActionNone when that step changed nothing. A computer that
// was off (or asleep) before is powered off.
func restoreAction(env *Env, id string) (oobkit.PowerAction, error) {
	v, ok := env.Output(id)
	if !ok {
		return oobkit.ActionNone, fmt.Errorf("%w: restore: step %q left no power output on %s", oobkit.ErrInvalidArgument, id, env.Target)
	}
	prev, ok := v.(*PowerOutput)
	if !ok {
		return oobkit.ActionNone, fmt.Errorf("%w: restore: step %q is not a power step", oobkit.ErrInvalidArgument, id)
	}
	if !prev.Changed {
		return oobkit.ActionNone, nil
	}
	switch {
	case prev.Before.IsOff() && prev.Action.Column() == oobkit.ColumnPowerOn:
		return oobkit.ActionOff, nil
	case prev.Before.IsOn() && prev.Action.Column() == oobkit.ColumnPowerOff:
		return oobkit.ActionOn, nil
	}
	return oobkit.ActionNone, nil
}

// PowerStateTask reads a computer's power state.
type PowerStateTask struct {
	// Protocols overrides the protocol preference for this step.
	Protocols []oobkit.Protocol `json:"protocols,omitempty"`
}

// PowerStateOutput is what a [PowerStateTask] returns.
type PowerStateOutput struct {
	State oobkit.PowerState `json:"state"`
}

// Kind returns "powerstate".
func (t *PowerStateTask) Kind() string { return "powerstate" }

// Run reads the state through the first protocol that answers.
func (t *PowerStateTask) Run(ctx context.Context, env *Env) (any, error) {
	var st oobkit.PowerState
	_, err := env.First(ctx, env.Order(t.Protocols...), func(c oobkit.Client) error {
		r, err := Capability[oobkit.PowerStateReader](c, "power state")
		if err != nil {
			return err
		}
		st, err = r.PowerState(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &PowerStateOutput{State: st}, nil
}
