package ipmi_test

import (
	"context"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
)

// BenchmarkSimPowerStatus compares, against the same ipmi_sim, power-status
// calls through the SDK (one session, reused) with `ipmitool -I lanplus -C 3
// ... chassis power status` run once per call (a new process and session
// each time).
func BenchmarkSimPowerStatus(b *testing.B) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{Power: oobkit.PowerS0})
	peer.Check(b, err)
	b.Cleanup(func() { _ = sim.Close() })
	ctx := context.Background()
	b.Run("sdk-one-session", func(b *testing.B) {
		c, err := ipmi.New(sim.Target(), sim.Credential())
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		if _, err := c.PowerState(ctx); err != nil { // open the session outside the timing
			b.Fatal(err)
		}
		b.ResetTimer()
		for b.Loop() {
			if _, err := c.PowerState(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	})
	b.Run("ipmitool-exec-per-call", func(b *testing.B) {
		tool := peer.Require(b, "ipmitool", "ipmitool")
		args := []string{"-I", "lanplus", "-C", "3", "-H", "127.0.0.1", "-p", strconv.Itoa(sim.Port),
			"-U", sim.Username, "-P", sim.Password, "chassis", "power", "status"}
		for b.Loop() {
			if out, err := exec.Command(tool, args...).CombinedOutput(); err != nil {
				b.Fatalf("%v: %s", err, out)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	})
}

// BenchmarkFleetPowerStatus reads the power state of 1,000 embedded go-ipmi
// BMCs (a new session per host, 64 at a time) per iteration and reports
// hosts/s.
func BenchmarkFleetPowerStatus(b *testing.B) {
	const hosts, workers = 1000, 64
	f, err := ipmitest.NewFleet(hosts, ipmitest.Config{Power: oobkit.PowerS0})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	targets := f.Targets()
	cred := oobkit.UserPassword(ipmitest.BMCUser, ipmitest.BMCPassword)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		var next, failed atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := next.Add(1) - 1; i < hosts; i = next.Add(1) - 1 {
					c, err := ipmi.New(targets[i], cred)
					if err == nil {
						_, err = c.PowerState(ctx)
						_ = c.Close()
					}
					if err != nil {
						failed.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		if n := failed.Load(); n > 0 {
			b.Fatalf("%d of %d hosts failed", n, hosts)
		}
	}
	b.ReportMetric(float64(b.N*hosts)/b.Elapsed().Seconds(), "hosts/s")
}
