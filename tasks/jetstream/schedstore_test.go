package jetstream

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/tasks"
)

// childSchedURLEnv makes the test binary a scheduler process
// (childSchedulerMain) that holds every occurrence it claims forever.
const childSchedURLEnv = "OOBKIT_JETSTREAM_TEST_SCHEDULER_URL"

// childSchedulerMain runs a durable scheduler whose occurrences never end:
// it prints "running <name>" when it starts one, and waits to be killed.
func childSchedulerMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	nc, err := nats.Connect(os.Getenv(childSchedURLEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer nc.Close()
	js, err := natsjs.New(nc)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	store, err := NewScheduleStore(ctx, js, "")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	d := tasks.NewDurableScheduler(store, func(ctx context.Context, rec tasks.ScheduleRecord, _ time.Time) error {
		fmt.Println("running", rec.Name)
		<-ctx.Done()
		return ctx.Err()
	}, tasks.DurableOptions{Owner: "holder", Poll: 50 * time.Millisecond, Lease: time.Second})
	if err := d.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

type runLog struct {
	mu   sync.Mutex
	runs map[string]int // "owner name occurrence"
	ch   chan string
}

func newRunLog() *runLog { return &runLog{runs: map[string]int{}, ch: make(chan string, 64)} }

func (l *runLog) as(owner string) func(context.Context, tasks.ScheduleRecord, time.Time) error {
	return func(_ context.Context, rec tasks.ScheduleRecord, at time.Time) error {
		l.mu.Lock()
		key := rec.Name + " " + at.UTC().Format(time.RFC3339Nano)
		l.runs[key]++
		l.mu.Unlock()
		l.ch <- owner + " " + key
		return nil
	}
}

func (l *runLog) snapshot() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]int{}
	for k, v := range l.runs {
		out[k] = v
	}
	return out
}

// TestScheduleStoreSurvivesRestart: a schedule added through one
// connection is found and run by a scheduler of another.
func TestScheduleStoreSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	ns := startServer(t)
	_, js := connect(t, ns, "first")
	store, err := NewScheduleStore(ctx, js, "")
	require.NoError(t, err)
	log := newRunLog()
	first := tasks.NewDurableScheduler(store, log.as("first"), tasks.DurableOptions{Owner: "first"})
	at := time.Now().Add(time.Hour).UTC()
	require.NoError(t, first.Add(ctx, tasks.ScheduleRecord{Name: "later", Spec: "at " + at.Format(time.RFC3339Nano),
		Job: &tasks.Job{Name: "status", Steps: []tasks.Step{{Task: &tasks.PowerStateTask{}}}}}))
	require.NoError(t, first.Add(ctx, tasks.ScheduleRecord{Name: "now", Spec: "at " + time.Now().UTC().Format(time.RFC3339Nano)}))
	require.ErrorIs(t, first.Add(ctx, tasks.ScheduleRecord{Name: "now", Spec: "@daily"}), tasks.ErrScheduleExists)

	_, js2 := connect(t, ns, "second")
	store2, err := NewScheduleStore(ctx, js2, "")
	require.NoError(t, err)
	names, err := store2.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"later", "now"}, names)
	rec, _, err := store2.Get(ctx, "later")
	require.NoError(t, err)
	assert.Equal(t, "status", rec.Job.Name)
	second := tasks.NewDurableScheduler(store2, log.as("second"), tasks.DurableOptions{Owner: "second"})
	_, err = second.Tick(ctx)
	require.NoError(t, err)
	second.Wait()
	assert.Len(t, log.snapshot(), 1, "the overdue one-shot ran; the later one waits")
	require.NoError(t, store2.Delete(ctx, "later"))
	names, err = store2.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"now"}, names)
}

