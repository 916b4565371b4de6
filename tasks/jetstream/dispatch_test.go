package jetstream

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/tasks"
)

const fleetGood, fleetLocked = 900, 100

// TestSameResultsAsInProcess runs one job over 1,000 embedded BMCs (100 of
// which refuse the credential) in-process and through JetStream with three
// workers: every result is the same, in the same order, each target is
// written exactly once, and no work item or result is left behind.
func TestSameResultsAsInProcess(t *testing.T) {
	targets := startFleet(t, fleetGood, fleetLocked)
	want, err := ipmiRunner().Run(context.Background(), statusJob(), targets)
	require.NoError(t, err)
	require.Equal(t, fleetGood, want.Counts()[tasks.StatusOK])
	require.Equal(t, fleetLocked, want.ByClass()["auth"])

	ns := startServer(t)
	_, js := connect(t, ns, "dispatcher")
	var workers []*testWorker
	for i := range 3 {
		workers = append(workers, startWorker(t, ns, ipmiRunner(), WorkerOptions{Name: fmt.Sprint("w", i)}))
	}
	var progress progressLog
	d := NewDispatcher(js, DispatcherOptions{Progress: progress.add, Timeout: time.Minute})
	got, err := d.Run(context.Background(), statusJob(), targets)
	require.NoError(t, err)

	require.Len(t, got.Results, len(targets))
	assert.Equal(t, want.Job, got.Job)
	for i := range targets {
		require.Equal(t, comparable(t, want.Results[i]), comparable(t, got.Results[i]), "target %d", i)
	}
	var st tasks.PowerStateOutput
	ok, err := DecodeOutput(&got.Results[0], "state", &st)
	if got.Results[0].Status == tasks.StatusOK {
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, want.Results[0].Output("state").(*tasks.PowerStateOutput).State, st.State)
	}

	assert.Equal(t, len(targets), progress.count(tasks.TargetDone))
	assert.Positive(t, progress.count(tasks.TargetStarted))
	assert.LessOrEqual(t, progress.count(tasks.TargetStarted), len(targets))
	for i, ev := range doneEvents(&progress) {
		assert.Equal(t, i+1, ev.Done)
		assert.Equal(t, len(targets), ev.Total)
	}
	progress.mu.Lock()
	for _, ev := range progress.events {
		if ev.Kind == tasks.TargetStarted {
			assert.Regexp(t, `^w[0-2]$`, ev.Worker, "progress names the worker that took the target")
		}
	}
	progress.mu.Unlock()
	for i, res := range got.Results {
		if res.Status != tasks.StatusOK {
			assert.ErrorIs(t, res.Err(), oobkit.ErrAuth, "Err survives JSON: target %d", i)
			assert.Equal(t, want.Results[i].Err().Error(), res.Err().Error())
		}
	}

	for _, w := range workers {
		assert.Positive(t, w.Stats().Received, "every worker took a share")
	}
	msgs, _ := streamState(t, js, DefaultStream)
	assert.Zero(t, msgs, "work queue empty")
	msgs, last := streamState(t, js, "KV_"+DefaultBucket)
	assert.Zero(t, msgs, "results removed once collected")
	assert.EqualValues(t, len(targets), last, "exactly one write per target")
}

func doneEvents(p *progressLog) []tasks.Progress {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []tasks.Progress
	for _, ev := range p.events {
		if ev.Kind == tasks.TargetDone {
			out = append(out, ev)
		}
	}
	return out
}

