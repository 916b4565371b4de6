package tasks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/activity"
	"github.com/oobkit/oobkit/internal/panics"
	"github.com/oobkit/oobkit/profile"
)

// Runner runs jobs over targets. [Runner.Run] fans a job out over many
// targets with a concurrency limit; [Runner.RunTarget] runs it on one target
// and is what any executor calls, in-process or distributed (tasks/jetstream
// workers build a Runner with the same options and call RunTarget).
//
// A Runner is safe for concurrent use.
type Runner struct {
	conn           *Connector
	concurrency    int
	targetTimeout  time.Duration
	retry          RetryPolicy
	probe          Prober
	probeTimeout   time.Duration
	cleanupTimeout time.Duration
	progress       func(Progress)
	activity       *ActivityLog
	who            string
	logger         *slog.Logger
	protocolsOf    func(oobkit.Target) []oobkit.Protocol
}

// Option configures a [Runner].
type Option func(*Runner)

// WithConcurrency sets how many targets run at once (default 64).
func WithConcurrency(n int) Option { return func(r *Runner) { r.concurrency = max(1, n) } }

// WithTargetTimeout sets the per-target deadline for the whole job, retries
// included (default 2 minutes). A job's own Timeout takes precedence.
func WithTargetTimeout(d time.Duration) Option { return func(r *Runner) { r.targetTimeout = d } }

// WithRetry sets the retry policy (default [DefaultRetry]).
func WithRetry(p RetryPolicy) Option { return func(r *Runner) { r.retry = p } }

// WithProbe sets the reachability probe run before a target's first step
// (default [TCPProbe]); nil turns probing off.
func WithProbe(p Prober) Option { return func(r *Runner) { r.probe = p } }

// WithProbeTimeout bounds the reachability probe (default 1 s).
func WithProbeTimeout(d time.Duration) Option { return func(r *Runner) { r.probeTimeout = d } }

// WithProgress sets a function called for every progress event. It is called
// from the goroutines running targets, concurrently; it must be quick and safe
// for concurrent use (to feed a channel, send without blocking forever).
func WithProgress(f func(Progress)) Option { return func(r *Runner) { r.progress = f } }

// WithActivityLog writes one record per step to log, naming who ran it;
// who is also the operator of the operations the Connector's activity sink
// logs ([Connector.SetActivity]) when the context names none.
func WithActivityLog(log *ActivityLog, who string) Option {
	return func(r *Runner) { r.activity, r.who = log, who }
}

// WithCleanupTimeout sets the deadline of a clean-up step ([Step.Always])
// that runs after the target's own deadline passed or the job was canceled;
// the default is one minute.
func WithCleanupTimeout(d time.Duration) Option {
	return func(r *Runner) {
		if d > 0 {
			r.cleanupTimeout = d
		}
	}
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(r *Runner) { r.logger = l } }

// WithTargetProtocols says which protocols a target has, in preference order
// (for example from its labels or an earlier discovery). The default is every
// protocol the Connector has; the job's Protocols then filter either list.
func WithTargetProtocols(f func(oobkit.Target) []oobkit.Protocol) Option {
	return func(r *Runner) { r.protocolsOf = f }
}

