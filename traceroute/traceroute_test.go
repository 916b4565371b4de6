package traceroute_test

import (
	"context"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/traceroute"
)

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// TestLoopback: the route to 127.0.0.1 is one hop, the computer itself.
func TestLoopback(t *testing.T) {
	for _, m := range []traceroute.Method{traceroute.Auto, traceroute.UDP, traceroute.ICMP} {
		t.Run(string(m)+"-", func(t *testing.T) {
			res, err := traceroute.Trace(ctx(t), "127.0.0.1", traceroute.Options{Method: m, MaxHops: 5})
			if m == traceroute.ICMP {
				var se *traceroute.SocketError
				if err != nil {
					// This host's ping_group_range leaves the caller out.
					require.ErrorAs(t, err, &se)
					assert.ErrorIs(t, err, oobkit.ErrUnsupported)
					assert.Contains(t, err.Error(), "ping_group_range")
					t.Logf("ICMP sockets refused here: %v", err)
					return
				}
			}
			require.NoError(t, err)
			assert.True(t, res.Reached)
			require.Len(t, res.Hops, 1)
			assert.Equal(t, netip.MustParseAddr("127.0.0.1"), res.Hops[0].Addr)
			if res.Method == traceroute.UDP {
				assert.Equal(t, "port-unreachable", res.Hops[0].Reply)
			} else {
				assert.Equal(t, "echo-reply", res.Hops[0].Reply)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	_, err := traceroute.Trace(ctx(t), "::1", traceroute.Options{})
	assert.ErrorIs(t, err, oobkit.ErrUnsupported)
	_, err = traceroute.Trace(ctx(t), "127.0.0.1", traceroute.Options{Method: "tcp"})
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	_, err = traceroute.Trace(ctx(t), "no-such-host.invalid", traceroute.Options{})
	assert.ErrorIs(t, err, oobkit.ErrUnreachable)
}

// TestNoSocket: when the kernel refuses both sockets the error is typed
// and says why.
func TestNoSocket(t *testing.T) {
	restore := traceroute.SetOpenSocket(func(m traceroute.Method) (int, error) {
		return -1, os.ErrPermission
	})
	defer restore()
	_, err := traceroute.Trace(ctx(t), "127.0.0.1", traceroute.Options{})
	var se *traceroute.SocketError
	require.ErrorAs(t, err, &se)
	assert.ErrorIs(t, err, oobkit.ErrUnsupported)
	assert.ErrorIs(t, err, os.ErrPermission)
	assert.NotNil(t, se.ICMP)
	assert.NotNil(t, se.UDP)
	assert.Contains(t, err.Error(), "ping_group_range")
}

// TestUDPStrayDatagram: the UDP probe socket is not connected, so any
// host can send it a datagram while a probe waits. One from another
// address (here 127.0.0.2) is not the computer's answer; the computer's
// own (from 127.0.0.1, which listens on the probe's port and answers) is.
func TestUDPStrayDatagram(t *testing.T) {
	computer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer computer.Close()
	stray, err := net.ListenPacket("udp4", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 on this loopback: %v", err)
	}
	defer stray.Close()
	served := make(chan error, 1)
	go func() {
		buf := make([]byte, 64)
		_, prober, err := computer.ReadFrom(buf)
		if err == nil {
			_, err = stray.WriteTo([]byte("not the answer"), prober)
		}
		if err == nil {
			_, err = computer.WriteTo([]byte("answer"), prober)
		}
		served <- err
	}()
	res, err := traceroute.Trace(ctx(t), "127.0.0.1", traceroute.Options{Method: traceroute.UDP, MaxHops: 1,
		Port: computer.LocalAddr().(*net.UDPAddr).Port, Timeout: time.Minute})
	require.NoError(t, err)
	require.NoError(t, <-served)
	require.Len(t, res.Hops, 1)
	assert.Equal(t, netip.MustParseAddr("127.0.0.1"), res.Hops[0].Addr, "the stray datagram was taken for the answer")
	assert.Equal(t, "udp-reply", res.Hops[0].Reply)
	assert.True(t, res.Reached)
}
