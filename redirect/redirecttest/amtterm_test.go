package redirecttest_test

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestAmttermLegacySOL points Debian's amtterm (1.4: plain TCP, type-1
// login sent without a query) at the simulator, types a line through its
// stdin and reads the echo and the scripted BIOS text from its stdout, then
// quits with ^] so amtterm ends the session (EndSOL, EndSession).
func TestAmttermLegacySOL(t *testing.T) {
	bin := peer.Require(t, "amtterm", "amtterm")
	sim, err := redirecttest.NewServer(redirecttest.Config{
		Legacy:  true,
		Console: redirecttest.BIOSConsole,
		// amtterm drops bytes behind the 0x21 and 0x29 in the same read; the
		// simulator waits for amtterm to echo a heartbeat probe before it
		// goes on, at most this long, so a slow amtterm loses nothing.
		Settle: 30 * time.Second,
	})
	require.NoError(t, err)
	defer sim.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-u", "admin", "127.0.0.1", strconv.Itoa(sim.Port()))
	cmd.Env = []string{"AMT_PASSWORD=P@ssw0rd", "TERM=dumb"}
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	var out, errOut syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	require.NoError(t, cmd.Start())

	wait := func(want string) {
		t.Helper()
		require.Eventually(t, func() bool { return strings.Contains(out.String(), want) }, time.Minute, 20*time.Millisecond,
			"amtterm stdout %q, stderr %q", out.String(), errOut.String())
	}
	wait("oobkit BIOS v1.0")
	_, err = io.WriteString(stdin, "boot\n")
	require.NoError(t, err)
	wait("Booting from IDE-R CD")
	_, err = io.WriteString(stdin, "echo me\n")
	require.NoError(t, err)
	wait("echo me\r")                  // amtterm turns LF into CR; the console echoes it
	_, err = stdin.Write([]byte{0x1d}) // ^] quits
	require.NoError(t, err)
	require.NoError(t, cmd.Wait(), "stderr: %s", errOut.String())
	require.Eventually(t, func() bool { return sim.Stats().Active == 0 }, time.Minute, 10*time.Millisecond)
	st := sim.Stats()
	assert.Equal(t, uint64(1), st.Sessions)
	assert.Zero(t, st.AuthFailures)
}

// TestAmttermWrongPassword checks that amtterm reports the refused login.
func TestAmttermWrongPassword(t *testing.T) {
	bin := peer.Require(t, "amtterm", "amtterm")
	sim, err := redirecttest.NewServer(redirecttest.Config{Legacy: true})
	require.NoError(t, err)
	defer sim.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-u", "admin", "-p", "wrong", "127.0.0.1", strconv.Itoa(sim.Port()))
	cmd.Stdin = strings.NewReader("")
	out, _ := cmd.CombinedOutput()
	assert.Contains(t, strings.ToLower(string(out)), "authentication failed", string(out))
	assert.Equal(t, uint64(1), sim.Stats().AuthFailures)
}
