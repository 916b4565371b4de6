package jetstream

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/tasks"
)

// BenchmarkFleet measures targets/s over the same 1,000 embedded BMCs, in
// one run: the in-process runner (concurrency 64) against a dispatcher with
// three workers of concurrency 21 each (63 targets at once) over an
// embedded NATS server on loopback TCP. The "noop" pair runs a task that
// does nothing, which isolates the cost of the engine itself.
func BenchmarkFleet(b *testing.B) {
	const n = 1000
	targets := startFleet(b, n, 0)
	noopTargets := make([]oobkit.Target, n)
	for i := range noopTargets {
		noopTargets[i] = oobkit.Target{Name: fmt.Sprint("t", i), Address: "192.0.2.1"}
	}
	noop := &tasks.Job{Name: "noop", Steps: []tasks.Step{{Task: &sleepTask{}}}}

	ns := startServer(b)
	_, js := connect(b, ns, "dispatcher")
	for i := range 3 {
		startWorker(b, ns, ipmiRunner(tasks.WithProbe(nil)), WorkerOptions{Name: fmt.Sprint("w", i), Concurrency: 21})
	}
	d := NewDispatcher(js, DispatcherOptions{Timeout: 5 * time.Minute})
	inProcess := ipmiRunner(tasks.WithConcurrency(64), tasks.WithProbe(nil))

	cases := []struct {
		name    string
		job     *tasks.Job
		targets []oobkit.Target
		run     func(context.Context, *tasks.Job, []oobkit.Target) (*tasks.Report, error)
	}{
		{"powerstate/in-process", statusJob(), targets, inProcess.Run},
		{"powerstate/jetstream-3-workers", statusJob(), targets, d.Run},
		{"noop/in-process", noop, noopTargets, inProcess.Run},
		{"noop/jetstream-3-workers", noop, noopTargets, d.Run},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			start := time.Now()
			for range b.N {
				rep, err := c.run(context.Background(), c.job, c.targets)
				require.NoError(b, err)
				require.Equal(b, n, rep.Counts()[tasks.StatusOK])
			}
			b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "targets/s")
		})
	}
}
