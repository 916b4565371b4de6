package jetstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/oobkit/oobkit/activity"
	"github.com/oobkit/oobkit/internal/panics"
	"github.com/oobkit/oobkit/tasks"
)

// WorkerOptions configures a [Worker]. The zero value is usable.
type WorkerOptions struct {
	// Names must match the dispatcher's.
	Names Names
	// Site is the network segment this worker reaches (default
	// [DefaultSite]): it takes only the work items of targets whose site
	// label is Site. Letters, digits, '-' and '_'. A worker serves one site;
	// run one worker per site to serve several.
	Site string
	// Name identifies the worker in progress events and logs (default: the
	// NATS connection's client name, or "worker").
	Name string
	// Concurrency is how many targets the worker runs at once (default 16).
	Concurrency int
	// AckWait is how long JetStream waits for a worker's acknowledgement
	// before handing the item to another worker (default 30 s). A running
	// target keeps its item with in-progress acknowledgements every third of
	// AckWait, so a long power cycle is not redelivered; a worker that dies
	// stops sending them and its items are redelivered after AckWait.
	// Should the server redeliver an item while its run still goes on (its
	// worker stalled for longer than AckWait), the worker handed it again
	// asks whether the item is running (here, or on a worker that answers
	// within AckWait) and leaves it to that run: a target is not run twice
	// at once.
	// All workers of a site share one consumer; the last worker started
	// sets its AckWait and MaxDeliver.
	AckWait time.Duration
	// MaxDeliver caps deliveries of one item (default 10), so an item that
	// kills every worker that takes it does not circulate forever.
	MaxDeliver int
	// PollWait bounds one pull request (default 5 s): how often an idle
	// worker asks again, and how long after a worker stops the items it
	// hands back are offered again.
	PollWait time.Duration
	// Logger receives debug and warning records (default: discard).
	Logger *slog.Logger
}

// WorkerStats counts what a worker did with the items it received.
type WorkerStats struct {
	// Received counts deliveries, redeliveries included.
	Received int64
	// Redelivered counts deliveries of items delivered before (to this or
	// another worker).
	Redelivered int64
	// Reported counts results this worker wrote.
	Reported int64
	// AlreadyReported counts items whose result another delivery had
	// written; they were acknowledged without running the target again.
	AlreadyReported int64
	// Ended counts items of jobs that had ended (past their deadline, or
	// canceled by their dispatcher) when received or while running: they
	// were acknowledged without a result.
	Ended int64
	// Returned counts items handed back (Nak) at shutdown or after a failed
	// write, for another worker to take.
	Returned int64
	// AlreadyRunning counts deliveries of items that were still running
	// (on this or another worker): they were left to that run.
	AlreadyRunning int64
}

// Worker pulls work items of one site from the stream, runs each with
// [tasks.Runner.RunTarget] (with the worker's own Connector, profiles and
// credentials), writes the result to the bucket under <jobID>.<index> with a
// create-only write, and acknowledges the item. Because the write is
// create-only, a target is reported once even when its item is delivered
// twice (a worker that died after writing, an acknowledgement lost).
//
// A Worker is safe for concurrent use; Run may be called once at a time.
type Worker struct {
	js     natsjs.JetStream
	runner *tasks.Runner
	names  Names
	site   string
	name   string
	conc   int
	ack    time.Duration
	maxDel int
	poll   time.Duration
	log    *slog.Logger

	jobsMu sync.Mutex
	jobs   map[string]*tasks.Job // parsed jobs by job id, bounded

	received, redelivered, reported, already, ended, returned, alreadyRunning atomic.Int64

	endedMu   sync.Mutex
	endedJobs map[string]bool                             // jobs their dispatcher ended early, bounded
	running   map[string]map[*workItem]context.CancelFunc // targets in progress by job
	claimed   map[string]bool                             // result keys of the items being handled here
}

