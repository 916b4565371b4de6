// Package kvmbridge brings a computer's KVM screen and serial console to
// viewers that do not speak AMT: a browser (noVNC, RFB inside binary
// WebSocket frames, the "websockify" convention), a desktop VNC viewer
// (plain RFB on a TCP listener) and a browser terminal (a SOL session as a
// binary WebSocket stream).
//
// The KVM bridge terminates RFB on both sides: it reads the device's screen
// with an [rfb.Conn] (the KVM session) into its own framebuffer and serves
// that to the viewer with its own RFB server (versions 3.3 to 3.8, Hextile
// when the viewer lists it — noVNC and vncsnapshot do — else Raw, the
// viewer's pixel format), forwarding the viewer's keys and pointer to the
// device. The device sees one session whatever the viewer is, and an old
// viewer that speaks only RFB 3.3 (vncsnapshot) works although AMT speaks
// 3.8.
//
// One viewer at a time: a second viewer of the same computer is refused
// while the first is connected — over WebSocket with HTTP 409 Conflict
// before the upgrade, over plain RFB with the RFB failure reason
// [BusyReason] — because AMT itself allows one KVM session and two people
// typing into one BIOS would fight. The browser side needs a one-time token
// ([Bridge.Token], passed as the "token" query parameter; used up by the
// upgrade) and an Origin the bridge accepts ([Config.Origins]; by default
// the page's own host). The plain RFB listener has no authentication of
// its own (RFB security None): bind it to loopback or a trusted network.
//
// WebSocket comes from golang.org/x/net/websocket: the module already
// requires golang.org/x/net, and no other WebSocket library is in go.sum.
package kvmbridge

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"image"
	"math/bits"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/net/websocket"

	"github.com/oobkit/oobkit/redirect/internal/rfbserve"
	"github.com/oobkit/oobkit/redirect/rfb"
)

// BusyReason is the RFB failure reason given to a second viewer.
const BusyReason = "another viewer is connected to this computer"

// Config configures a bridge.
type Config struct {
	// Name is the desktop name shown to viewers (default "oobkit KVM").
	Name string
	// Origins are the WebSocket origins accepted ("http://host:port");
	// empty accepts only an origin whose host is the request's Host.
	Origins []string
	// Counter, when set, is told the size of every update sent to a viewer.
	Counter func(bytes int)
}

// gate holds the browser-side checks shared by the KVM and SOL bridges:
// one-time tokens, origins and the single viewer.
type gate struct {
	origins []string
	mu      sync.Mutex
	tokens  map[string]struct{}
	busy    bool
}

func newGate(origins []string) *gate {
	return &gate{origins: origins, tokens: map[string]struct{}{}}
}

// Token returns a fresh one-time token.
func (g *gate) token() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	t := hex.EncodeToString(b)
	g.mu.Lock()
	g.tokens[t] = struct{}{}
	g.mu.Unlock()
	return t
}

// acquire takes the viewer slot.
func (g *gate) acquire() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.busy {
		return false
	}
	g.busy = true
	return true
}

func (g *gate) release() {
	g.mu.Lock()
	g.busy = false
	g.mu.Unlock()
}

// admit checks a WebSocket request: origin, token (used up) and the viewer
// slot. It writes the refusal and returns false, or holds the slot.
func (g *gate) admit(w http.ResponseWriter, r *http.Request) bool {
	if !g.originOK(r) {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return false
	}
	tok := r.URL.Query().Get("token")
	g.mu.Lock()
	_, ok := g.tokens[tok]
	if ok && !g.busy {
		delete(g.tokens, tok)
		g.busy = true
		g.mu.Unlock()
		return true
	}
	busy := g.busy
	g.mu.Unlock()
	if !ok {
		http.Error(w, "missing, unknown or used token", http.StatusUnauthorized)
		return false
	}
	_ = busy
	http.Error(w, BusyReason, http.StatusConflict)
	return false
}

func (g *gate) originOK(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return false
	}
	if len(g.origins) > 0 {
		for _, a := range g.origins {
			if strings.EqualFold(strings.TrimRight(a, "/"), o) {
				return true
			}
		}
		return false
	}
	u, err := url.Parse(o)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// wsServer upgrades with x/net/websocket, answering the "binary"
// subprotocol when offered (older noVNC asks for it).
func wsServer(h func(*websocket.Conn)) websocket.Server {
	return websocket.Server{
		Handshake: func(cfg *websocket.Config, r *http.Request) error {
			for _, p := range cfg.Protocol {
				if p == "binary" {
					cfg.Protocol = []string{"binary"}
					return nil
				}
			}
			cfg.Protocol = nil
			return nil
		},
		Handler: func(ws *websocket.Conn) {
			ws.PayloadType = websocket.BinaryFrame
			h(ws)
		},
	}
}

