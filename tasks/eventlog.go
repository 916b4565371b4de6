package tasks

import (
	"context"

	"github.com/oobkit/oobkit"
)

// EventLogTask reads a computer's event log (AMT message log, IPMI SEL…)
// through the first protocol that can.
type EventLogTask struct {
	// Max is the most records to read, newest first; 0 reads all.
	Max int `json:"max,omitempty"`
	// Protocols overrides the protocol preference for this step.
	Protocols []oobkit.Protocol `json:"protocols,omitempty"`
}

// EventLogOutput is what an [EventLogTask] returns.
type EventLogOutput struct {
	Events []oobkit.Event `json:"events"`
}

// Kind returns "eventlog".
func (t *EventLogTask) Kind() string { return "eventlog" }

// Run reads the log.
func (t *EventLogTask) Run(ctx context.Context, env *Env) (any, error) {
	var evs []oobkit.Event
	_, err := env.First(ctx, env.Order(t.Protocols...), func(c oobkit.Client) error {
		r, err := Capability[oobkit.EventLogReader](c, "event log")
		if err != nil {
			return err
		}
		evs, err = r.EventLog(ctx, t.Max)
		return err
	})
	if err != nil {
		return nil, err
	}
	if evs == nil {
		evs = []oobkit.Event{}
	}
	return &EventLogOutput{Events: evs}, nil
}
