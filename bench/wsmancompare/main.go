// Command wsmancompare runs go-wsman-messages v2 (the Go WS-Management
// client of Intel's device-management-toolkit) and oobkit side by side
// against the same simulated AMT device answering with recorded AMT 12
// content: go-wsman-messages' Get of CIM_AssociatedPowerManagementService
// and oobkit's amt.Client.PowerState, in alternating batches, in one run.
//
// The device runs in a child process (this binary with -serve), so the
// CPU time (getrusage RUSAGE_SELF) and allocations (runtime.MemStats)
// measured here are the clients' own. HTTP requests and new TCP connections
// are counted by a wrapper around each client's http.Transport.
//
// It is a module of its own so that go-wsman-messages never becomes a
// dependency of oobkit; see BENCHMARKS.md for how to build it.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	gwm "github.com/device-management-toolkit/go-wsman-messages/v2/pkg/wsman"
	gwmclient "github.com/device-management-toolkit/go-wsman-messages/v2/pkg/wsman/client"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
)

const user, password = "admin", "P@ssw0rd"

func main() {
	serve := flag.Bool("serve", false, "run the simulated device (child process)")
	batch := flag.Int("batch", 500, "calls per batch")
	batches := flag.Int("batches", 10, "batches per client (alternating)")
	flag.Parse()
	if *serve {
		runDevice()
		return
	}
	if err := compare(*batch, *batches); err != nil {
		fmt.Fprintln(os.Stderr, "wsmancompare:", err)
		os.Exit(1)
	}
}

// counting wraps a transport, counting requests and dials.
type counting struct {
	tr              *http.Transport
	requests, conns atomic.Int64
}

func newCounting(addr string, tr *http.Transport) *counting {
	c := &counting{tr: tr}
	d := &net.Dialer{}
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		c.conns.Add(1)
		return d.DialContext(ctx, network, addr) // every host name goes to the simulated device
	}
	return c
}

// shippedTransport has the settings go-wsman-messages gives its own
// transport when the caller passes none (pkg/wsman/client/wsman.go, NewWsman,
// https://github.com/device-management-toolkit/go-wsman-messages): no
// keep-alive, so one new TCP connection per request.
func shippedTransport() *http.Transport {
	return &http.Transport{MaxIdleConns: 10, IdleConnTimeout: 30 * time.Second, DisableKeepAlives: true}
}

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.requests.Add(1)
	return c.tr.RoundTrip(r)
}

type result struct {
	name                    string
	calls                   int
	wall, cpu               time.Duration
	allocs, requests, conns int64
	rates                   []float64
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func mallocs() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}

func compare(batch, batches int) error {
	child := exec.Command(os.Args[0], "-serve")
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		return err
	}
	if err := child.Start(); err != nil {
		return err
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return fmt.Errorf("device did not start: %w", err)
	}
	addr := strings.TrimSpace(line)
	host, port, _ := net.SplitHostPort(addr)
	portN, _ := strconv.Atoi(port)

	// go-wsman-messages: its endpoint is always host:16992; the dialer
	// sends it to the device. Once with the transport it builds for itself
	// (as shipped), once with a keep-alive transport like oobkit's.
	gwmGet := func(ct *counting) func() error {
		gm := gwm.NewMessages(gwmclient.Parameters{Target: host, Username: user, Password: password, UseDigest: true,
			Transport: ct})
		return func() error {
			r, err := gm.CIM.AssociatedPowerManagementService.Get()
			if err != nil {
				return err
			}
			if r.Body.AssociatedPowerManagementService.PowerState != 2 {
				return fmt.Errorf("go-wsman-messages read PowerState %d", r.Body.AssociatedPowerManagementService.PowerState)
			}
			return nil
		}
	}
	gct := newCounting(addr, shippedTransport())
	gkt := newCounting(addr, &http.Transport{MaxIdleConnsPerHost: 2})

	oct := newCounting(addr, &http.Transport{MaxIdleConnsPerHost: 2})
	target := oobkit.Target{Address: host, Ports: map[oobkit.Protocol]int{oobkit.AMT: portN}}
	oc, err := amt.New(target, oobkit.Credential{Username: user, Password: oobkit.NewSecret(password)}, amt.WithTransport(oct))
	if err != nil {
		return err
	}
	ctx := context.Background()
	oget := func() error {
		s, err := oc.PowerState(ctx)
		if err != nil {
			return err
		}
		if s != oobkit.PowerS0 {
			return fmt.Errorf("oobkit read %v", s)
		}
		return nil
	}

	clients := []struct {
		res  *result
		ct   *counting
		call func() error
	}{
		{&result{name: "go-wsman-messages Get"}, gct, gwmGet(gct)},
		{&result{name: "go-wsman-messages Get, k-a"}, gkt, gwmGet(gkt)},
		{&result{name: "oobkit amt PowerState"}, oct, oget},
	}
	// Warm up: learn digest nonces, keys, connections.
	for _, c := range clients {
		for range 20 {
			if err := c.call(); err != nil {
				return fmt.Errorf("%s: %w", c.res.name, err)
			}
		}
	}
	for b := 0; b < batches; b++ {
		for _, c := range clients {
			runtime.GC()
			r0, n0 := c.ct.requests.Load(), c.ct.conns.Load()
			m0, cpu0, t0 := mallocs(), cpuTime(), time.Now()
			for range batch {
				if err := c.call(); err != nil {
					return fmt.Errorf("%s: %w", c.res.name, err)
				}
			}
			wall, cpu, m := time.Since(t0), cpuTime()-cpu0, mallocs()-m0
			c.res.calls += batch
			c.res.wall += wall
			c.res.cpu += cpu
			c.res.allocs += int64(m)
			c.res.requests += c.ct.requests.Load() - r0
			c.res.conns += c.ct.conns.Load() - n0
			c.res.rates = append(c.res.rates, float64(batch)/wall.Seconds())
		}
	}
	fmt.Printf("%d batches of %d calls each, alternating; device in a child process (pid %d)\n\n", batches, batch, child.Process.Pid)
	fmt.Printf("%-26s %12s %12s %12s %10s %14s %14s\n", "client", "calls/s med", "calls/s min", "calls/s max",
		"CPU/call", "allocs/call", "requests/call")
	for _, c := range clients {
		r := c.res
		sort.Float64s(r.rates)
		fmt.Printf("%-26s %12.0f %12.0f %12.0f %9.0fµs %14.0f %14.3f   new TCP connections/call %.3f\n", r.name,
			r.rates[len(r.rates)/2], r.rates[0], r.rates[len(r.rates)-1],
			float64(r.cpu.Microseconds())/float64(r.calls), float64(r.allocs)/float64(r.calls),
			float64(r.requests)/float64(r.calls), float64(r.conns)/float64(r.calls))
	}
	o := clients[2].res
	for _, g := range []*result{clients[0].res, clients[1].res} {
		fmt.Printf("\noobkit / %s: calls/s (median batch) %.2f×, CPU per call %.2f×, allocations per call %.2f×", g.name,
			o.rates[len(o.rates)/2]/g.rates[len(g.rates)/2],
			(float64(o.cpu)/float64(o.calls))/(float64(g.cpu)/float64(g.calls)),
			(float64(o.allocs)/float64(o.calls))/(float64(g.allocs)/float64(g.calls)))
	}
	fmt.Println("\n(k-a: go-wsman-messages given a keep-alive transport instead of the one it builds for itself)")
	return nil
}