// NewWorker returns a worker that runs targets with runner over js.
func NewWorker(js natsjs.JetStream, runner *tasks.Runner, opts WorkerOptions) *Worker {
	w := &Worker{
		js: js, runner: runner, names: opts.Names.withDefaults(),
		site: opts.Site, name: opts.Name, conc: opts.Concurrency,
		ack: opts.AckWait, maxDel: opts.MaxDeliver, poll: opts.PollWait, log: opts.Logger,
		jobs: map[string]*tasks.Job{}, endedJobs: map[string]bool{}, running: map[string]map[*workItem]context.CancelFunc{},
		claimed: map[string]bool{},
	}
	if w.site == "" {
		w.site = DefaultSite
	}
	if w.name == "" {
		w.name = "worker"
		if nc := js.Conn(); nc != nil && nc.Opts.Name != "" {
			w.name = nc.Opts.Name
		}
	}
	if w.conc <= 0 {
		w.conc = 16
	}
	if w.ack <= 0 {
		w.ack = 30 * time.Second
	}
	if w.maxDel == 0 {
		w.maxDel = 10
	}
	if w.poll <= 0 {
		w.poll = 5 * time.Second
	}
	if w.log == nil {
		w.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return w
}

// Stats returns what the worker has done so far.
func (w *Worker) Stats() WorkerStats {
	return WorkerStats{
		Received: w.received.Load(), Redelivered: w.redelivered.Load(), Reported: w.reported.Load(),
		AlreadyReported: w.already.Load(), Ended: w.ended.Load(), Returned: w.returned.Load(),
		AlreadyRunning: w.alreadyRunning.Load(),
	}
}

// Run takes and runs work items until ctx ends, then cancels the targets in
// progress, hands their items back for another worker (offered again after
// PollWait) and returns nil.
// It creates the stream, the bucket and the site's consumer when missing.
// It returns an error when it cannot set up (nil when ctx ended first), or when the connection is
// closed under it (a closed connection is how a process that loses NATS
// finds out; its unacknowledged items are redelivered after AckWait).
func (w *Worker) Run(ctx context.Context) error {
	if err := checkSite(w.site); err != nil {
		return err
	}
	kv, cons, err := w.setup(ctx)
	if err != nil {
		if ctx.Err() != nil { // stopped before it started: not a failure
			return nil
		}
		return err
	}
	if nc := w.js.Conn(); nc != nil {
		sub, err := nc.Subscribe(w.names.endedSubject("*"), func(m *nats.Msg) {
			w.endJob(m.Subject[len(w.names.endedSubject("")):])
		})
		if err != nil {
			return fmt.Errorf("jetstream: subscribe to job ends: %w", err)
		}
		defer func() { _ = sub.Unsubscribe() }()
	}
	w.log.Debug("worker started", "worker", w.name, "site", w.site, "concurrency", w.conc)

	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		fatal    error
		loopCtx  context.Context
		stopLoop context.CancelFunc
	)
	loopCtx, stopLoop = context.WithCancel(ctx)
	defer stopLoop()
	for range w.conc {
		wg.Go(func() {
			if err := w.loop(loopCtx, cons, kv); err != nil {
				errOnce.Do(func() { fatal = err })
				stopLoop()
			}
		})
	}
	wg.Wait()
	return fatal
}

// setup creates what the worker needs on the server when missing: the
// stream, the bucket and its site's consumer.
func (w *Worker) setup(ctx context.Context) (natsjs.KeyValue, natsjs.Consumer, error) {
	if _, err := ensureStream(ctx, w.js, w.names); err != nil {
		return nil, nil, err
	}
	kv, err := ensureBucket(ctx, w.js, w.names)
	if err != nil {
		return nil, nil, err
	}
	cons, err := retrySetup(ctx, func(ctx context.Context) (natsjs.Consumer, error) {
		return w.js.CreateOrUpdateConsumer(ctx, w.names.Stream, natsjs.ConsumerConfig{
			Durable:       w.names.consumerName(w.site),
			Description:   "oobkit workers of site " + w.site,
			FilterSubject: w.names.siteFilter(w.site),
			AckPolicy:     natsjs.AckExplicitPolicy,
			AckWait:       w.ack,
			MaxDeliver:    w.maxDel,
		})
	})
	if err != nil {
		return nil, nil, fmt.Errorf("jetstream: consumer for site %s: %w", w.site, err)
	}
	return kv, cons, nil
}

// loop takes one item at a time until ctx ends or the connection is lost.
// Pulling one item per free slot means no item waits in a local buffer
// while its AckWait runs.
func (w *Worker) loop(ctx context.Context, cons natsjs.Consumer, kv natsjs.KeyValue) error {
	for ctx.Err() == nil {
		fctx, cancel := context.WithTimeout(ctx, w.poll)
		msg, err := cons.Next(natsjs.FetchContext(fctx))
		cancel()
		switch {
		case err == nil:
			w.handle(ctx, msg, kv)
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, nats.ErrTimeout), errors.Is(err, context.DeadlineExceeded), errors.Is(err, natsjs.ErrNoMessages):
			// idle: ask again
		case errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, natsjs.ErrConsumerDeleted),
			errors.Is(err, natsjs.ErrConsumerNotFound):
			return fmt.Errorf("jetstream: worker %s: %w", w.name, err)
		default:
			w.log.Warn("pull failed", "worker", w.name, "err", err)
			select { // a moment before asking again (e.g. reconnecting)
			case <-ctx.Done():
			case <-time.After(250 * time.Millisecond):
			}
		}
	}
	return nil
}