// TestWorkerDiesMidJob loses a worker mid-job: it takes items first, then
// its connection closes while a target runs, before it acknowledges. Two
// workers started afterwards get its items redelivered after AckWait, and
// every target still gets exactly one result, the same as in-process.
func TestWorkerDiesMidJob(t *testing.T) {
	targets := startFleet(t, fleetGood, fleetLocked)
	want, err := ipmiRunner().Run(context.Background(), statusJob(), targets)
	require.NoError(t, err)
	ns := startServer(t)
	_, js := connect(t, ns, "dispatcher")

	const ackWait = time.Second
	var (
		victim  atomic.Pointer[testWorker]
		started atomic.Int64
		killed  = make(chan struct{})
	)
	killer := tasks.WithProgress(func(p tasks.Progress) {
		if p.Kind == tasks.TargetStarted && started.Add(1) == 50 {
			victim.Load().nc.Close() // dies holding this item and others, unacknowledged
			close(killed)
		}
	})
	victim.Store(startWorker(t, ns, ipmiRunner(killer), WorkerOptions{Name: "victim", AckWait: ackWait, Concurrency: 4}))
	d := NewDispatcher(js, DispatcherOptions{Timeout: time.Minute, KeepResults: true})
	repc := make(chan *tasks.Report, 1)
	go func() {
		rep, err := d.Run(context.Background(), statusJob(), targets)
		assert.NoError(t, err)
		repc <- rep
	}()
	<-killed
	require.ErrorContains(t, victim.Load().wait(t), "connection closed", "Run ends on its own when NATS is lost")
	survivors := []*testWorker{
		startWorker(t, ns, ipmiRunner(), WorkerOptions{Name: "w1", AckWait: ackWait}),
		startWorker(t, ns, ipmiRunner(), WorkerOptions{Name: "w2", AckWait: ackWait}),
	}
	rep := <-repc
	require.Len(t, rep.Results, len(targets))
	for i := range targets {
		require.Equal(t, comparable(t, want.Results[i]), comparable(t, rep.Results[i]), "target %d", i)
	}
	var redelivered int64
	for _, w := range survivors {
		redelivered += w.Stats().Redelivered
	}
	assert.Positive(t, redelivered, "the victim's items were redelivered")
	msgs, last := streamState(t, js, "KV_"+DefaultBucket)
	assert.EqualValues(t, len(targets), msgs)
	assert.EqualValues(t, len(targets), last, "exactly one write per target")
}

// TestSiteScoping: each target goes only to workers of its site label;
// targets without one go to the default site.
func TestSiteScoping(t *testing.T) {
	targets := startFleet(t, 60, 0)
	sites := []string{"paris", "lyon", ""}
	for i := range targets {
		if s := sites[i%3]; s != "" {
			targets[i].Labels = map[string]string{"site": s}
		}
	}
	ns := startServer(t)
	_, js := connect(t, ns, "dispatcher")
	ran := map[string]*progressLog{}
	for _, site := range []string{"paris", "lyon", DefaultSite} {
		ran[site] = &progressLog{}
		for i := range 2 {
			startWorker(t, ns, ipmiRunner(tasks.WithProgress(ran[site].add)), WorkerOptions{Site: site, Name: fmt.Sprint(site, i)})
		}
	}
	d := NewDispatcher(js, DispatcherOptions{Timeout: time.Minute})
	rep, err := d.Run(context.Background(), statusJob(), targets)
	require.NoError(t, err)
	require.Equal(t, len(targets), rep.Counts()[tasks.StatusOK])

	siteOf := map[string]string{}
	for _, tg := range targets {
		siteOf[tg.String()] = d.Site(tg)
	}
	for site, log := range ran {
		assert.Equal(t, 20, log.count(tasks.TargetStarted), site)
		for _, ev := range log.events {
			assert.Equal(t, site, siteOf[ev.Target], "worker of %s ran %s", site, ev.Target)
		}
	}
}

// TestUnservedSiteTimesOut: with no worker for a site, the job ends at its
// deadline; that site's targets report canceled (class timeout) as the
// in-process runner reports unfinished targets, and their work items are
// removed from the stream.
func TestUnservedSiteTimesOut(t *testing.T) {
	targets := startFleet(t, 10, 0)
	for i := range targets {
		targets[i].Labels = map[string]string{"site": []string{"served", "dark"}[i%2]}
	}
	ns := startServer(t)
	_, js := connect(t, ns, "dispatcher")
	w := startWorker(t, ns, ipmiRunner(), WorkerOptions{Site: "served"})
	d := NewDispatcher(js, DispatcherOptions{Timeout: 2 * time.Second})
	rep, err := d.Run(context.Background(), statusJob(), targets)
	require.NoError(t, err)
	for i, res := range rep.Results {
		if i%2 == 0 {
			assert.Equal(t, tasks.StatusOK, res.Status, res.Target)
			continue
		}
		assert.Equal(t, tasks.StatusCanceled, res.Status, res.Target)
		assert.Equal(t, "timeout", res.Class)
		assert.Equal(t, oobkit.CodeTimeout, res.Code)
		require.Len(t, res.Steps, 1)
		assert.Equal(t, tasks.StatusNotRun, res.Steps[0].Status)
	}
	require.Eventually(t, func() bool { return w.Stats().Reported == 5 }, 10*time.Second, 10*time.Millisecond)
	msgs, _ := streamState(t, js, DefaultStream)
	assert.Zero(t, msgs, "the dark site's items were removed")
}

