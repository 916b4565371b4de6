package tasks

import (
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/oobkit/oobkit"
)

// ActivityRecord is one line of the activity log: who ran what, on which
// computer, through which protocol, and the result. It holds no output and no
// credential, only the name of what ran and its outcome, so a secret cannot
// reach the log through it.
type ActivityRecord struct {
	Time     time.Time         `json:"time"`
	Who      string            `json:"who"`
	Job      string            `json:"job"`
	Step     string            `json:"step,omitempty"`
	Task     string            `json:"task,omitempty"`
	Target   string            `json:"target"`
	Address  string            `json:"address"`
	Protocol oobkit.Protocol   `json:"protocol,omitempty"`
	Tried    []oobkit.Protocol `json:"tried,omitempty"`
	Status   Status            `json:"status"`
	Code     int               `json:"code"`
	Class    string            `json:"class"`
	// DeviceCode is the device's own code of a failure.
	DeviceCode string   `json:"deviceCode,omitempty"`
	Error      string   `json:"error,omitempty"`
	Attempts   int      `json:"attempts,omitempty"`
	Duration   Duration `json:"duration"`
	// Notes are the step's notes (StepResult.Notes): "took over: …" when
	// it ended another console's redirection session.
	Notes []string `json:"notes,omitempty"`
}

// ActivityLog appends one JSON object per line to a writer (typically a file
// opened with os.O_APPEND). It is safe for concurrent use; each record is
// written with a single Write call.
type ActivityLog struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

// NewActivityLog returns a log writing to w.
func NewActivityLog(w io.Writer) *ActivityLog { return &ActivityLog{w: w} }

// Append writes one record. The first write error is kept and returned by
// every later call, so a full disk is noticed.
func (l *ActivityLog) Append(rec ActivityRecord) error {
	if rec.Time.IsZero() {
		rec.Time = time.Now().UTC()
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	_, l.err = l.w.Write(b)
	return l.err
}

// Err returns the first write error, if any.
func (l *ActivityLog) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// logActivity records a step (sr non-nil) or a target that ran no step. who
// is the operator the context names (a job dispatched through JetStream
// carries its dispatcher's), else the runner's own.
func (r *Runner) logActivity(who string, job *Job, sr *StepResult, res *Result) {
	if r.activity == nil {
		return
	}
	if who == "" {
		who = r.who
	}
	rec := ActivityRecord{Who: who, Job: job.Name, Target: res.Target, Address: res.Address}
	if sr != nil {
		rec.Step, rec.Task, rec.Protocol, rec.Tried = sr.ID, sr.Task, sr.Protocol, sr.Tried
		rec.Status, rec.Code, rec.Class, rec.DeviceCode, rec.Error = sr.Status, sr.Code, sr.Class, sr.DeviceCode, sr.Error
		rec.Attempts, rec.Duration, rec.Notes = sr.Attempts, sr.Duration, sr.Notes
	} else {
		rec.Status, rec.Code, rec.Class, rec.DeviceCode, rec.Error = res.Status, res.Code, res.Class, res.DeviceCode, res.Error
		rec.Duration = Duration(time.Since(res.Started))
	}
	if err := r.activity.Append(rec); err != nil {
		r.logger.Warn("activity log", "err", err)
	}
}