// handle runs one item and reports its result.
func (w *Worker) handle(ctx context.Context, msg natsjs.Msg, kv natsjs.KeyValue) {
	w.received.Add(1)
	redelivery := true // when unknown, check for an earlier result
	if meta, err := msg.Metadata(); err == nil {
		redelivery = meta.NumDelivered > 1
	}
	if redelivery {
		w.redelivered.Add(1)
	}
	var it workItem
	if err := json.Unmarshal(msg.Data(), &it); err != nil || !validToken(it.JobID) {
		w.log.Warn("unreadable work item dropped", "worker", w.name, "subject", msg.Subject())
		_ = msg.TermWithReason("unreadable work item")
		return
	}
	if w.jobEnded(&it) {
		w.ended.Add(1)
		_ = msg.Ack()
		return
	}
	key := resultKey(it.JobID, it.Index)
	// Asked before looking for a result: a run answers until its result is
	// written, so when no run answers, a result written is there to find.
	release, running := w.claim(ctx, &it, redelivery)
	if running {
		// Neither acknowledged nor handed back: acknowledgements name the
		// item (its stream sequence), not the delivery, so the run in
		// progress keeps the item and acknowledges it when done.
		w.alreadyRunning.Add(1)
		return
	}
	defer release()
	if redelivery { // an earlier delivery may have reported it (its ack lost, or its worker died after writing)
		if _, err := kv.Get(ctx, key); err == nil {
			w.already.Add(1)
			_ = msg.Ack()
			return
		}
	}

	res := w.run(ctx, msg, &it)
	if ctx.Err() != nil { // shutting down: the target did not finish; let another worker run it
		// Not at once: this worker's pull requests stay open on the server
		// until they expire (PollWait), and an item redelivered to one of
		// them would wait for AckWait.
		w.returned.Add(1)
		_ = msg.NakWithDelay(w.poll)
		return
	}
	if w.jobEnded(&it) { // no one is waiting for this result
		w.ended.Add(1)
		_ = msg.Ack()
		return
	}
	data, err := w.marshal(res)
	if err != nil { // an output that cannot be marshaled (or whose MarshalJSON panicked): report that instead
		res = tasks.NotRunResult(it.Target, nil, tasks.StatusFailed, fmt.Errorf("jetstream: result of %s: %w", res.Target, err))
		data, _ = json.Marshal(res)
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.ack)
	defer cancel()
	_, err = kv.Create(wctx, key, data)
	switch {
	case err == nil:
		w.reported.Add(1)
	case errors.Is(err, natsjs.ErrKeyExists):
		w.already.Add(1)
	default:
		w.log.Warn("result not written; item returned", "worker", w.name, "key", key, "err", err)
		w.returned.Add(1)
		_ = msg.NakWithDelay(time.Second)
		return
	}
	// The result is written: should this ack be lost, the redelivery finds
	// the result and only acknowledges, so no need to wait for the server.
	if err := msg.Ack(); err != nil {
		w.log.Debug("ack failed", "worker", w.name, "key", key, "err", err)
	}
}

// marshal encodes a result; a panic in an output's MarshalJSON becomes an
// error of class oobkit.ErrInternal.
func (w *Worker) marshal(res tasks.Result) (data []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			data, err = nil, panics.New("marshal result", v)
			w.logPanic(res.Target, err)
		}
	}()
	return json.Marshal(res)
}

// logPanic logs a recovered panic with its stack.
func (w *Worker) logPanic(target string, err error) {
	if p := panics.Of(err); p != nil && !p.Logged {
		p.Logged = true
		w.log.Error("panic recovered", "worker", w.name, "target", target, "panic", p.Value, "stack", p.Stack)
	}
}

// run runs the item's job on its target, telling JetStream the item is in
// progress while it runs. A panic that escapes the runner (RunTarget turns
// those of tasks and clients into the target's failure itself) fails the
// target with an error of class oobkit.ErrInternal: the item is then
// reported and acknowledged like any other, never redelivered to crash the
// next worker.
func (w *Worker) run(ctx context.Context, msg natsjs.Msg, it *workItem) (res tasks.Result) {
	var job *tasks.Job
	defer func() {
		if v := recover(); v != nil {
			err := panics.New("worker "+w.name, v)
			w.logPanic(it.Target.String(), err)
			res = tasks.NotRunResult(it.Target, job, tasks.StatusFailed, err)
		}
	}()
	job, err := w.job(it)
	if err != nil {
		return tasks.NotRunResult(it.Target, nil, tasks.StatusFailed, err)
	}
	if nc := w.js.Conn(); nc != nil {
		ev, _ := json.Marshal(startedEvent{Index: it.Index, Worker: w.name})
		_ = nc.Publish(w.names.startedSubject(it.JobID), ev)
	}
	var (
		runCtx context.Context
		cancel context.CancelFunc
	)
	if it.Deadline.IsZero() {
		runCtx, cancel = context.WithCancel(ctx)
	} else {
		runCtx, cancel = context.WithDeadline(ctx, it.Deadline)
	}
	defer cancel()
	if it.Operator != "" {
		// The dispatcher's operator, not this worker's own identity, ran it.
		runCtx = activity.WithOperator(runCtx, it.Operator)
	}
	if !w.track(it, cancel) {
		cancel() // the job ended meanwhile
	}
	defer w.untrack(it)

	done := make(chan struct{})
	var keep sync.WaitGroup
	keep.Go(func() {
		t := time.NewTicker(max(w.ack/3, 10*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = msg.InProgress()
			}
		}
	})
	defer func() { // also when RunTarget panics: the keeper stops
		close(done)
		keep.Wait()
	}()
	return w.runner.RunTarget(runCtx, job, it.Target)
}

