package jetstream

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/tasks"
)

// panicTask panics on the target whose address is Victim: in the task
// itself (In "task") or in its output's MarshalJSON (In "marshal"), which
// only the worker runs when it writes the result.
type panicTask struct {
	Victim string `json:"victim"`
	In     string `json:"in"`
}

func (*panicTask) Kind() string { return "jetstream-test-panic" }

func (p *panicTask) Run(_ context.Context, env *tasks.Env) (any, error) {
	if env.Target.Address != p.Victim {
		return map[string]string{"ok": env.Target.Address}, nil
	}
	if p.In == "marshal" {
		return explodingOutput{}, nil
	}
	var m map[string]int
	m[env.Target.Address]++ // assignment to entry in nil map
	return nil, nil
}

type explodingOutput struct{}

func (explodingOutput) MarshalJSON() ([]byte, error) { panic("output encoder bug") }

func init() { tasks.RegisterKind("jetstream-test-panic", func() tasks.Task { return &panicTask{} }) }

// lockedBuffer is a log destination safe for concurrent writers.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestPanicFailsItsItemOnce: a panic on one of 20 targets, in the task or in
// the worker's encoding of its output, is that target's internal failure,
// reported once; the item is acknowledged, not redelivered to crash the
// next worker.
func TestPanicFailsItsItemOnce(t *testing.T) {
	for _, in := range []string{"task", "marshal"} {
		t.Run(in, func(t *testing.T) {
			ns := startServer(t)
			_, js := connect(t, ns, "dispatcher")
			var log lockedBuffer
			logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
			var workers []*testWorker
			for i := range 2 {
				workers = append(workers, startWorker(t, ns, ipmiRunner(tasks.WithProbe(nil), tasks.WithLogger(logger)),
					WorkerOptions{Name: fmt.Sprint("w", i), Logger: logger, AckWait: time.Minute, PollWait: time.Second}))
			}
			var targets []oobkit.Target
			for i := range 20 {
				targets = append(targets, oobkit.Target{Name: fmt.Sprintf("pc-%02d", i), Address: fmt.Sprintf("192.0.2.%d", i+1)})
			}
			job := &tasks.Job{Name: "buggy", Steps: []tasks.Step{{ID: "bug", Task: &panicTask{Victim: "192.0.2.8", In: in}}}}
			rep, err := NewDispatcher(js, DispatcherOptions{Timeout: time.Minute}).Run(context.Background(), job, targets)
			require.NoError(t, err)
			require.Len(t, rep.Results, 20, "the report is complete")
			classes := map[string]int{}
			for _, r := range rep.Results {
				classes[r.Class]++
			}
			assert.Equal(t, map[string]int{"ok": 19, "internal": 1}, classes)
			bad := rep.Results[7]
			assert.Equal(t, "pc-07", bad.Target)
			assert.Equal(t, tasks.StatusFailed, bad.Status)
			assert.Equal(t, oobkit.CodeInternal, bad.Code)
			assert.ErrorIs(t, bad.Err(), oobkit.ErrInternal)
			want := map[string]string{"task": "assignment to entry in nil map", "marshal": "output encoder bug"}[in]
			assert.Contains(t, bad.Error, want)

			// A worker counts a result after its write, which the dispatcher
			// may see first: wait for the count, then check it is exact.
			counts := func() (reported, redelivered int64) {
				for _, w := range workers {
					st := w.Stats()
					reported += st.Reported
					redelivered += st.Redelivered
				}
				return reported, redelivered
			}
			require.Eventually(t, func() bool { r, _ := counts(); return r >= 20 }, 20*time.Second, 5*time.Millisecond,
				"every result counted by its worker")
			reported, redelivered := counts()
			assert.EqualValues(t, 20, reported, "every result written once")
			assert.Zero(t, redelivered, "no item delivered twice")
			cons, err := js.Consumer(context.Background(), workers[0].names.Stream, workers[0].names.consumerName(DefaultSite))
			require.NoError(t, err)
			// Acks are sent after the results are written, so the server may
			// count one pending for a moment; an item left unacknowledged
			// would stay pending for the whole AckWait (a minute).
			require.Eventually(t, func() bool {
				info, err := cons.Info(context.Background())
				return err == nil && info.NumAckPending == 0 && info.NumRedelivered == 0
			}, 20*time.Second, 10*time.Millisecond, "every item acknowledged, none redelivered")
			out := log.String()
			assert.Equal(t, 1, strings.Count(out, "panic recovered"), out)
			assert.Contains(t, out, "panic_test.go:", "the stack is in the log")
		})
	}
}
