package ipmi_test

import (
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
)

// solReader collects what a SOL stream prints, and how it ended.
type solReader struct {
	mu   sync.Mutex
	out  strings.Builder
	err  error
	done chan struct{}
}

func readSOL(sol io.Reader) *solReader {
	r := &solReader{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		buf := make([]byte, 256)
		for {
			n, err := sol.Read(buf)
			r.mu.Lock()
			r.out.Write(buf[:n])
			if err != nil {
				r.err = err
			}
			r.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return r
}

func (r *solReader) snapshot() (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String(), r.err
}

// echo types line and waits for the simulated console's echo of it.
func (r *solReader) echo(t *testing.T, sol io.Writer, line string) {
	t.Helper()
	_, err := io.WriteString(sol, line+"\r")
	require.NoError(t, err)
	want := "ECHO: " + strings.ToUpper(line)
	ok := waitFor(30*time.Second, func() bool {
		out, err := r.snapshot()
		return strings.Contains(out, want) || err != nil
	})
	out, err := r.snapshot()
	require.NoError(t, err, "the SOL stream ended; output so far %q", out)
	require.True(t, ok, "no echo of %q; output so far %q", line, out)
	require.Contains(t, out, want)
}

// ipmi_sim closes a session that received no IPMI message for 30 s, SOL
// packets notwithstanding (see ipmi.DefaultSOLKeepalive). This test watches
// the SOL session's packets through a relay: while the console is idle, the
// stream must keep sending IPMI messages (Get Session Info) on that session
// at the keepalive interval, and the BMC must answer them.
func TestSimSOLKeepalive(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{Power: oobkit.PowerS0})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	relay := startRelay(t, sim.Port)
	target := sim.Target()
	target.Ports[oobkit.IPMI] = relay.port()
	const interval = 150 * time.Millisecond
	c, err := ipmi.New(target, sim.Credential(), ipmi.WithSOLKeepalive(interval))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	ctx := testCtx(t)

	sol, err := c.OpenSOL(ctx)
	require.NoError(t, err)
	r := readSOL(sol)
	r.echo(t, sol, "before")

	solPath := func() map[relayKey]int {
		paths := relay.solPaths()
		require.Len(t, paths, 1, "one session carries SOL")
		return paths[0]
	}
	start := solPath()
	const want = 6
	ok := waitFor(20*time.Second, func() bool {
		now := solPath()
		return now[relayKey{true, 0}]-start[relayKey{true, 0}] >= want &&
			now[relayKey{false, 0}]-start[relayKey{false, 0}] >= want
	})
	end := solPath()
	assert.True(t, ok, "IPMI messages on the SOL session while idle: sent %d, answered %d (want %d each)",
		end[relayKey{true, 0}]-start[relayKey{true, 0}], end[relayKey{false, 0}]-start[relayKey{false, 0}], want)
	assert.Greater(t, end[relayKey{true, 1}], start[relayKey{true, 1}], "SOL polling goes on meanwhile")

	r.echo(t, sol, "after")
	require.NoError(t, sol.Close()) // a Close that hung would hang the test: go test's timeout catches it
	<-r.done
	_, err = r.snapshot()
	assert.ErrorIs(t, err, io.EOF)
}

// TestSimSOLSurvivesIdle keeps a SOL stream idle for longer than ipmi_sim's
// 30 s session inactivity timeout (and two of go-ipmi's 30 s keepalives),
// with the default keepalive, then exchanges a line. Without the keepalive
// the stream ended on its own after about 35 s. It takes over a minute, so
// it runs only with OOBKIT_LONG=1.
func TestSimSOLSurvivesIdle(t *testing.T) {
	if os.Getenv("OOBKIT_LONG") != "1" {
		t.Skip("takes 70 s; set OOBKIT_LONG=1 to run it")
	}
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{Power: oobkit.PowerS0})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	c := newSimClient(t, sim)
	sol, err := c.OpenSOL(testCtx(t))
	require.NoError(t, err)
	r := readSOL(sol)
	r.echo(t, sol, "hello")

	select {
	case <-r.done:
		out, err := r.snapshot()
		t.Fatalf("the SOL stream ended while idle: %v (output %q)", err, out)
	case <-time.After(65 * time.Second):
	}
	r.echo(t, sol, "still here")
	require.NoError(t, sol.Close())
	<-r.done
}
