package wsman_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// helperEnv marks the child process that serves the test device for
// BenchmarkGetClientOnly.
const helperEnv = "OOBKIT_WSMAN_BENCH_DEVICE"

// TestHelperDevice is not a test: run by BenchmarkGetClientOnly in a child
// process (the helper-process pattern of os/exec's own tests), it serves the
// test device, prints its URL and exits when its standard input closes.
func TestHelperDevice(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for BenchmarkGetClientOnly")
	}
	d := newDevice(t, false)
	fmt.Println(d.URL())
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// BenchmarkGetClientOnly is BenchmarkGet with the device in a child process,
// so what it reports is the client's alone: allocs/op and B/op count only
// this process, and client-CPU-µs/op is this process's user+system time
// (getrusage RUSAGE_SELF) per call, the HTTP transport's goroutines and the
// garbage collector included.
//
//	go test -run '^$' -bench GetClientOnly -benchtime 5000x ./internal/wsman
func BenchmarkGetClientOnly(b *testing.B) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperDevice$")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
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
	url, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	c, err := wsman.New(strings.TrimSpace(url), oobkit.UserPassword(user, password))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.CloseIdleConnections)
	ctx := context.Background()
	if _, err := c.Get(ctx, uriGS, nil); err != nil { // learn the nonce
		b.Fatal(err)
	}
	before := c.Stats()
	cpu0 := cpuTime()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Get(ctx, uriGS, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	after := c.Stats()
	calls := float64(after.Calls - before.Calls)
	b.ReportMetric(float64(cpu.Microseconds())/calls, "client-CPU-µs/op")
	b.ReportMetric(float64(after.Requests-before.Requests)/calls, "requests/call")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
