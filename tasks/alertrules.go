package tasks

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/oobkit/oobkit"
)

// AlertRule runs a job on the computer that sent an alert matching the rule
// (the RTSM guide's "Automatically turning off computers in critical
// state"). Empty fields match anything.
type AlertRule struct {
	// Name identifies the rule in results.
	Name string `json:"name"`
	// Source matches the protocol that delivered the event (snmp, amt…):
	// the guide's "Alert protocol equals".
	Source oobkit.Protocol `json:"source,omitempty"`
	// Severity is compared with the event's severity as SeverityOp says:
	// the guide's "Alert severity equals Critical". Unset (unknown) with no
	// SeverityOp matches any severity.
	Severity oobkit.Severity `json:"severity,omitempty"`
	// SeverityOp is how Severity is compared: equals (the default, as the
	// guide's rule) or at-least.
	SeverityOp SeverityOp `json:"severityOp,omitempty"`
	// SensorType matches the IPMI/ASF sensor type, case-insensitively.
	SensorType string `json:"sensorType,omitempty"`
	// Code matches the protocol's own event identity exactly.
	Code string `json:"code,omitempty"`
	// AssertionOnly ignores deassertion events.
	AssertionOnly bool `json:"assertionOnly,omitempty"`
	// Job is what runs on the computer.
	Job *Job `json:"job"`
}

// SeverityOp is how an [AlertRule] compares severities.
type SeverityOp string

// Severity comparisons. The guide's rule offers "equals"; at-least is for
// an operator who asks for it explicitly.
const (
	// SeverityEquals matches events of exactly the rule's severity. It is
	// what an empty SeverityOp means when Severity is set.
	SeverityEquals SeverityOp = "equals"
	// SeverityAtLeast matches events as severe as the rule's or more.
	SeverityAtLeast SeverityOp = "at-least"
)

// Validate checks the rule's severity comparison and job.
func (r *AlertRule) Validate() error {
	switch r.SeverityOp {
	case "", SeverityEquals, SeverityAtLeast:
	default:
		return fmt.Errorf("%w: alert rule %q: unknown severity comparison %q (equals, at-least)", oobkit.ErrInvalidArgument, r.Name, r.SeverityOp)
	}
	return r.Job.Validate()
}

// severityMatches applies the rule's severity comparison.
func (r *AlertRule) severityMatches(s oobkit.Severity) bool {
	switch r.SeverityOp {
	case SeverityAtLeast:
		return s.AtLeast(r.Severity)
	case SeverityEquals:
		return s == r.Severity
	}
	return r.Severity == oobkit.SeverityUnknown || s == r.Severity
}

// Matches reports whether ev matches the rule.
func (r *AlertRule) Matches(ev oobkit.Event) bool {
	switch {
	case r.Source != "" && ev.Source != r.Source,
		!r.severityMatches(ev.Severity),
		r.SensorType != "" && !strings.EqualFold(r.SensorType, ev.SensorType),
		r.Code != "" && r.Code != ev.Code,
		r.AssertionOnly && !ev.Assertion:
		return false
	}
	return true
}

// CriticalPowerOff is the guide's task rule for "Automatically turning off
// computers in critical state": Alert protocol equals Simple Network
// Management Protocol, Alert severity equals Critical, task Power
// Management > Power Off. Pair it with [AlertHandler.Critical] to choose
// which alerts are considered critical. The DASH and AMT WS-Eventing
// listeners deliver events with their own protocol as Source; clear Source
// to act on those too.
func CriticalPowerOff() AlertRule {
	return AlertRule{Name: "critical-power-off", Source: oobkit.SNMP, Severity: oobkit.SeverityCritical,
		SeverityOp: SeverityEquals,
		Job:        &Job{Name: "Power Off", Steps: []Step{{Task: &PowerTask{Action: oobkit.ActionOff}}}}}
}

// AlertOutcome is what an alert rule did for one event.
type AlertOutcome struct {
	// Rule is the name of the rule that matched.
	Rule string
	// Event is the alert that matched.
	Event oobkit.Event
	// Result is the rule's job on the computer that sent the event.
	Result Result
}

