package solterm

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// host is a fake SOL session. With echo, what is written comes back at
// once (before Write returns), so what reaches the output never depends on
// timing; Read drains what the host wrote before reporting the end.
type host struct {
	mu      sync.Mutex
	cond    *sync.Cond
	echo    bool
	pending bytes.Buffer // host output not read yet
	written bytes.Buffer // what the bridge sent
	ended   bool         // the host ended the session
	closed  int
}

func newHost(echo bool, says string) *host {
	h := &host{echo: echo}
	h.cond = sync.NewCond(&h.mu)
	h.pending.WriteString(says)
	return h
}

func (h *host) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed > 0 {
		return 0, errors.New("closed")
	}
	h.written.Write(p)
	if h.echo {
		h.pending.Write(p)
		h.cond.Broadcast()
	}
	return len(p), nil
}

func (h *host) Read(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for h.pending.Len() == 0 && h.closed == 0 && !h.ended {
		h.cond.Wait()
	}
	if h.pending.Len() > 0 {
		return h.pending.Read(p)
	}
	return 0, io.EOF
}

func (h *host) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed++
	h.cond.Broadcast()
	return nil
}

func (h *host) end() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ended = true
	h.cond.Broadcast()
}

func (h *host) sent() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.written.String()
}

// lockedBuffer is out, read by the test after Bridge returns (and checked
// by the race detector not to be written after).
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

// stuckInput is a terminal nobody types on; release lets its Read return.
func stuckInput(t *testing.T) io.Reader {
	r, w := io.Pipe()
	t.Cleanup(func() { _ = w.Close() })
	return r
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// From a pipe: the input is sent whole, the host's answer comes back, and
// the bridge ends by itself once the host is quiet (moved from oobctl's
// sol test, which goes through the simulated AMT host).
func TestBridgeFromPipeEndsWhenQuiet(t *testing.T) {
	h := newHost(true, "login: ")
	var out lockedBuffer
	err := Bridge(testContext(t), h, strings.NewReader("hello sol\r\n"), &out, Options{Quiet: time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, "hello sol\r\n", h.sent())
	assert.Equal(t, "login: hello sol\r\n", out.String())
	assert.Equal(t, 1, h.closed)
}

// Interactive: Ctrl-] quits; what was typed before it is sent, not the
// rest. From a pipe, Ctrl-] is just a byte.
func TestBridgeQuitKey(t *testing.T) {
	h := newHost(false, "")
	err := Bridge(testContext(t), h, strings.NewReader("ab\x1dcd"), io.Discard, Options{Interactive: true})
	require.NoError(t, err)
	assert.Equal(t, "ab", h.sent())
	assert.Equal(t, 1, h.closed)

	h = newHost(false, "")
	require.NoError(t, Bridge(testContext(t), h, strings.NewReader("ab\x1dcd"), io.Discard, Options{Quiet: time.Millisecond}))
	assert.Equal(t, "ab\x1dcd", h.sent())
}

// The host ending the session ends the bridge, after its last words.
func TestBridgeSessionEnds(t *testing.T) {
	h := newHost(false, "bye\r\n")
	h.end()
	var out lockedBuffer
	require.NoError(t, Bridge(testContext(t), h, stuckInput(t), &out, Options{Interactive: true}))
	assert.Equal(t, "bye\r\n", out.String())
	assert.Equal(t, 1, h.closed)
}

// The end of ctx ends the bridge with ctx's error, so a caller's timeout is
// not reported as a session that ended well.
func TestBridgeContextEnds(t *testing.T) {
	h := newHost(false, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Bridge(ctx, h, stuckInput(t), io.Discard, Options{Interactive: true})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, h.closed)

	h = newHost(false, "")
	ctx, cancel = context.WithDeadline(context.Background(), time.Unix(0, 0)) // already past
	defer cancel()
	err = Bridge(ctx, h, stuckInput(t), io.Discard, Options{Interactive: true})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 1, h.closed)
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("terminal gone") }

func TestBridgeOutputFails(t *testing.T) {
	h := newHost(false, "text")
	err := Bridge(testContext(t), h, stuckInput(t), failingWriter{}, Options{Interactive: true})
	assert.EqualError(t, err, "terminal gone")
	assert.Equal(t, 1, h.closed)
}

func TestMakeRawNotATerminal(t *testing.T) {
	restore, ok := MakeRaw(strings.NewReader(""))
	assert.False(t, ok)
	restore()
}
