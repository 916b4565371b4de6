package redirect_test

import (
	"bufio"
	"context"
	"io"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// BenchmarkIDERThroughput serves a 64 MiB CD image to the simulated
// firmware, which reads all of it with 64 KiB READ(10)s and hashes it. The
// MB/s column is the end-to-end rate over loopback, session setup included.
func BenchmarkIDERThroughput(b *testing.B) {
	const size = 64 << 20
	img, sum := image(size, 42)
	for _, chunk := range []int{8192, 32768} {
		b.Run("chunk="+strconv.Itoa(chunk), func(b *testing.B) {
			sim := newSim(b, redirecttest.Config{EndAfterBoot: true, ReadBuffer: uint16(chunk),
				Firmware: redirecttest.Boot(redirecttest.BootOptions{Device: redirecttest.CD, SHA256: sum})})
			c := newClient(b, sim)
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				s, err := c.OpenIDER(context.Background(), redirect.IDEROptions{CD: &redirect.Image{R: img, Size: size}})
				require.NoError(b, err)
				rep := <-sim.Boots()
				require.NoError(b, rep.Err)
				require.NoError(b, s.Wait(context.Background()))
				require.NoError(b, s.Close())
				for sim.Stats().Active > 0 { // the device frees the slot when it sees the close
					time.Sleep(100 * time.Microsecond)
				}
			}
		})
	}
}

// BenchmarkIDERConcurrent runs 100 IDE-R sessions at once, all serving one
// 4 MiB image, and reports the peak Go heap seen while they run (client and
// simulator together) next to B/op.
func BenchmarkIDERConcurrent(b *testing.B) {
	const sessions, size = 100, 4 << 20
	img, sum := image(size, 9)
	sim := newSim(b, redirecttest.Config{EndAfterBoot: true, AllowConcurrent: true,
		Firmware: redirecttest.Boot(redirecttest.BootOptions{Device: redirecttest.CD, SHA256: sum})})
	c := newClient(b, sim)
	var peak atomic.Uint64
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Add(1)
	go func() {
		defer sampler.Done()
		var ms runtime.MemStats
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
			}
		}
	}()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	b.SetBytes(sessions * size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var wg sync.WaitGroup
		errs := make(chan error, sessions)
		for range sessions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := c.OpenIDER(context.Background(), redirect.IDEROptions{CD: &redirect.Image{R: img, Size: size}})
				if err != nil {
					errs <- err
					return
				}
				errs <- s.Wait(context.Background())
				_ = s.Close()
			}()
		}
		for range sessions {
			rep := <-sim.Boots()
			require.NoError(b, rep.Err)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(b, err)
		}
	}
	b.StopTimer()
	close(stop)
	sampler.Wait()
	b.ReportMetric(float64(peak.Load()-min(peak.Load(), base.HeapInuse))/(1<<20), "peak-heap-MiB")
}

// BenchmarkSOLEchoRoundTrip types one byte and waits for its echo from the
// simulated host; p50/p99 are per round trip. The amtterm variant measures
// the same echo through Debian's amtterm (stdin → SOL → stdout) for
// comparison.
func BenchmarkSOLEchoRoundTrip(b *testing.B) {
	b.Run("oobkit", func(b *testing.B) {
		sim := newSim(b, redirecttest.Config{})
		sol, err := newClient(b, sim).OpenSOL(context.Background(), redirect.SOLSettings{})
		require.NoError(b, err)
		defer sol.Close()
		buf := make([]byte, 1)
		// Warm up: the simulator holds host output back for its settle pause.
		_, err = sol.Write([]byte{'x'})
		require.NoError(b, err)
		_, err = io.ReadFull(sol, buf)
		require.NoError(b, err)
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for b.Loop() {
			t0 := time.Now()
			_, err := sol.Write([]byte{'x'})
			require.NoError(b, err)
			_, err = io.ReadFull(sol, buf)
			require.NoError(b, err)
			lat = append(lat, time.Since(t0))
		}
		reportPercentiles(b, lat)
	})
	b.Run("amtterm", func(b *testing.B) {
		bin := peer.Require(b, "amtterm", "amtterm")
		sim := newSim(b, redirecttest.Config{Legacy: true, Settle: 300 * time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "-q", "-u", "admin", "127.0.0.1", strconv.Itoa(sim.Port()))
		cmd.Env = []string{"AMT_PASSWORD=P@ssw0rd"}
		stdin, err := cmd.StdinPipe()
		require.NoError(b, err)
		stdout, err := cmd.StdoutPipe()
		require.NoError(b, err)
		require.NoError(b, cmd.Start())
		defer func() { _, _ = stdin.Write([]byte{0x1d}); _ = cmd.Wait() }()
		out := bufio.NewReader(stdout)
		time.Sleep(700 * time.Millisecond) // past the settle pauses
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for b.Loop() {
			t0 := time.Now()
			_, err := stdin.Write([]byte{'\n'}) // amtterm sends CR
			require.NoError(b, err)
			for {
				c, err := out.ReadByte()
				require.NoError(b, err)
				if c == '\r' {
					break
				}
			}
			lat = append(lat, time.Since(t0))
		}
		reportPercentiles(b, lat)
	})
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))].Microseconds()) }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}
