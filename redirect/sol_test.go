package redirect_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// readUntil reads from r until the output contains want.
func readUntil(t *testing.T, r io.Reader, want string) string {
	t.Helper()
	var sb strings.Builder
	buf := make([]byte, 256)
	for !strings.Contains(sb.String(), want) {
		n, err := r.Read(buf)
		sb.Write(buf[:n])
		require.NoError(t, err, "read so far: %q", sb.String())
	}
	return sb.String()
}

func TestSOLBothDirections(t *testing.T) {
	tests := []struct {
		name string
		cfg  redirecttest.Config
		opts []redirect.Option
	}{
		{name: "digest plain", cfg: redirecttest.Config{}},
		{name: "digest TLS pinned", cfg: redirecttest.Config{TLS: true}},
		{name: "legacy opt-in", cfg: redirecttest.Config{Legacy: true, NoDigest: true}, opts: []redirect.Option{redirect.WithLegacyAuth()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := newSim(t, tt.cfg)
			c := newClient(t, sim, tt.opts...)
			// Heartbeats every 20 ms both ways interleave with the data;
			// the silence check is generous so a loaded machine that
			// delays the simulator cannot end the session.
			sol, err := c.OpenSOL(ctxT(t), redirect.SOLSettings{MaxTxBuffer: 7, HeartbeatInterval: 20 * time.Millisecond,
				SilenceTimeout: time.Minute})
			require.NoError(t, err)
			defer sol.Close()
			msg := "hello firmware, this is longer than MaxTxBuffer\r"
			_, err = io.WriteString(sol, msg)
			require.NoError(t, err)
			assert.Equal(t, msg, readUntil(t, sol, msg))
			// The host's control message precedes any output.
			assert.True(t, sol.Status().PoweredOn)
			assert.True(t, sol.Status().DTR)
			require.NoError(t, sol.Close())
			_, err = sol.Read(make([]byte, 1))
			assert.ErrorIs(t, err, io.EOF)
			_, err = sol.Write([]byte("x"))
			assert.Error(t, err)
		})
	}
}

func TestSOLScriptedBIOS(t *testing.T) {
	sim := newSim(t, redirecttest.Config{Console: redirecttest.BIOSConsole})
	sol, err := newClient(t, sim).OpenSOL(ctxT(t), redirect.SOLSettings{})
	require.NoError(t, err)
	defer sol.Close()
	readUntil(t, sol, "> ")
	_, err = io.WriteString(sol, "boot\r")
	require.NoError(t, err)
	out := readUntil(t, sol, "Booting from IDE-R CD")
	assert.Contains(t, out, "Booting")
}

func TestSessionRefusals(t *testing.T) {
	tests := []struct {
		name  string
		cfg   redirecttest.Config
		setup func(*redirecttest.Server)
		cred  func(oobkit.Credential) oobkit.Credential
		opts  []redirect.Option
		class error
	}{
		{name: "wrong password", class: oobkit.ErrAuth,
			cred: func(c oobkit.Credential) oobkit.Credential { c.Password = oobkit.NewSecret("wrong"); return c }},
		{name: "unknown user", class: oobkit.ErrAuth,
			cred: func(c oobkit.Credential) oobkit.Credential { c.Username = "nobody"; return c }},
		{name: "wrong legacy password", cfg: redirecttest.Config{Legacy: true, NoDigest: true}, class: oobkit.ErrAuth,
			opts: []redirect.Option{redirect.WithLegacyAuth()},
			cred: func(c oobkit.Credential) oobkit.Credential { c.Password = oobkit.NewSecret("wrong"); return c }},
		{name: "legacy not opted in", cfg: redirecttest.Config{Legacy: true, NoDigest: true}, class: oobkit.ErrUnsupported},
		{name: "SOL disabled", cfg: redirecttest.Config{DisableSOL: true}, class: oobkit.ErrUnsupported},
		{name: "SOL busy", setup: func(s *redirecttest.Server) { s.Occupy(redirecttest.SOL) }, class: oobkit.ErrBusy},
		{name: "pin mismatch", cfg: redirecttest.Config{TLS: true}, class: oobkit.ErrAuth,
			cred: func(c oobkit.Credential) oobkit.Credential { c.TLS.PinnedSHA256 = strings.Repeat("ab", 32); return c }},
		{name: "self-signed without pin", cfg: redirecttest.Config{TLS: true}, class: oobkit.ErrAuth,
			cred: func(c oobkit.Credential) oobkit.Credential { c.TLS.PinnedSHA256 = ""; return c }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := newSim(t, tt.cfg)
			if tt.setup != nil {
				tt.setup(sim)
			}
			cred := sim.Credential()
			if tt.cred != nil {
				cred = tt.cred(cred)
			}
			c, err := redirect.New(sim.Target(), cred, append([]redirect.Option{redirect.WithTimeout(15 * time.Second)}, tt.opts...)...)
			require.NoError(t, err)
			_, err = c.OpenSOL(ctxT(t), redirect.SOLSettings{})
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.class)
			var oe *oobkit.Error
			require.True(t, errors.As(err, &oe))
			assert.Equal(t, oobkit.Redirection, oe.Protocol)
			assert.NotContains(t, err.Error(), "P@ssw0rd")
		})
	}
}

