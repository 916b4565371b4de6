package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oobkit/oobkit"
)

// MissedPolicy says what a durable schedule does with occurrences that came
// and went while no scheduler ran (a restart, an outage).
type MissedPolicy string

// Missed-run policies.
const (
	// MissedRunOnce runs the schedule once, at once, however many
	// occurrences were missed. The default.
	MissedRunOnce MissedPolicy = "run-once"
	// MissedSkip skips the missed occurrences and waits for the next one.
	MissedSkip MissedPolicy = "skip"
)

// ScheduleLease is the claim of one occurrence of a durable schedule by one
// scheduler: the holder renews it while the occurrence runs and marks it
// done at the end; a lease that expires undone (its holder died) is taken
// over by another scheduler, which runs the occurrence.
type ScheduleLease struct {
	// Occurrence is the scheduled time being run.
	Occurrence time.Time `json:"occurrence"`
	// Owner names the scheduler holding it.
	Owner string `json:"owner"`
	// Expires is when the lease lapses unless renewed.
	Expires time.Time `json:"expires"`
	// Done says the occurrence finished.
	Done bool `json:"done,omitempty"`
}

// ScheduleRecord is a durable schedule as a [ScheduleStore] keeps it: what
// runs, when, and what happened so far. Nothing secret is kept: a job's
// programmatic secrets ([JobCredentials].Password, Set) never marshal.
type ScheduleRecord struct {
	// Name identifies the schedule: letters, digits, '-' and '_'.
	Name string `json:"name"`
	// Spec is a cron expression or descriptor (see [Cron]) or "at " and an
	// RFC 3339 time for a single run.
	Spec string `json:"spec"`
	// Missed is the missed-run policy; empty means [MissedRunOnce].
	Missed MissedPolicy `json:"missed,omitempty"`
	// Job and Targets are what runs (see [RunScheduledJob]); a scheduler's
	// run function may ignore them and use Name.
	Job     *Job            `json:"job,omitempty"`
	Targets []oobkit.Target `json:"targets,omitempty"`
	// Created is when the schedule was added.
	Created time.Time `json:"created"`
	// Last is the latest occurrence handled: run, or skipped.
	Last time.Time `json:"last,omitzero"`
	// Lease is the claim of the latest occurrence run.
	Lease *ScheduleLease `json:"lease,omitempty"`
	// Runs, Skipped and Takeovers count occurrences started, skipped
	// (missed or overlapping) and taken over from a dead holder.
	Runs      int64 `json:"runs"`
	Skipped   int64 `json:"skipped"`
	Takeovers int64 `json:"takeovers"`
}

// Schedule parses the record's Spec.
func (r *ScheduleRecord) Schedule() (Schedule, error) {
	if at, ok := strings.CutPrefix(r.Spec, "at "); ok {
		t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(at))
		if err != nil {
			return nil, fmt.Errorf("%w: schedule %q: %v", oobkit.ErrInvalidArgument, r.Name, err)
		}
		return At(t), nil
	}
	return Cron(r.Spec)
}

var scheduleName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// Validate checks the name, spec, policy and job.
func (r *ScheduleRecord) Validate() error {
	if !scheduleName.MatchString(r.Name) {
		return fmt.Errorf("%w: schedule name %q: use letters, digits, '-' and '_'", oobkit.ErrInvalidArgument, r.Name)
	}
	if _, err := r.Schedule(); err != nil {
		return err
	}
	switch r.Missed {
	case "", MissedRunOnce, MissedSkip:
	default:
		return fmt.Errorf("%w: schedule %q: missed must be run-once or skip", oobkit.ErrInvalidArgument, r.Name)
	}
	if r.Job != nil {
		return r.Job.Validate()
	}
	return nil
}

// Errors of a [ScheduleStore].
var (
	ErrScheduleNotFound = errors.New("schedule not found")
	ErrScheduleExists   = errors.New("schedule already exists")
	// ErrScheduleConflict: the record changed since it was read (another
	// scheduler wrote it); read it again.
	ErrScheduleConflict = errors.New("schedule changed since read")
)