// TestLongTargetKeepsItem: a target running far longer than AckWait keeps
// its item through in-progress acknowledgements, and runs once.
//
// How long the targets run is decided by events, not the clock: they run
// until each item has had six in-progress acknowledgements, sent every third
// of AckWait, so two AckWaits by the workers' own tickers. The test asserts
// no wall-clock bound: a process stalled for longer than AckWait (the race
// detector on a loaded machine stalls for 400 ms) may get an item
// redelivered, and the worker handed it leaves it to the run in progress.
func TestLongTargetKeepsItem(t *testing.T) {
	ns := startServer(t)
	nc, js := connect(t, ns, "dispatcher")
	acks := watchAcks(t, nc, DefaultSite)
	gateName, gate := newGate(t)
	var workers []*testWorker
	for i := range 2 {
		workers = append(workers, startWorker(t, ns, ipmiRunner(tasks.WithProbe(nil)),
			WorkerOptions{Name: fmt.Sprint("w", i), AckWait: 300 * time.Millisecond}))
	}
	job := &tasks.Job{Name: "slow", Steps: []tasks.Step{{ID: "wait", Task: &gateTask{Gate: gateName}}}}
	targets := []oobkit.Target{{Name: "a", Address: "192.0.2.1"}, {Name: "b", Address: "192.0.2.2"}}
	repc := make(chan *tasks.Report, 1)
	go func() {
		rep, err := NewDispatcher(js, DispatcherOptions{Timeout: time.Minute}).Run(context.Background(), job, targets)
		assert.NoError(t, err)
		repc <- rep
	}()
	require.Eventually(t, func() bool {
		progress := acks.inProgress()
		return len(progress) == 2 && min(progress["1"], progress["2"]) >= 6
	}, 30*time.Second, 10*time.Millisecond, "in-progress acknowledgements of both items")
	gate.release()
	rep := <-repc
	require.NotNil(t, rep)
	require.Equal(t, 2, rep.Counts()[tasks.StatusOK])
	var out map[string]string
	ok, err := DecodeOutput(&rep.Results[1], "wait", &out)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, gateName, out["gate"])
	assert.Equal(t, map[string]int{"a": 1, "b": 1}, gate.timesRun(), "each target ran once")
	require.Eventually(t, func() bool {
		return workers[0].Stats().Reported+workers[1].Stats().Reported == 2
	}, 10*time.Second, 10*time.Millisecond, "each target reported once")
	for _, w := range workers {
		if st := w.Stats(); st.Redelivered > 0 {
			t.Logf("%s: %d redelivered while running (a stall longer than AckWait), %d left to their run",
				w.name, st.Redelivered, st.AlreadyRunning)
		}
	}
}

// TestRedeliveredWhileRunningRunsOnce: an item the server hands out again
// while its target still runs (as after a stall longer than AckWait; here
// forced by refusing the item on its acknowledgement subject) is left to the
// run in progress, whether it reaches the worker running it or another one:
// the target runs once and is reported once.
func TestRedeliveredWhileRunningRunsOnce(t *testing.T) {
	tests := []struct {
		name        string
		workers     int
		concurrency int // 1: the worker running the item asks for no other
	}{
		{"same worker", 1, 2},
		{"another worker", 2, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ns := startServer(t)
			nc, js := connect(t, ns, "dispatcher")
			acks := watchAcks(t, nc, DefaultSite)
			gateName, gate := newGate(t)
			var workers []*testWorker
			for i := range tc.workers {
				workers = append(workers, startWorker(t, ns, ipmiRunner(tasks.WithProbe(nil)),
					WorkerOptions{Name: fmt.Sprint("w", i), AckWait: time.Second, Concurrency: tc.concurrency}))
			}
			job := &tasks.Job{Name: "slow", Steps: []tasks.Step{{ID: "wait", Task: &gateTask{Gate: gateName}}}}
			targets := []oobkit.Target{{Name: "a", Address: "192.0.2.1"}}
			repc := make(chan *tasks.Report, 1)
			go func() {
				rep, err := NewDispatcher(js, DispatcherOptions{Timeout: time.Minute}).Run(context.Background(), job, targets)
				assert.NoError(t, err)
				repc <- rep
			}()
			require.Eventually(t, func() bool { return acks.inProgress()["1"] > 0 }, 30*time.Second, 10*time.Millisecond)
			require.NoError(t, nc.Publish(acks.ackSubject("1"), []byte("-NAK")))
			alreadyRunning := func() (n int64) {
				for _, w := range workers {
					n += w.Stats().AlreadyRunning
				}
				return n
			}
			require.Eventually(t, func() bool { return alreadyRunning() >= 1 || gate.timesRun()["a"] > 1 },
				30*time.Second, 10*time.Millisecond, "the redelivery reached a worker")
			gate.release()
			rep := <-repc
			require.NotNil(t, rep)
			require.Equal(t, tasks.StatusOK, rep.Results[0].Status, rep.Results[0].Error)
			assert.Equal(t, map[string]int{"a": 1}, gate.timesRun(), "the target ran once")
			var reported int64
			for _, w := range workers {
				require.Eventually(t, func() bool { return w.Stats().Reported+w.Stats().AlreadyRunning >= 1 }, 10*time.Second,
					10*time.Millisecond, "%s took the item or its redelivery", w.name)
				reported += w.Stats().Reported
				if tc.workers > 1 && w.Stats().AlreadyRunning > 0 {
					assert.Zero(t, w.Stats().Reported, "%s got the redelivery, not the first delivery", w.name)
				}
			}
			assert.EqualValues(t, 1, reported)
		})
	}
}