func TestSOLBusyWhileActive(t *testing.T) {
	sim := newSim(t, redirecttest.Config{})
	c := newClient(t, sim)
	first, err := c.OpenSOL(ctxT(t), redirect.SOLSettings{})
	require.NoError(t, err)
	_, err = c.OpenSOL(ctxT(t), redirect.SOLSettings{})
	assert.ErrorIs(t, err, oobkit.ErrBusy)
	assert.Equal(t, "0x02", oobkit.DeviceCode(err))
	require.NoError(t, first.Close())
	require.Eventually(t, func() bool { return sim.Stats().Active == 0 }, 30*time.Second, 10*time.Millisecond)
	again, err := c.OpenSOL(ctxT(t), redirect.SOLSettings{})
	require.NoError(t, err)
	require.NoError(t, again.Close())
}

func TestSOLDroppedConnection(t *testing.T) {
	sim := newSim(t, redirecttest.Config{})
	sol, err := newClient(t, sim).OpenSOL(ctxT(t), redirect.SOLSettings{})
	require.NoError(t, err)
	require.NoError(t, sim.Close()) // the device goes away
	_, err = io.ReadAll(sol)
	require.Error(t, err)
	assert.ErrorIs(t, err, oobkit.ErrUnreachable)
	assert.NoError(t, sol.Close())
}

// TestSOLCloseDiscardsUnreadOutput: a chatty host keeps printing while the
// caller stops reading and closes. Close still ends the session cleanly
// (the reader drops output nobody will read and sees the EndSOL reply)
// instead of waiting out the timeout, and Read then reports io.EOF.
func TestSOLCloseDiscardsUnreadOutput(t *testing.T) {
	chatty := func(ctx context.Context, port io.ReadWriter) error {
		for i := 0; ctx.Err() == nil; i++ {
			if _, err := fmt.Fprintf(port, "POST line %d\r\n", i); err != nil {
				return err
			}
		}
		return nil
	}
	sim := newSim(t, redirecttest.Config{Console: chatty})
	c, err := redirect.New(sim.Target(), sim.Credential(), redirect.WithTimeout(time.Minute))
	require.NoError(t, err)
	sol, err := c.OpenSOL(ctxT(t), redirect.SOLSettings{})
	require.NoError(t, err)
	readUntil(t, sol, "POST line 100\r\n") // far more messages than the client buffers
	require.NoError(t, sol.Close())
	_, err = sol.Read(make([]byte, 64))
	assert.ErrorIs(t, err, io.EOF)
	require.Eventually(t, func() bool { return sim.Stats().Active == 0 }, 30*time.Second, 10*time.Millisecond)
}
