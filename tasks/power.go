package tasks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/wmi"
)

// PowerTask changes a computer's power state, or restores the state an
// earlier power step found.
//
// Power Off, Reboot/Reset and Restore State go graceful first, as the RTSM
// guide says: "A graceful Reboot and Power Off through the WMI is always
// tried first. If the WMI operation fails, the Power Off, Reboot/Reset, and
// Restore State actions perform a hard shutdown (losing all unsaved data)
// through DASH, IPMI, or Intel AMT. ... For Intel AMT 9.0 and higher,
// graceful shutdown is performed through WSMan." So off and shutdown try a
// graceful shutdown, reset and reboot a graceful restart: through AMT's
// WS-Management (RequestPowerStateChange 12 Off-Soft Graceful, 14 Master
// Bus Reset Graceful) when the computer has AMT 9 or later, otherwise
// through WMI (Win32Shutdown); DASH and IPMI, as in the guide, only act
// hard. The state is then read back until the action has taken effect (a
// shutdown: the computer is no longer on; a restart: it booted again) for
// at most GracePeriod; a graceful attempt that fails, or that the logged-on
// user holds back past the grace period, is followed by the hard action
// (off, reset) out of band, unless NoHardFallback is set. Hard skips the
// graceful attempt. SaveData shows the user a countdown and a message
// through WMI first (the guide's "Allow user to save data before power
// operation"). Power On, cycle, sleep, hibernate and the BIOS actions are
// out of band only. The output says which path acted (Path), through what
// (Via) and why the hard path followed (Fallback).
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
	// Restore is the id of an earlier power step of the same job (the
	// guide's Restore State: "you must configure the Task Input to use the
	// output from the previous power management task"): this step returns
	// each computer to the state that step found. A computer that step
	// turned on from off is turned off again (graceful first, then hard);
	// one it woke from sleep or hibernation is put back to sleep or
	// hibernation where a protocol can (AMT 9+: RequestPowerStateChange 4
	// Sleep-Deep, 7 Hibernate), otherwise turned off, and the output's
	// Note says so; one that step turned off is turned on again.
	Restore string `json:"restore,omitempty"`
	// Boot, when set, is applied through the same protocol just before the
	// action: lock keyboard, disable power buttons, bypass the startup
	// password, progress events, boot device.
	Boot *oobkit.BootOptions `json:"boot,omitempty"`
	// Protocols overrides the protocol preference for this step.
	Protocols []oobkit.Protocol `json:"protocols,omitempty"`
	// Hard skips the graceful attempt: off and reset act out of band at
	// once. For an operator who knows the operating system is hung; off by
	// default, as the guide always tries graceful first.
	Hard bool `json:"hard,omitempty"`
	// NoHardFallback keeps a graceful action graceful: no hard off or reset
	// when the graceful attempt fails or is held back.
	NoHardFallback bool `json:"noHardFallback,omitempty"`
	// GracePeriod is how long a graceful shutdown or restart may take to
	// take effect, read back, before the hard action follows (default
	// [DefaultGracePeriod]). It counts from the end of the SaveData
	// countdown. The step's deadline may cut it short, leaving time for the
	// hard action; the output says so.
	GracePeriod Duration `json:"gracePeriod,omitempty"`
	// SaveData is the guide's "Allow user to save data before power
	// operation": the graceful attempt goes through WMI first and shows the
	// logged-on user Message and a countdown (Win32ShutdownTracker) before
	// Windows shuts down or restarts.
	SaveData *SaveData `json:"saveData,omitempty"`
	// IgnoreTable sends the action whatever the protocol's power table says
	// about the state read ([oobkit.WithPowerTableOverride]); the device may
	// still refuse. For an operator who knows better, e.g. to leave the
	// field notes' "unknown:14" with a reboot. Off by default.
	IgnoreTable bool `json:"ignoreTable,omitempty"`
}

// SaveData is what the logged-on user is shown before a graceful shutdown
// or restart through WMI, so they can save their work.
type SaveData struct {
	// Message is shown to the user (at most 512 characters).
	Message string `json:"message,omitempty"`
	// Countdown is how long Windows waits before it shuts down (default
	// [DefaultCountdown]; whole seconds).
	Countdown Duration `json:"countdown,omitempty"`
}

// DefaultGracePeriod is how long a graceful shutdown or restart may take to
// take effect before the hard action follows.
const DefaultGracePeriod = 2 * time.Minute