// Bridge serves one computer's screen, read through src, to one viewer at
// a time.
type Bridge struct {
	src  *rfb.Conn
	fb   *rfbserve.Framebuffer
	cfg  Config
	gate *gate

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New starts mirroring src (an open KVM session's RFB client, e.g.
// redirect.KVM's) into the bridge's framebuffer: a first full screenshot,
// then every incremental update. The desktop size is src's at this moment.
// Close the bridge before closing src.
func New(ctx context.Context, src *rfb.Conn, cfg Config) (*Bridge, error) {
	if cfg.Name == "" {
		cfg.Name = "oobkit KVM"
	}
	w, h := src.Size()
	b := &Bridge{src: src, fb: rfbserve.NewFramebuffer(w, h), cfg: cfg, gate: newGate(cfg.Origins)}
	img, err := src.Screenshot(ctx)
	if err != nil {
		return nil, err
	}
	b.copyIn(img.(*image.RGBA), img.Bounds())
	b.ctx, b.cancel = context.WithCancel(context.Background())
	// Whole updates are mirrored once they are in (a Frame), not tile by
	// tile through src.Watch: streaming 64×64 tiles on measured no faster
	// for full-screen changes and twice the key-press latency (more, smaller
	// updates, each a viewer round trip; BENCHMARKS.md).
	frames := src.Frames(b.ctx)
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		for f := range frames {
			src.View(func(img *image.RGBA) { b.copyIn(img, f.Dirty) })
		}
	}()
	return b, nil
}

// copyIn copies region r of img into the framebuffer.
func (b *Bridge) copyIn(img *image.RGBA, r image.Rectangle) {
	b.fb.Update(func(pix []uint32, w, h int) image.Rectangle {
		r = r.Intersect(image.Rect(0, 0, w, h)).Intersect(img.Bounds())
		for y := r.Min.Y; y < r.Max.Y; y++ {
			o := img.PixOffset(r.Min.X, y)
			src := img.Pix[o : o+4*r.Dx()]
			row := pix[y*w+r.Min.X : y*w+r.Max.X]
			for i := range row {
				if len(src) < 4 {
					break
				}
				// R, G, B, A bytes to 0x00RRGGBB: one byte swap a pixel.
				row[i] = bits.ReverseBytes32(binary.LittleEndian.Uint32(src)) >> 8
				src = src[4:]
			}
		}
		return r
	})
}

// Image returns a copy of what the bridge serves.
func (b *Bridge) Image() *image.RGBA { return b.fb.Image() }

// Token returns a one-time token for one browser connection.
func (b *Bridge) Token() string { return b.gate.token() }

// Close stops mirroring and ends the viewers.
func (b *Bridge) Close() error {
	b.cancel()
	b.wg.Wait()
	return nil
}

func (b *Bridge) options(refuse string) rfbserve.Options {
	return rfbserve.Options{
		Name: b.cfg.Name, Refuse: refuse, Counter: b.cfg.Counter, Hextile: true,
		Key:     func(down bool, k uint32) { _ = b.src.KeyEvent(k, down) },
		Pointer: func(m uint8, x, y int) { _ = b.src.Pointer(m, x, y) },
	}
}

// ServeRFB runs one plain RFB viewer on conn until it leaves, the bridge
// closes or ctx ends. A viewer that comes while another is connected is
// refused with [BusyReason].
func (b *Bridge) ServeRFB(ctx context.Context, conn net.Conn) error {
	defer conn.Close()
	if !b.gate.acquire() {
		err := rfbserve.Serve(ctx, conn, b.fb, b.options(BusyReason))
		if errors.Is(err, rfbserve.ErrRefused) {
			return nil
		}
		return err
	}
	defer b.gate.release()
	return b.serve(ctx, conn)
}

func (b *Bridge) serve(ctx context.Context, conn net.Conn) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(b.ctx, cancel)
	defer stop()
	go func() {
		select {
		case <-b.src.Done():
			cancel()
		case <-ctx.Done():
		}
	}()
	return rfbserve.Serve(ctx, conn, b.fb, b.options(""))
}

// ListenRFB accepts plain RFB viewers on ln until ctx ends or the bridge
// closes; it closes ln.
func (b *Bridge) ListenRFB(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	stop2 := context.AfterFunc(b.ctx, func() { ln.Close() })
	defer stop2()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || b.ctx.Err() != nil {
				return nil
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = b.ServeRFB(ctx, c)
		}()
	}
}

// ServeHTTP is the WebSocket endpoint for noVNC: RFB in binary frames,
// after the token, origin and single-viewer checks.
func (b *Bridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !b.gate.admit(w, r) {
		return
	}
	defer b.gate.release()
	s := wsServer(func(ws *websocket.Conn) { _ = b.serve(r.Context(), ws) })
	s.ServeHTTP(w, r)
}
