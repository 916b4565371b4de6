package main

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/simfleet"
	"github.com/oobkit/oobkit/tasks"
)

// startNATS starts an embedded NATS server with JetStream on a free
// loopback port, stopped at the end of the test.
func startNATS(t *testing.T) string {
	t.Helper()
	ns, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true,
	})
	require.NoError(t, err)
	ns.Start()
	require.True(t, ns.ReadyForConnections(20*time.Second), "nats server not ready")
	t.Cleanup(func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	})
	return ns.ClientURL()
}

// startWorkers runs n `oobctl worker` commands with the simulator
// credential until the test ends, and checks that each stops cleanly.
func startWorkers(t *testing.T, url string, n int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	codes := make([]int, n)
	logs := make([]*syncBuffer, n)
	for i := range n {
		logs[i] = &syncBuffer{}
		wg.Go(func() {
			codes[i] = oobctlTo(ctx, logs[i], "worker", "--nats", url, "--user", simfleet.User, "--name", "w"+string(rune('1'+i)))
		})
	}
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		for i, code := range codes {
			assert.Equal(t, exitOK, code, logs[i].String())
			assert.Contains(t, logs[i].String(), "stopped after reporting")
		}
	})
}

// oobctlTo runs oobctl with the simulator password, stderr to errw.
func oobctlTo(ctx context.Context, errw *syncBuffer, args ...string) int {
	var out syncBuffer
	env := func(k string) string {
		if k == "OOBKIT_PASSWORD" {
			return simfleet.Password
		}
		return ""
	}
	return run(ctx, args, strings.NewReader(""), &out, errw, env)
}

// The demo dispatched over JetStream to two workers gives the same table,
// and the simulators confirm every check.
func TestDemoOverNATS(t *testing.T) {
	url := startNATS(t)
	startWorkers(t, url, 2)
	f, image := demoFleet(t)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	a := demoApp()
	a.opt.nats = url
	out, err := a.runDemo(ctx, f, image)
	require.NoError(t, err)
	checkDemo(t, f, image, out)

	var table strings.Builder
	writeDemoTable(&table, out)
	assert.Contains(t, table.String(), "10 computers: 10 ok")
	assert.Regexp(t, `amt-02 .* S5 +sent on +read 512 KiB, hash ok +held, lifted .* sent off +S5 +yes +ok`, table.String())
}

// One-to-many commands take --nats: `power status` runs on the workers.
func TestCommandOverNATS(t *testing.T) {
	url := startNATS(t)
	startWorkers(t, url, 1)
	f, targets := startFleet(t, simfleet.Config{AMT: 1, IPMI: 1})
	res := oobctl(t, nil, "--targets-file", targets, "--nats", url, "--json", "power", "status")
	require.Equal(t, exitOK, res.code, res.stderr)
	rep := decodeReport(t, res.stdout)
	require.Len(t, rep.Results, 2)
	for _, r := range rep.Results {
		var st tasks.PowerStateOutput
		stepOutput(t, r, "powerstate", &st)
		assert.Equal(t, f.Computer(r.Target).PowerOn(), st.State.IsOn(), r.Target)
	}

	res = oobctl(t, nil, "--targets-file", targets, "--nats", url, "power", "status")
	require.Equal(t, exitOK, res.code, res.stderr)
	assert.Regexp(t, `amt-01 .* ok .*S0`, res.stdout, "outputs that crossed JetStream read back typed")
}

func TestNATSErrors(t *testing.T) {
	res := oobctl(t, nil, "worker", "--user", "admin")
	assert.Equal(t, exitUsage, res.code)
	assert.Contains(t, res.stderr, "--nats")

	res = oobctl(t, nil, "--target", "127.0.0.1", "--user", "admin", "--nats", "nats://127.0.0.1:1", "power", "status")
	assert.Equal(t, exitSetup, res.code, res.stderr)
	assert.Contains(t, res.stderr, "nats")
}

// `oobctl demo --nats URL` with two `oobctl worker` processes: the
// dispatcher's process holds the fleet, the workers reach it over loopback.
func TestDemoOverNATSWorkerProcesses(t *testing.T) {
	url := startNATS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel) // after the workers' cleanups (LIFO): it kills only a worker that would not stop
	for i := range 2 {
		var errw syncBuffer
		cmd := oobctlCommand(ctx, "worker", "--nats", url, "--user", simfleet.User)
		cmd.Stderr = &errw
		require.NoError(t, cmd.Start())
		t.Cleanup(func() {
			_ = cmd.Process.Signal(os.Interrupt)
			assert.NoError(t, cmd.Wait(), "worker %d: %s", i, errw.String())
			assert.Contains(t, errw.String(), "stopped after reporting", "worker %d", i)
		})
	}
	out, err := oobctlCommand(ctx, "demo", "--nats", url).Output()
	require.NoError(t, err)
	assert.Contains(t, string(out), "10 computers: 10 ok")
	// amt-05 runs AMT 12: "For Intel AMT 9.0 and higher, graceful shutdown
	// is performed through WSMan", so the restore shuts it down gracefully.
	assert.Regexp(t, `amt-05 .* S5 +sent on +read 512 KiB, hash ok +held, lifted .* sent shutdown +S5 +yes +ok`, string(out))
}
