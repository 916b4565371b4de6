package tasks

import (
	"encoding/json"
	"time"

	"github.com/oobkit/oobkit"
)

// Status is the outcome of a step or of a whole target.
type Status string

// Statuses.
const (
	StatusOK       Status = "ok"       // everything asked was done
	StatusFailed   Status = "failed"   // a step failed (see Class, Code, Error)
	StatusSkipped  Status = "skipped"  // a target: it did not answer the reachability probe, nothing was sent; a step: the computer lacks its capability (Step.SkipUnsupported, class "unsupported")
	StatusCanceled Status = "canceled" // the caller canceled the job before the target finished
	StatusNotRun   Status = "not-run"  // a step not run because an earlier one failed
)

// Duration is a time.Duration that reads and writes as text ("2s", "150ms")
// in job files and reports.
type Duration time.Duration

// MarshalText writes the duration as Go's time.Duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// String prints the duration as Go's time.Duration does ("1.5s").
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalJSON reads a duration written as text ("1.5s") or, as reports
// and job files written before durations were text, as a number of
// nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return &oobkit.Error{Op: "duration", Class: oobkit.ErrInvalidArgument, Message: err.Error()}
		}
		return d.UnmarshalText([]byte(s))
	}
	if string(b) == "null" {
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return &oobkit.Error{Op: "duration", Class: oobkit.ErrInvalidArgument, Message: "a duration is text such as \"2s\" or a number of nanoseconds"}
	}
	v, err := n.Int64()
	if err != nil {
		f, ferr := n.Float64()
		if ferr != nil {
			return &oobkit.Error{Op: "duration", Class: oobkit.ErrInvalidArgument, Message: ferr.Error()}
		}
		v = int64(f)
	}
	*d = Duration(v)
	return nil
}

// UnmarshalText reads a duration such as "2s" or "1m30s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return &oobkit.Error{Op: "duration", Class: oobkit.ErrInvalidArgument, Message: err.Error()}
	}
	*d = Duration(v)
	return nil
}

// StepResult is what one step did on one target.
type StepResult struct {
	// ID is the step's id (or its index as text when it has none).
	ID string `json:"id"`
	// Task is the task kind.
	Task string `json:"task"`
	// Status is ok, failed, canceled, not-run, or skipped for a step with
	// [Step.SkipUnsupported] on a computer that lacks its capability
	// (Class "unsupported" and Error say why).
	Status Status `json:"status"`
	// Code is the stable return code ([oobkit.ReturnCode]).
	Code int `json:"code"`
	// Class is the error class name ([oobkit.ClassName]).
	Class string `json:"class"`
	// DeviceCode is the device's own code, if the error carried one.
	DeviceCode string `json:"deviceCode,omitempty"`
	// Error is the error text of the last attempt.
	Error string `json:"error,omitempty"`
	// Protocol is the protocol that acted.
	Protocol oobkit.Protocol `json:"protocol,omitempty"`
	// Tried lists every protocol tried, in order.
	Tried []oobkit.Protocol `json:"tried,omitempty"`
	// Attempts counts runs of the step (1 + retries).
	Attempts int `json:"attempts"`
	// Duration is the step's time, retries and backoff included.
	Duration Duration `json:"duration"`
	// Output is the task's output, if any.
	Output any `json:"output,omitempty"`
	// Credentials lists the credentials offered during the step, in order:
	// where each came from and whether it was accepted, refused or not
	// retried. Never a secret.
	Credentials []CredentialAttempt `json:"credentials,omitempty"`
	// Notes are what the step did, beside its output, that an operator
	// must know: "took over: …" when it ended another console's
	// redirection session. They reach the activity log.
	Notes []string `json:"notes,omitempty"`

	err error
}

// Err returns the error of the last attempt (nil on success). Reports carry
// it as Code, Class, DeviceCode and Error; a StepResult read back from JSON
// returns an error rebuilt from those fields, with the same text, for which
// errors.Is matches the class and oobkit.ReturnCode, oobkit.ClassName and
// oobkit.DeviceCode give back the fields.
func (s *StepResult) Err() error {
	if s.err != nil {
		return s.err
	}
	return errFromReport(s.Code, s.DeviceCode, s.Error)
}

