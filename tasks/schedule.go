package tasks

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/oobkit/oobkit"
)

// Schedule says when a scheduled job runs next: the first run time strictly
// after the given time, or the zero time for "never again".
type Schedule interface {
	Next(after time.Time) time.Time
}

type atSchedule time.Time

func (a atSchedule) Next(after time.Time) time.Time {
	if after.Before(time.Time(a)) {
		return time.Time(a)
	}
	return time.Time{}
}

// At runs once, at t. A time already past when the scheduler starts is
// overdue and runs at once.
func At(t time.Time) Schedule { return atSchedule(t) }

// Once runs once, as soon as the scheduler runs.
func Once() Schedule { return atSchedule(time.Now()) }

// Cron parses a standard five-field cron expression ("30 2 * * 1-5"), a
// descriptor ("@daily", "@every 1h30m") or either prefixed with
// "CRON_TZ=Europe/Paris ", with github.com/robfig/cron/v3's parser.
func Cron(expr string) (Schedule, error) {
	s, err := cron.ParseStandard(expr)
	if err != nil {
		return nil, fmt.Errorf("%w: cron expression %q: %v", oobkit.ErrInvalidArgument, expr, err)
	}
	return s, nil
}

// Clock is the time source of a [Scheduler]; tests supply a fake one.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Scheduler runs functions (usually a job over targets, see [RunJob]) on
// schedules. By default a run of an entry is skipped while the previous run
// of the same entry is still going; [AllowOverlap] lifts that.
type Scheduler struct {
	clock   Clock
	mu      sync.Mutex
	entries []*entry
	started bool
}

type entry struct {
	name         string
	sched        Schedule
	run          func(context.Context)
	allowOverlap bool
	running      atomic.Int32
	runs         atomic.Int64
	skipped      atomic.Int64
}

// EntryOption configures one scheduled entry.
type EntryOption func(*entry)

// AllowOverlap lets a run start while the previous run of the same entry is
// still going.
func AllowOverlap() EntryOption { return func(e *entry) { e.allowOverlap = true } }

// NewScheduler returns a scheduler using clock (nil: the real clock).
func NewScheduler(clock Clock) *Scheduler {
	if clock == nil {
		clock = realClock{}
	}
	return &Scheduler{clock: clock}
}

// Add schedules run under name. Entries are added before [Scheduler.Run].
func (s *Scheduler) Add(name string, sched Schedule, run func(context.Context), opts ...EntryOption) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return fmt.Errorf("%w: scheduler: add %q before Run", oobkit.ErrInvalidArgument, name)
	}
	for _, e := range s.entries {
		if e.name == name {
			return fmt.Errorf("%w: scheduler: %q is already scheduled", oobkit.ErrInvalidArgument, name)
		}
	}
	e := &entry{name: name, sched: sched, run: run}
	for _, o := range opts {
		o(e)
	}
	s.entries = append(s.entries, e)
	return nil
}

// EntryStats counts what happened to one entry.
type EntryStats struct {
	// Runs counts started runs; Skipped counts runs skipped because the
	// previous one was still going; Running counts runs in progress.
	Runs, Skipped, Running int64
}

// Stats returns the counts of the entry called name.
func (s *Scheduler) Stats(name string) EntryStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.entries {
		if e.name == name {
			return EntryStats{Runs: e.runs.Load(), Skipped: e.skipped.Load(), Running: int64(e.running.Load())}
		}
	}
	return EntryStats{}
}

// Run runs the schedules until ctx ends or no entry has a next time, then
// waits for the runs in progress (which see ctx canceled) and returns.
func (s *Scheduler) Run(ctx context.Context) {
	s.mu.Lock()
	s.started = true
	entries := append([]*entry(nil), s.entries...)
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, e := range entries {
		wg.Go(func() { s.loop(ctx, e, &wg) })
	}
	wg.Wait()
}

func (s *Scheduler) loop(ctx context.Context, e *entry, wg *sync.WaitGroup) {
	prev := s.clock.Now().Add(-time.Nanosecond)
	if _, oneShot := e.sched.(atSchedule); oneShot {
		prev = time.Time{} // an At or Once time already past is overdue: run it now, not never
	}
	for {
		next := e.sched.Next(prev)
		if next.IsZero() {
			return
		}
		if d := next.Sub(s.clock.Now()); d > 0 {
			select {
			case <-s.clock.After(d):
			case <-ctx.Done():
				return
			}
		}
		if ctx.Err() != nil {
			return
		}
		prev = next
		if !e.allowOverlap && e.running.Load() > 0 {
			e.skipped.Add(1)
			continue
		}
		e.running.Add(1)
		e.runs.Add(1)
		wg.Go(func() {
			defer e.running.Add(-1)
			e.run(ctx)
		})
	}
}

// Executor runs a job over targets and returns one Result per target, in
// order. [Runner] runs it in this process; a tasks/jetstream Dispatcher runs
// it on workers. [RunJob], [RunScheduledJob] and [AlertHandler] take any
// Executor, so scheduled and alert-triggered jobs can run either way.
type Executor interface {
	Run(ctx context.Context, job *Job, targets []oobkit.Target) (*Report, error)
}

var _ Executor = (*Runner)(nil)

// RunJob returns a function for [Scheduler.Add] that runs job with r (a
// [Runner], a tasks/jetstream Dispatcher…) over the targets targets()
// returns at each run, and hands each Report to onReport (which may be
// nil).
func RunJob(r Executor, job *Job, targets func() []oobkit.Target, onReport func(*Report, error)) func(context.Context) {
	return func(ctx context.Context) {
		rep, err := r.Run(ctx, job, targets())
		if onReport != nil {
			onReport(rep, err)
		}
	}
}
