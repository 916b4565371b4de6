package amt_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"

	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
)

// fleetEnv marks the child process that serves the fleet for
// BenchmarkFleetApart; its value is the fleet size.
const fleetEnv = "OOBKIT_AMT_BENCH_FLEET"

// TestHelperFleet is not a test: run by BenchmarkFleetApart in a child
// process (the helper-process pattern of os/exec's own tests), it serves a
// simulated fleet, prints its listener's address and exits when its
// standard input closes.
func TestHelperFleet(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv(fleetEnv))
	if n == 0 {
		t.Skip("helper process for BenchmarkFleetApart")
	}
	fleet, err := amttest.NewFleet(amttest.FleetConfig{Size: n})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(fleet.Host().Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// BenchmarkFleetApart reads the power state of 10,000 simulated AMT devices
// with the simulator in a child process, so that the client's CPU (getrusage
// of this process) and the simulator's (/proc/<pid>/stat of the child) are
// measured apart, and the peak heap is the client's alone. One client per
// device is kept across passes, as a poller would; 64 reads at a time over
// one shared transport.
//
// "kept" keeps one idle connection per device between passes (10,000 open
// connections); "reconnect" keeps at most 1,024 idle connections in all, as
// amttest's Fleet.Transport does, so most reads open a new one.
//
// The first pass (devices built, digest nonce learned with one 401, TCP
// connections opened; the read itself is one Get without selectors, as in
// later passes) is reported apart as first-*; in later passes a read is one
// Get. Besides wall-clock
// devices/s (which depends on what else runs on the machine) it reports
// each side's CPU per device and the rate two otherwise idle cores would
// give: 2 s of CPU per second over the CPU one device costs both processes.
//
//	go test -run '^$' -bench FleetApart -benchtime 5x ./amt/
func BenchmarkFleetApart(b *testing.B) {
	for _, mode := range []struct {
		name    string
		maxIdle int
	}{{"kept", 0}, {"reconnect", 1024}} {
		b.Run(mode.name, func(b *testing.B) { fleetApart(b, mode.maxIdle) })
	}
}

func fleetApart(b *testing.B, maxIdle int) {
	const n = 10000
	args := []string{"-test.run=^TestHelperFleet$"}
	// OOBKIT_BENCH_SIMPROFILE=file has the simulator write its CPU profile.
	if p := os.Getenv("OOBKIT_BENCH_SIMPROFILE"); p != "" {
		args = append(args, "-test.cpuprofile="+p)
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), fleetEnv+"="+strconv.Itoa(n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	addr = strings.TrimSpace(addr)
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		},
		MaxIdleConns:        maxIdle,
		MaxIdleConnsPerHost: 1,
		IdleConnTimeout:     time.Minute,
	}
	defer tr.CloseIdleConnections()
	cred := oobkit.UserPassword("admin", "P@ssw0rd1") // amttest.Config's defaults
	clients := make([]*amt.Client, n)
	for i := range clients {
		if clients[i], err = amt.New(amttest.FleetTarget(i), cred, amt.WithTransport(tr)); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	pass := func() {
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
	measure := func(f func()) (wall time.Duration, client, sim time.Duration) {
		c0, s0, t0 := selfCPU(), childCPU(b, cmd.Process.Pid), time.Now()
		f()
		return time.Since(t0), selfCPU() - c0, childCPU(b, cmd.Process.Pid) - s0
	}
	stop := samplePeakHeap()
	wall, client, sim := measure(pass)
	report := func(prefix string, passes int, wall, client, sim time.Duration) {
		devs := float64(n * passes)
		b.ReportMetric(devs/wall.Seconds(), prefix+"devices/s")
		b.ReportMetric(float64(client.Microseconds())/devs, prefix+"client-CPU-µs/device")
		b.ReportMetric(float64(sim.Microseconds())/devs, prefix+"sim-CPU-µs/device")
		b.ReportMetric(2*devs/(client+sim).Seconds(), prefix+"devices/s-on-2-idle-cores")
	}
	fw, fc, fs := wall, client, sim
	b.ResetTimer()
	wall, client, sim = measure(func() {
		for range b.N {
			pass()
		}
	})
	b.StopTimer()
	report("", b.N, wall, client, sim)
	report("first-", 1, fw, fc, fs)
	// OOBKIT_BENCH_HEAPPROFILE=file writes the client's heap (after a GC,
	// connections still open) to file, for go tool pprof.
	if p := os.Getenv("OOBKIT_BENCH_HEAPPROFILE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		_ = pprof.WriteHeapProfile(f)
		_ = f.Close()
	}
	b.ReportMetric(float64(stop())/(1<<20), "client-peak-heap-MB")
	b.ReportMetric(float64(childHWM(b, cmd.Process.Pid))/(1<<20), "sim-peak-RSS-MB")
}

// selfCPU is this process's user + system time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// childCPU is a running child's user + system time, from /proc/<pid>/stat
// (fields 14 and 15, in clock ticks of 1/100 s on Linux).
func childCPU(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		b.Skip("no /proc: ", err)
	}
	// The command name (field 2) may hold spaces; fields follow its ')'.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// childHWM is a running child's peak resident set (VmHWM).
func childHWM(b *testing.B, pid int) int64 {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