// ScheduleStore keeps durable schedules, each with a revision that changes
// on every write, so that schedulers sharing a store update records by
// compare-and-set. [FileScheduleStore] keeps them in a file (processes of
// one machine, under flock);
// tasks/jetstream's ScheduleStore in a JetStream key-value bucket (many
// workers).
type ScheduleStore interface {
	// List returns the names of the schedules.
	List(ctx context.Context) ([]string, error)
	// Get returns a record and its revision, or [ErrScheduleNotFound].
	Get(ctx context.Context, name string) (ScheduleRecord, uint64, error)
	// Create adds a record, or fails with [ErrScheduleExists].
	Create(ctx context.Context, rec ScheduleRecord) error
	// Update replaces the record read at revision rev and returns the new
	// revision, or fails with [ErrScheduleConflict].
	Update(ctx context.Context, rec ScheduleRecord, rev uint64) (uint64, error)
	// Delete removes a record; a missing one is not an error.
	Delete(ctx context.Context, name string) error
}

// FileScheduleStore is a [ScheduleStore] in one JSON file, rewritten
// atomically (temporary file, fsync, rename) on every change. Every
// operation holds an flock(2) lock on <file>.lock (shared to read,
// exclusive to read-modify-write), so several processes — schedulers on one
// machine, or oobctl editing schedules while one runs — may share the file:
// their compare-and-set updates are serialised, and each occurrence is
// claimed by exactly one of them. It is safe for concurrent use. (Where
// flock is missing, non-unix systems, it is safe for one process only.)
type FileScheduleStore struct {
	path string
	mu   sync.Mutex
}

type fileSchedules struct {
	Records map[string]fileSchedule `json:"records"`
}

type fileSchedule struct {
	Rev    uint64         `json:"rev"`
	Record ScheduleRecord `json:"record"`
}

// NewFileScheduleStore returns the store kept at path (created by the first
// write).
func NewFileScheduleStore(path string) *FileScheduleStore { return &FileScheduleStore{path: path} }

// lock takes this process's mutex, then the cross-process flock; the
// returned function releases both.
func (s *FileScheduleStore) lock(ctx context.Context, exclusive bool) (func(), error) {
	s.mu.Lock()
	l, err := lockFile(ctx, s.path+".lock", exclusive)
	if err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("schedules %s: %w", s.path, err)
	}
	return func() { l.Unlock(); s.mu.Unlock() }, nil
}

func (s *FileScheduleStore) load() (fileSchedules, error) {
	doc := fileSchedules{Records: map[string]fileSchedule{}}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return doc, nil
	}
	if err != nil {
		return doc, err
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return doc, fmt.Errorf("schedules %s: %w", s.path, err)
	}
	if doc.Records == nil {
		doc.Records = map[string]fileSchedule{}
	}
	return doc, nil
}

func (s *FileScheduleStore) save(doc fileSchedules) error {
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), "."+filepath.Base(s.path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(b)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.path)
}

