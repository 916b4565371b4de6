package tasks

import (
	"context"
	"errors"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/wmi"
)

// EventLogTask reads a computer's event log (AMT message log, IPMI SEL,
// Windows event logs…) through the first protocol that can.
//
// Read through WMI, the Windows event logs are filtered as the RTSM
// console's "Event filters" do: by default only errors of the Application,
// Security and System logs ("By default, only error type of events are
// viewed in the list"); Logs, Types, Source, Codes, Within, Since and Until
// change that. The filter fields apply to Windows event logs only; the AMT
// and IPMI logs ignore them.
type EventLogTask struct {
	// Max is the most records to read, newest first; 0 reads all.
	Max int `json:"max,omitempty"`
	// Protocols overrides the protocol preference for this step.
	Protocols []oobkit.Protocol `json:"protocols,omitempty"`

	// Logs are the Windows event logs to read (default Application,
	// Security, System). The domain-controller logs are "Directory
	// Service", "DNS Server" and "File Replication Service".
	Logs []string `json:"logs,omitempty"`
	// DomainControllerLogs adds the Directory Service, DNS Server and File
	// Replication Service logs; a computer that is not a domain controller
	// reports them in the output's Absent list, not as a failure.
	DomainControllerLogs bool `json:"domainControllerLogs,omitempty"`
	// Types keeps these record types: "error" (the default), "warning",
	// "information", "audit-success", "audit-failure".
	Types []wmi.EventType `json:"types,omitempty"`
	// Source keeps records of this source only.
	Source string `json:"source,omitempty"`
	// Codes keeps records with one of these event IDs only.
	Codes []uint32 `json:"codes,omitempty"`
	// Within keeps records of the last Within ("24h") before the step runs.
	Within Duration `json:"within,omitempty"`
	// Since and Until bound the records' time (inclusive).
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
}

// EventLogOutput is what an [EventLogTask] returns.
type EventLogOutput struct {
	Events []oobkit.Event `json:"events"`
	// Absent lists requested logs the computer does not have: Windows event
	// logs (the domain-controller logs on a workstation), or "SEL" for a
	// BMC that answers it has no System Event Log.
	Absent []string `json:"absent,omitempty"`
}

// WindowsEventReader is what a client needs for an [EventLogTask] to filter
// Windows event logs (package wmi's Client implements it).
type WindowsEventReader interface {
	ReadEvents(ctx context.Context, q wmi.EventQuery) (*wmi.EventRead, error)
}

// Kind returns "eventlog".
func (t *EventLogTask) Kind() string { return "eventlog" }

// Validate checks the filter.
func (t *EventLogTask) Validate() error {
	switch {
	case t.Max < 0:
		return invalidTask("eventlog", "max %d is negative", t.Max)
	case t.Within < 0:
		return invalidTask("eventlog", "within %s is negative", time.Duration(t.Within))
	case t.Within > 0 && !t.Since.IsZero():
		return invalidTask("eventlog", "give within or since, not both")
	case !t.Since.IsZero() && !t.Until.IsZero() && t.Until.Before(t.Since):
		return invalidTask("eventlog", "until is before since")
	}
	for _, typ := range t.Types {
		if _, err := typ.MarshalText(); err != nil {
			return invalidTask("eventlog", "%v", err)
		}
	}
	return nil
}

// query is the Windows event-log query the task describes, at now.
func (t *EventLogTask) query(now time.Time) wmi.EventQuery {
	q := wmi.EventQuery{Logs: t.Logs, Types: t.Types, Source: t.Source, Codes: t.Codes, Since: t.Since, Until: t.Until, Max: t.Max}
	if t.DomainControllerLogs {
		if len(q.Logs) == 0 {
			q.Logs = append(q.Logs, wmi.DefaultLogs...)
		}
		q.Logs = append(append([]string(nil), q.Logs...), wmi.DomainControllerLogs...)
	}
	if t.Within > 0 {
		q.Since = now.Add(-time.Duration(t.Within))
	}
	return q
}

// Run reads the log.
func (t *EventLogTask) Run(ctx context.Context, env *Env) (any, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	out := &EventLogOutput{}
	_, err := env.First(ctx, env.Order(t.Protocols...), func(c oobkit.Client) error {
		out.Absent = nil
		if w, ok := c.(WindowsEventReader); ok {
			r, err := w.ReadEvents(ctx, t.query(time.Now()))
			if err != nil {
				return err
			}
			out.Events, out.Absent = r.Events, r.Absent
			return nil
		}
		r, err := Capability[oobkit.EventLogReader](c, "event log")
		if err != nil {
			return err
		}
		out.Events, err = r.EventLog(ctx, t.Max)
		var lacks *clientLacksError
		if err != nil && c.Protocol() == oobkit.IPMI && errors.Is(err, oobkit.ErrUnsupported) && !errors.As(err, &lacks) {
			// The BMC answered that it has no SEL (Get SEL Info or Get SEL
			// Entry refused as an invalid command, IPMI v2.0 §31): an
			// absent log, as a Windows log the computer lacks, not a failure.
			out.Events, out.Absent = nil, []string{"SEL"}
			return nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if out.Events == nil {
		out.Events = []oobkit.Event{}
	}
	return out, nil
}
