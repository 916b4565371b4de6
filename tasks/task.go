package tasks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/oobkit/oobkit"
)

// Task is one unit of work against one target: power on, collect inventory,
// check ports… Run receives an [Env] that gives the target, its connections
// and the outputs of earlier steps of the job, and returns an output (any
// JSON-marshalable value, nil allowed) and an error. A Task holds only its
// parameters, so one value serves every target of a job concurrently.
type Task interface {
	// Kind is the task's name in job files ("power", "inventory"…).
	Kind() string
	// Run performs the task. It may return an output together with an
	// error (e.g. the power state read before an action that failed).
	Run(ctx context.Context, env *Env) (any, error)
}

// Validator is implemented by tasks that can check their parameters before a
// job starts.
type Validator interface {
	Validate() error
}

// Env is what a task sees while it runs on one target.
type Env struct {
	// Target is the computer the task runs on.
	Target oobkit.Target
	// Session holds the target's connections.
	Session *Session

	outputs map[string]any
	rec     *attemptRecord
}

// attemptRecord collects what one attempt of a step did.
type attemptRecord struct {
	protocol oobkit.Protocol
	tried    []oobkit.Protocol
	notes    []string
}

// note records something the attempt did that the operator must know
// beside its output (it reaches StepResult.Notes and the activity log).
func (r *attemptRecord) note(s string) { r.notes = append(r.notes, s) }

func (r *attemptRecord) try(p oobkit.Protocol) {
	if !slices.Contains(r.tried, p) {
		r.tried = append(r.tried, p)
	}
}

// Output returns the output of the earlier step with the given id, and
// whether that step produced one.
func (e *Env) Output(stepID string) (any, bool) {
	v, ok := e.outputs[stepID]
	return v, ok && v != nil
}

