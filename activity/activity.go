// Package activity is oobkit's activity log: one [Record] per operation a
// client performs on a computer — one-to-one sessions and jobs over many
// computers alike — saying when, who (the operator the caller names), on
// which computer, through which protocol, what, and how it ended. It is the
// RTCI "Activity Log" of the field notes: "This logs all functions executed
// while in a Real-Time session. This is useful to look at what operations
// have been run, one which computers, by whom, and utilizing what technology
// (WMI versus vPro AMT)."
//
// A Record holds no secret: no credential, no error text (which a device
// could fill with anything), no output — only names, codes and times.
//
// Records are fed by a hook: package tasks' Connector calls a [Sink] for
// every operation its sessions run (tasks.Connector.SetActivity). Sinks:
// [FileLog] (JSON lines, rotated by size, queried with [Query], purged by age
// and size with [Purge]), [Slog] (log/slog), [Multi] (several at once), and
// tasks/jetstream's ActivityStream (a JetStream stream, for distributed
// runs). The operator travels in the context: [WithOperator].
package activity

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
)

// Outcome says how an operation ended.
type Outcome string

// Outcomes.
const (
	OK     Outcome = "ok"
	Failed Outcome = "failed"
)

// Record is one operation on one computer. Marshaled as one JSON object.
type Record struct {
	// Time is when the operation started.
	Time time.Time `json:"time"`
	// Operator is who ran it, as the caller named it ([WithOperator]).
	Operator string `json:"operator,omitempty"`
	// Computer is the computer's name (its address when it has none).
	Computer string `json:"computer"`
	// Address is the computer's address.
	Address string `json:"address"`
	// Protocol is the technology used (amt, wmi, ipmi…).
	Protocol oobkit.Protocol `json:"protocol"`
	// Operation names what was done (a task kind such as "power", or a
	// one-to-one operation such as "sol").
	Operation string `json:"operation"`
	// Outcome is ok or failed.
	Outcome Outcome `json:"outcome"`
	// Class is the error class ([oobkit.ClassName]; "ok" on success).
	Class string `json:"class"`
	// Code is the stable return code ([oobkit.ReturnCode]).
	Code int `json:"code"`
	// DeviceCode is the device's own code of a failure, if any.
	DeviceCode string `json:"deviceCode,omitempty"`
	// Credential says where the credential used came from ("runtime",
	// "task"…) and its profile, as "source:profile"; never the secret.
	Credential string `json:"credential,omitempty"`
	// Job and Step name the job and step, for operations of a job.
	Job  string `json:"job,omitempty"`
	Step string `json:"step,omitempty"`
	// Duration is how long the operation took.
	Duration time.Duration `json:"duration"`
}

// NewRecord fills a record's outcome fields from err.
func NewRecord(start time.Time, t oobkit.Target, p oobkit.Protocol, op string, err error) Record {
	r := Record{Time: start, Computer: t.String(), Address: t.Address, Protocol: p, Operation: op,
		Outcome: OK, Class: oobkit.ClassName(err), Code: oobkit.ReturnCode(err), Duration: time.Since(start)}
	if err != nil {
		r.Outcome = Failed
		r.DeviceCode = oobkit.DeviceCode(err)
	}
	return r
}

// Sink receives records. Append is called synchronously by the goroutine
// that ran the operation, concurrently from many; it must be safe for
// concurrent use and quick. A sink keeps its own failures (see
// [FileLog.Err]): the operation it records has already happened.
type Sink interface {
	Append(ctx context.Context, r Record) error
}

// Func adapts a function to [Sink].
type Func func(ctx context.Context, r Record) error

// Append calls f.
func (f Func) Append(ctx context.Context, r Record) error { return f(ctx, r) }

type multi []Sink

// Multi returns a sink that appends to every sink in turn and joins their
// errors. Nil sinks are skipped.
func Multi(sinks ...Sink) Sink {
	var m multi
	for _, s := range sinks {
		if s != nil {
			m = append(m, s)
		}
	}
	return m
}

func (m multi) Append(ctx context.Context, r Record) error {
	var errs []error
	for _, s := range m {
		errs = append(errs, s.Append(ctx, r))
	}
	return errors.Join(errs...)
}

// Slog returns a sink that logs each record to l: message "activity", level
// Info for successes and Warn for failures, one attribute per field.
func Slog(l *slog.Logger) Sink {
	return Func(func(ctx context.Context, r Record) error {
		level := slog.LevelInfo
		if r.Outcome != OK {
			level = slog.LevelWarn
		}
		attrs := []slog.Attr{slog.Time("at", r.Time), slog.String("operator", r.Operator), slog.String("computer", r.Computer),
			slog.String("address", r.Address), slog.String("protocol", string(r.Protocol)), slog.String("operation", r.Operation),
			slog.String("outcome", string(r.Outcome)), slog.String("class", r.Class), slog.Int("code", r.Code),
			slog.Duration("duration", r.Duration)}
		for _, kv := range [][2]string{{"deviceCode", r.DeviceCode}, {"credential", r.Credential}, {"job", r.Job}, {"step", r.Step}} {
			if kv[1] != "" {
				attrs = append(attrs, slog.String(kv[0], kv[1]))
			}
		}
		l.LogAttrs(ctx, level, "activity", attrs...)
		return nil
	})
}

type operatorKey struct{}

// WithOperator returns ctx carrying the operator's identity, which every
// record of an operation run under it names.
func WithOperator(ctx context.Context, operator string) context.Context {
	return context.WithValue(ctx, operatorKey{}, operator)
}

// Operator returns the operator ctx carries, or "".
func Operator(ctx context.Context) string {
	s, _ := ctx.Value(operatorKey{}).(string)
	return s
}

// Filter selects records. Zero fields match everything.
type Filter struct {
	// Computer matches the record's computer name or address, ignoring case.
	Computer string
	// Operator matches the operator exactly.
	Operator string
	// Protocol matches the protocol.
	Protocol oobkit.Protocol
	// Operation matches the operation name.
	Operation string
	// Outcome matches the outcome.
	Outcome Outcome
	// Since and Until bound the time: Since <= Time < Until.
	Since, Until time.Time
	// Limit, when positive, keeps the last Limit matches (the most recent).
	Limit int
}

// Match reports whether r passes the filter (Limit aside).
func (f Filter) Match(r Record) bool {
	switch {
	case f.Computer != "" && !strings.EqualFold(f.Computer, r.Computer) && !strings.EqualFold(f.Computer, r.Address):
		return false
	case f.Operator != "" && f.Operator != r.Operator:
		return false
	case f.Protocol != "" && f.Protocol != r.Protocol:
		return false
	case f.Operation != "" && f.Operation != r.Operation:
		return false
	case f.Outcome != "" && f.Outcome != r.Outcome:
		return false
	case !f.Since.IsZero() && r.Time.Before(f.Since):
		return false
	case !f.Until.IsZero() && !r.Time.Before(f.Until):
		return false
	}
	return true
}

// limit keeps the last n records when n is positive.
func limit(rs []Record, n int) []Record {
	if n > 0 && len(rs) > n {
		return rs[len(rs)-n:]
	}
	return rs
}
