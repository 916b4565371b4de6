package tasks

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
)

func ipmiRunner(opts ...Option) *Runner {
	creds := StaticCredentials{oobkit.IPMI: {{Name: "lab", Credential: oobkit.UserPassword(ipmitest.BMCUser, ipmitest.BMCPassword)}}}
	conn := NewConnector(creds)
	conn.Register(oobkit.IPMI, ipmiDialer())
	return NewRunner(conn, opts...)
}

// silentUDP returns n targets whose IPMI port is a loopback UDP socket that
// reads nothing: a blackholed BMC.
func silentUDP(b *testing.B, n int) []oobkit.Target {
	out := make([]oobkit.Target, n)
	for i := range out {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(b, err)
		b.Cleanup(func() { _ = c.Close() })
		out[i] = oobkit.Target{Name: "hole", Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.IPMI: c.LocalAddr().(*net.UDPAddr).Port}}
	}
	return out
}

// BenchmarkPowerStatusIPMI: power status over a fleet of embedded go-ipmi
// BMCs (RMCP+ session setup plus Get Chassis Status per target).
func BenchmarkPowerStatusIPMI(b *testing.B) {
	const n = 500
	fleet, err := ipmitest.NewFleet(n, ipmitest.Config{})
	require.NoError(b, err)
	b.Cleanup(func() { _ = fleet.Close() })
	r := ipmiRunner(WithConcurrency(256))
	job := &Job{Name: "status", Steps: []Step{{Task: &PowerStateTask{}}}}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		rep, err := r.Run(context.Background(), job, fleet.Targets())
		require.NoError(b, err)
		require.Equal(b, n, rep.Counts()[StatusOK])
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "targets/s")
}

// BenchmarkBlackholed: 1,000 targets, 500 of them blackholed, 2 s per-target
// deadline; the job must end in about the deadline, not 500 × deadline.
func BenchmarkBlackholed(b *testing.B) {
	const live = 500
	fleet, err := ipmitest.NewFleet(live, ipmitest.Config{})
	require.NoError(b, err)
	b.Cleanup(func() { _ = fleet.Close() })
	targets := append(fleet.Targets(), silentUDP(b, 500)...)
	r := ipmiRunner(WithConcurrency(1000), WithTargetTimeout(2*time.Second))
	job := &Job{Name: "status", Steps: []Step{{Task: &PowerStateTask{}}}}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		rep, err := r.Run(context.Background(), job, targets)
		require.NoError(b, err)
		require.Equal(b, live, rep.Counts()[StatusOK])
		require.Equal(b, 500, rep.Counts()[StatusFailed])
	}
	b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/job")
}
