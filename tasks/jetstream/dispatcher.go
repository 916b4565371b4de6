package jetstream

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/activity"
	"github.com/oobkit/oobkit/tasks"
)

// DispatcherOptions configures a [Dispatcher]. The zero value is usable.
type DispatcherOptions struct {
	// Names must match the workers'.
	Names Names
	// SiteLabel is the target label naming the site whose workers take the
	// target (default [DefaultSiteLabel], "site"). Targets without it go to
	// [DefaultSite].
	SiteLabel string
	// Timeout bounds a whole job (0: only the context passed to Run).
	// Targets without a result by then report [tasks.StatusCanceled], as
	// the in-process runner reports targets unfinished when its context
	// ends; their remaining work items are removed from the stream and
	// workers cancel those in progress.
	Timeout time.Duration
	// SiteTimeout gives up a job when a site has had none of its targets
	// taken by a worker this long after the job was published (0: wait for
	// workers as long as the job may run). The targets of such sites report
	// [tasks.StatusCanceled] with a [*NoWorkerError], the others as when
	// the job's context ends.
	SiteTimeout time.Duration
	// Progress receives TargetStarted events (when a worker starts a target;
	// again on redelivery) and TargetDone events (when its result arrives,
	// with Done and Total); both name the worker in Progress.Worker. It is called from the goroutine running
	// Dispatcher.Run, one event at a time, and must be quick. StepDone
	// events happen on workers and are not forwarded; each TargetDone
	// Result holds its steps.
	Progress func(tasks.Progress)
	// KeepResults leaves a job's results in the bucket after Run returns
	// (by default they are removed once collected; the bucket's TTL removes
	// them otherwise).
	KeepResults bool
	// Logger receives debug records (default: discard).
	Logger *slog.Logger
}

// Dispatcher runs jobs over workers: it publishes one work item per target
// to the work-queue stream, under <prefix>.<site>.<jobID> so that only
// workers of the target's site take it, and collects the results the
// workers write to the bucket into the same [tasks.Report] that
// [tasks.Runner.Run] returns.
//
// A Dispatcher is safe for concurrent use; concurrent jobs do not mix.
type Dispatcher struct {
	js    natsjs.JetStream
	names Names
	label string
	opts  DispatcherOptions
	log   *slog.Logger

	setupMu sync.Mutex
	stream  natsjs.Stream
	kv      natsjs.KeyValue
}

