package tasks

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// occurrenceLog records the occurrences run, by scheduler.
type occurrenceLog struct {
	mu  sync.Mutex
	ran []string
}

func (o *occurrenceLog) runAs(owner string) func(context.Context, ScheduleRecord, time.Time) error {
	return func(_ context.Context, rec ScheduleRecord, at time.Time) error {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.ran = append(o.ran, owner+" "+rec.Name+" "+at.UTC().Format("15:04"))
		return nil
	}
}

func (o *occurrenceLog) list() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.ran...)
}

func getRecord(t *testing.T, s ScheduleStore, name string) ScheduleRecord {
	t.Helper()
	rec, _, err := s.Get(context.Background(), name)
	require.NoError(t, err)
	return rec
}

// TestDurableSchedulesSurviveRestart: a schedule kept in a file is still
// there after the scheduler (and its store) are gone, and runs on time.
func TestDurableSchedulesSurviveRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "schedules.json")
	clock := &fakeClock{now: time.Date(2024, 5, 1, 1, 0, 0, 0, time.UTC)}
	var log occurrenceLog
	job := &Job{Name: "wake", Steps: []Step{{Task: &PowerStateTask{}}}}

	first := NewDurableScheduler(NewFileScheduleStore(path), log.runAs("first"), DurableOptions{Owner: "first", Clock: clock, Poll: 24 * time.Hour})
	require.NoError(t, first.Add(ctx, ScheduleRecord{Name: "nightly", Spec: "0 2 * * *", Job: job}))
	next, err := first.Tick(ctx)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2024, 5, 1, 2, 0, 0, 0, time.UTC), next)
	assert.Empty(t, log.list())
	require.ErrorIs(t, first.Add(ctx, ScheduleRecord{Name: "nightly", Spec: "@daily"}), ErrScheduleExists)
	require.ErrorIs(t, first.Add(ctx, ScheduleRecord{Name: "bad name", Spec: "@daily"}), oobkit.ErrInvalidArgument)
	require.Error(t, first.Add(ctx, ScheduleRecord{Name: "x", Spec: "every now and then"}))

	// Restart: a new scheduler over a new store on the same file.
	clock.advance(time.Hour)
	second := NewDurableScheduler(NewFileScheduleStore(path), log.runAs("second"), DurableOptions{Owner: "second", Clock: clock})
	_, err = second.Tick(ctx)
	require.NoError(t, err)
	second.Wait()
	assert.Equal(t, []string{"second nightly 02:00"}, log.list())
	rec := getRecord(t, NewFileScheduleStore(path), "nightly")
	assert.Equal(t, "wake", rec.Job.Name, "the job is kept with the schedule")
	assert.Equal(t, int64(1), rec.Runs)
	require.NotNil(t, rec.Lease)
	assert.True(t, rec.Lease.Done)
	assert.Equal(t, "second", rec.Lease.Owner)

	// Ticking again at the same time runs nothing more.
	_, err = second.Tick(ctx)
	require.NoError(t, err)
	second.Wait()
	assert.Len(t, log.list(), 1)
}

// TestMissedRunPolicy: after an outage of five and a half hours, an hourly
// schedule with run-once runs once (for the 05:00 occurrence) and counts four
// skipped; with skip it runs nothing and counts five; both run the 06:00
// occurrence on time.
func TestMissedRunPolicy(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{now: time.Date(2024, 5, 1, 0, 10, 0, 0, time.UTC)}
	store := NewFileScheduleStore(filepath.Join(t.TempDir(), "s.json"))
	var log occurrenceLog
	d := NewDurableScheduler(store, log.runAs("w"), DurableOptions{Owner: "w", Clock: clock, Poll: 24 * time.Hour})
	require.NoError(t, d.Add(ctx, ScheduleRecord{Name: "once", Spec: "@hourly", Missed: MissedRunOnce}))
	require.NoError(t, d.Add(ctx, ScheduleRecord{Name: "skip", Spec: "@hourly", Missed: MissedSkip}))

	clock.advance(5*time.Hour + 20*time.Minute) // 05:30: 01:00 to 05:00 were missed
	next, err := d.Tick(ctx)
	require.NoError(t, err)
	d.Wait()
	assert.Equal(t, []string{"w once 05:00"}, log.list())
	assert.Equal(t, time.Date(2024, 5, 1, 6, 0, 0, 0, time.UTC), next)
	once, skip := getRecord(t, store, "once"), getRecord(t, store, "skip")
	assert.Equal(t, [2]int64{1, 4}, [2]int64{once.Runs, once.Skipped})
	assert.Equal(t, [2]int64{0, 5}, [2]int64{skip.Runs, skip.Skipped})

	clock.advance(30*time.Minute + 2*time.Second) // 06:00:02, within the grace: on time
	_, err = d.Tick(ctx)
	require.NoError(t, err)
	d.Wait()
	assert.ElementsMatch(t, []string{"w once 05:00", "w once 06:00", "w skip 06:00"}, log.list())
}

// TestOneRunPerOccurrenceSharedFile: two schedulers over one store tick at
// the same moments; every occurrence runs exactly once.
func TestOneRunPerOccurrenceSharedFile(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{now: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)}
	store := NewFileScheduleStore(filepath.Join(t.TempDir(), "s.json"))
	var log occurrenceLog
	a := NewDurableScheduler(store, log.runAs("a"), DurableOptions{Owner: "a", Clock: clock})
	b := NewDurableScheduler(store, log.runAs("b"), DurableOptions{Owner: "b", Clock: clock})
	require.NoError(t, a.Add(ctx, ScheduleRecord{Name: "q", Spec: "*/15 * * * *"}))
	for range 8 {
		clock.advance(15 * time.Minute)
		var wg sync.WaitGroup
		for _, d := range []*DurableScheduler{a, b} {
			wg.Go(func() {
				_, err := d.Tick(ctx)
				assert.NoError(t, err)
			})
		}
		wg.Wait()
		a.Wait()
		b.Wait()
	}
	seen := map[string]int{}
	for _, r := range log.list() {
		seen[r[2:]]++
	}
	assert.Len(t, seen, 8, "every occurrence ran")
	for occ, n := range seen {
		assert.Equal(t, 1, n, occ)
	}
	assert.Equal(t, int64(8), getRecord(t, store, "q").Runs)
}