// DefaultCountdown is the SaveData countdown when none is given.
const DefaultCountdown = time.Minute

// Paths a power step takes ([PowerOutput.Path]).
const (
	// PathGraceful: the operating system shut down or restarted.
	PathGraceful = "graceful"
	// PathHard: off or reset out of band, after or instead of a graceful
	// attempt (losing unsaved data).
	PathHard = "hard"
	// PathOutOfBand: an action with no graceful form (power on, cycle,
	// sleep, hibernate, the BIOS actions), out of band.
	PathOutOfBand = "out-of-band"
)

// ViaAMTWSMan is [PowerOutput.Via] for a graceful action carried out by
// Intel AMT 9+ firmware over WS-Management; other values are protocol names
// ("wmi", "amt", "ipmi", "dash").
const ViaAMTWSMan = "amt-wsman"

// PowerOutput is what a [PowerTask] returns.
type PowerOutput struct {
	// Before is the power state read before acting (unknown if unreadable).
	Before oobkit.PowerState `json:"before"`
	// Action is the action that acted; none when nothing was needed.
	Action oobkit.PowerAction `json:"action,omitzero"`
	// Changed says whether an action took effect.
	Changed bool `json:"changed"`
	// Graceful says the action went through the operating system (Path is
	// PathGraceful).
	Graceful bool `json:"graceful,omitempty"`
	// Path is PathGraceful, PathHard or PathOutOfBand; empty when nothing
	// was sent.
	Path string `json:"path,omitempty"`
	// Via is what acted: "wmi", [ViaAMTWSMan], or the out-of-band protocol.
	Via string `json:"via,omitempty"`
	// Fallback says why the hard path acted after a graceful attempt
	// ("graceful shutdown through wmi held back for 2m0s: still S0").
	Fallback string `json:"fallback,omitempty"`
	// After is the power state read back after a graceful attempt.
	After oobkit.PowerState `json:"after,omitzero"`
	// RestoreTo is, for a restore, the state the computer is returned to.
	RestoreTo oobkit.PowerState `json:"restoreTo,omitzero"`
	// Note explains a choice: why a restore does what it does, which
	// graceful route was taken.
	Note string `json:"note,omitempty"`
}

// Kind returns "power".
func (t *PowerTask) Kind() string { return "power" }

// Validate checks that exactly one of Action and Restore is set, and the
// graceful options.
func (t *PowerTask) Validate() error {
	switch {
	case t.Restore != "" && t.Action != oobkit.ActionNone:
		return fmt.Errorf("%w: power: set either action or restore, not both", oobkit.ErrInvalidArgument)
	case t.Restore == "" && t.Action.Column() == oobkit.ColumnNone:
		return fmt.Errorf("%w: power: an action (on, off, shutdown, reset, reboot, cycle…) or restore is required", oobkit.ErrInvalidArgument)
	case t.GracePeriod < 0:
		return fmt.Errorf("%w: power: negative grace period", oobkit.ErrInvalidArgument)
	case t.Hard && t.NoHardFallback:
		return fmt.Errorf("%w: power: hard and noHardFallback contradict each other", oobkit.ErrInvalidArgument)
	case t.SaveData != nil && (t.SaveData.Countdown < 0 || len(t.SaveData.Message) > 512):
		return fmt.Errorf("%w: power: saveData needs a countdown ≥ 0 and a message of at most 512 characters", oobkit.ErrInvalidArgument)
	case t.SaveData != nil && t.Hard:
		return fmt.Errorf("%w: power: saveData asks for a graceful action; hard skips it", oobkit.ErrInvalidArgument)
	}
	return nil
}