// Order returns the target's protocols with prefer first (in prefer's order)
// and the rest after, in preference order. Protocols the target does not
// have are dropped from prefer.
func (e *Env) Order(prefer ...oobkit.Protocol) []oobkit.Protocol {
	all := e.Session.Protocols()
	var out []oobkit.Protocol
	for _, p := range prefer {
		if slices.Contains(all, p) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	for _, p := range all {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// Only returns those of ps the target has, in the order of ps.
func (e *Env) Only(ps ...oobkit.Protocol) []oobkit.Protocol {
	all := e.Session.Protocols()
	var out []oobkit.Protocol
	for _, p := range ps {
		if slices.Contains(all, p) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// First runs fn on the client of each protocol in order until one succeeds,
// and records which protocol acted and which were tried. fn should return an
// error wrapping [oobkit.ErrUnsupported] when the client lacks the capability
// (see [Capability]). Protocol choice moves on past errors that say "not
// here" (unreachable, not detected, auth, not provisioned, unsupported, busy,
// malformed reply) and stops at any other error, which it returns. When every
// protocol failed, the most telling error is returned (in the order [Env.Each]
// gives): a refused credential or a busy device rather than an absent
// protocol, and never a client's lack of a capability over what a device
// answered or over a declared protocol that did not answer.
func (e *Env) First(ctx context.Context, order []oobkit.Protocol, fn func(oobkit.Client) error) (oobkit.Protocol, error) {
	var best error
	for _, p := range order {
		if err := ctx.Err(); err != nil {
			return "", e.pick(best, err)
		}
		e.rec.try(p)
		err := e.Session.Use(ctx, p, fn)
		if err == nil {
			e.rec.protocol = p
			return p, nil
		}
		if !moveOn(err) || ctx.Err() != nil {
			return "", err
		}
		best = e.pick(best, err)
	}
	if best == nil {
		best = fmt.Errorf("%w: no protocol configured for %s", oobkit.ErrUnsupported, e.Target)
	}
	return "", best
}

// Each runs fn on the client of every protocol in order and returns the
// protocols that succeeded. Errors that say "not here" are skipped; the
// most telling one is returned only when no protocol succeeded.
//
// From least to most telling:
//  1. unsupported because the client itself lacks the capability
//     ([Capability]) or no dialer is registered, or no credential is
//     configured for the protocol: nothing was asked of the device;
//  2. unreachable, on a protocol the target was not declared to have (the
//     runner tries every registered protocol): likely absent;
//  3. unsupported, answered by the device;
//  4. not detected;
//  5. unreachable, on a protocol the target was declared to have
//     ([WithTargetProtocols]: labels, a discovery): it should have
//     answered, so the step fails unreachable and is retried;
//  6. anything else: a refused credential, busy, not provisioned, a
//     malformed reply, an internal error.
//
// So an unreachable or refused protocol the target has is never hidden
// behind the unsupported of another protocol.
func (e *Env) Each(ctx context.Context, order []oobkit.Protocol, fn func(oobkit.Protocol, oobkit.Client) error) ([]oobkit.Protocol, error) {
	var ok []oobkit.Protocol
	var best error
	for _, p := range order {
		if err := ctx.Err(); err != nil {
			return ok, e.pick(best, err)
		}
		e.rec.try(p)
		err := e.Session.Use(ctx, p, func(c oobkit.Client) error { return fn(p, c) })
		if err == nil {
			ok = append(ok, p)
			if e.rec.protocol == "" {
				e.rec.protocol = p
			}
			continue
		}
		if !moveOn(err) {
			return ok, err
		}
		best = e.pick(best, err)
	}
	if len(ok) == 0 {
		if best == nil {
			best = fmt.Errorf("%w: no protocol configured for %s", oobkit.ErrUnsupported, e.Target)
		}
		return nil, best
	}
	return ok, nil
}

// Capability returns c as a T, or an error wrapping [oobkit.ErrUnsupported]
// naming what is missing, for use inside [Env.First] callbacks.
func Capability[T any](c oobkit.Client, what string) (T, error) {
	v, ok := c.(T)
	if !ok {
		var zero T
		return zero, &oobkit.Error{Protocol: c.Protocol(), Op: what, Class: oobkit.ErrUnsupported, Err: &clientLacksError{"the client does not offer " + what}}
	}
	return v, nil
}

// moveOn reports whether protocol choice should try the next protocol after err.
func moveOn(err error) bool {
	for _, c := range []error{oobkit.ErrUnreachable, oobkit.ErrNotDetected, oobkit.ErrAuth, oobkit.ErrNotProvisioned,
		oobkit.ErrUnsupported, oobkit.ErrBusy, oobkit.ErrProtocol} {
		if errors.Is(err, c) {
			return true
		}
	}
	return false
}

// clientLacksError is the cause of an unsupported error that comes from
// this side (the client's type lacks the capability, no dialer is
// registered): the device was not asked, so it tells least.
type clientLacksError struct{ msg string }

func (e *clientLacksError) Error() string { return e.msg }

// tellingRank orders errors by how much they tell an operator (see
// [Env.Each]); declared says the target was declared to have the protocol
// that failed.
func tellingRank(err error, declared bool) int {
	var lacks *clientLacksError
	switch {
	case err == nil:
		return -1
	case errors.As(err, &lacks), isNoCredential(err):
		return 0
	case errors.Is(err, oobkit.ErrUnreachable) && !declared:
		return 1
	case errors.Is(err, oobkit.ErrUnsupported):
		return 2
	case errors.Is(err, oobkit.ErrNotDetected):
		return 3
	case errors.Is(err, oobkit.ErrUnreachable):
		return 4
	}
	return 5
}

// pick returns the more telling of best and err (the first on a tie), for
// errors of protocols the target was not declared to have.
func pick(best, err error) error { return pickRank(best, err, false) }

func pickRank(best, err error, declared bool) error {
	if tellingRank(err, declared) > tellingRank(best, declared) {
		return err
	}
	return best
}

// pick is [pick] knowing whether the target's protocols were declared.
func (e *Env) pick(best, err error) error {
	return pickRank(best, err, e.Session != nil && e.Session.declared)
}

// Kinds: the registry of task kinds that job files may name.

var (
	kindsMu sync.RWMutex
	kinds   = map[string]func() Task{}
	outputs = map[string]func() any{}
)

// RegisterKind makes a task kind available to job files: newTask returns a
// zero task whose fields the step's "with" object fills. Registering a kind
// twice replaces it. The built-in kinds are registered at init.
func RegisterKind(kind string, newTask func() Task) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	kinds[kind] = newTask
}

// RegisterOutput registers the type of the output a kind's steps return:
// newOutput returns a pointer to a zero value of it (&PowerOutput{} for
// "power"), which [Report.DecodeOutputs] fills from JSON. Register it next
// to the kind ([RegisterKind]); registering twice replaces it. The
// built-in kinds' outputs are registered at init.
func RegisterOutput(kind string, newOutput func() any) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	outputs[kind] = newOutput
}

// NewOutput returns a pointer to a zero output of kind, as registered by
// [RegisterOutput], and false when kind has none registered.
func NewOutput(kind string) (any, bool) {
	kindsMu.RLock()
	f, ok := outputs[kind]
	kindsMu.RUnlock()
	if !ok {
		return nil, false
	}
	return f(), true
}

// Kinds returns the registered task kinds, sorted.
func Kinds() []string {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	out := make([]string, 0, len(kinds))
	for k := range kinds {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func newTaskOfKind(kind string) (Task, error) {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	f, ok := kinds[kind]
	if !ok {
		return nil, fmt.Errorf("%w: unknown task kind %q", oobkit.ErrInvalidArgument, kind)
	}
	return f(), nil
}
