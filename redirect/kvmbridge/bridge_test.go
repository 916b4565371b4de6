package kvmbridge_test

import (
	"context"
	"image"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/net/websocket"

	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/kvmbridge"
	"github.com/oobkit/oobkit/redirect/redirecttest"
	"github.com/oobkit/oobkit/redirect/rfb"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// rig is a simulated computer's screen behind the AMT redirection port, a
// KVM session to it and a bridge over the session.
type rig struct {
	screen *redirecttest.Screen
	kvm    *redirect.KVM
	bridge *kvmbridge.Bridge
}

func newRig(t testing.TB, sc redirecttest.ScreenConfig, bc kvmbridge.Config) *rig {
	t.Helper()
	screen := redirecttest.NewScreen(sc)
	sim, err := redirecttest.NewServer(redirecttest.Config{KVM: screen.Serve})
	require.NoError(t, err)
	t.Cleanup(func() { sim.Close() })
	c, err := redirect.New(sim.Target(), sim.Credential())
	require.NoError(t, err)
	k, err := c.OpenKVMSession(ctxT(t), redirect.KVMOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { k.Close() })
	b, err := kvmbridge.New(ctxT(t), k.Conn, bc)
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return &rig{screen: screen, kvm: k, bridge: b}
}

// listenRFB runs the bridge's plain RFB listener on a loopback port.
func (r *rig) listenRFB(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.bridge.ListenRFB(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

func viewer(t testing.TB, addr string) (*rfb.Conn, error) {
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	c, err := rfb.NewClient(ctxT(t), nc, rfb.Options{})
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// waitSame reads v's frame stream until the screen is in a state ok
// accepts and v shows exactly its pixels: the bridge mirrors the device
// asynchronously, so a viewer sees a change one update later.
func waitSame(t testing.TB, v *rfb.Conn, s *redirecttest.Screen, ok func(redirecttest.ScreenState) bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	frames := v.Frames(ctx)
	for !ok(s.State()) || !equalPix(s.Image(), v.Image()) {
		select {
		case <-frames:
		case <-ctx.Done():
			t.Fatalf("the viewer never showed the expected screen (%v)", s.State().Phase)
		}
	}
}

func equalPix(a, b *image.RGBA) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for i := range a.Pix {
		if a.Pix[i] != b.Pix[i] {
			return false
		}
	}
	return true
}

// TestBridgePlainRFB: a desktop viewer on the plain RFB listener sees the
// simulated screen pixel for pixel, drives the BIOS menu with keys, and a
// second viewer is refused while the first is connected.
func TestBridgePlainRFB(t *testing.T) {
	r := newRig(t, redirecttest.ScreenConfig{Machine: redirecttest.Machine{Phase: redirecttest.PhaseBIOSSetup}}, kvmbridge.Config{})
	addr := r.listenRFB(t)
	v, err := viewer(t, addr)
	require.NoError(t, err)
	img, err := v.Screenshot(ctxT(t))
	require.NoError(t, err)
	assert.True(t, equalPix(r.screen.Image(), img.(*image.RGBA)))

	_, err = viewer(t, addr)
	assert.ErrorIs(t, err, rfb.Refused)
	assert.Contains(t, err.Error(), kvmbridge.BusyReason)

	// Down arrow through the bridge: the device's highlight moves, and the
	// viewer's frame stream brings the new screen.
	require.NoError(t, v.Press(0xff54))
	waitSame(t, v, r.screen, func(s redirecttest.ScreenState) bool { return s.Item == 1 })
	require.NoError(t, v.Close())

	// The slot is free again once the first viewer has gone.
	for {
		v2, err := viewer(t, addr)
		if err == nil {
			_, err = v2.Screenshot(ctxT(t))
			require.NoError(t, err)
			break
		}
		require.ErrorIs(t, err, rfb.Refused)
		require.NoError(t, ctxT(t).Err())
	}
}

// wsDial connects to the bridge's WebSocket as a browser would.
func wsDial(t testing.TB, srv *httptest.Server, token, origin string) (*websocket.Conn, error) {
	cfg, err := websocket.NewConfig(strings.Replace(srv.URL, "http", "ws", 1)+"/websockify?token="+token, origin)
	require.NoError(t, err)
	cfg.Protocol = []string{"binary"}
	ws, err := websocket.DialConfig(cfg)
	if err == nil {
		ws.PayloadType = websocket.BinaryFrame
	}
	return ws, err
}

// TestBridgeWebSocket: RFB inside binary WebSocket frames (noVNC's
// transport) behind a one-time token and an origin check, one viewer at a
// time.
func TestBridgeWebSocket(t *testing.T) {
	r := newRig(t, redirecttest.ScreenConfig{Machine: redirecttest.Machine{Phase: redirecttest.PhasePOST}}, kvmbridge.Config{})
	srv := httptest.NewServer(kvmbridge.Handler(r.bridge, t.TempDir()))
	defer srv.Close()
	origin := srv.URL

	status := func(token, origin string) int {
		req, _ := http.NewRequest("GET", srv.URL+"/websockify?token="+token, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "websocket")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusUnauthorized, status("", origin), "no token")
	assert.Equal(t, http.StatusUnauthorized, status("0123", origin), "unknown token")
	tok := r.bridge.Token()
	assert.Equal(t, http.StatusForbidden, status(tok, "http://evil.example"), "foreign origin")

	ws, err := wsDial(t, srv, tok, origin)
	require.NoError(t, err)
	v, err := rfb.NewClient(ctxT(t), ws, rfb.Options{})
	require.NoError(t, err)
	img, err := v.Screenshot(ctxT(t))
	require.NoError(t, err)
	assert.True(t, equalPix(r.screen.Image(), img.(*image.RGBA)))

	assert.Equal(t, http.StatusUnauthorized, status(tok, origin), "a token works once")
	assert.Equal(t, http.StatusConflict, status(r.bridge.Token(), origin), "second viewer")

	// F2 at the POST prompt through the browser path enters BIOS setup.
	require.NoError(t, v.Press(0xffbf))
	waitSame(t, v, r.screen, func(s redirecttest.ScreenState) bool { return s.Phase == redirecttest.PhaseBIOSSetup })
	require.NoError(t, v.Close())

	// The page is served.
	resp, err := http.Get(srv.URL + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(body), "./novnc/core/rfb.js")
}

// TestBridgeSOL: a serial-over-LAN session to a browser terminal.
func TestBridgeSOL(t *testing.T) {
	sim, err := redirecttest.NewServer(redirecttest.Config{})
	require.NoError(t, err)
	defer sim.Close()
	c, err := redirect.New(sim.Target(), sim.Credential())
	require.NoError(t, err)
	sol := kvmbridge.NewSOL(func(ctx context.Context) (io.ReadWriteCloser, error) {
		return c.OpenSOL(ctx, redirect.SOLSettings{})
	}, nil)
	srv := httptest.NewServer(sol)
	defer srv.Close()
	cfg, err := websocket.NewConfig(strings.Replace(srv.URL, "http", "ws", 1)+"/?token="+sol.Token(), srv.URL)
	require.NoError(t, err)
	ws, err := websocket.DialConfig(cfg)
	require.NoError(t, err)
	ws.PayloadType = websocket.BinaryFrame
	_, err = ws.Write([]byte("hello"))
	require.NoError(t, err)
	got := make([]byte, 0, 5)
	buf := make([]byte, 16)
	for len(got) < 5 {
		n, err := ws.Read(buf)
		require.NoError(t, err)
		got = append(got, buf[:n]...)
	}
	assert.Equal(t, "hello", string(got), "the echo console answers")
	require.NoError(t, ws.Close())
}
