package redirect_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name   string
		target oobkit.Target
		cred   oobkit.Credential
	}{
		{name: "no address", target: oobkit.Target{}, cred: oobkit.UserPassword("admin", "x")},
		{name: "no user", target: oobkit.Target{Address: "10.0.0.1"}, cred: oobkit.Credential{}},
		{name: "bad pin", target: oobkit.Target{Address: "10.0.0.1"},
			cred: oobkit.Credential{Username: "admin", TLS: oobkit.TLSSettings{PinnedSHA256: "xyz"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := redirect.New(tt.target, tt.cred)
			assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
		})
	}
	c, err := redirect.New(oobkit.Target{Address: "10.0.0.1"}, oobkit.Credential{Username: "admin", TLS: oobkit.TLSSettings{Enabled: true}})
	require.NoError(t, err)
	assert.Equal(t, "10.0.0.1:16995", c.Addr())
	assert.Equal(t, oobkit.Redirection, c.Protocol())
	require.NoError(t, c.Close())
}

// TestInjectedDialer tunnels every session through a caller-supplied dialer:
// the target's own address is never dialled.
func TestInjectedDialer(t *testing.T) {
	sim := newSim(t, redirecttest.Config{})
	var calls atomic.Int32
	var asked atomic.Value
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		calls.Add(1)
		asked.Store(addr)
		var d net.Dialer
		return d.DialContext(ctx, network, sim.Addr())
	}
	c, err := redirect.New(oobkit.Target{Address: "amt-17.example"}, sim.Credential(), redirect.WithDialContext(dial))
	require.NoError(t, err)
	sol, err := c.OpenSOL(ctxT(t), redirect.SOLSettings{})
	require.NoError(t, err)
	require.NoError(t, sol.Close())
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, "amt-17.example:16994", asked.Load())
}

func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().(*net.TCPAddr)
	ln.Close() // nothing listens there now
	c, err := redirect.New(oobkit.Target{Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.Redirection: addr.Port}},
		oobkit.UserPassword("admin", "x"))
	require.NoError(t, err)
	_, err = c.OpenSOL(ctxT(t), redirect.SOLSettings{})
	assert.ErrorIs(t, err, oobkit.ErrUnreachable)
}

// TestDeadlineDuringSetup: a device that accepts and then says nothing
// makes OpenSOL return when the caller's deadline passes.
func TestDeadlineDuringSetup(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err == nil {
			_, _ = io.Copy(io.Discard, conn) // until the client gives up
			conn.Close()
		}
	}()
	c, err := redirect.New(oobkit.Target{Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.Redirection: ln.Addr().(*net.TCPAddr).Port}},
		oobkit.UserPassword("admin", "x"), redirect.WithTimeout(time.Hour))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = c.OpenSOL(ctx, redirect.SOLSettings{})
	require.Error(t, err)
	// The step timeout is an hour: DeadlineExceeded (and returning at all,
	// which go test's own timeout guards) shows the context's deadline
	// ended it.
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	<-done
}

// TestSecretsNeverLogged runs sessions with a debug logger and checks that
// the password appears nowhere in the log.
func TestSecretsNeverLogged(t *testing.T) {
	var buf lockedBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sim := newSim(t, redirecttest.Config{Logger: log, Legacy: true})
	c := newClient(t, sim, redirect.WithLogger(log), redirect.WithLegacyAuth())
	sol, err := c.OpenSOL(ctxT(t), redirect.SOLSettings{})
	require.NoError(t, err)
	require.NoError(t, sol.Close())
	img, _ := image(64<<10, 5)
	s, err := c.OpenIDER(ctxT(t), redirect.IDEROptions{CD: &redirect.Image{R: img, Size: img.Size()}})
	require.NoError(t, err)
	require.NoError(t, nextBoot(t, sim).Err)
	require.NoError(t, s.Close())
	require.NoError(t, sim.Close())
	assert.NotEmpty(t, buf.String())
	assert.NotContains(t, buf.String(), "P@ssw0rd")
}

// TestIDERCloseMidTransfer closes the session while the firmware is still
// reading: the session ends cleanly and nothing is left running. The
// firmware reads the image over and over, so the transfer is still going on
// at Close however the machine schedules the goroutines.
func TestIDERCloseMidTransfer(t *testing.T) {
	img, _ := image(1<<20, 6)
	reading := make(chan struct{})
	endless := func(ctx context.Context, d *redirecttest.Drive) (redirecttest.BootReport, error) {
		rep := redirecttest.BootReport{Device: redirecttest.CD}
		for i := 0; ; i++ {
			lba := (i * 32) % 512 // 32 sectors of 2048 bytes per READ(10), wrapping at 1 MiB
			r, err := d.Command(ctx, redirecttest.CD, []byte{0x28, 0, 0, 0, byte(lba >> 8), byte(lba), 0, 0, 32, 0, 0, 0})
			if err != nil {
				return rep, err
			}
			rep.Bytes += int64(len(r.Data))
			if i == 4 {
				close(reading)
			}
		}
	}
	sim := newSim(t, redirecttest.Config{Firmware: endless})
	s, err := newClient(t, sim).OpenIDER(ctxT(t), redirect.IDEROptions{CD: &redirect.Image{R: img, Size: img.Size()}})
	require.NoError(t, err)
	select {
	case <-reading:
	case <-time.After(time.Minute):
		t.Fatal("the firmware never read")
	}
	require.NoError(t, s.Close())
	rep := nextBoot(t, sim)
	assert.ErrorIs(t, rep.Err, redirecttest.ErrSessionEnded)
	assert.Positive(t, rep.Bytes)
	assert.GreaterOrEqual(t, s.Stats().BytesSent, uint64(rep.Bytes))
}

// lockedBuffer is a bytes.Buffer safe for concurrent writers and a reader.
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
