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

// TestSOLHeartbeatSilence: a device that completes the SOL start and then
// goes silent (no heartbeats, no data) ends the session with an error after
// four heartbeat intervals, as amtterm does.
func TestSOLHeartbeatSilence(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
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
			}
			// Everything else (heartbeats) is swallowed without an answer.
		}
	}()
	c, err := redirect.New(oobkit.Target{Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.Redirection: ln.Addr().(*net.TCPAddr).Port}},
		oobkit.UserPassword("admin", "x"), redirect.WithLegacyAuth(), redirect.WithTimeout(time.Second))
	require.NoError(t, err)
	sol, err := c.OpenSOL(ctxT(t), redirect.SOLSettings{HeartbeatInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	_, err = io.ReadAll(sol)
	require.Error(t, err)
	assert.ErrorIs(t, err, oobkit.ErrUnreachable)
	require.NoError(t, sol.Close())
	ln.Close()
	<-done
}