// NewDispatcher returns a dispatcher over js. The stream and the bucket are
// created on first use when missing.
func NewDispatcher(js natsjs.JetStream, opts DispatcherOptions) *Dispatcher {
	d := &Dispatcher{js: js, names: opts.Names.withDefaults(), label: opts.SiteLabel, opts: opts, log: opts.Logger}
	if d.label == "" {
		d.label = DefaultSiteLabel
	}
	if d.log == nil {
		d.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return d
}

func (d *Dispatcher) setup(ctx context.Context) (natsjs.Stream, natsjs.KeyValue, error) {
	d.setupMu.Lock()
	defer d.setupMu.Unlock()
	if d.stream == nil {
		s, err := ensureStream(ctx, d.js, d.names)
		if err != nil {
			return nil, nil, err
		}
		d.stream = s
	}
	if d.kv == nil {
		kv, err := ensureBucket(ctx, d.js, d.names)
		if err != nil {
			return nil, nil, err
		}
		d.kv = kv
	}
	return d.stream, d.kv, nil
}

// Site returns the site a target belongs to: its site label, or
// [DefaultSite].
func (d *Dispatcher) Site(t oobkit.Target) string {
	if s := t.Labels[d.label]; s != "" {
		return s
	}
	return DefaultSite
}

// Run runs job on every target through the workers and returns one Result
// per target, in the order given, as [tasks.Runner.Run] does. The error is
// non-nil when the job or a target's site label is invalid, or when
// JetStream cannot take the job (nothing is left running then); target
// failures are in the Report. When ctx ends or the Timeout passes, targets
// without a result report [tasks.StatusCanceled], their work items still
// queued are removed, and workers are told to cancel those in progress.
//
// Step outputs in the Report are the JSON the worker wrote
// (json.RawMessage); read one with [DecodeOutput], or type them all with
// [tasks.Report.DecodeOutputs]. Result.Err is rebuilt
// from the Code, DeviceCode and Error the worker wrote, so errors.Is works
// as in-process.
func (d *Dispatcher) Run(ctx context.Context, job *tasks.Job, targets []oobkit.Target) (*tasks.Report, error) {
	if err := job.Validate(); err != nil {
		return nil, err
	}
	jobJSON, err := json.Marshal(job)
	if err != nil {
		return nil, fmt.Errorf("jetstream: job %s: %w", job.Name, err)
	}
	sites := make([]string, len(targets))
	for i, t := range targets {
		sites[i] = d.Site(t)
		if err := checkSite(sites[i]); err != nil {
			return nil, fmt.Errorf("target %s: %w", t, err)
		}
	}
	if d.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.opts.Timeout)
		defer cancel()
	}
	stream, kv, err := d.setup(ctx)
	if err != nil {
		return nil, err
	}
	jobID := newJobID()
	rep := &tasks.Report{Job: job.Name, Started: time.Now(), Results: make([]tasks.Result, len(targets))}
	log := d.log.With("job", job.Name, "id", jobID)

	// Listen before publishing so nothing is missed (the watch also replays
	// what is already there).
	watchCtx, stopWatch := context.WithCancel(context.WithoutCancel(ctx)) // outlives ctx: Run stops it
	defer stopWatch()
	watch, err := kv.Watch(watchCtx, jobID+".*")
	if err != nil {
		return nil, fmt.Errorf("jetstream: watch results: %w", err)
	}
	defer func() { _ = watch.Stop() }()
	started := make(chan *nats.Msg, 1024)
	sub, err := d.js.Conn().ChanSubscribe(d.names.startedSubject(jobID), started)
	if err != nil {
		return nil, fmt.Errorf("jetstream: progress subscription: %w", err)
	}
	defer func() { _ = sub.Unsubscribe() }()

	// Whatever happens next, leave no work item of this job behind, no
	// target of it running, and no result unless asked to keep them.
	have := make([]bool, len(targets))
	workerOf := make([]string, len(targets)) // who announced each target
	done := 0
	defer func() { d.cleanup(stream, jobID, done < len(targets), log) }()

	deadline, _ := ctx.Deadline()
	if err := d.publish(ctx, jobID, jobJSON, targets, sites, deadline); err != nil && ctx.Err() == nil {
		return nil, err
	} // when ctx ended while publishing, the targets not reported are canceled below
	log.Debug("published", "targets", len(targets))

	// served notes the sites a worker took a target of; idle lists the
	// others once SiteTimeout has passed, which ends the wait.
	served := map[string]bool{}
	var siteTimer <-chan time.Time
	if d.opts.SiteTimeout > 0 {
		t := time.NewTimer(d.opts.SiteTimeout)
		defer t.Stop()
		siteTimer = t.C
	}
	var idle []string
	for done < len(targets) && ctx.Err() == nil && idle == nil {
		select {
		case <-ctx.Done():
		case <-siteTimer:
			idle = []string{}
			for _, site := range sites {
				if !served[site] && !slices.Contains(idle, site) {
					idle = append(idle, site)
				}
			}
			if len(idle) == 0 {
				idle = nil // every site has a worker: wait on
			}
		case m := <-started:
			var ev startedEvent
			if json.Unmarshal(m.Data, &ev) == nil && ev.Index >= 0 && ev.Index < len(targets) && !have[ev.Index] {
				served[sites[ev.Index]] = true
				workerOf[ev.Index] = ev.Worker
				d.emit(tasks.Progress{Kind: tasks.TargetStarted, Job: job.Name, Target: targets[ev.Index].String(),
					Worker: ev.Worker})
			}
		case e, ok := <-watch.Updates():
			if !ok {
				return nil, fmt.Errorf("jetstream: results watch of job %s ended", job.Name)
			}
			if e == nil || e.Operation() != natsjs.KeyValuePut {
				continue // end of the initial values, or a delete
			}
			i, ok := parseResultKey(jobID, e.Key())
			if !ok || i >= len(targets) || have[i] {
				continue
			}
			res, err := decodeResult(e.Value())
			if err != nil {
				res = tasks.NotRunResult(targets[i], job, tasks.StatusFailed, &oobkit.Error{Op: "jetstream result",
					Class: oobkit.ErrProtocol, Message: "unreadable result: " + err.Error()})
			}
			rep.Results[i], have[i] = res, true
			served[sites[i]] = true
			done++
			d.emit(tasks.Progress{Kind: tasks.TargetDone, Job: job.Name, Target: res.Target, Result: &rep.Results[i],
				Done: done, Total: len(targets), Worker: workerOf[i]})
		}
	}
	if done < len(targets) {
		log.Debug("job ended before every result", "done", done, "targets", len(targets), "err", ctx.Err(), "idle sites", idle)
		for i, t := range targets {
			switch {
			case have[i]:
			case slices.Contains(idle, sites[i]):
				rep.Results[i] = tasks.NotRunResult(t, job, tasks.StatusCanceled, &NoWorkerError{Site: sites[i], Waited: d.opts.SiteTimeout})
			default:
				rep.Results[i] = canceledResult(t, job, ctx.Err())
			}
		}
	}
	rep.Finished = time.Now()
	return rep, nil
}

