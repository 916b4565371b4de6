package simfleet

import (
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

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/peer"
)

// lockedBuffer collects a process's output for a reader goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// amtterm runs Debian's amtterm against a fleet computer's redirection
// port with the fleet credential.
func amtterm(t *testing.T, c *Computer) (*exec.Cmd, io.WriteCloser, *lockedBuffer, *lockedBuffer) {
	t.Helper()
	bin := peer.Require(t, "amtterm", "amtterm")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, bin, "-u", User, "127.0.0.1", strconv.Itoa(c.Target.Ports[oobkit.Redirection]))
	cmd.Env = []string{"AMT_PASSWORD=" + Password, "TERM=dumb"}
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, errOut := &lockedBuffer{}, &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, errOut
	require.NoError(t, cmd.Start())
	return cmd, stdin, out, errOut
}

// TestAmttermLogsInToLegacyFirmware: the fleet's AMT 8 and 11 devices offer
// the user/password login amtterm uses beside digest; amtterm opens SOL on
// one, its typed line comes back through the echo console, and ^] ends the
// session. Before, every fleet device offered digest only and amtterm
// could not log in.
func TestAmttermLogsInToLegacyFirmware(t *testing.T) {
	peer.Require(t, "amtterm", "amtterm")
	f, err := New(Config{AMT: 4, Off: func(oobkit.Protocol, int) bool { return false }})
	require.NoError(t, err)
	defer f.Close()
	c := f.Computer("amt-04")
	require.Equal(t, "11.8.50", c.Target.Labels["firmware"])

	cmd, stdin, out, errOut := amtterm(t, c)
	require.Eventually(t, func() bool { return strings.Contains(errOut.String(), "redirection ok") }, time.Minute, 20*time.Millisecond,
		"amtterm stderr %q", errOut.String())
	_, err = io.WriteString(stdin, "hello fleet\n")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "hello fleet\r") }, time.Minute, 20*time.Millisecond,
		"amtterm stdout %q, stderr %q", out.String(), errOut.String())
	_, err = stdin.Write([]byte{0x1d}) // ^] quits
	require.NoError(t, err)
	require.NoError(t, cmd.Wait(), "stderr: %s", errOut.String())
	assert.Zero(t, c.Redirect.Stats().AuthFailures)
	assert.Equal(t, uint64(1), c.Redirect.Stats().Sessions)
}

// TestAmttermRefusedByDigestOnlyFirmware: AMT 12 and later offer digest
// only on the redirection port; amtterm's user/password login is refused
// there.
func TestAmttermRefusedByDigestOnlyFirmware(t *testing.T) {
	peer.Require(t, "amtterm", "amtterm")
	f, err := New(Config{AMT: 1, Off: func(oobkit.Protocol, int) bool { return false }})
	require.NoError(t, err)
	defer f.Close()
	c := f.Computer("amt-01")
	require.Equal(t, "12.0.67", c.Target.Labels["firmware"])
	cmd, stdin, out, errOut := amtterm(t, c)
	_ = stdin.Close()
	_ = cmd.Wait()
	all := strings.ToLower(out.String() + errOut.String())
	assert.NotContains(t, all, "redirection ok")
	assert.Contains(t, all, "authentication failed")
}