// Result is the final result of a job on one target. When the target failed,
// the reason is on the Result itself (Class, Code, DeviceCode, Error, Step),
// copied from the first step that failed.
type Result struct {
	// Target is the target's name (or address).
	Target string `json:"target"`
	// Address is the target's address.
	Address string `json:"address"`
	// Status is the target's outcome: ok, failed, skipped or canceled.
	Status Status `json:"status"`
	// Code is the stable return code of the failure ([oobkit.ReturnCode];
	// 0 for ok).
	Code int `json:"code"`
	// Class is the failure's class name ([oobkit.ClassName]: "auth",
	// "unreachable"…; "ok" for ok).
	Class string `json:"class"`
	// DeviceCode is the device's own code of the failure.
	DeviceCode string `json:"deviceCode,omitempty"`
	// Error is the failure's text.
	Error string `json:"error,omitempty"`
	// Step is the id of the step that failed.
	Step string `json:"step,omitempty"`
	// Protocol is the protocol that acted in the last step that did.
	Protocol oobkit.Protocol `json:"protocol,omitempty"`
	// Tried lists every protocol tried by any step, in order.
	Tried []oobkit.Protocol `json:"tried,omitempty"`
	// Attempts counts step runs, retries included.
	Attempts int `json:"attempts"`
	// Started is when the target started (or was given up on).
	Started time.Time `json:"started"`
	// Duration is the target's time, probe and every step included.
	Duration Duration `json:"duration"`
	// Steps holds one StepResult per step of the job, in order; steps
	// after a failure that stopped the target are not-run.
	Steps []StepResult `json:"steps"`
	// Credentials lists, over every step, the credentials offered to the
	// target, each protocol, source, profile and outcome once, in order.
	Credentials []CredentialAttempt `json:"credentials,omitempty"`

	err error
}

// Err returns the error that failed the target, or nil. As for
// [StepResult.Err], a Result read back from JSON (a saved report, or one
// collected by tasks/jetstream) returns an error rebuilt from Code, Class,
// DeviceCode and Error, so errors.Is(res.Err(), oobkit.ErrAuth) works there
// too.
func (r *Result) Err() error {
	if r.err != nil {
		return r.err
	}
	return errFromReport(r.Code, r.DeviceCode, r.Error)
}

// NotRunResult returns the Result of a target on which job ran no step:
// the given status, err's code, class, device code and text, and every step
// of job listed as [StatusNotRun] (none when job is nil). The runner reports
// targets it never started this way; an executor that runs jobs elsewhere
// (tasks/jetstream) uses it for targets whose result never came back, so
// its reports read like the runner's.
func NotRunResult(t oobkit.Target, job *Job, st Status, err error) Result {
	res := Result{Target: t.String(), Address: t.Address, Status: st, Started: time.Now(), err: err,
		Code: oobkit.ReturnCode(err), Class: oobkit.ClassName(err), DeviceCode: oobkit.DeviceCode(err)}
	if err != nil {
		res.Error = err.Error()
	}
	if job != nil {
		res.Steps = job.notRunSteps()
	}
	return res
}

// notRunSteps lists the job's steps as not run.
func (j *Job) notRunSteps() []StepResult {
	out := make([]StepResult, len(j.Steps))
	for i, st := range j.Steps {
		out[i] = StepResult{ID: stepID(st, i), Task: st.Task.Kind(), Status: StatusNotRun}
	}
	return out
}

// Output returns the output of the step with the given id, or nil.
func (r *Result) Output(stepID string) any {
	for _, s := range r.Steps {
		if s.ID == stepID {
			return s.Output
		}
	}
	return nil
}

// Report is the outcome of a job over many targets: one Result per target,
// in the order the targets were given.
type Report struct {
	// Job is the job's name.
	Job string `json:"job"`
	// Started and Finished bound the whole run.
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Results holds one Result per target, in the order given.
	Results []Result `json:"results"`
}

// Counts returns how many targets ended in each status.
func (r *Report) Counts() map[Status]int {
	m := map[Status]int{}
	for _, res := range r.Results {
		m[res.Status]++
	}
	return m
}

// ByClass returns how many targets ended in each error class ("ok" for successes).
func (r *Report) ByClass() map[string]int {
	m := map[string]int{}
	for _, res := range r.Results {
		m[res.Class]++
	}
	return m
}

// Failed returns the results whose status is not ok.
func (r *Report) Failed() []Result {
	var out []Result
	for _, res := range r.Results {
		if res.Status != StatusOK {
			out = append(out, res)
		}
	}
	return out
}

// DecodeOutputs replaces each step's output that is JSON — a
// json.RawMessage, as in a report collected over JetStream, or the
// map[string]any encoding/json makes of a report read back from a file —
// by a value of the type registered for its kind ([RegisterOutput]), so
// the report reads as the in-process [Runner] returns it. Outputs of kinds
// without a registered type, outputs that do not decode, and typed outputs
// stay as they are.
func (r *Report) DecodeOutputs() {
	for i := range r.Results {
		for j := range r.Results[i].Steps {
			st := &r.Results[i].Steps[j]
			var raw []byte
			switch o := st.Output.(type) {
			case json.RawMessage:
				raw = o
			case map[string]any:
				raw, _ = json.Marshal(o)
			}
			if len(raw) == 0 || string(raw) == "null" {
				continue
			}
			v, ok := NewOutput(st.Task)
			if ok && json.Unmarshal(raw, v) == nil {
				st.Output = v
			}
		}
	}
}