// Run performs the action.
func (t *PowerTask) Run(ctx context.Context, env *Env) (any, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	out := &PowerOutput{}
	action := t.Action
	if t.Restore != "" {
		plan, err := restorePlan(env, t.Restore)
		if err != nil {
			return out, err
		}
		out.RestoreTo, out.Note = plan.to, plan.note
		if plan.action == oobkit.ActionNone {
			return out, nil
		}
		action = plan.action
	}
	order := env.Order(t.Protocols...)
	out.Before = readPowerState(ctx, env, order)
	if noOp(out.Before, action) {
		return out, nil
	}
	if (action == oobkit.ActionSleep || action == oobkit.ActionHibernate) && t.Restore != "" {
		err := t.outOfBand(ctx, env, order, action, out)
		if err == nil || ctx.Err() != nil {
			return out, err
		}
		// "a computer that was asleep or hibernating is returned to that
		// state where the protocol can, otherwise to off"
		out.RestoreTo = oobkit.PowerS5
		out.Note = joinNote(out.Note, fmt.Sprintf("no protocol could %s it (%v): turned off instead", action, err))
		action = oobkit.ActionOff
	}
	switch {
	case !gracefulFirst(action):
	case t.Hard:
		out.Note = joinNote(out.Note, "hard: no graceful attempt, as asked")
	case t.Boot != nil:
		// "you can configure the Redirection options before restarting or
		// turning on the client computer": the next boot is set out of
		// band and rides on the out-of-band action.
		out.Note = joinNote(out.Note, "boot options ride on the out-of-band action: no graceful attempt")
	default:
		return out, t.gracefulThenHard(ctx, env, order, action, out)
	}
	return out, t.outOfBand(ctx, env, order, action, out)
}

// gracefulFirst reports whether the guide tries a graceful action before
// the hard one: Power Off and Reboot/Reset (shutdown and reboot name the
// graceful form, off and reset the hard one; all four go graceful first).
func gracefulFirst(a oobkit.PowerAction) bool {
	switch a {
	case oobkit.ActionOff, oobkit.ActionShutdown, oobkit.ActionReset, oobkit.ActionReboot:
		return true
	}
	return false
}

