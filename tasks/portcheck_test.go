package tasks

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/traceroute"
)

// loopbackPorts returns an open port (a listener, closed at cleanup) and a
// closed one (a port that was free a moment ago).
func loopbackPorts(t *testing.T) (open, closed int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed = ln2.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln2.Close())
	return ln.Addr().(*net.TCPAddr).Port, closed
}

func TestPortCheck(t *testing.T) {
	open, closed := loopbackPorts(t)
	f := newFleet()
	r := testRunner(f, goodCreds())
	job := &Job{Name: "ports", Steps: []Step{{Task: &PortCheckTask{Ports: []int{open, closed}, Timeout: Duration(10 * time.Second)}}}} // loopback answers at once; the bound only guards a loaded machine
	res := r.RunTarget(context.Background(), job, oobkit.Target{Name: "lo", Address: "127.0.0.1"})
	require.Equal(t, StatusOK, res.Status, res.Error)
	out := res.Output("0").(*PortCheckOutput)
	assert.Equal(t, []int{open}, out.Open)
	assert.Equal(t, []int{closed}, out.Closed)
	assert.Empty(t, out.Filtered)
}

func TestTCPProbe(t *testing.T) {
	open, closed := loopbackPorts(t)
	tests := []struct {
		name   string
		ports  map[oobkit.Protocol]int
		protos []oobkit.Protocol
	}{
		{"open port", map[oobkit.Protocol]int{oobkit.AMT: open}, []oobkit.Protocol{oobkit.AMT}},
		{"refused proves the host is up", map[oobkit.Protocol]int{oobkit.AMT: closed}, []oobkit.Protocol{oobkit.AMT}},
		{"udp-only protocols are not probed", nil, []oobkit.Protocol{oobkit.IPMI, oobkit.SNMP}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg := oobkit.Target{Address: "127.0.0.1", Ports: tc.ports}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			assert.NoError(t, TCPProbe(ctx, tg, tc.protos))
		})
	}
	t.Run("nothing answers", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // a dial that cannot complete stands in for a silent host
		err := TCPProbe(ctx, oobkit.Target{Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.AMT: open}}, []oobkit.Protocol{oobkit.AMT})
		assert.ErrorIs(t, err, oobkit.ErrUnreachable)
	})
}

// TestTraceRoute: trace route, the port check's neighbour — the guide:
// "Right-click the computer resource, click Remote Management, and then
// click one of the following: … Port check … Trace Route" — to the loopback
// computer: one hop.
func TestTraceRoute(t *testing.T) {
	f := newFleet()
	r := testRunner(f, goodCreds())
	job := &Job{Name: "trace", Steps: []Step{{Task: &TraceRouteTask{MaxHops: 4}}}}
	res := r.RunTarget(context.Background(), job, oobkit.Target{Name: "lo", Address: "127.0.0.1"})
	require.Equal(t, StatusOK, res.Status, res.Error)
	out := res.Output("0").(*traceroute.Result)
	assert.True(t, out.Reached)
	require.Len(t, out.Hops, 1)
	assert.Equal(t, "127.0.0.1", out.Hops[0].Addr.String())
	assert.ErrorIs(t, (&TraceRouteTask{Method: "tcp"}).Validate(), oobkit.ErrInvalidArgument)
}