// TestTwoWorkersOneRunPerOccurrence: two workers' schedulers share the
// bucket; every occurrence of a schedule due every second runs on exactly
// one of them.
func TestTwoWorkersOneRunPerOccurrence(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ns := startServer(t)
	log := newRunLog()
	var wg sync.WaitGroup
	for _, owner := range []string{"w1", "w2"} {
		_, js := connect(t, ns, owner)
		store, err := NewScheduleStore(ctx, js, "")
		require.NoError(t, err)
		d := tasks.NewDurableScheduler(store, log.as(owner), tasks.DurableOptions{Owner: owner, Poll: 20 * time.Millisecond})
		if owner == "w1" {
			require.NoError(t, d.Add(ctx, tasks.ScheduleRecord{Name: "tick", Spec: "@every 1s"}))
		}
		wg.Go(func() { assert.NoError(t, d.Run(ctx)) })
	}
	owners := map[string]bool{}
	for range 4 {
		select {
		case r := <-log.ch:
			owners[strings.Fields(r)[0]] = true
		case <-time.After(30 * time.Second):
			t.Fatal("the schedule stopped running")
		}
	}
	cancel()
	wg.Wait()
	runs := log.snapshot()
	assert.GreaterOrEqual(t, len(runs), 4)
	for occ, n := range runs {
		assert.Equal(t, 1, n, "occurrence %s ran %d times", occ, n)
	}
	t.Logf("occurrences run by %v", owners)
}

// TestScheduleHolderKilled: the worker holding an occurrence is SIGKILLed
// mid-run; its lease lapses, and exactly one other worker takes the
// occurrence over and completes it.
func TestScheduleHolderKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a scheduler process")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ns := startServer(t)
	_, js := connect(t, ns, "parent")
	store, err := NewScheduleStore(ctx, js, "")
	require.NoError(t, err)
	require.NoError(t, store.Create(ctx, tasks.ScheduleRecord{Name: "nightly", Spec: "at " + time.Now().UTC().Format(time.RFC3339Nano), Created: time.Now()}))

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childSchedURLEnv+"="+ns.ClientURL())
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	running := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "running ") {
				close(running)
				break
			}
		}
		for sc.Scan() { //nolint:revive // drain
		}
	}()
	select {
	case <-running:
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatal("the holder never started the occurrence")
	}
	require.NoError(t, cmd.Process.Kill()) // SIGKILL: no goodbye, the lease stays
	_ = cmd.Wait()
	rec, _, err := store.Get(ctx, "nightly")
	require.NoError(t, err)
	require.NotNil(t, rec.Lease)
	assert.Equal(t, "holder", rec.Lease.Owner)
	assert.False(t, rec.Lease.Done)

	log := newRunLog()
	var wg sync.WaitGroup
	for _, owner := range []string{"s1", "s2"} {
		_, js := connect(t, ns, owner)
		st, err := NewScheduleStore(ctx, js, "")
		require.NoError(t, err)
		d := tasks.NewDurableScheduler(st, log.as(owner), tasks.DurableOptions{Owner: owner, Poll: 20 * time.Millisecond, Lease: time.Second})
		wg.Go(func() { assert.NoError(t, d.Run(ctx)) })
	}
	var taker string
	select {
	case r := <-log.ch:
		taker = strings.Fields(r)[0]
	case <-time.After(time.Minute):
		t.Fatal("nobody took the occurrence over")
	}
	require.Eventually(t, func() bool {
		rec, _, err := store.Get(ctx, "nightly")
		return err == nil && rec.Lease != nil && rec.Lease.Done
	}, 30*time.Second, 10*time.Millisecond)
	cancel()
	wg.Wait()
	rec, _, err = store.Get(context.Background(), "nightly")
	require.NoError(t, err)
	assert.Equal(t, taker, rec.Lease.Owner)
	assert.Equal(t, int64(1), rec.Runs, "one occurrence")
	assert.Equal(t, int64(1), rec.Takeovers, "taken over once")
	for occ, n := range log.snapshot() {
		assert.Equal(t, 1, n, "occurrence %s ran %d times after the kill", occ, n)
	}
	assert.Len(t, log.snapshot(), 1)
}
