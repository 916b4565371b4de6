// Package optcheck is the test every protocol client runs to prove that the
// options all oobkit clients share take effect: WithDialContext (every
// connection goes through the injected dialer), WithHooks (each request is
// reported before and after, with the protocol and an operation name),
// WithLogger (the client logs through the given logger) and WithTimeout
// (a peer that never answers fails the call before the caller's own,
// far later, deadline).
package optcheck

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// Dial is the shape of every client's WithDialContext.
type Dial = func(ctx context.Context, network, addr string) (net.Conn, error)

// Options are the shared options, for Build to pass to the client's own.
type Options struct {
	Hooks   oobkit.Hooks
	Dial    Dial
	Logger  *slog.Logger
	Timeout time.Duration
}

// Build makes a client of the protocol under test with o and returns one
// call that sends at least one request to the simulator.
type Build func(t *testing.T, o Options) (call func(ctx context.Context) error)

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

// Run checks the four options for protocol p. network is "tcp" or "udp":
// the transport the client dials, for the silent peer of the timeout case.
func Run(t *testing.T, p oobkit.Protocol, network string, build Build) {
	t.Run("dial hooks logger", func(t *testing.T) {
		var mu sync.Mutex
		var dials, before, after int
		var ops []string
		var answered int
		hooks := oobkit.Hooks{
			OnRequest: func(r oobkit.HookRequest) {
				mu.Lock()
				defer mu.Unlock()
				before++
				ops = append(ops, r.Operation)
				assert.Equal(t, p, r.Protocol)
				assert.NotEmpty(t, r.Target)
			},
			OnResponse: func(r oobkit.HookRequest, resp oobkit.HookResponse) {
				mu.Lock()
				defer mu.Unlock()
				after++
				if resp.Err == nil {
					answered++
				}
				assert.GreaterOrEqual(t, resp.Duration, time.Duration(0))
			},
		}
		dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			dials++
			mu.Unlock()
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}
		var logs syncBuffer
		logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		call := build(t, Options{Hooks: hooks, Dial: dial, Logger: logger, Timeout: 30 * time.Second})
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		require.NoError(t, call(ctx))
		mu.Lock()
		defer mu.Unlock()
		assert.Positive(t, dials, "WithDialContext: the client dialed through the injected dialer")
		assert.Positive(t, before, "WithHooks: OnRequest ran")
		assert.Equal(t, before, after, "WithHooks: OnResponse ran once per request")
		assert.Positive(t, answered, "WithHooks: OnResponse saw an answered request")
		for _, op := range ops {
			assert.NotEmpty(t, op, "WithHooks: every request names its operation")
		}
		assert.Positive(t, logs.Len(), "WithLogger: the client logged through the given logger")
	})

	t.Run("timeout", func(t *testing.T) {
		silent := silentPeer(t, network)
		dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, silent)
		}
		call := build(t, Options{Dial: dial, Timeout: 200 * time.Millisecond})
		// The caller's deadline is far away: only WithTimeout can end the
		// call while it is still open.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		err := call(ctx)
		require.Error(t, err, "a peer that never answers")
		assert.NoError(t, ctx.Err(), "WithTimeout, not the caller's deadline, ended the call")
	})
}

// silentPeer listens on loopback and never answers: a TCP listener that
// accepts and holds connections, or a UDP socket that reads and drops.
func silentPeer(t *testing.T, network string) string {
	t.Helper()
	if network == "udp" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		t.Cleanup(func() { _ = pc.Close() })
		go func() {
			buf := make([]byte, 2048)
			for {
				if _, _, err := pc.ReadFrom(buf); err != nil {
					return
				}
			}
		}()
		return pc.LocalAddr().String()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().String()
}