// AlertHandler watches a channel of events (from an snmp trap listener, an
// AMT/DASH indication listener…) and runs each matching rule's job on the
// computer that sent the event. While a rule's job runs on a computer,
// further events for the same rule and computer are dropped, so an alert
// storm does not stack up power actions.
type AlertHandler struct {
	// Runner runs the jobs, one target each: a [*Runner] (its per-target
	// deadline, retries and activity log apply) or any other [Executor],
	// such as a tasks/jetstream Dispatcher that runs them on workers.
	Runner Executor
	// Rules are checked in order; every matching rule runs.
	Rules []AlertRule
	// Resolve maps an event to the computer to act on; nil means
	// oobkit.Target{Address: ev.Target}. Returning false drops the event.
	Resolve func(ev oobkit.Event) (oobkit.Target, bool)
	// OnOutcome receives every run's outcome; it may be nil. It is called
	// from the goroutines running jobs.
	OnOutcome func(AlertOutcome)
	// MaxConcurrent bounds jobs running at once (default 16).
	MaxConcurrent int
	// Critical says which alerts are considered critical: every event is
	// marked with it ([oobkit.CriticalAlerts.Mark]) before the rules see
	// it, so a rule on "severity equals Critical" (such as
	// [CriticalPowerOff]) powers those computers down. The zero value
	// keeps the severity the device reported.
	Critical oobkit.CriticalAlerts
}

// Serve handles events until the channel is closed or ctx ends, then waits
// for the jobs it started and returns. Rules are validated first.
func (h *AlertHandler) Serve(ctx context.Context, events <-chan oobkit.Event) error {
	for i := range h.Rules {
		if err := h.Rules[i].Validate(); err != nil {
			return err
		}
	}
	limit := h.MaxConcurrent
	if limit <= 0 {
		limit = 16
	}
	sem := make(chan struct{}, limit)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		running = map[[2]string]bool{}
	)
	defer wg.Wait()
	for {
		var ev oobkit.Event
		var ok bool
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok = <-events:
			if !ok {
				return nil
			}
		}
		ev = h.Critical.Mark(ev)
		for i := range h.Rules {
			rule := &h.Rules[i]
			if !rule.Matches(ev) {
				continue
			}
			t, ok := h.resolve(ev)
			if !ok {
				continue
			}
			key := [2]string{rule.Name, t.Address}
			mu.Lock()
			busy := running[key]
			running[key] = true
			mu.Unlock()
			if busy {
				continue
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
			wg.Go(func() {
				defer func() { <-sem }()
				res := runAlertJob(ctx, h.Runner, rule.Job, t)
				mu.Lock()
				delete(running, key)
				mu.Unlock()
				if h.OnOutcome != nil {
					h.OnOutcome(AlertOutcome{Rule: rule.Name, Event: ev, Result: res})
				}
			})
		}
	}
}

// runAlertJob runs job on t through x and returns t's result; an error of the
// executor becomes the target's failure.
func runAlertJob(ctx context.Context, x Executor, job *Job, t oobkit.Target) Result {
	if r, ok := x.(*Runner); ok {
		return r.RunTarget(ctx, job, t)
	}
	rep, err := x.Run(ctx, job, []oobkit.Target{t})
	if err == nil && (rep == nil || len(rep.Results) != 1) {
		err = &oobkit.Error{Op: "run " + job.Name, Class: oobkit.ErrInternal, Message: "the executor returned no result"}
	}
	if err != nil {
		st := StatusFailed
		if ctx.Err() != nil {
			st = StatusCanceled
		}
		return NotRunResult(t, job, st, err)
	}
	return rep.Results[0]
}

func (h *AlertHandler) resolve(ev oobkit.Event) (oobkit.Target, bool) {
	if h.Resolve != nil {
		return h.Resolve(ev)
	}
	if ev.Target == "" {
		return oobkit.Target{}, false
	}
	return oobkit.Target{Address: ev.Target}, true
}
