package wmi

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// EventType is a Windows event-log record type (Win32_NTLogEvent.EventType).
type EventType int

// Event types.
const (
	EventError        EventType = 1
	EventWarning      EventType = 2
	EventInformation  EventType = 3
	EventAuditSuccess EventType = 4
	EventAuditFailure EventType = 5
)

// String returns the type's name as the Event Viewer shows it.
func (t EventType) String() string {
	switch t {
	case EventError:
		return "Error"
	case EventWarning:
		return "Warning"
	case EventInformation:
		return "Information"
	case EventAuditSuccess:
		return "Audit Success"
	case EventAuditFailure:
		return "Audit Failure"
	}
	return "EventType(" + strconv.Itoa(int(t)) + ")"
}

// Severity maps the type to an oobkit severity.
func (t EventType) Severity() oobkit.Severity {
	switch t {
	case EventError:
		return oobkit.SeverityCritical
	case EventWarning, EventAuditFailure:
		return oobkit.SeverityWarning
	case EventInformation, EventAuditSuccess:
		return oobkit.SeverityInfo
	}
	return oobkit.SeverityUnknown
}

// DefaultLogs are the logs EventLog reads.
var DefaultLogs = []string{"Application", "Security", "System"}

// EventQuery selects event-log records.
type EventQuery struct {
	// Logs to read (default DefaultLogs). Reading Security needs an
	// administrator.
	Logs []string
	// Types keeps only these record types (empty: all).
	Types []EventType
	// Source keeps only records of this source (e.g. "Service Control Manager").
	Source string
	// Max bounds the number of records returned across all logs (0: all —
	// beware, a System log holds tens of thousands).
	Max int
}

// wql renders the query for one log.
func (q EventQuery) wql(log string) string {
	var b strings.Builder
	b.WriteString("SELECT * FROM Win32_NTLogEvent WHERE Logfile = ")
	b.WriteString(quoteWQL(log))
	if q.Source != "" {
		b.WriteString(" AND SourceName = ")
		b.WriteString(quoteWQL(q.Source))
	}
	if len(q.Types) > 0 {
		b.WriteString(" AND (")
		for i, t := range q.Types {
			if i > 0 {
				b.WriteString(" OR ")
			}
			fmt.Fprintf(&b, "EventType = %d", int(t))
		}
		b.WriteString(")")
	}
	return b.String()
}

// Events reads records from the Windows event logs, newest first. WMI
// returns a log's records newest first, so each log is read only up to Max.
func (c *Client) Events(ctx context.Context, q EventQuery) ([]oobkit.Event, error) {
	logs := q.Logs
	if len(logs) == 0 {
		logs = DefaultLogs
	}
	var out []oobkit.Event
	for _, log := range logs {
		if strings.ContainsAny(log, "'\\") || strings.TrimSpace(log) == "" {
			return nil, &oobkit.Error{Protocol: oobkit.WMI, Op: "Events", Class: oobkit.ErrInvalidArgument,
				Message: fmt.Sprintf("%q is not an event log name", log)}
		}
		items, err := c.query(ctx, q.wql(log), q.Max)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			out = append(out, decodeEvent(it, c.target.String()))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	if q.Max > 0 && len(out) > q.Max {
		out = out[:q.Max]
	}
	if out == nil {
		out = []oobkit.Event{}
	}
	return out, nil
}

// EventLog reads the Application, Security and System logs, newest first,
// at most max records (0: all). It implements oobkit.EventLogReader.
func (c *Client) EventLog(ctx context.Context, max int) ([]oobkit.Event, error) {
	return c.Events(ctx, EventQuery{Max: max})
}

// decodeEvent reads a Win32_NTLogEvent instance into an oobkit.Event.
func decodeEvent(in *wsman.Instance, target string) oobkit.Event {
	typ := EventType(uintProp(in, "EventType"))
	t := timeProp(in, "TimeGenerated")
	if !t.IsZero() {
		t = t.UTC()
	}
	e := oobkit.Event{
		Source:      oobkit.WMI,
		Target:      target,
		Time:        t,
		Severity:    typ.Severity(),
		ID:          text(in, "Logfile") + "/" + text(in, "RecordNumber"),
		EventType:   typ.String(),
		Assertion:   true,
		Entity:      text(in, "SourceName"),
		Description: strings.TrimSpace(in.Get("Message")),
		Code:        text(in, "EventCode"),
		Data:        map[string]string{},
	}
	for _, k := range []string{"Logfile", "RecordNumber", "ComputerName", "User", "Category", "CategoryString"} {
		if v := text(in, k); v != "" {
			e.Data[k] = v
		}
	}
	if e.Description == "" {
		e.Description = fmt.Sprintf("%s event %s from %s", typ, e.Code, e.Entity)
	}
	return e
}
