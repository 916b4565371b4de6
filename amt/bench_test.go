package amt_test

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
)

// BenchmarkPowerStateFleet reads the power state of every device of a
// simulated fleet (one shared listener, one shared transport, 64 workers).
// It reports devices/s and the peak heap in use, sampled every 5 ms.
//
//	go test -run XXX -bench PowerStateFleet -benchtime 3x ./amt/
func BenchmarkPowerStateFleet(b *testing.B) {
	for _, n := range []int{1, 100, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			fleet, err := amttest.NewFleet(amttest.FleetConfig{Size: n})
			if err != nil {
				b.Fatal(err)
			}
			defer fleet.Close()
			clients := make([]*amt.Client, n)
			for i := range clients {
				clients[i], err = amt.New(fleet.Target(i), fleet.Credential(i), amt.WithTransport(fleet.Transport()))
				if err != nil {
					b.Fatal(err)
				}
			}
			stop := samplePeakHeap()
			ctx := context.Background()
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				var g errgroup.Group
				g.SetLimit(64)
				for _, c := range clients {
					g.Go(func() error {
						_, err := c.PowerState(ctx)
						return err
					})
				}
				if err := g.Wait(); err != nil {
					b.Fatal(err)
				}
			}
			elapsed := time.Since(start)
			b.StopTimer()
			peak := stop()
			b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "devices/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(fleet.Host().Connections())/float64(b.N), "conns/op")
		})
	}
}

// samplePeakHeap samples HeapInuse until the returned func is called, which
// returns the peak.
func samplePeakHeap() func() uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
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
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak.Load()
	}
}