// TestShutdownReturnsItems: a worker stopped mid-target cancels it and hands
// the item back (Nak, offered again after PollWait, not AckWait); another
// worker runs it to completion.
func TestShutdownReturnsItems(t *testing.T) {
	ns := startServer(t)
	_, js := connect(t, ns, "dispatcher")
	first := startWorker(t, ns, ipmiRunner(tasks.WithProbe(nil)), WorkerOptions{Name: "first", AckWait: time.Minute, PollWait: 500 * time.Millisecond})
	job := &tasks.Job{Name: "slow", Steps: []tasks.Step{{Task: &sleepTask{For: tasks.Duration(time.Second)}}}}
	targets := []oobkit.Target{{Name: "a", Address: "192.0.2.1"}}
	var progress progressLog
	d := NewDispatcher(js, DispatcherOptions{Timeout: 30 * time.Second, Progress: progress.add})
	repc := make(chan *tasks.Report, 1)
	go func() {
		rep, err := d.Run(context.Background(), job, targets)
		assert.NoError(t, err)
		repc <- rep
	}()
	require.Eventually(t, func() bool { return progress.count(tasks.TargetStarted) == 1 }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, first.stop(t))
	assert.EqualValues(t, 1, first.Stats().Returned)
	second := startWorker(t, ns, ipmiRunner(tasks.WithProbe(nil)), WorkerOptions{Name: "second", AckWait: time.Minute})
	rep := <-repc
	require.Equal(t, tasks.StatusOK, rep.Results[0].Status, rep.Results[0].Error)
	// The worker counts a result once its write returns, which may be after
	// the dispatcher saw it.
	require.Eventually(t, func() bool { return second.Stats().Reported == 1 }, 10*time.Second, 10*time.Millisecond)
	assert.EqualValues(t, 1, second.Stats().Redelivered)
}

// TestCancelStopsWorkers: canceling a job cancels its targets in progress
// on the workers at once (not at a deadline), and they write no result.
func TestCancelStopsWorkers(t *testing.T) {
	ns := startServer(t)
	_, js := connect(t, ns, "dispatcher")
	w := startWorker(t, ns, ipmiRunner(tasks.WithProbe(nil)), WorkerOptions{Name: "w"})
	job := &tasks.Job{Name: "slow", Steps: []tasks.Step{{Task: &sleepTask{For: tasks.Duration(time.Hour)}}}}
	targets := []oobkit.Target{{Name: "a", Address: "192.0.2.1"}, {Name: "b", Address: "192.0.2.2"}}
	var progress progressLog
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := NewDispatcher(js, DispatcherOptions{Progress: progress.add, KeepResults: true})
	repc := make(chan *tasks.Report, 1)
	go func() {
		rep, err := d.Run(ctx, job, targets)
		assert.NoError(t, err)
		repc <- rep
	}()
	require.Eventually(t, func() bool { return progress.count(tasks.TargetStarted) == 2 }, 10*time.Second, 10*time.Millisecond)
	cancel()
	rep := <-repc
	for _, res := range rep.Results {
		assert.Equal(t, tasks.StatusCanceled, res.Status)
		assert.Equal(t, "canceled", res.Class)
	}
	require.Eventually(t, func() bool { return w.Stats().Ended == 2 }, 10*time.Second, 10*time.Millisecond,
		"the worker stopped both targets")
	assert.Zero(t, w.Stats().Reported)
	_, last := streamState(t, js, "KV_"+DefaultBucket)
	assert.Zero(t, last, "no result written")
}

