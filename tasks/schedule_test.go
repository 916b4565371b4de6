package tasks

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// fakeClock is a Clock moved by hand.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), ch: ch})
	return ch
}

// advance moves time on and fires the timers due.
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}

// waitForWaiters waits (bounded by 10 s, generous for a loaded machine)
// until n timers are pending.
func (c *fakeClock) waitForWaiters(t *testing.T, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.waiters) >= n
	}, 10*time.Second, time.Millisecond, "scheduler never waited on %d timers", n)
}

func TestCronNoOverlap(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 5, 10, 0, 30, 0, time.UTC)}
	s := NewScheduler(clock)
	release := make(chan struct{})
	started := make(chan time.Time, 10)
	sched, err := Cron("*/5 * * * *")
	require.NoError(t, err)
	require.NoError(t, s.Add("sweep", sched, func(ctx context.Context) {
		started <- clock.Now()
		select {
		case <-release:
		case <-ctx.Done():
		}
	}))
	require.Error(t, s.Add("sweep", sched, func(context.Context) {}), "names are unique")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()

	clock.waitForWaiters(t, 1)
	clock.advance(5 * time.Minute) // 10:05:30 ≥ 10:05
	assert.Equal(t, time.Date(2026, 1, 5, 10, 5, 30, 0, time.UTC), <-started)
	for range 2 { // 10:10 and 10:15 while the first run is still going
		clock.waitForWaiters(t, 1)
		clock.advance(5 * time.Minute)
	}
	clock.waitForWaiters(t, 1)
	assert.Equal(t, EntryStats{Runs: 1, Skipped: 2, Running: 1}, s.Stats("sweep"))
	release <- struct{}{}
	require.Eventually(t, func() bool { return s.Stats("sweep").Running == 0 }, // the run ends asynchronously
		10*time.Second, time.Millisecond)
	clock.advance(5 * time.Minute)
	<-started
	assert.Equal(t, int64(2), s.Stats("sweep").Runs)
	cancel()
	<-done
}

func TestCronRejectsBadExpression(t *testing.T) {
	for _, expr := range []string{"", "61 * * * *", "* * *", "@sometimes"} {
		_, err := Cron(expr)
		assert.ErrorIs(t, err, oobkit.ErrInvalidArgument, expr)
	}
	s, err := Cron("CRON_TZ=UTC 30 2 * * 1-5")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 1, 6, 2, 30, 0, 0, time.UTC), s.Next(time.Date(2026, 1, 5, 3, 0, 0, 0, time.UTC)))
}

func TestScheduledJobAtTime(t *testing.T) {
	f := newFleet()
	d := newDevice(oobkit.PowerS5, oobkit.AMT)
	targets := []oobkit.Target{f.add("pc", d)}
	r := testRunner(f, goodCreds(allProtos...))
	var got *Report
	s := NewScheduler(nil)
	job := &Job{Name: "wake", Steps: []Step{{Task: &PowerTask{Action: oobkit.ActionOn}}}}
	require.NoError(t, s.Add("wake", At(time.Now().Add(20*time.Millisecond)), RunJob(r, job, func() []oobkit.Target { return targets }, func(rep *Report, err error) {
		require.NoError(t, err)
		got = rep
	})))
	s.Run(context.Background()) // returns once the single run is done
	require.NotNil(t, got)
	assert.Equal(t, StatusOK, got.Results[0].Status)
	assert.True(t, d.State().IsOn())
}

// TestOneShotOverdue: a one-shot time already past when the scheduler starts
// (Once created a while before Run, or At delayed by a loaded machine) runs
// at once, exactly once.
func TestOneShotOverdue(t *testing.T) {
	clock := &fakeClock{now: time.Now().Add(time.Hour)} // Once() below is an hour old when Run starts
	s := NewScheduler(clock)
	var runs sync.Map
	count := func(name string) func(context.Context) {
		return func(context.Context) { v, _ := runs.LoadOrStore(name, new(int)); *v.(*int)++ }
	}
	require.NoError(t, s.Add("past", At(clock.now.Add(-time.Minute)), count("past")))
	require.NoError(t, s.Add("once", Once(), count("once")))
	s.Run(context.Background()) // returns once both single runs are done
	for _, name := range []string{"past", "once"} {
		v, ok := runs.Load(name)
		require.True(t, ok, name)
		assert.Equal(t, 1, *v.(*int), name)
		assert.Equal(t, int64(1), s.Stats(name).Runs, name)
	}
}