// List returns the schedules' names, sorted.
func (s *FileScheduleStore) List(ctx context.Context) ([]string, error) {
	unlock, err := s.lock(ctx, false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	doc, err := s.load()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(doc.Records))
	for n := range doc.Records {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

// Get returns a record and its revision.
func (s *FileScheduleStore) Get(ctx context.Context, name string) (ScheduleRecord, uint64, error) {
	unlock, err := s.lock(ctx, false)
	if err != nil {
		return ScheduleRecord{}, 0, err
	}
	defer unlock()
	doc, err := s.load()
	if err != nil {
		return ScheduleRecord{}, 0, err
	}
	fs, ok := doc.Records[name]
	if !ok {
		return ScheduleRecord{}, 0, fmt.Errorf("%w: %q", ErrScheduleNotFound, name)
	}
	return fs.Record, fs.Rev, nil
}

// Create adds a record.
func (s *FileScheduleStore) Create(ctx context.Context, rec ScheduleRecord) error {
	unlock, err := s.lock(ctx, true)
	if err != nil {
		return err
	}
	defer unlock()
	doc, err := s.load()
	if err != nil {
		return err
	}
	if _, ok := doc.Records[rec.Name]; ok {
		return fmt.Errorf("%w: %q", ErrScheduleExists, rec.Name)
	}
	doc.Records[rec.Name] = fileSchedule{Rev: 1, Record: rec}
	return s.save(doc)
}

// Update replaces a record by compare-and-set on its revision.
func (s *FileScheduleStore) Update(ctx context.Context, rec ScheduleRecord, rev uint64) (uint64, error) {
	unlock, err := s.lock(ctx, true)
	if err != nil {
		return 0, err
	}
	defer unlock()
	doc, err := s.load()
	if err != nil {
		return 0, err
	}
	cur, ok := doc.Records[rec.Name]
	if !ok {
		return 0, fmt.Errorf("%w: %q", ErrScheduleNotFound, rec.Name)
	}
	if cur.Rev != rev {
		return 0, fmt.Errorf("%w: %q", ErrScheduleConflict, rec.Name)
	}
	doc.Records[rec.Name] = fileSchedule{Rev: rev + 1, Record: rec}
	return rev + 1, s.save(doc)
}

// Delete removes a record.
func (s *FileScheduleStore) Delete(ctx context.Context, name string) error {
	unlock, err := s.lock(ctx, true)
	if err != nil {
		return err
	}
	defer unlock()
	doc, err := s.load()
	if err != nil {
		return err
	}
	if _, ok := doc.Records[name]; !ok {
		return nil
	}
	delete(doc.Records, name)
	return s.save(doc)
}

// DurableOptions configures a [DurableScheduler].
type DurableOptions struct {
	// Owner names this scheduler in leases (default: host name and pid).
	Owner string
	// Clock is the time source (default: the real clock).
	Clock Clock
	// Poll is how often the store is read again for schedules added,
	// removed or run by others (default 10 s).
	Poll time.Duration
	// Lease is how long a claim on an occurrence lives without renewal
	// (default 1 min); the holder renews it every Lease/3 while the
	// occurrence runs. A holder that dies loses it a Lease later.
	Lease time.Duration
	// Grace is how late an occurrence may start and still count as on time
	// (default 1 min); later, it was missed and the schedule's
	// [MissedPolicy] applies.
	Grace time.Duration
}

// DurableScheduler runs durable schedules kept in a [ScheduleStore]: they
// survive restarts, several schedulers (workers) may share a store and each
// occurrence runs on exactly one of them — the one whose compare-and-set
// claim wins — and occurrences missed while none ran follow the schedule's
// [MissedPolicy]. A claim is a lease the holder renews; when the holder dies
// mid-occurrence, another scheduler takes the occurrence over once the lease
// lapses and runs it.
//
// While an occurrence still runs, the next one is skipped (counted in
// Skipped), as [Scheduler] does by default.
type DurableScheduler struct {
	store ScheduleStore
	run   func(ctx context.Context, rec ScheduleRecord, occurrence time.Time) error
	opt   DurableOptions

	mu      sync.Mutex
	running map[string]time.Time
	wg      sync.WaitGroup
}

// NewDurableScheduler returns a scheduler over store; run runs one
// occurrence of a schedule (see [RunScheduledJob]).
func NewDurableScheduler(store ScheduleStore, run func(ctx context.Context, rec ScheduleRecord, occurrence time.Time) error, opt DurableOptions) *DurableScheduler {
	if opt.Owner == "" {
		host, _ := os.Hostname()
		opt.Owner = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if opt.Clock == nil {
		opt.Clock = realClock{}
	}
	if opt.Poll <= 0 {
		opt.Poll = 10 * time.Second
	}
	if opt.Lease <= 0 {
		opt.Lease = time.Minute
	}
	if opt.Grace <= 0 {
		opt.Grace = time.Minute
	}
	return &DurableScheduler{store: store, run: run, opt: opt, running: map[string]time.Time{}}
}

// RunScheduledJob returns a run function for [NewDurableScheduler] that runs
// the record's job over its targets with r (a [Runner], a tasks/jetstream
// Dispatcher… any [Executor]) and hands each report to onReport (which may
// be nil).
func RunScheduledJob(r Executor, onReport func(ScheduleRecord, *Report, error)) func(context.Context, ScheduleRecord, time.Time) error {
	return func(ctx context.Context, rec ScheduleRecord, _ time.Time) error {
		if rec.Job == nil {
			return fmt.Errorf("%w: schedule %q has no job", oobkit.ErrInvalidArgument, rec.Name)
		}
		rep, err := r.Run(ctx, rec.Job, rec.Targets)
		if onReport != nil {
			onReport(rec, rep, err)
		}
		return err
	}
}

// Add stores a new schedule, created now.
func (d *DurableScheduler) Add(ctx context.Context, rec ScheduleRecord) error {
	if err := rec.Validate(); err != nil {
		return err
	}
	rec.Created = d.opt.Clock.Now()
	rec.Last, rec.Lease, rec.Runs, rec.Skipped, rec.Takeovers = time.Time{}, nil, 0, 0, 0
	return d.store.Create(ctx, rec)
}

// Remove deletes a schedule; an occurrence already running goes on.
func (d *DurableScheduler) Remove(ctx context.Context, name string) error {
	return d.store.Delete(ctx, name)
}

// Run ticks until ctx ends, then waits for the occurrences it started
// (which see ctx canceled and leave their lease to lapse, so that another
// scheduler may run them again).
func (d *DurableScheduler) Run(ctx context.Context) error {
	defer d.wg.Wait()
	for {
		next, err := d.Tick(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			next = d.opt.Clock.Now().Add(d.opt.Poll)
		}
		wait := max(next.Sub(d.opt.Clock.Now()), 0)
		select {
		case <-ctx.Done():
			return nil
		case <-d.opt.Clock.After(wait):
		}
	}
}

// Wait waits for the occurrences started by [DurableScheduler.Tick].
func (d *DurableScheduler) Wait() { d.wg.Wait() }

// Tick handles every schedule once at the clock's present time — takes over
// lapsed leases, claims and starts due occurrences, applies the missed-run
// policy — and returns when it should run again. Run calls it in a loop;
// tests call it directly.
func (d *DurableScheduler) Tick(ctx context.Context) (time.Time, error) {
	names, err := d.store.List(ctx)
	if err != nil {
		return time.Time{}, err
	}
	now := d.opt.Clock.Now()
	wake := now.Add(d.opt.Poll)
	var errs []error
	for _, name := range names {
		next, err := d.tickOne(ctx, name, now)
		if err != nil && !errors.Is(err, ErrScheduleNotFound) {
			errs = append(errs, fmt.Errorf("schedule %q: %w", name, err))
		}
		if !next.IsZero() && next.Before(wake) {
			wake = next
		}
	}
	return wake, errors.Join(errs...)
}

// tickOne handles one schedule; it returns when it wants to be looked at
// again (zero: at the next poll).
func (d *DurableScheduler) tickOne(ctx context.Context, name string, now time.Time) (time.Time, error) {
	for range 8 { // compare-and-set retries
		rec, rev, err := d.store.Get(ctx, name)
		if err != nil {
			return time.Time{}, err
		}
		sched, err := rec.Schedule()
		if err != nil {
			return time.Time{}, err
		}
		d.mu.Lock()
		_, mine := d.running[name]
		d.mu.Unlock()
		l := rec.Lease
		busy := l != nil && !l.Done && now.Before(l.Expires)
		if l != nil && !l.Done && !busy && !mine {
			// The holder died mid-occurrence: take it over.
			rec.Lease = &ScheduleLease{Occurrence: l.Occurrence, Owner: d.opt.Owner, Expires: now.Add(d.opt.Lease)}
			rec.Takeovers++
			if _, err := d.store.Update(ctx, rec, rev); errors.Is(err, ErrScheduleConflict) {
				continue
			} else if err != nil {
				return time.Time{}, err
			}
			d.start(ctx, rec, l.Occurrence)
			return time.Time{}, nil
		}
		base := rec.Last
		if base.IsZero() {
			base = rec.Created.Add(-time.Nanosecond)
			if _, oneShot := sched.(atSchedule); oneShot {
				base = time.Time{} // an "at" time already past when added is overdue, not never
			}
		}
		next := sched.Next(base)
		if next.IsZero() || next.After(now) {
			return next, nil
		}
		// Due: find the latest occurrence not after now.
		latest, passed := next, 0
		for passed < 1_000_000 {
			n := sched.Next(latest)
			if n.IsZero() || n.After(now) {
				break
			}
			latest = n
			passed++
		}
		missed := passed > 0 || now.Sub(next) > d.opt.Grace
		rec.Last = latest
		run := true
		switch {
		case busy || mine: // the previous occurrence still runs
			rec.Skipped += int64(passed) + 1
			run = false
		case missed && rec.Missed == MissedSkip:
			rec.Skipped += int64(passed) + 1
			run = false
		default: // on time, or missed with run-once: run once
			rec.Skipped += int64(passed)
			rec.Runs++
			rec.Lease = &ScheduleLease{Occurrence: latest, Owner: d.opt.Owner, Expires: now.Add(d.opt.Lease)}
		}
		if _, err := d.store.Update(ctx, rec, rev); errors.Is(err, ErrScheduleConflict) {
			continue // another scheduler moved first: look again
		} else if err != nil {
			return time.Time{}, err
		}
		if run {
			d.start(ctx, rec, latest)
		}
		return sched.Next(latest), nil
	}
	return time.Time{}, nil
}

// start runs one claimed occurrence, renewing the lease while it runs and
// marking it done at the end.
func (d *DurableScheduler) start(ctx context.Context, rec ScheduleRecord, at time.Time) {
	d.mu.Lock()
	d.running[rec.Name] = at
	d.mu.Unlock()
	stop := make(chan struct{})
	d.wg.Go(func() { d.renew(ctx, rec.Name, at, stop) })
	d.wg.Go(func() {
		defer func() {
			d.mu.Lock()
			delete(d.running, rec.Name)
			d.mu.Unlock()
		}()
		_ = d.run(ctx, rec, at)
		close(stop)
		if ctx.Err() != nil {
			return // stopping: leave the lease to lapse, another scheduler may run it again
		}
		d.updateLease(context.WithoutCancel(ctx), rec.Name, at, func(l *ScheduleLease) { l.Done = true })
	})
}

// renew extends the lease every Lease/3 until stop closes.
func (d *DurableScheduler) renew(ctx context.Context, name string, at time.Time, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-d.opt.Clock.After(d.opt.Lease / 3):
		}
		d.updateLease(ctx, name, at, func(l *ScheduleLease) { l.Expires = d.opt.Clock.Now().Add(d.opt.Lease) })
	}
}

// updateLease changes this scheduler's lease on occurrence at, if it still
// holds it.
func (d *DurableScheduler) updateLease(ctx context.Context, name string, at time.Time, fn func(*ScheduleLease)) {
	for range 8 {
		rec, rev, err := d.store.Get(ctx, name)
		if err != nil || rec.Lease == nil || rec.Lease.Owner != d.opt.Owner || !rec.Lease.Occurrence.Equal(at) {
			return
		}
		fn(rec.Lease)
		if _, err := d.store.Update(ctx, rec, rev); !errors.Is(err, ErrScheduleConflict) {
			return
		}
	}
}