// claim marks the item as handled by this worker until release is called
// (after its result is written and acknowledged), and answers on its running
// subject meanwhile. For a redelivery it first asks whether the item is still
// running, here or on another worker; running is true when it is. A running
// worker that does not answer within AckWait is taken for gone (its
// connection not yet dropped by the server), and the item is run.
func (w *Worker) claim(ctx context.Context, it *workItem, redelivery bool) (release func(), running bool) {
	key := resultKey(it.JobID, it.Index)
	w.endedMu.Lock()
	if w.claimed[key] {
		w.endedMu.Unlock()
		return nil, true
	}
	w.claimed[key] = true
	w.endedMu.Unlock()
	unclaim := func() {
		w.endedMu.Lock()
		delete(w.claimed, key)
		w.endedMu.Unlock()
	}
	nc := w.js.Conn()
	if nc == nil {
		return unclaim, false
	}
	subject := w.names.runningSubject(it.JobID, it.Index)
	if redelivery {
		rctx, cancel := context.WithTimeout(ctx, w.ack)
		_, err := nc.RequestWithContext(rctx, subject, nil)
		cancel()
		if err == nil {
			unclaim()
			return nil, true
		}
		if !errors.Is(err, nats.ErrNoResponders) {
			w.log.Debug("no answer from a worker running this item; running it", "worker", w.name, "key", key, "err", err)
		}
	}
	sub, err := nc.Subscribe(subject, func(m *nats.Msg) { _ = m.Respond(nil) })
	if err != nil {
		w.log.Warn("cannot answer for a running item", "worker", w.name, "key", key, "err", err)
		return unclaim, false
	}
	return func() {
		_ = sub.Unsubscribe()
		unclaim()
	}, false
}

// job returns the parsed job of an item, parsing each job once.
func (w *Worker) job(it *workItem) (*tasks.Job, error) {
	w.jobsMu.Lock()
	defer w.jobsMu.Unlock()
	if j, ok := w.jobs[it.JobID]; ok {
		return j, nil
	}
	j, err := tasks.ParseJob(it.Job)
	if err != nil {
		return nil, fmt.Errorf("jetstream: worker %s cannot read job %s: %w", w.name, it.JobID, err)
	}
	if len(w.jobs) >= 64 { // old jobs are done; keep the cache small
		clear(w.jobs)
	}
	w.jobs[it.JobID] = j
	return j, nil
}

// jobEnded reports whether the item's job is past its deadline or was ended
// by its dispatcher.
func (w *Worker) jobEnded(it *workItem) bool {
	if !it.Deadline.IsZero() && time.Now().After(it.Deadline) {
		return true
	}
	w.endedMu.Lock()
	defer w.endedMu.Unlock()
	return w.endedJobs[it.JobID]
}

// endJob records that a job's dispatcher stopped waiting, and cancels the
// job's targets in progress here.
func (w *Worker) endJob(jobID string) {
	w.endedMu.Lock()
	defer w.endedMu.Unlock()
	if len(w.endedJobs) >= 1024 { // ended jobs' items are purged; forget old ones
		clear(w.endedJobs)
	}
	w.endedJobs[jobID] = true
	for _, cancel := range w.running[jobID] {
		cancel()
	}
}

// track registers a running target's cancel function; it returns false when
// the job has already ended.
func (w *Worker) track(it *workItem, cancel context.CancelFunc) bool {
	w.endedMu.Lock()
	defer w.endedMu.Unlock()
	if w.endedJobs[it.JobID] {
		return false
	}
	if w.running[it.JobID] == nil {
		w.running[it.JobID] = map[*workItem]context.CancelFunc{}
	}
	w.running[it.JobID][it] = cancel
	return true
}

func (w *Worker) untrack(it *workItem) {
	w.endedMu.Lock()
	defer w.endedMu.Unlock()
	delete(w.running[it.JobID], it)
	if len(w.running[it.JobID]) == 0 {
		delete(w.running, it.JobID)
	}
}