// sender returns the function that sends action a through one client:
// the power table gate, the next boot, then the action.
func (t *PowerTask) sender(ctx context.Context, a oobkit.PowerAction, before oobkit.PowerState) func(oobkit.Client) error {
	actx := ctx
	if t.IgnoreTable {
		actx = oobkit.WithPowerTableOverride(ctx)
	}
	return func(c oobkit.Client) error {
		pc, err := Capability[oobkit.PowerController](c, "power control")
		if err != nil {
			return err
		}
		if !t.IgnoreTable {
			if err := gatePower(ctx, c, a, t.Boot, before); err != nil {
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
		if a.Graceful() && t.SaveData != nil && c.Protocol() == oobkit.WMI {
			// "(Optional) To perform a graceful restart or shutdown through
			// WMI, check Allow user to save data before power operation."
			sd, err := Capability[Shutdowner](c, "shutdown with a notice")
			if err != nil {
				return err
			}
			return sd.Shutdown(actx, wmi.ShutdownOptions{PowerOff: a == oobkit.ActionShutdown, Reboot: a == oobkit.ActionReboot,
				Countdown: t.SaveData.countdown(), Message: t.SaveData.Message})
		}
		return pc.SetPower(actx, a)
	}
}

func (s *SaveData) countdown() time.Duration {
	if s == nil {
		return 0
	}
	if s.Countdown == 0 {
		return DefaultCountdown
	}
	return time.Duration(s.Countdown)
}

// outOfBand sends action through the first protocol that takes it.
func (t *PowerTask) outOfBand(ctx context.Context, env *Env, order []oobkit.Protocol, action oobkit.PowerAction, out *PowerOutput) error {
	p, err := env.First(ctx, order, t.sender(ctx, action, out.Before))
	if err != nil {
		return err
	}
	out.Action, out.Changed, out.Graceful = action, true, false
	out.Path, out.Via = PathOutOfBand, string(p)
	if gracefulFirst(action) {
		out.Path = PathHard
	}
	return nil
}

// gracefulRoute is one way to shut down or restart gracefully.
type gracefulRoute struct {
	p   oobkit.Protocol
	via string
}

// gracefulRoutes orders the graceful attempts: AMT 9+ over WS-Management
// first ("For Intel AMT 9.0 and higher, graceful shutdown is performed
// through WSMan"), otherwise WMI first ("WMI is used for pre Intel AMT
// 9.0"); WMI first whatever the firmware when the user is to be shown a
// notice (only Windows can show it). AMT before 9 has none and is left out;
// DASH and IPMI act hard only, as the guide has them.
func (t *PowerTask) gracefulRoutes(ctx context.Context, env *Env, order []oobkit.Protocol) ([]gracefulRoute, string) {
	major, known := amtMajor(ctx, env)
	var routes []gracefulRoute
	var note string
	hasWMI := len(env.Only(oobkit.WMI)) > 0
	wsman := gracefulRoute{oobkit.AMT, ViaAMTWSMan}
	switch {
	case known && major >= amt.GracefulMajor && t.SaveData == nil:
		routes = append(routes, wsman)
		note = fmt.Sprintf("AMT %d ≥ %d: graceful through WS-Management", major, amt.GracefulMajor)
		if hasWMI {
			routes = append(routes, gracefulRoute{oobkit.WMI, string(oobkit.WMI)})
		}
	default:
		if hasWMI {
			routes = append(routes, gracefulRoute{oobkit.WMI, string(oobkit.WMI)})
		}
		switch {
		case known && major < amt.GracefulMajor:
			note = fmt.Sprintf("AMT %d < %d: no graceful action in the firmware", major, amt.GracefulMajor)
		case known && hasWMI:
			note = "graceful through WMI first to show the user the notice"
			routes = append(routes, wsman)
		case len(env.Only(oobkit.AMT)) > 0:
			routes = append(routes, wsman)
		}
		if t.SaveData != nil && !hasWMI {
			note = joinNote(note, "no WMI: the user is shown no notice")
		}
	}
	// DASH and IPMI are the guide's hard path: "perform a hard shutdown
	// (losing all unsaved data) through DASH, IPMI, or Intel AMT".
	return routes, note
}

// firmwareReader is an AMT client that tells its firmware's major version
// (package amt's Client).
type firmwareReader interface {
	FirmwareMajor(ctx context.Context) (int, error)
}

// amtMajor reads the AMT firmware's major version, when the target has AMT
// and its client tells.
func amtMajor(ctx context.Context, env *Env) (int, bool) {
	if len(env.Only(oobkit.AMT)) == 0 {
		return 0, false
	}
	major := 0
	err := env.Session.Use(ctx, oobkit.AMT, func(c oobkit.Client) error {
		f, ok := c.(firmwareReader)
		if !ok {
			return oobkit.ErrUnsupported
		}
		var err error
		major, err = f.FirmwareMajor(ctx)
		return err
	})
	return major, err == nil && major > 0
}

// Shutdowner is what a client needs to show the logged-on user a countdown
// and a message before a graceful shutdown or restart (package wmi's
// Client).
type Shutdowner interface {
	Shutdown(ctx context.Context, opts wmi.ShutdownOptions) error
}

// bootMarker is a client that tells when the computer last booted (package
// wmi's and package amt's Client): a restart changes the mark.
type bootMarker interface {
	BootMark(ctx context.Context) (string, error)
}

// gracefulThenHard carries out Power Off or Reboot/Reset as the guide
// says: graceful first, read back, then hard.
func (t *PowerTask) gracefulThenHard(ctx context.Context, env *Env, order []oobkit.Protocol, action oobkit.PowerAction, out *PowerOutput) error {
	graceful, hard := gracefulEquivalent(action), hardEquivalent(action)
	routes, note := t.gracefulRoutes(ctx, env, order)
	out.Note = joinNote(out.Note, note)
	var gerr error
	fallback := ""
	for _, r := range routes {
		if ctx.Err() != nil {
			break
		}
		var mark markReader
		if graceful == oobkit.ActionReboot {
			mark = readBootMark(ctx, env, r.p, order)
		}
		_, err := env.First(ctx, []oobkit.Protocol{r.p}, t.sender(ctx, graceful, out.Before))
		if err != nil {
			gerr = env.pick(gerr, err)
			continue
		}
		w := t.awaitGraceful(ctx, env, order, graceful, mark)
		out.After = w.after
		if w.ok {
			out.Action, out.Changed, out.Graceful = graceful, true, true
			out.Path, out.Via = PathGraceful, r.via
			return nil
		}
		what := "shutdown"
		if graceful == oobkit.ActionReboot {
			what = "restart"
		}
		fallback = fmt.Sprintf("graceful %s through %s held back for %v: still %v", what, r.via, w.waited.Round(time.Millisecond), w.after)
		if w.cut {
			fallback += fmt.Sprintf(" (the step's deadline cut the %v grace period short)", t.gracePeriod())
		}
		gerr = &oobkit.Error{Protocol: r.p, Op: "power", Class: oobkit.ErrDevice, Message: fallback}
		break // one graceful wait is enough: the user holds the computer
	}
	switch {
	case fallback != "":
	case gerr != nil && tellingRank(gerr, env.Session != nil && env.Session.declared) > 1:
		// a graceful route answered, or one the target was declared to
		// have did not
		fallback = "graceful " + graceful.String() + " failed: " + gerr.Error()
	default:
		fallback = "no graceful " + graceful.String() + " here"
		if note != "" {
			fallback += " (" + note + ")"
		}
		gerr = fmt.Errorf("%w: %s", oobkit.ErrUnsupported, fallback)
	}
	if err := ctx.Err(); err != nil {
		return env.pick(gerr, err)
	}
	if t.NoHardFallback {
		return gerr
	}
	var hardOrder []oobkit.Protocol
	for _, p := range order {
		if p != oobkit.WMI { // WMI has no out-of-band hard action
			hardOrder = append(hardOrder, p)
		}
	}
	p, herr := env.First(ctx, hardOrder, t.sender(ctx, hard, out.Before))
	if herr != nil {
		if errors.Is(gerr, oobkit.ErrDevice) {
			return fmt.Errorf("%w; no hard %s: %w", gerr, hard, herr)
		}
		return env.pick(herr, gerr) // the hard action's failure first on a tie: it was the last word
	}
	out.Action, out.Changed, out.Graceful = hard, true, false
	out.Path, out.Via, out.Fallback = PathHard, string(p), fallback
	return nil
}

func joinNote(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

func (t *PowerTask) gracePeriod() time.Duration {
	if t.GracePeriod == 0 {
		return DefaultGracePeriod
	}
	return time.Duration(t.GracePeriod)
}

// markReader is the boot mark read before a restart: which client read it.
type markReader struct {
	p    oobkit.Protocol
	mark string
	ok   bool
}

// readBootMark reads the boot mark through the protocol that is to restart
// the computer, else through the first protocol whose client tells one.
func readBootMark(ctx context.Context, env *Env, prefer oobkit.Protocol, order []oobkit.Protocol) markReader {
	for _, p := range env.Order(append([]oobkit.Protocol{prefer}, order...)...) {
		m, err := bootMarkOf(ctx, env, p)
		if err == nil {
			return markReader{p, m, true}
		}
	}
	return markReader{}
}

func bootMarkOf(ctx context.Context, env *Env, p oobkit.Protocol) (string, error) {
	var m string
	err := env.Session.Use(ctx, p, func(c oobkit.Client) error {
		b, ok := c.(bootMarker)
		if !ok {
			return oobkit.ErrUnsupported
		}
		var err error
		m, err = b.BootMark(ctx)
		return err
	})
	return m, err
}

// awaited is how a graceful wait ended.
type awaited struct {
	after  oobkit.PowerState // the last state read
	ok     bool              // the action took effect
	waited time.Duration     // from the request to the last read
	cut    bool              // the step's deadline shortened the wait
}

// awaitGraceful reads the state back until the graceful action has taken
// effect (a shutdown: the computer is not on, or Windows stopped answering
// where nothing else can tell; a restart: the boot mark changed, or the
// computer was seen not on or not answering), the grace period (after the
// SaveData countdown) passes, or ctx ends. Reads back off exponentially.
func (t *PowerTask) awaitGraceful(ctx context.Context, env *Env, order []oobkit.Protocol, a oobkit.PowerAction, mark markReader) awaited {
	grace := t.gracePeriod()
	wait := t.SaveData.countdown() + grace
	start := time.Now()
	res := awaited{after: oobkit.PowerUnknown}
	if dl, ok := ctx.Deadline(); ok {
		// leave time for the hard action
		left := time.Until(dl)
		if reserve := min(left/4, 30*time.Second); left-reserve < wait {
			wait, res.cut = max(left-reserve, 0), true
		}
	}
	deadline := start.Add(wait)
	every := min(max(grace/50, 10*time.Millisecond), time.Second)
	for {
		st, gone := readBack(ctx, env, order)
		if st != oobkit.PowerUnknown {
			res.after = st
		}
		res.waited = time.Since(start)
		switch {
		case a == oobkit.ActionShutdown && (st.IsOff() || (st == oobkit.PowerUnknown && gone)):
			res.ok = true
		case a == oobkit.ActionReboot && (st.IsOff() || gone):
			res.ok = true
		case a == oobkit.ActionReboot && mark.ok:
			m, err := bootMarkOf(ctx, env, mark.p)
			res.ok = err == nil && m != mark.mark
		}
		if res.ok {
			res.after = st
			return res
		}
		left := time.Until(deadline)
		if left <= 0 || ctx.Err() != nil {
			return res
		}
		timer := time.NewTimer(min(every, left))
		select {
		case <-ctx.Done():
			timer.Stop()
			return res
		case <-timer.C:
		}
		every = min(every*2, 15*time.Second)
	}
}

// readBack reads the power state for the graceful check without recording
// it as the step's protocol: out of band first (WMI cannot tell off from
// unreachable), WMI last. gone says WMI was the only reader and Windows no
// longer answers.
func readBack(ctx context.Context, env *Env, order []oobkit.Protocol) (st oobkit.PowerState, gone bool) {
	var readers []oobkit.Protocol
	for _, p := range order {
		if p != oobkit.WMI {
			readers = append(readers, p)
		}
	}
	readers = append(readers, env.Only(oobkit.WMI)...)
	for _, p := range readers {
		var s oobkit.PowerState
		err := env.Session.Use(ctx, p, func(c oobkit.Client) error {
			r, err := Capability[oobkit.PowerStateReader](c, "power state")
			if err != nil {
				return err
			}
			s, err = r.PowerState(ctx)
			return err
		})
		if err == nil {
			return s, false
		}
		if p == oobkit.WMI && errors.Is(err, oobkit.ErrUnreachable) {
			return oobkit.PowerUnknown, true
		}
	}
	return oobkit.PowerUnknown, false
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
	case oobkit.ActionSleep:
		return s == oobkit.PowerS3
	case oobkit.ActionHibernate:
		return s == oobkit.PowerS4
	}
	return false
}

// gracefulEquivalent is the graceful form of Power Off and Reboot/Reset.
func gracefulEquivalent(a oobkit.PowerAction) oobkit.PowerAction {
	switch a {
	case oobkit.ActionOff:
		return oobkit.ActionShutdown
	case oobkit.ActionReset:
		return oobkit.ActionReboot
	}
	return a
}

// hardEquivalent is the out-of-band form of Power Off and Reboot/Reset.
func hardEquivalent(a oobkit.PowerAction) oobkit.PowerAction {
	switch a {
	case oobkit.ActionShutdown:
		return oobkit.ActionOff
	case oobkit.ActionReboot:
		return oobkit.ActionReset
	}
	return a
}

// restore is what a restore step does on one target.
type restore struct {
	action oobkit.PowerAction // none: nothing to do
	to     oobkit.PowerState  // the state aimed at
	note   string
}

// restorePlan reads the output of the earlier power step id on this target
// and returns what puts back the state that step found: "The Restore State
// power action of the Power Management task returns computers to the power
// state they were in, before the previous power action ran."
func restorePlan(env *Env, id string) (restore, error) {
	v, ok := env.Output(id)
	if !ok {
		return restore{}, fmt.Errorf("%w: restore: step %q left no power output on %s (Restore State needs the output of an earlier power step of the same job)",
			oobkit.ErrInvalidArgument, id, env.Target)
	}
	prev, ok := v.(*PowerOutput)
	if !ok {
		return restore{}, fmt.Errorf("%w: restore: step %q is not a power step", oobkit.ErrInvalidArgument, id)
	}
	was := prev.Before
	switch {
	case !prev.Changed:
		return restore{note: fmt.Sprintf("step %q changed nothing: %v kept", id, was)}, nil
	case was == oobkit.PowerUnknown:
		return restore{note: fmt.Sprintf("the state before step %q is unknown: left as is", id)}, nil
	}
	col := prev.Action.Column()
	switch {
	case was.IsOn() && col == oobkit.ColumnPowerOff:
		return restore{oobkit.ActionOn, was, fmt.Sprintf("was %v before step %q: turned on again", was, id)}, nil
	case was.IsOn():
		return restore{note: fmt.Sprintf("was %v before step %q and is on: kept", was, id)}, nil
	case col == oobkit.ColumnPowerOff:
		return restore{note: fmt.Sprintf("was %v before step %q, which turned it off: kept off", was, id)}, nil
	case was == oobkit.PowerS4:
		return restore{oobkit.ActionHibernate, oobkit.PowerS4, fmt.Sprintf("was %v before step %q: hibernate again", was, id)}, nil
	case was.IsAsleep() && was != oobkit.PowerG1:
		return restore{oobkit.ActionSleep, oobkit.PowerS3, fmt.Sprintf("was %v before step %q: back to sleep", was, id)}, nil
	}
	if was == oobkit.PowerG1 {
		return restore{oobkit.ActionOff, oobkit.PowerS5, fmt.Sprintf("was %v before step %q, which no protocol returns to: turned off", was, id)}, nil
	}
	return restore{oobkit.ActionOff, was, fmt.Sprintf("was %v before step %q: turned off again", was, id)}, nil
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
