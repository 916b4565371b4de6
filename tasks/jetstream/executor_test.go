package jetstream

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/tasks"
)

// TestDurableScheduleThroughJetStream: a durable schedule, kept in the
// JetStream schedule store, runs its job through a Dispatcher (a
// tasks.Executor) on a worker, not in the scheduler's process.
func TestDurableScheduleThroughJetStream(t *testing.T) {
	targets := startFleet(t, 4, 0)
	ns := startServer(t)
	_, js := connect(t, ns, "scheduler")
	w := startWorker(t, ns, ipmiRunner(), WorkerOptions{Name: "site-worker"})
	d := NewDispatcher(js, DispatcherOptions{Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	store, err := NewScheduleStore(ctx, js, "")
	require.NoError(t, err)

	var (
		mu      sync.Mutex
		reports []*tasks.Report
	)
	run := tasks.RunScheduledJob(d, func(_ tasks.ScheduleRecord, rep *tasks.Report, err error) {
		assert.NoError(t, err)
		mu.Lock()
		reports = append(reports, rep)
		mu.Unlock()
	})
	s := tasks.NewDurableScheduler(store, run, tasks.DurableOptions{Owner: "test"})
	require.NoError(t, s.Add(ctx, tasks.ScheduleRecord{Name: "status-now", Spec: "at " + time.Now().UTC().Format(time.RFC3339),
		Job: statusJob(), Targets: targets}))
	_, err = s.Tick(ctx)
	require.NoError(t, err)
	s.Wait()

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, reports, 1, "the occurrence ran once")
	assert.Equal(t, len(targets), reports[0].Counts()[tasks.StatusOK])
	// The worker counts a result after its write to the results bucket
	// returns, which the dispatcher may see first: wait for the count.
	require.Eventually(t, func() bool { return w.Stats().Reported == int64(len(targets)) }, 30*time.Second, 5*time.Millisecond,
		"the worker ran every target (reported %d)", w.Stats().Reported)
}

// TestAlertJobThroughJetStream: an alert rule's job runs through a
// Dispatcher on a worker, for the computer that sent the event.
func TestAlertJobThroughJetStream(t *testing.T) {
	targets := startFleet(t, 1, 0)
	ns := startServer(t)
	_, js := connect(t, ns, "alerts")
	w := startWorker(t, ns, ipmiRunner(), WorkerOptions{Name: "alert-worker"})
	d := NewDispatcher(js, DispatcherOptions{Timeout: time.Minute})

	outcomes := make(chan tasks.AlertOutcome, 1)
	h := &tasks.AlertHandler{
		Runner: d,
		Rules:  []tasks.AlertRule{{Name: "any-critical", Severity: oobkit.SeverityCritical, Job: statusJob()}},
		Resolve: func(ev oobkit.Event) (oobkit.Target, bool) {
			return targets[0], ev.Target == targets[0].Address
		},
		OnOutcome: func(o tasks.AlertOutcome) { outcomes <- o },
	}
	events := make(chan oobkit.Event, 1)
	events <- oobkit.Event{Source: oobkit.IPMI, Target: targets[0].Address, Severity: oobkit.SeverityCritical}
	close(events)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, h.Serve(ctx, events)) // returns once the job it started is done
	select {
	case o := <-outcomes:
		assert.Equal(t, "any-critical", o.Rule)
		assert.Equal(t, tasks.StatusOK, o.Result.Status, o.Result.Error)
		assert.Equal(t, targets[0].String(), o.Result.Target)
	default:
		t.Fatal("no outcome")
	}
	require.Eventually(t, func() bool { return w.Stats().Reported == 1 }, 30*time.Second, 5*time.Millisecond,
		"the worker ran the target (reported %d)", w.Stats().Reported)
}