// TestCanceledBeforeStart: as in-process, a job whose context has ended
// reports every target canceled, and leaves nothing queued.
func TestCanceledBeforeStart(t *testing.T) {
	ns := startServer(t)
	_, js := connect(t, ns, "dispatcher")
	d := NewDispatcher(js, DispatcherOptions{})
	targets := []oobkit.Target{{Name: "a", Address: "192.0.2.1"}, {Name: "b", Address: "192.0.2.2"}}
	_, err := d.Run(context.Background(), statusJob(), nil) // sets up the stream and bucket
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := d.Run(ctx, statusJob(), targets)
	require.NoError(t, err)
	require.Len(t, rep.Results, 2)
	for i, res := range rep.Results {
		assert.Equal(t, targets[i].Name, res.Target)
		assert.Equal(t, tasks.StatusCanceled, res.Status)
		assert.Equal(t, oobkit.CodeCanceled, res.Code)
	}
	msgs, _ := streamState(t, js, DefaultStream)
	assert.Zero(t, msgs)
}

// TestRunJobOnSchedule: a scheduled job dispatches over JetStream.
func TestRunJobOnSchedule(t *testing.T) {
	targets := startFleet(t, 20, 0)
	ns := startServer(t)
	_, js := connect(t, ns, "dispatcher")
	startWorker(t, ns, ipmiRunner(), WorkerOptions{})
	d := NewDispatcher(js, DispatcherOptions{Timeout: time.Minute})
	s := tasks.NewScheduler(nil)
	reports := make(chan *tasks.Report, 1)
	require.NoError(t, s.Add("status", tasks.Once(), RunJob(d, statusJob(), func() []oobkit.Target { return targets },
		func(rep *tasks.Report, err error) {
			assert.NoError(t, err)
			reports <- rep
		})))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s.Run(ctx) // returns when Once has run
	select {
	case rep := <-reports:
		assert.Equal(t, len(targets), rep.Counts()[tasks.StatusOK])
	case <-ctx.Done():
		t.Fatal("the scheduled job never reported")
	}
}

// TestDispatcherRejects: invalid input fails before anything is published.
func TestDispatcherRejects(t *testing.T) {
	ns := startServer(t)
	_, js := connect(t, ns, "dispatcher")
	d := NewDispatcher(js, DispatcherOptions{})
	tests := []struct {
		name    string
		job     *tasks.Job
		targets []oobkit.Target
		class   error
	}{
		{"site with a dot", statusJob(), []oobkit.Target{{Address: "192.0.2.1", Labels: map[string]string{"site": "a.b"}}}, oobkit.ErrInvalidArgument},
		{"site wildcard", statusJob(), []oobkit.Target{{Address: "192.0.2.1", Labels: map[string]string{"site": ">"}}}, oobkit.ErrInvalidArgument},
		{"job without steps", &tasks.Job{Name: "empty"}, []oobkit.Target{{Address: "192.0.2.1"}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := d.Run(context.Background(), tc.job, tc.targets)
			require.Error(t, err)
			assert.Nil(t, rep)
			if tc.class != nil {
				assert.ErrorIs(t, err, tc.class)
			}
		})
	}
	w := NewWorker(js, ipmiRunner(), WorkerOptions{Site: "a b"})
	assert.ErrorIs(t, w.Run(context.Background()), oobkit.ErrInvalidArgument)
}

// TestSiteWithoutWorker: with SiteTimeout, a job whose site no worker
// serves (here a worker serves another site) is given up once SiteTimeout
// passes, long before the job's own Timeout, and each target says which
// site has no worker; the work items are removed.
func TestSiteWithoutWorker(t *testing.T) {
	targets := startFleet(t, 4, 0)
	for i := range targets {
		targets[i].Labels = map[string]string{"site": "paris"}
	}
	ns := startServer(t)
	_, js := connect(t, ns, "dispatcher")
	startWorker(t, ns, ipmiRunner(), WorkerOptions{Site: "lyon"})
	d := NewDispatcher(js, DispatcherOptions{Timeout: time.Hour, SiteTimeout: 200 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := d.Run(ctx, statusJob(), targets)
	require.NoError(t, err)
	require.NoError(t, ctx.Err(), "given up by SiteTimeout, not by the test's deadline")
	for _, res := range rep.Results {
		assert.Equal(t, tasks.StatusCanceled, res.Status, res.Target)
		assert.Equal(t, `no worker serves site "paris" (waited 200ms)`, res.Error)
		var nw *NoWorkerError
		require.ErrorAs(t, res.Err(), &nw)
		assert.Equal(t, "paris", nw.Site)
		assert.ErrorIs(t, res.Err(), context.DeadlineExceeded)
		assert.Equal(t, "timeout", res.Class)
		require.Len(t, res.Steps, 1)
		assert.Equal(t, tasks.StatusNotRun, res.Steps[0].Status)
	}
	msgs, _ := streamState(t, js, DefaultStream)
	assert.Zero(t, msgs, "the items of the site without a worker were removed")
}
