package tasks

import (
	"context"
	"net/http"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// soakFault is one kind of device in the soak fleet, so that the error
// paths (refused credentials, lost connections, refused bodies, retries,
// deadlines) run thousands of times over the rounds too.
type soakFault struct {
	name      string
	wantClass string
}

var soakFaults = []soakFault{
	{"wrong-password", "auth"},
	{"drop-always", "unreachable"},
	{"malformed", "protocol"},
	{"oversize", "protocol"},
	{"busy", "busy"},
}

// soakHung are the faults the per-target deadline ends; they are rarer, as
// each holds a concurrency slot for the whole deadline.
var soakHung = []soakFault{
	{"blackholed", "unreachable"},
	{"slower-than-deadline", "unreachable"},
}

// soakFaultOf returns device i's fault, or nil for a healthy device: one
// device in ten answers wrongly, one in 250 never answers in time.
func soakFaultOf(i int) *soakFault {
	switch {
	case i%250 == 249:
		return &soakHung[(i/250)%len(soakHung)]
	case i%10 == 9:
		return &soakFaults[(i/10)%len(soakFaults)]
	}
	return nil
}

// TestSoakAMT10k runs a power-status job over 10,000 simulated AMT devices
// (amttest, as BenchmarkPowerStatusAMT10k), about one in ten with a fault,
// 20 times in one process, and checks that nothing accumulates: after each
// round (its idle connections closed) the goroutines are back to the
// count before the first round, and the heap after GC at round 20 is at
// most 1.25 × the heap at round 2 (round 1 builds the simulated devices).
// Both are logged per round. It runs only with OOBKIT_LONG=1 (a few minutes
// on a 2-core machine).
func TestSoakAMT10k(t *testing.T) {
	if os.Getenv("OOBKIT_LONG") != "1" {
		t.Skip("soak test (20 rounds of 10,000 targets, a few minutes): set OOBKIT_LONG=1 to run it")
	}
	const n, rounds = 10000, 20
	// generous: the soak is about leaks, and at a load of 15 on 2 cores a
	// healthy target among 256 at once took over 5 s
	const deadline = 15 * time.Second
	fleet, err := amttest.NewFleet(amttest.FleetConfig{Size: n, Vary: func(i int, c *amttest.Config) {
		if f := soakFaultOf(i); f != nil && f.name == "wrong-password" {
			c.Password = "Unkn0wn!pass"
		}
	}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = fleet.Close() })
	want := map[string]int{}
	for i := range n {
		f := soakFaultOf(i)
		if f == nil {
			want["ok"]++
			continue
		}
		want[f.wantClass]++
		var faults wsmantest.Faults
		switch f.name {
		case "blackholed":
			fleet.Host().Blackhole(fleet.Target(i).HostPort(oobkit.AMT, false))
			continue
		case "drop-always":
			faults = wsmantest.Faults{DropMidResponse: true}
		case "malformed":
			faults = wsmantest.Faults{MalformedXML: true}
		case "oversize":
			faults = wsmantest.Faults{OversizeBytes: wsman.DefaultMaxResponseBytes + 1}
		case "busy":
			faults = wsmantest.Faults{Busy: true}
		case "slower-than-deadline":
			faults = wsmantest.Faults{Latency: 10 * deadline}
		default:
			continue
		}
		fleet.Device(i).SetFaults(faults)
	}
	rt := fleet.Transport().(*http.Transport)
	r := amtRunner(fleet, WithConcurrency(256), WithTargetTimeout(deadline), WithRetry(fastRetry))
	job := &Job{Name: "status", Steps: []Step{{Task: &PowerStateTask{}}}}
	targets := fleet.Targets()

	baseline := runtime.NumGoroutine()
	t.Logf("goroutines before round 1: %d", baseline)
	heap := make([]uint64, rounds+1)
	for round := 1; round <= rounds; round++ {
		start := time.Now()
		rep, err := r.Run(context.Background(), job, targets)
		elapsed := time.Since(start)
		require.NoError(t, err)
		require.Len(t, rep.Results, n)
		if !assert.Equal(t, want, rep.ByClass(), "round %d", round) {
			shown := 0
			for i, res := range rep.Results {
				wantClass := "ok"
				if f := soakFaultOf(i); f != nil {
					wantClass = f.wantClass
				}
				if res.Class != wantClass && shown < 10 {
					shown++
					t.Logf("%s: want %s, got %s after %v, %d attempts: %s", res.Target, wantClass, res.Class,
						time.Duration(res.Duration).Round(time.Millisecond), res.Attempts, res.Error)
				}
			}
		}

		// Idle keep-alive connections are the transport's cache, not a leak:
		// drop them, then wait (bounded) for both ends' goroutines to exit.
		rt.CloseIdleConnections()
		g := settleGoroutines(baseline, 10*time.Second)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap[round] = ms.HeapAlloc
		t.Logf("round %2d: %v (%.0f targets/s), goroutines %d, heap after GC %.1f MiB",
			round, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), g, float64(ms.HeapAlloc)/(1<<20))
		assert.LessOrEqual(t, g, baseline, "round %d: goroutines back to the count before round 1", round)
	}
	assert.LessOrEqual(t, float64(heap[rounds]), 1.25*float64(heap[2]),
		"heap after GC at round %d (%d B) within 1.25 × round 2's (%d B)", rounds, heap[rounds], heap[2])
}

// settleGoroutines waits until at most want goroutines run, or limit
// passes, and returns the last count.
func settleGoroutines(want int, limit time.Duration) int {
	end := time.Now().Add(limit)
	for {
		g := runtime.NumGoroutine()
		if g <= want || time.Now().After(end) {
			return g
		}
		time.Sleep(10 * time.Millisecond)
	}
}