// publish puts one work item per target on the stream. Each carries a
// message id, so a publish retried after a lost acknowledgement is stored
// once.
func (d *Dispatcher) publish(ctx context.Context, jobID string, jobJSON []byte, targets []oobkit.Target, sites []string, deadline time.Time) error {
	const window = 256 // publishes awaiting their acknowledgement
	operator := activity.Operator(ctx)
	for start := 0; start < len(targets); start += window {
		end := min(start+window, len(targets))
		futures := make([]natsjs.PubAckFuture, 0, end-start)
		for i := start; i < end; i++ {
			data, err := json.Marshal(workItem{JobID: jobID, Index: i, Job: jobJSON, Target: targets[i], Deadline: deadline, Operator: operator})
			if err != nil {
				return fmt.Errorf("jetstream: work item for %s: %w", targets[i], err)
			}
			f, err := d.js.PublishAsync(d.names.workSubject(sites[i], jobID), data, natsjs.WithMsgID(resultKey(jobID, i)))
			if err != nil {
				return fmt.Errorf("jetstream: publish work item: %w", err)
			}
			futures = append(futures, f)
		}
		for j, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				settle(futures[j+1:])
				return fmt.Errorf("jetstream: publish work item: %w", err)
			case <-ctx.Done():
				settle(futures[j:])
				return fmt.Errorf("jetstream: publish work items: %w", ctx.Err())
			}
		}
	}
	return nil
}

// settle waits (a bounded time) for publishes already sent to be stored or
// refused, so that the purge that follows removes them rather than runs
// before them.
func settle(futures []natsjs.PubAckFuture) {
	timeout := time.NewTimer(5 * time.Second)
	defer timeout.Stop()
	for _, f := range futures {
		select {
		case <-f.Ok():
		case <-f.Err():
		case <-timeout.C:
			return
		}
	}
}

// cleanup removes the job's work items still queued (targets no worker took
// before the job ended) and, unless KeepResults, its results. When the job
// ended early, it tells workers to cancel the job's targets in progress
// (best effort: a worker that misses it stops at the items' deadline).
func (d *Dispatcher) cleanup(stream natsjs.Stream, jobID string, early bool, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if early {
		_ = d.js.Conn().Publish(d.names.endedSubject(jobID), nil)
	}
	if err := stream.Purge(ctx, natsjs.WithPurgeSubject(d.names.jobFilter(jobID))); err != nil {
		log.Debug("purge work items", "err", err)
	}
	if d.opts.KeepResults {
		return
	}
	kvs, err := d.js.Stream(ctx, d.names.kvStream())
	if err == nil {
		err = kvs.Purge(ctx, natsjs.WithPurgeSubject(d.names.kvJobSubject(jobID)))
	}
	if err != nil {
		log.Debug("purge results", "err", err)
	}
}

func (d *Dispatcher) emit(p tasks.Progress) {
	if d.opts.Progress != nil {
		d.opts.Progress(p)
	}
}

// NoWorkerError is the error of a target whose site had no target taken
// by a worker within [DispatcherOptions].SiteTimeout: no worker serves the
// site (none runs, or none with that site). Its class is timeout
// (context.DeadlineExceeded).
type NoWorkerError struct {
	// Site is the target's site.
	Site string
	// Waited is how long the dispatcher waited for a worker.
	Waited time.Duration
}

// Error says which site has no worker.
func (e *NoWorkerError) Error() string {
	return fmt.Sprintf("no worker serves site %q (waited %s)", e.Site, e.Waited)
}

// Unwrap returns context.DeadlineExceeded.
func (e *NoWorkerError) Unwrap() error { return context.DeadlineExceeded }

// canceledResult is the result of a target whose job ended before a worker
// reported it, as the in-process runner reports a target it never finished.
func canceledResult(t oobkit.Target, job *tasks.Job, err error) tasks.Result {
	if err == nil {
		err = context.Canceled
	}
	return tasks.NotRunResult(t, job, tasks.StatusCanceled, err)
}

// newJobID returns a random job id, unique across dispatchers.
func newJobID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
