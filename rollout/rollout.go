// Package rollout applies a System Defense policy to many computers in
// waves, the way the field notes ask for it: "Test every filter within
// every job to ensure everything works properly!" A wrong filter applied
// to a whole collection can "decapitate vPro systems from the network",
// and then "a remote Task to remove the filter is unavailable. IF the job
// contained half the computers in the environment, the impact is huge."
//
// [Run] applies the policy to a canary wave first, with the AMT policy
// timeout set so that the filter lifts itself unless it is confirmed. A
// [Prober] then checks, for each computer of the wave, that the computer
// still reaches the management server through the filter (the OS tries
// the server's ports). Only when every computer of the wave reached it are
// the policies confirmed (their timeout cleared) and the next, wider wave
// started. On a failed confirmation the rollout stops and the filter is
// removed out of band (through AMT, which System Defense does not cut) from
// every computer of that wave; the computers of later waves never receive
// it. The [Report] has one entry per wave.
package rollout

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oobkit/oobkit/filter"
)

// Target is one computer of a rollout.
type Target interface {
	// Name identifies the computer in the report.
	Name() string
	// Apply puts p on the computer; p.Timeout is the self-lifting timeout.
	Apply(ctx context.Context, p *filter.Policy) error
	// Confirm keeps the applied policy for good (clears its timeout).
	Confirm(ctx context.Context) error
	// Remove lifts the filter out of band.
	Remove(ctx context.Context) error
}

// Prober tells whether a computer still reaches the management server
// through the filter now applied to it. A nil error means it does; the
// error says which port or flow failed otherwise.
type Prober interface {
	Reach(ctx context.Context, t Target) error
}

// ProberFunc adapts a function to [Prober].
type ProberFunc func(ctx context.Context, t Target) error

// Reach calls f.
func (f ProberFunc) Reach(ctx context.Context, t Target) error { return f(ctx, t) }

// Wave is the cumulative size of a wave: a count of computers, or a
// percentage of all of them.
type Wave struct {
	// Count is a number of computers (when Percent is zero).
	Count int
	// Percent is a share of all computers, 1–100.
	Percent int
}

// String returns "3" or "10%".
func (w Wave) String() string {
	if w.Percent > 0 {
		return strconv.Itoa(w.Percent) + "%"
	}
	return strconv.Itoa(w.Count)
}

// upTo is how many of n computers have the policy once the wave is done.
func (w Wave) upTo(n int) int {
	k := w.Count
	if w.Percent > 0 {
		k = (n*w.Percent + 99) / 100 // a share rounds up: 10% of 5 is 1
	}
	return min(k, n)
}

// ParseWaves reads a comma-separated list of cumulative wave sizes such as
// "1,10%,100%". Sizes must grow. A plan whose last wave does not reach
// every computer leaves the rest untouched.
func ParseWaves(s string) ([]Wave, error) {
	var out []Wave
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		var w Wave
		if p, ok := strings.CutSuffix(part, "%"); ok {
			n, err := strconv.Atoi(p)
			if err != nil || n < 1 || n > 100 {
				return nil, fmt.Errorf("rollout: wave %q: a percentage is 1%%–100%%", part)
			}
			w.Percent = n
		} else {
			n, err := strconv.Atoi(part)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("rollout: wave %q: a count is a positive number", part)
			}
			w.Count = n
		}
		out = append(out, w)
	}
	if len(out) == 0 {
		return nil, errors.New("rollout: no waves")
	}
	return out, nil
}

// DefaultTimeout is the policy timeout during a wave when the plan gives
// none: long enough to probe and confirm, short enough that a computer
// cut off comes back by itself.
const DefaultTimeout = 10 * time.Minute

// Plan is a rollout.
type Plan struct {
	// Policy is applied to every computer.
	Policy *filter.Policy
	// Targets in rollout order: the first ones are the canaries.
	Targets []Target
	// Waves are the cumulative wave sizes (ParseWaves).
	Waves []Wave
	// Timeout is the AMT policy timeout while a wave is unconfirmed
	// (default DefaultTimeout); the device lifts the filter when it
	// elapses unless Confirm cleared it.
	Timeout time.Duration
	// Prober checks that each computer still reaches the server.
	Prober Prober
	// Concurrency bounds the computers handled at once (default 16).
	Concurrency int
}

// Result is what happened to one computer.
type Result struct {
	Target string `json:"target"`
	// Applied: the policy was put on the computer.
	Applied bool `json:"applied"`
	// Reached: the prober confirmed the computer reaches the server.
	Reached bool `json:"reached"`
	// Confirmed: the policy's timeout was cleared; it stays.
	Confirmed bool `json:"confirmed"`
	// Removed: the filter was removed out of band after the wave failed.
	Removed bool `json:"removed"`
	// Error is the first failure (apply, reach, confirm), and RemoveError
	// the failure of the out-of-band removal; the policy timeout still
	// lifts the filter then.
	Error       string `json:"error,omitempty"`
	RemoveError string `json:"removeError,omitempty"`
}

