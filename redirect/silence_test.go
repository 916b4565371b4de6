package redirect_test

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/internal/wire"
)

// rawSOLDevice accepts one connection on loopback, completes the session
// start, a legacy login and the SOL start, then hands the connection to
// run. It returns a client for it; the device goroutine is waited for at
// cleanup. The connection has a generous deadline so a broken test fails
// instead of hanging.
func rawSOLDevice(t *testing.T, run func(nc net.Conn, fr *wire.FrameReader)) *redirect.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(time.Minute))
		fr := wire.NewFrameReader(nc)
		for {
			f, err := fr.Next()
			if err != nil {
				return
			}
			switch f.Op {
			case wire.OpStartSession:
				_, _ = nc.Write(wire.StartSessionReply(wire.StartOK))
			case wire.OpAuthenticate:
				if _, typ, _ := wire.AuthFields(f.Raw); typ == wire.AuthQuery {
					_, _ = nc.Write(wire.Auth(wire.OpAuthenticateReply, 0, 0, []byte{wire.AuthPassword}))
				} else {
					_, _ = nc.Write(wire.Auth(wire.OpAuthenticateReply, 0, wire.AuthPassword, nil))
				}
			case wire.OpSOLStart:
				_, _ = nc.Write(wire.SOLStartReply(0))
				run(nc, fr)
				return
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	c, err := redirect.New(oobkit.Target{Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.Redirection: ln.Addr().(*net.TCPAddr).Port}},
		oobkit.UserPassword("admin", "x"), redirect.WithLegacyAuth(), redirect.WithTimeout(15*time.Second))
	require.NoError(t, err)
	return c
}

// TestSOLHeartbeatSilence: a device that completes the SOL start and then
// goes silent (no heartbeats, no data) ends the session with an error once
// the silence timeout passes: by default four heartbeat intervals, as
// amtterm does, or the explicit SilenceTimeout. The device never speaks, so
// the outcome does not depend on the machine's speed.
func TestSOLHeartbeatSilence(t *testing.T) {
	tests := []struct {
		name     string
		settings redirect.SOLSettings
	}{
		{name: "four heartbeat intervals", settings: redirect.SOLSettings{HeartbeatInterval: 20 * time.Millisecond}},
		{name: "explicit timeout, no heartbeats", settings: redirect.SOLSettings{HeartbeatInterval: -1, SilenceTimeout: 50 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := rawSOLDevice(t, func(nc net.Conn, fr *wire.FrameReader) {
				for { // swallow everything (heartbeats) without an answer
					if _, err := fr.Next(); err != nil {
						return
					}
				}
			})
			sol, err := c.OpenSOL(ctxT(t), tt.settings)
			require.NoError(t, err)
			_, err = io.ReadAll(sol)
			require.Error(t, err)
			assert.ErrorIs(t, err, oobkit.ErrUnreachable)
			require.NoError(t, sol.Close())
		})
	}
}

// TestSOLHeartbeatsAndPings: the client sends heartbeats at the requested
// interval, answers the device's ping with a pong carrying the same
// sequence number, and passes data across the device's heartbeats. The
// device waits for what it expects instead of sleeping, and the silence
// check is off, so a slow machine cannot fail the test.
func TestSOLHeartbeatsAndPings(t *testing.T) {
	type seen struct {
		heartbeats int
		pongSeq    uint32
		pong       bool
	}
	result := make(chan seen, 1)
	c := rawSOLDevice(t, func(nc net.Conn, fr *wire.FrameReader) {
		_, _ = nc.Write(wire.Header8(wire.OpSOLHeartbeat, 0, 1))
		_, _ = nc.Write(wire.SOLData(wire.OpSOLDataFromHost, 1, []byte("a")))
		_, _ = nc.Write(wire.Header8(wire.OpSOLPing, 0, 7))
		_, _ = nc.Write(wire.Header8(wire.OpSOLHeartbeat, 0, 2))
		_, _ = nc.Write(wire.SOLData(wire.OpSOLDataFromHost, 2, []byte("b")))
		var s seen
		for !s.pong || s.heartbeats < 3 {
			f, err := fr.Next()
			if err != nil {
				break
			}
			switch f.Op {
			case wire.OpSOLHeartbeat:
				s.heartbeats++
			case wire.OpSOLPong:
				s.pong, s.pongSeq = true, wire.Seq(f.Raw)
			}
		}
		result <- s
		for { // until the client ends the session
			f, err := fr.Next()
			if err != nil {
				return
			}
			if f.Op == wire.OpSOLEnd {
				_, _ = nc.Write(wire.Header8(wire.OpSOLEndReply, 0, 0))
			}
		}
	})
	sol, err := c.OpenSOL(ctxT(t), redirect.SOLSettings{HeartbeatInterval: 5 * time.Millisecond, SilenceTimeout: -1})
	require.NoError(t, err)
	got := make([]byte, 2)
	_, err = io.ReadFull(sol, got)
	require.NoError(t, err)
	assert.Equal(t, "ab", string(got))
	s := <-result
	assert.True(t, s.pong, "pong sent")
	assert.Equal(t, uint32(7), s.pongSeq)
	assert.GreaterOrEqual(t, s.heartbeats, 3)
	require.NoError(t, sol.Close())
}