// NewRunner returns a Runner that connects through conn.
func NewRunner(conn *Connector, opts ...Option) *Runner {
	r := &Runner{
		conn:           conn,
		concurrency:    64,
		targetTimeout:  2 * time.Minute,
		retry:          DefaultRetry,
		probe:          TCPProbe,
		probeTimeout:   time.Second,
		cleanupTimeout: time.Minute,
		logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

// ProgressKind says what a [Progress] event reports.
type ProgressKind string

// Progress kinds.
const (
	TargetStarted ProgressKind = "target-started" // a target's first step is about to run
	StepDone      ProgressKind = "step-done"      // a step ended on a target (Progress.Step)
	TargetDone    ProgressKind = "target-done"    // a target's final result is in (Progress.Result)
)

// Progress is one progress event of a running job.
type Progress struct {
	// Kind says what happened.
	Kind ProgressKind
	// Job is the job's name.
	Job string
	// Target is the target's name (or address).
	Target string
	// Step is set for StepDone.
	Step *StepResult
	// Result is set for TargetDone.
	Result *Result
	// Done and Total count finished targets (TargetDone from Run; Total is 0
	// when the target source has no known length).
	Done, Total int
	// Worker names the worker that took the target when the job runs on
	// other machines (tasks/jetstream sets it on TargetStarted and, once a
	// worker announced the target, on TargetDone); "" in-process.
	Worker string
}

func (r *Runner) emit(p Progress) {
	if r.progress != nil {
		r.progress(p)
	}
}

// Run runs job on every target, at most the concurrency limit at a time, and
// returns one Result per target in the order given. The error is non-nil only
// when the job itself is invalid; target failures are in the Report. When ctx
// is canceled, targets not yet finished report [StatusCanceled].
func (r *Runner) Run(ctx context.Context, job *Job, targets []oobkit.Target) (*Report, error) {
	return r.run(ctx, job, slices.Values(targets), len(targets))
}

// RunSeq is Run over any target source a product supplies (a database
// cursor, a discovery sweep…), read as the fan-out proceeds.
func (r *Runner) RunSeq(ctx context.Context, job *Job, targets iter.Seq[oobkit.Target]) (*Report, error) {
	return r.run(ctx, job, targets, 0)
}

func (r *Runner) run(ctx context.Context, job *Job, targets iter.Seq[oobkit.Target], total int) (*Report, error) {
	if err := job.Validate(); err != nil {
		return nil, err
	}
	rep := &Report{Job: job.Name, Started: time.Now()}
	var (
		mu      sync.Mutex
		results = make([]Result, 0, total)
		done    int
	)
	g := new(errgroup.Group)
	g.SetLimit(r.concurrency)
	i := 0
	for t := range targets {
		idx := i
		i++
		mu.Lock()
		results = append(results, Result{})
		mu.Unlock()
		if ctx.Err() != nil {
			res := NotRunResult(t, job, StatusCanceled, ctx.Err())
			mu.Lock()
			results[idx] = res
			mu.Unlock()
			continue
		}
		g.Go(func() error {
			// RunTarget turns a panic into the target's failure; this catches
			// one in the progress function, after the result is in.
			defer r.recoverProgress(job, t)
			res := r.RunTarget(ctx, job, t)
			mu.Lock()
			results[idx] = res
			done++
			n := done
			mu.Unlock()
			r.emit(Progress{Kind: TargetDone, Job: job.Name, Target: res.Target, Result: &res, Done: n, Total: total})
			return nil
		})
	}
	_ = g.Wait()
	rep.Results = results
	rep.Finished = time.Now()
	return rep, nil
}

func stepID(st Step, i int) string {
	if st.ID != "" {
		return st.ID
	}
	return fmt.Sprint(i)
}

// protocolsFor returns the protocols target t may have for job, in order.
func (r *Runner) protocolsFor(job *Job, t oobkit.Target) []oobkit.Protocol {
	base := r.conn.Protocols()
	if r.protocolsOf != nil {
		base = r.protocolsOf(t)
	}
	if len(job.Protocols) == 0 {
		return base
	}
	var out []oobkit.Protocol
	for _, p := range job.Protocols {
		if slices.Contains(base, p) {
			out = append(out, p)
		}
	}
	return out
}

// RunTarget runs job on one target and returns its final Result. It applies
// the per-target deadline, the reachability probe, retries with backoff and
// the job's failure policy, and closes every connection it opened. The job
// must be valid ([Job.Validate]).
//
// A panic while running the target (in a task, a client call, a dialer, the
// probe) does not escape: it becomes the failure of the step, or of the
// target, with an error of class [oobkit.ErrInternal], and its stack goes to
// the runner's logger.
func (r *Runner) RunTarget(ctx context.Context, job *Job, t oobkit.Target) (res Result) {
	res = Result{Target: t.String(), Address: t.Address, Started: time.Now()}
	// A named result, so the duration set here is the one returned.
	defer func() { res.Duration = Duration(time.Since(res.Started)) }()
	var (
		sess    *Session
		current string // the step running, for a panic outside its task
	)
	defer func() {
		if v := recover(); v != nil {
			err := panics.New("run "+job.Name, v)
			r.logPanic(job, t, current, sess, err)
			r.finish(&res, job, StatusFailed, err, current)
			for i := len(res.Steps); i < len(job.Steps); i++ {
				res.Steps = append(res.Steps, StepResult{ID: stepID(job.Steps[i], i), Task: job.Steps[i].Task.Kind(), Status: StatusNotRun})
			}
		}
	}()
	r.emit(Progress{Kind: TargetStarted, Job: job.Name, Target: res.Target})
	if r.who != "" && activity.Operator(ctx) == "" {
		ctx = activity.WithOperator(ctx, r.who)
	}
	if err := t.Validate(); err != nil {
		r.finish(&res, job, StatusFailed, err, "")
		return res
	}
	parent := ctx
	timeout := r.targetTimeout
	if job.Timeout > 0 {
		timeout = time.Duration(job.Timeout)
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	protocols := r.protocolsFor(job, t)
	if r.probe != nil {
		pctx, cancel := context.WithTimeout(ctx, r.probeTimeout)
		err := r.probe(pctx, t, protocols)
		cancel()
		if err != nil && parent.Err() == nil {
			r.finish(&res, job, StatusSkipped, err, "")
			r.logActivity(activity.Operator(ctx), job, nil, &res)
			return res
		}
	}
	sess = newSession(t, r.conn, protocols)
	sess.declared = r.protocolsOf != nil
	defer func() { _ = sess.Close() }()
	task, err := job.Credentials.resolve(ctx, r.conn.creds)
	if err != nil {
		r.finish(&res, job, StatusFailed, err, "")
		return res
	}
	sess.task, sess.job = task, job.Name
	stepTasks := make([]*profile.Profile, len(job.Steps))
	for i, st := range job.Steps {
		if stepTasks[i], err = st.Credentials.resolve(ctx, r.conn.creds); err != nil {
			r.finish(&res, job, StatusFailed, fmt.Errorf("step %q: %w", stepID(st, i), err), stepID(st, i))
			return res
		}
	}
	env := &Env{Target: t, Session: sess, outputs: map[string]any{}}
	stopped := false
	for i, st := range job.Steps {
		id := stepID(st, i)
		stepCtx := ctx
		if stopped || ctx.Err() != nil {
			if !st.Always {
				res.Steps = append(res.Steps, StepResult{ID: id, Task: st.Task.Kind(), Status: StatusNotRun})
				continue
			}
			if ctx.Err() != nil {
				// A clean-up step runs even when the target's deadline passed
				// or the caller canceled, under its own bounded deadline.
				var cancel context.CancelFunc
				stepCtx, cancel = context.WithTimeout(context.WithoutCancel(parent), r.cleanupTimeout)
				defer cancel()
				env.Session.forget() // connections made under the dead context may be unusable
			}
			r.logger.Debug("clean-up step", "job", job.Name, "target", t.String(), "step", id)
		}
		current = id
		sess.op, sess.step = st.Task.Kind(), id
		restore := sess.withStepCredentials(stepTasks[i])
		sr := r.runStep(stepCtx, job, st, id, env)
		restore()
		current = ""
		env.outputs[id] = sr.Output
		res.Steps = append(res.Steps, sr)
		res.Attempts += sr.Attempts
		for _, a := range sr.Credentials {
			if !slices.Contains(res.Credentials, a) {
				res.Credentials = append(res.Credentials, a)
			}
		}
		for _, p := range sr.Tried {
			if !slices.Contains(res.Tried, p) {
				res.Tried = append(res.Tried, p)
			}
		}
		if sr.Status == StatusSkipped { // lacks the capability; SkipUnsupported
			continue
		}
		if sr.Status == StatusOK {
			if sr.Protocol != "" {
				res.Protocol = sr.Protocol
			}
			continue
		}
		if res.err == nil {
			res.err = sr.err
			res.Step = id
		}
		if !st.ContinueOnError && job.OnError != Continue {
			stopped = true
		}
	}
	switch {
	case res.err == nil && ctx.Err() != nil && parent.Err() != nil:
		r.finish(&res, job, StatusCanceled, parent.Err(), res.Step)
	case res.err == nil && ctx.Err() != nil:
		r.finish(&res, job, StatusFailed, ctx.Err(), res.Step)
	case res.err == nil:
		r.finish(&res, job, StatusOK, nil, "")
	case parent.Err() != nil:
		r.finish(&res, job, StatusCanceled, res.err, res.Step)
	default:
		r.finish(&res, job, StatusFailed, res.err, res.Step)
	}
	return res
}

// finish fills the result's outcome; for a target that never ran steps, it
// lists them as not run.
func (r *Runner) finish(res *Result, job *Job, st Status, err error, step string) {
	res.Status, res.err, res.Step = st, err, step
	res.Code, res.Class = oobkit.ReturnCode(err), oobkit.ClassName(err)
	if err != nil {
		res.Error = err.Error()
		res.DeviceCode = oobkit.DeviceCode(err)
	}
	if st == StatusCanceled { // whatever the step saw, the caller canceled
		res.Code, res.Class = oobkit.CodeCanceled, oobkit.ClassName(context.Canceled)
	}
	if len(res.Steps) == 0 {
		res.Steps = job.notRunSteps()
	}
	r.logger.Debug("target done", "job", job.Name, "target", res.Target, "status", st, "class", res.Class)
}

// runStep runs one step with retries.
func (r *Runner) runStep(ctx context.Context, job *Job, st Step, id string, env *Env) StepResult {
	sr := StepResult{ID: id, Task: st.Task.Kind()}
	start := time.Now()
	var err error
	for {
		sr.Attempts++
		rec := &attemptRecord{}
		env.rec = rec
		var out any
		out, err = runTask(ctx, st.Task, env)
		if panics.Of(err) != nil {
			r.logPanic(job, env.Target, id, env.Session, err)
		}
		sr.Output, sr.Protocol = out, rec.protocol
		for _, n := range rec.notes {
			r.logger.Info("step note", "job", job.Name, "target", env.Target.String(), "step", id, "note", n)
		}
		sr.Notes = append(sr.Notes, rec.notes...)
		for _, p := range rec.tried {
			if !slices.Contains(sr.Tried, p) {
				sr.Tried = append(sr.Tried, p)
			}
		}
		if err == nil || sr.Attempts >= r.retry.Attempts || !r.retry.retryable(err) || expired(ctx) {
			break
		}
		r.logger.Debug("retry", "job", job.Name, "target", env.Target.String(), "step", id, "attempt", sr.Attempts, "class", oobkit.ClassName(err))
		env.Session.forget()
		if !r.retry.wait(ctx, sr.Attempts) || expired(ctx) {
			break
		}
	}
	if err != nil && ctx.Err() != nil && oobkit.ReturnCode(err) == oobkit.CodeFailed {
		err = fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	sr.Duration = Duration(time.Since(start))
	sr.Credentials = env.Session.takeAttempts()
	sr.err = err
	sr.Status = StatusOK
	if err != nil {
		sr.Status = StatusFailed
		sr.Error = err.Error()
		sr.DeviceCode = oobkit.DeviceCode(err)
		switch {
		case errors.Is(err, context.Canceled):
			sr.Status = StatusCanceled
		case st.SkipUnsupported && errors.Is(err, oobkit.ErrUnsupported):
			sr.Status = StatusSkipped
		}
	}
	sr.Code, sr.Class = oobkit.ReturnCode(err), oobkit.ClassName(err)
	r.logActivity(activity.Operator(ctx), job, &sr, &Result{Target: env.Target.String(), Address: env.Target.Address})
	r.emit(Progress{Kind: StepDone, Job: job.Name, Target: env.Target.String(), Step: &sr})
	return sr
}

// runTask runs one attempt of a task; a panic becomes an error of class
// [oobkit.ErrInternal].
func runTask(ctx context.Context, task Task, env *Env) (out any, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, panics.New("task "+task.Kind(), v)
		}
	}()
	return task.Run(ctx, env)
}

// logPanic redacts the target's secrets from a recovered panic and logs it
// with its stack, once.
func (r *Runner) logPanic(job *Job, t oobkit.Target, step string, sess *Session, err error) {
	p := panics.Of(err)
	if p == nil || p.Logged {
		return
	}
	p.Logged = true
	if sess != nil {
		p.Redact(sess.secrets()...)
	}
	r.logger.Error("panic recovered", "job", job.Name, "target", t.String(), "step", step, "panic", p.Value, "stack", p.Stack)
}

// recoverProgress logs a panic of the progress function; the target's
// result is already in the report.
func (r *Runner) recoverProgress(job *Job, t oobkit.Target) {
	if v := recover(); v != nil {
		p := panics.Of(panics.New("progress", v))
		r.logger.Error("panic recovered in the progress function", "job", job.Name, "target", t.String(), "panic", p.Value, "stack", p.Stack)
	}
}