// WaveReport is the report of one wave.
type WaveReport struct {
	// Index counts from 1; Size is the wave as planned.
	Index int    `json:"index"`
	Size  string `json:"size"`
	// Results has one entry per computer of the wave, in plan order.
	Results []Result `json:"results"`
	// OK says every computer reached the server and was confirmed.
	OK bool `json:"ok"`
}

// Report is the whole rollout.
type Report struct {
	Waves []WaveReport `json:"waves"`
	// Stopped says a wave failed and the rollout went no further.
	Stopped bool `json:"stopped"`
	// Untouched lists the computers that never received the policy.
	Untouched []string `json:"untouched,omitempty"`
}

// OK says every wave succeeded and every computer has the policy.
func (r *Report) OK() bool { return !r.Stopped && len(r.Untouched) == 0 }

// ErrStopped is returned (wrapped) by Run when a wave failed.
var ErrStopped = errors.New("rollout: stopped after a failed wave")

// Run carries out the plan. It returns the report and, when a wave failed,
// an error wrapping ErrStopped; the report is returned either way. A
// canceled context stops between steps; the running wave is then treated
// as failed and removed (the removal runs even though ctx is done).
func Run(ctx context.Context, plan Plan) (*Report, error) {
	if plan.Policy == nil || plan.Prober == nil || len(plan.Waves) == 0 {
		return nil, errors.New("rollout: a plan needs a policy, a prober and waves")
	}
	timeout := plan.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if timeout < time.Second {
		return nil, errors.New("rollout: the policy timeout is whole seconds, at least 1s")
	}
	p := plan.Policy.Clone()
	p.Timeout = timeout
	conc := plan.Concurrency
	if conc <= 0 {
		conc = 16
	}
	n := len(plan.Targets)
	rep := &Report{}
	done := 0
	for i, w := range plan.Waves {
		upTo := w.upTo(n)
		if upTo <= done {
			continue // the wave adds nobody (10% of few computers)
		}
		wave := plan.Targets[done:upTo]
		wr := runWave(ctx, p, wave, plan.Prober, conc)
		wr.Index, wr.Size = i+1, w.String()
		rep.Waves = append(rep.Waves, wr)
		done = upTo
		if !wr.OK {
			rep.Stopped = true
			break
		}
	}
	for _, t := range plan.Targets[done:] {
		rep.Untouched = append(rep.Untouched, t.Name())
	}
	if rep.Stopped {
		last := rep.Waves[len(rep.Waves)-1]
		return rep, fmt.Errorf("%w: wave %d (%s): %s", ErrStopped, last.Index, last.Size, firstError(last))
	}
	return rep, nil
}

func firstError(w WaveReport) string {
	for _, r := range w.Results {
		if r.Error != "" {
			return r.Target + ": " + r.Error
		}
	}
	return "failed"
}

// removeTimeout bounds the out-of-band removal, which runs even when the
// caller's context is done.
const removeTimeout = time.Minute

// runWave applies, probes and then confirms or removes on every computer
// of one wave.
func runWave(ctx context.Context, p *filter.Policy, wave []Target, prober Prober, conc int) WaveReport {
	res := make([]Result, len(wave))
	each(wave, conc, func(i int, t Target) {
		r := &res[i]
		r.Target = t.Name()
		if err := ctx.Err(); err != nil {
			r.Error = err.Error()
			return
		}
		if err := t.Apply(ctx, p); err != nil {
			// A failed apply leaves the computer as it was (amt's
			// ApplyPolicy rolls back); it is not removed below, which
			// would also lift a policy it had before.
			r.Error = "apply: " + err.Error()
			return
		}
		r.Applied = true
		if err := prober.Reach(ctx, t); err != nil {
			r.Error = "does not reach the management server through the filter: " + err.Error()
			return
		}
		r.Reached = true
	})
	ok := true
	for _, r := range res {
		ok = ok && r.Reached
	}
	if ok {
		each(wave, conc, func(i int, t Target) {
			if err := t.Confirm(ctx); err != nil {
				res[i].Error = "confirm: " + err.Error()
				return
			}
			res[i].Confirmed = true
		})
		for _, r := range res {
			ok = ok && r.Confirmed
		}
	}
	if !ok {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), removeTimeout)
		defer cancel()
		each(wave, conc, func(i int, t Target) {
			r := &res[i]
			if !r.Applied {
				return
			}
			if err := t.Remove(rctx); err != nil {
				r.RemoveError = err.Error() + " (the policy timeout lifts the filter)"
				return
			}
			r.Removed, r.Confirmed = true, false
		})
	}
	return WaveReport{Results: res, OK: ok}
}

// each runs f for every target, at most conc at once.
func each(ts []Target, conc int, f func(int, Target)) {
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for i, t := range ts {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(i, t)
		}()
	}
	wg.Wait()
}
