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

// Environment of a test binary re-executed as a worker process.
const (
	childURLEnv  = "OOBKIT_JETSTREAM_TEST_WORKER_URL"
	childNameEnv = "OOBKIT_JETSTREAM_TEST_WORKER_NAME"
)

// childWorkerMain runs a worker in a child process: it connects to the
// parent's NATS server, prints "started <target>" for every target it
// starts, and stops cleanly on SIGTERM.
func childWorkerMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	name := os.Getenv(childNameEnv)
	nc, err := nats.Connect(os.Getenv(childURLEnv), nats.Name(name))
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
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	announce := tasks.WithProgress(func(p tasks.Progress) {
		if p.Kind == tasks.TargetStarted {
			mu.Lock()
			fmt.Fprintln(out, "started", p.Target)
			_ = out.Flush()
			mu.Unlock()
		}
	})
	w := NewWorker(js, ipmiRunner(announce), WorkerOptions{Name: name, AckWait: time.Second, Concurrency: 8})
	if err := w.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s := w.Stats()
	fmt.Fprintf(out, "stats reported=%d redelivered=%d\n", s.Reported, s.Redelivered)
	_ = out.Flush()
	return 0
}

// childWorker is a worker process and the lines it printed.
type childWorker struct {
	cmd     *exec.Cmd
	mu      sync.Mutex
	started int
	stats   string
	done    chan struct{}
}

func startChild(t *testing.T, url, name string, onStarted func(c *childWorker, n int)) *childWorker {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childURLEnv+"="+url, childNameEnv+"="+name)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	c := &childWorker{cmd: cmd, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			c.mu.Lock()
			if strings.HasPrefix(line, "started ") {
				c.started++
			} else if strings.HasPrefix(line, "stats ") {
				c.stats = line
			}
			n := c.started
			c.mu.Unlock()
			if onStarted != nil && strings.HasPrefix(line, "started ") {
				onStarted(c, n)
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-c.done
		_ = cmd.Wait()
	})
	return c
}

// TestWorkerProcessesSurviveSIGKILL runs a 1,000-target job on three
// worker processes (this test binary re-executed) and SIGKILLs one of them
// mid-job: the others take its unacknowledged items after AckWait and every
// target gets exactly one result, as in-process.
func TestWorkerProcessesSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	targets := startFleet(t, fleetGood, fleetLocked)
	want, err := ipmiRunner().Run(context.Background(), statusJob(), targets)
	require.NoError(t, err)
	ns := startServer(t)
	_, js := connect(t, ns, "dispatcher")

	var killOnce sync.Once
	killed := make(chan struct{})
	kill := func(c *childWorker, n int) {
		if n >= 40 {
			killOnce.Do(func() {
				_ = c.cmd.Process.Kill() // SIGKILL: no Nak, no goodbye
				close(killed)
			})
		}
	}
	victim := startChild(t, ns.ClientURL(), "victim", kill)
	// The victim registers the consumer and takes items before the others.
	d := NewDispatcher(js, DispatcherOptions{Timeout: 2 * time.Minute, KeepResults: true})
	repc := make(chan *tasks.Report, 1)
	go func() {
		rep, err := d.Run(context.Background(), statusJob(), targets)
		assert.NoError(t, err)
		repc <- rep
	}()
	select {
	case <-killed:
	case <-time.After(time.Minute):
		t.Fatal("victim never started 40 targets")
	}
	others := []*childWorker{startChild(t, ns.ClientURL(), "w1", nil), startChild(t, ns.ClientURL(), "w2", nil)}
	rep := <-repc

	<-victim.done
	require.Len(t, rep.Results, len(targets))
	for i := range targets {
		require.Equal(t, comparable(t, want.Results[i]), comparable(t, rep.Results[i]), "target %d", i)
	}
	msgs, last := streamState(t, js, "KV_"+DefaultBucket)
	assert.EqualValues(t, len(targets), msgs)
	assert.EqualValues(t, len(targets), last, "exactly one write per target")

	var redelivered int
	for _, c := range others {
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		<-c.done
		require.NoError(t, c.cmd.Wait(), "clean exit on SIGTERM")
		c.mu.Lock()
		var rep, red int
		_, err := fmt.Sscanf(c.stats, "stats reported=%d redelivered=%d", &rep, &red)
		c.mu.Unlock()
		require.NoError(t, err, "stats line %q", c.stats)
		redelivered += red
	}
	assert.Positive(t, redelivered, "the killed process's items were redelivered")
}
