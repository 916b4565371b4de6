package traceroute_test

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/traceroute"
)

// routed builds three network namespaces, source — router — destination,
// joined by two veth pairs created inside them (198.18.1.0/24 and
// 198.18.2.0/24, RFC 2544's benchmarking range), with forwarding on in the
// router only. Nothing is added to the host's namespace: no link, no route,
// no sysctl. It returns the source namespace's name and the destination's
// address; the namespaces (and with them the veths) are deleted at cleanup.
func routed(t *testing.T, pingGroups bool) (src string, dst netip.Addr) {
	t.Helper()
	ip := peer.Require(t, "ip", "iproute2")
	if os.Geteuid() != 0 {
		if peer.Required() {
			t.Fatal("network namespaces need root")
		}
		t.Skip("network namespaces need root (run as root, or OOBKIT_REQUIRE_PEERS=1 under scripts/test.sh)")
	}
	id := fmt.Sprintf("oobtr%d-%s", os.Getpid(), strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()))
	if len(id) > 40 {
		id = id[:40]
	}
	s, r, d := id+"-s", id+"-r", id+"-d"
	run := func(args ...string) {
		t.Helper()
		out, err := exec.Command(ip, args...).CombinedOutput()
		if err != nil {
			if peer.Required() {
				t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
			}
			t.Skipf("cannot build network namespaces here: ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	for _, ns := range []string{s, r, d} {
		run("netns", "add", ns)
		t.Cleanup(func() { _ = exec.Command(ip, "netns", "del", ns).Run() })
	}
	run("-n", s, "link", "add", "vs", "type", "veth", "peer", "name", "vr1", "netns", r)
	run("-n", r, "link", "add", "vr2", "type", "veth", "peer", "name", "vd", "netns", d)
	run("-n", s, "addr", "add", "198.18.1.1/24", "dev", "vs")
	run("-n", r, "addr", "add", "198.18.1.2/24", "dev", "vr1")
	run("-n", r, "addr", "add", "198.18.2.1/24", "dev", "vr2")
	run("-n", d, "addr", "add", "198.18.2.2/24", "dev", "vd")
	for ns, links := range map[string][]string{s: {"lo", "vs"}, r: {"lo", "vr1", "vr2"}, d: {"lo", "vd"}} {
		for _, l := range links {
			run("-n", ns, "link", "set", l, "up")
		}
	}
	run("-n", s, "route", "add", "default", "via", "198.18.1.2")
	run("-n", d, "route", "add", "default", "via", "198.18.2.1")
	run("netns", "exec", r, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	if pingGroups {
		run("netns", "exec", s, "sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647")
	}
	return s, netip.MustParseAddr("198.18.2.2")
}

// traceIn runs Trace on an OS thread that has entered network namespace
// ns; the thread is not returned to the runtime afterwards.
func traceIn(t *testing.T, ns string, dst netip.Addr, opts traceroute.Options) (*traceroute.Result, error) {
	t.Helper()
	type out struct {
		res *traceroute.Result
		err error
	}
	ch := make(chan out, 1)
	c := ctx(t)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		f, err := os.Open("/run/netns/" + ns)
		if err != nil {
			ch <- out{err: err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- out{err: err}
			return
		}
		res, err := traceroute.Trace(c, dst.String(), opts)
		ch <- out{res, err}
	}()
	o := <-ch
	return o.res, o.err
}

// TestTwoHops: through a router to a computer in another namespace: the
// router answers the first probe (time exceeded), the computer the second.
func TestTwoHops(t *testing.T) {
	for _, m := range []traceroute.Method{traceroute.UDP, traceroute.ICMP} {
		t.Run(string(m), func(t *testing.T) {
			src, dst := routed(t, m == traceroute.ICMP)
			res, err := traceIn(t, src, dst, traceroute.Options{Method: m, MaxHops: 8})
			require.NoError(t, err)
			assert.Equal(t, m, res.Method)
			assert.True(t, res.Reached, "%v", res.Hops)
			require.Len(t, res.Hops, 2, "%v", res.Hops)
			assert.Equal(t, netip.MustParseAddr("198.18.1.2"), res.Hops[0].Addr)
			assert.Equal(t, "time-exceeded", res.Hops[0].Reply)
			assert.Equal(t, dst, res.Hops[1].Addr)
			if m == traceroute.ICMP {
				assert.Equal(t, "echo-reply", res.Hops[1].Reply)
			} else {
				assert.Equal(t, "port-unreachable", res.Hops[1].Reply)
			}
		})
	}
}

// TestAutoFallsBackToUDP: in a namespace whose ping_group_range leaves
// everyone out (a new namespace's default, "1 0"), Auto traces over UDP.
func TestAutoFallsBackToUDP(t *testing.T) {
	src, dst := routed(t, false)
	_, err := traceIn(t, src, dst, traceroute.Options{Method: traceroute.ICMP})
	var se *traceroute.SocketError
	require.ErrorAs(t, err, &se)
	res, err := traceIn(t, src, dst, traceroute.Options{MaxHops: 8})
	require.NoError(t, err)
	assert.Equal(t, traceroute.UDP, res.Method)
	assert.True(t, res.Reached)
	assert.Len(t, res.Hops, 2)
}

// TestUnreachable: an address the router has no route to ends the trace at
// the router's destination unreachable (RFC 792 code 0, net unreachable),
// not an arrival.
func TestUnreachable(t *testing.T) {
	src, _ := routed(t, false)
	res, err := traceIn(t, src, netip.MustParseAddr("198.18.3.9"), traceroute.Options{Method: traceroute.UDP, MaxHops: 3})
	require.NoError(t, err)
	assert.False(t, res.Reached)
	require.Len(t, res.Hops, 1, "%v", res.Hops)
	assert.Equal(t, netip.MustParseAddr("198.18.1.2"), res.Hops[0].Addr)
	assert.Equal(t, "unreachable/0", res.Hops[0].Reply)
}
