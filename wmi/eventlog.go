package wmi

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

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

// MarshalText writes the type as a job file names it: "error", "warning",
// "information", "audit-success" or "audit-failure".
func (t EventType) MarshalText() ([]byte, error) {
	switch t {
	case EventError, EventWarning, EventInformation, EventAuditSuccess, EventAuditFailure:
		return []byte(strings.ReplaceAll(strings.ToLower(t.String()), " ", "-")), nil
	}
	return nil, fmt.Errorf("wmi: event type %d is not one of 1-5", int(t))
}

// UnmarshalText reads a type name (see [ParseEventType]).
func (t *EventType) UnmarshalText(b []byte) error {
	v, err := ParseEventType(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// ParseEventType reads an event type by name, case-insensitive, as a job
// file or the Event Viewer writes it ("error", "Audit Failure",
// "audit-success") or by number (1-5). An unknown name wraps
// oobkit.ErrInvalidArgument.
func ParseEventType(s string) (EventType, error) {
	k := strings.NewReplacer("-", "", " ", "", "_", "").Replace(strings.ToLower(strings.TrimSpace(s)))
	switch k {
	case "error", "1":
		return EventError, nil
	case "warning", "2":
		return EventWarning, nil
	case "information", "info", "3":
		return EventInformation, nil
	case "auditsuccess", "4":
		return EventAuditSuccess, nil
	case "auditfailure", "5":
		return EventAuditFailure, nil
	}
	return 0, &oobkit.Error{Protocol: oobkit.WMI, Op: "Events", Class: oobkit.ErrInvalidArgument,
		Message: fmt.Sprintf("%q is not an event type (error, warning, information, audit-success, audit-failure)", s)}
}

// AllEventTypes lists every event type, for a query that wants them all.
var AllEventTypes = []EventType{EventError, EventWarning, EventInformation, EventAuditSuccess, EventAuditFailure}

// DefaultEventTypes is what a query without Types reads: errors only. The
// RTSM guide, "Viewing client computer logs": "By default, only error type
// of events are viewed in the list. To change the parameters, ... apply new
// filters."
var DefaultEventTypes = []EventType{EventError}

// Windows event log names, as Win32_NTLogEvent.Logfile and
// Win32_NTEventlogFile.LogfileName spell them.
const (
	LogApplication            = "Application"
	LogSecurity               = "Security"
	LogSystem                 = "System"
	LogDirectoryService       = "Directory Service"
	LogDNSServer              = "DNS Server"
	LogFileReplicationService = "File Replication Service"
)

// DefaultLogs are the logs a query without Logs reads: the Application,
// Security and System logs every Windows computer has.
var DefaultLogs = []string{LogApplication, LogSecurity, LogSystem}

// DomainControllerLogs are the logs only domain controllers have (the RTSM
// guide's Table A-5: "This log is only available for clients that are
// Domain Controllers"). File Replication Service is the SYSVOL replication
// log of domains that have not migrated to DFS Replication.
var DomainControllerLogs = []string{LogDirectoryService, LogDNSServer, LogFileReplicationService}

// EventQuery selects event-log records. The zero value reads the errors of
// the Application, Security and System logs, as the RTSM console does by
// default.
type EventQuery struct {
	// Logs to read (default DefaultLogs). Reading Security needs an
	// administrator. A log the computer does not have (the
	// DomainControllerLogs on a workstation) is reported absent.
	Logs []string
	// Types keeps only these record types. Empty means DefaultEventTypes,
	// errors only; AllEventTypes reads every type.
	Types []EventType
	// Source keeps only records of this source (e.g. "Service Control Manager").
	Source string
	// Codes keeps only records with one of these event IDs (EventCode).
	Codes []uint32
	// Since and Until bound TimeGenerated (inclusive); zero leaves a side
	// open.
	Since, Until time.Time
	// Max bounds the number of records returned across all logs (0: all —
	// beware, a System log holds tens of thousands).
	Max int
}

// types returns the types the query keeps.
func (q EventQuery) types() []EventType {
	if len(q.Types) == 0 {
		return DefaultEventTypes
	}
	return q.Types
}

// dmtfTime renders t as a CIM_DATETIME literal for WQL, in UTC.
func dmtfTime(t time.Time) string {
	return t.UTC().Format("20060102150405.000000") + "+000"
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
	if ts := q.types(); !containsAll(ts) {
		b.WriteString(" AND (")
		for i, t := range ts {
			if i > 0 {
				b.WriteString(" OR ")
			}
			fmt.Fprintf(&b, "EventType = %d", int(t))
		}
		b.WriteString(")")
	}
	if len(q.Codes) > 0 {
		b.WriteString(" AND (")
		for i, c := range q.Codes {
			if i > 0 {
				b.WriteString(" OR ")
			}
			fmt.Fprintf(&b, "EventCode = %d", c)
		}
		b.WriteString(")")
	}
	if !q.Since.IsZero() {
		b.WriteString(" AND TimeGenerated >= '" + dmtfTime(q.Since) + "'")
	}
	if !q.Until.IsZero() {
		b.WriteString(" AND TimeGenerated <= '" + dmtfTime(q.Until) + "'")
	}
	return b.String()
}

func containsAll(ts []EventType) bool {
	for _, want := range AllEventTypes {
		if !slices.Contains(ts, want) {
			return false
		}
	}
	return true
}

// validate refuses a query that cannot be sent.
func (q EventQuery) validate() error {
	bad := func(format string, a ...any) error {
		return &oobkit.Error{Protocol: oobkit.WMI, Op: "Events", Class: oobkit.ErrInvalidArgument, Message: fmt.Sprintf(format, a...)}
	}
	for _, log := range q.Logs {
		if strings.ContainsAny(log, "'\\") || strings.TrimSpace(log) == "" {
			return bad("%q is not an event log name", log)
		}
	}
	for _, t := range q.Types {
		if t < EventError || t > EventAuditFailure {
			return bad("event type %d is not one of 1-5", int(t))
		}
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && q.Until.Before(q.Since) {
		return bad("the time range ends (%s) before it starts (%s)", q.Until.UTC().Format(time.RFC3339), q.Since.UTC().Format(time.RFC3339))
	}
	if q.Max < 0 {
		return bad("max %d is negative", q.Max)
	}
	return nil
}

// EventRead is what [Client.ReadEvents] returns.
type EventRead struct {
	// Events are the records that passed the filter, newest first.
	Events []oobkit.Event
	// Absent lists the requested logs the computer does not have, such as
	// the domain-controller logs on a workstation.
	Absent []string
}

// ReadEvents reads records from the Windows event logs, newest first, and
// says which requested logs the computer does not have. WMI returns a log's
// records newest first, so each log is read only up to Max. WMI answers a
// query on a log that does not exist with no records, so whether a log
// beyond Application, Security and System exists is read from
// Win32_NTEventlogFile first.
func (c *Client) ReadEvents(ctx context.Context, q EventQuery) (*EventRead, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	logs := q.Logs
	if len(logs) == 0 {
		logs = DefaultLogs
	}
	res := &EventRead{Events: []oobkit.Event{}}
	var present map[string]bool
	for _, log := range logs {
		if !slices.ContainsFunc(DefaultLogs, func(d string) bool { return strings.EqualFold(d, log) }) {
			if present == nil {
				names, err := c.Logs(ctx)
				if err != nil {
					return nil, err
				}
				present = map[string]bool{}
				for _, n := range names {
					present[strings.ToLower(n)] = true
				}
			}
			if !present[strings.ToLower(log)] {
				res.Absent = append(res.Absent, log)
				continue
			}
		}
		items, err := c.query(ctx, q.wql(log), q.Max)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			res.Events = append(res.Events, decodeEvent(it, c.target.String()))
		}
	}
	sort.SliceStable(res.Events, func(i, j int) bool { return res.Events[i].Time.After(res.Events[j].Time) })
	if q.Max > 0 && len(res.Events) > q.Max {
		res.Events = res.Events[:q.Max]
	}
	return res, nil
}

// Events reads records from the Windows event logs, newest first (see
// [Client.ReadEvents]); a requested log the computer does not have is an
// error wrapping oobkit.ErrUnsupported that names it.
func (c *Client) Events(ctx context.Context, q EventQuery) ([]oobkit.Event, error) {
	r, err := c.ReadEvents(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(r.Absent) > 0 {
		msg := fmt.Sprintf("%s has no %s log", c.target.String(), strings.Join(quoteAll(r.Absent), ", "))
		if slices.ContainsFunc(r.Absent, isDCLog) {
			msg += " (the Directory Service, DNS Server and File Replication Service logs exist only on domain controllers)"
		}
		return nil, &oobkit.Error{Protocol: oobkit.WMI, Op: "Events", Class: oobkit.ErrUnsupported, Message: msg}
	}
	return r.Events, nil
}

func isDCLog(log string) bool {
	return slices.ContainsFunc(DomainControllerLogs, func(d string) bool { return strings.EqualFold(d, log) })
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// Logs lists the event logs the computer has (Win32_NTEventlogFile
// LogfileName): Application, Security, System and, on a domain controller,
// Directory Service, DNS Server and File Replication Service, among others.
func (c *Client) Logs(ctx context.Context) ([]string, error) {
	items, err := c.enumerate(ctx, "Win32_NTEventlogFile")
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		if n := text(it, "LogfileName"); n != "" {
			out = append(out, n)
		}
	}
	return out, nil
}

// EventLog reads the errors of the Application, Security and System logs,
// newest first, at most max records (0: all): the RTSM console's default
// view. It implements oobkit.EventLogReader; [Client.ReadEvents] changes
// the filter.
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
