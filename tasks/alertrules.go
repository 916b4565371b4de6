package tasks

import (
	"context"
	"strings"
	"sync"

	"github.com/oobkit/oobkit"
)

// AlertRule runs a job on the computer that sent an alert matching the rule
// (the RTSM guide's "turn off computers in critical state"). Empty fields
// match anything.
type AlertRule struct {
	// Name identifies the rule in results.
	Name string `json:"name"`
	// Source matches the protocol that delivered the event (snmp, amt…).
	Source oobkit.Protocol `json:"source,omitempty"`
	// MinSeverity matches events at least this severe.
	MinSeverity oobkit.Severity `json:"minSeverity,omitempty"`
	// SensorType matches the IPMI/ASF sensor type, case-insensitively.
	SensorType string `json:"sensorType,omitempty"`
	// Code matches the protocol's own event identity exactly.
	Code string `json:"code,omitempty"`
	// AssertionOnly ignores deassertion events.
	AssertionOnly bool `json:"assertionOnly,omitempty"`
	// Job is what runs on the computer.
	Job *Job `json:"job"`
}

// Matches reports whether ev matches the rule.
func (r *AlertRule) Matches(ev oobkit.Event) bool {
	switch {
	case r.Source != "" && ev.Source != r.Source,
		!ev.Severity.AtLeast(r.MinSeverity),
		r.SensorType != "" && !strings.EqualFold(r.SensorType, ev.SensorType),
		r.Code != "" && r.Code != ev.Code,
		r.AssertionOnly && !ev.Assertion:
		return false
	}
	return true
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
	// Runner runs the jobs (its per-target deadline, retries and activity
	// log apply).
	Runner *Runner
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
}

// Serve handles events until the channel is closed or ctx ends, then waits
// for the jobs it started and returns. Rules are validated first.
func (h *AlertHandler) Serve(ctx context.Context, events <-chan oobkit.Event) error {
	for i := range h.Rules {
		if err := h.Rules[i].Job.Validate(); err != nil {
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
				res := h.Runner.RunTarget(ctx, rule.Job, t)
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

func (h *AlertHandler) resolve(ev oobkit.Event) (oobkit.Target, bool) {
	if h.Resolve != nil {
		return h.Resolve(ev)
	}
	if ev.Target == "" {
		return oobkit.Target{}, false
	}
	return oobkit.Target{Address: ev.Target}, true
}
