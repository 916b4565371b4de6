package tasks

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/amttest"
)

// peakHeap samples the heap in use until stop is called and returns the
// highest value seen, in bytes.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

func amtRunner(fleet *amttest.Fleet, opts ...Option) *Runner {
	conn := NewConnector(StaticCredentials{oobkit.AMT: {{Name: "site", Credential: fleet.Credential(0)}}})
	conn.Register(oobkit.AMT, amtDialer(fleet.Transport()))
	return NewRunner(conn, append([]Option{WithProbe(nil)}, opts...)...)
}

// BenchmarkPowerStatusAMT10k: power status over 10,000 simulated AMT
// devices (amttest fleet on one loopback listener, digest auth, one
// connection per device from a shared transport). The simulator runs in the
// same process and shares the two cores with the runner and clients.
func BenchmarkPowerStatusAMT10k(b *testing.B) {
	const n = 10000
	fleet, err := amttest.NewFleet(amttest.FleetConfig{Size: n})
	require.NoError(b, err)
	b.Cleanup(func() { _ = fleet.Close() })
	r := amtRunner(fleet, WithConcurrency(256))
	job := &Job{Name: "status", Steps: []Step{{Task: &PowerStateTask{}}}}
	targets := fleet.Targets()
	runtime.GC()
	stop := peakHeap()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		rep, err := r.Run(context.Background(), job, targets)
		require.NoError(b, err)
		require.Equal(b, n, rep.Counts()[StatusOK], rep.ByClass())
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "targets/s")
	b.ReportMetric(float64(stop())/(1<<20), "peak-heap-MiB")
}

// BenchmarkPowerStatusAMT10kDirect is the floor under
// BenchmarkPowerStatusAMT10k: the same 10,000 power-state reads with the amt
// client alone (new client, PowerState, Close per device, 256 at a time),
// no runner, so the difference is what package tasks costs.
func BenchmarkPowerStatusAMT10kDirect(b *testing.B) {
	const n = 10000
	fleet, err := amttest.NewFleet(amttest.FleetConfig{Size: n})
	require.NoError(b, err)
	b.Cleanup(func() { _ = fleet.Close() })
	dial := amtDialer(fleet.Transport())
	cred := fleet.Credential(0)
	targets := fleet.Targets()
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		var g errgroup.Group
		g.SetLimit(256)
		for _, t := range targets {
			g.Go(func() error {
				c, err := dial(ctx, t, cred)
				if err != nil {
					return err
				}
				defer func() { _ = c.Close() }()
				_, err = c.(oobkit.PowerStateReader).PowerState(ctx)
				return err
			})
		}
		require.NoError(b, g.Wait())
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "targets/s")
}

// BenchmarkBlackholedAMT: 1,000 simulated AMT devices, 500 of them
// blackholed (their TCP connect never completes), a 2 s per-target deadline
// and no probe: the job must end in about one deadline.
func BenchmarkBlackholedAMT(b *testing.B) {
	const n = 1000
	fleet, err := amttest.NewFleet(amttest.FleetConfig{Size: n})
	require.NoError(b, err)
	b.Cleanup(func() { _ = fleet.Close() })
	for i := 1; i < n; i += 2 {
		fleet.Host().Blackhole(fleet.Target(i).HostPort(oobkit.AMT, false))
	}
	r := amtRunner(fleet, WithConcurrency(n), WithTargetTimeout(2*time.Second))
	job := &Job{Name: "status", Steps: []Step{{Task: &PowerStateTask{}}}}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		rep, err := r.Run(context.Background(), job, fleet.Targets())
		require.NoError(b, err)
		require.Equal(b, n/2, rep.Counts()[StatusOK], rep.ByClass())
		require.Equal(b, n/2, rep.ByClass()["unreachable"])
	}
	b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/job")
}
