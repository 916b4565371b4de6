package rfb_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/redirect/internal/rfbserve"
	"github.com/oobkit/oobkit/redirect/rfb"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// serverInit is a 3.8 handshake up to and including ServerInit for a w×h
// RGB888 desktop named name.
func serverInit(w, h int, name string) []byte {
	b := []byte("RFB 003.008\n")
	b = append(b, 1, 1, 0, 0, 0, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(w))
	b = binary.BigEndian.AppendUint16(b, uint16(h))
	b = append(b, rfbserve.RGB888.Marshal()...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(name)))
	return append(b, name...)
}

// rect is a FramebufferUpdate rectangle header.
func rect(x, y, w, h int, enc int32) []byte {
	b := make([]byte, 12)
	binary.BigEndian.PutUint16(b[0:], uint16(x))
	binary.BigEndian.PutUint16(b[2:], uint16(y))
	binary.BigEndian.PutUint16(b[4:], uint16(w))
	binary.BigEndian.PutUint16(b[6:], uint16(h))
	binary.BigEndian.PutUint32(b[8:], uint32(enc))
	return b
}

// scripted plays script as the server over loopback TCP, then closes its
// sending half, and drains what the client sends until the client closes.
func scripted(t testing.TB, script []byte) net.Conn {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		wrote := make(chan struct{})
		go func() {
			defer close(wrote)
			_, _ = c.Write(script)
			_ = c.(*net.TCPConn).CloseWrite()
		}()
		_, _ = io.Copy(io.Discard, c)
		c.Close()
		<-wrote
	}()
	cli, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { cli.Close(); <-done })
	return cli
}

// run connects a client to script and returns how it ended.
func run(t testing.TB, script []byte, o rfb.Options) error {
	c, err := rfb.NewClient(ctxT(t), scripted(t, script), o)
	if err != nil {
		return err
	}
	<-c.Done()
	return c.Err()
}

// TestHostileServer: every malformed or absurd server stream ends the
// connection with an *oobkit.Error of class ErrProtocol (or Refused for a
// refusal), and the memory allocated stays bounded whatever the stream
// claims (a 65535×65535 desktop would be 16 GiB).
func TestHostileServer(t *testing.T) {
	upd := func(n int) []byte { return []byte{0, 0, byte(n >> 8), byte(n)} }
	cases := []struct {
		name   string
		script []byte
		class  error
	}{
		{"absurd desktop", serverInit(65535, 65535, "x"), oobkit.ErrProtocol},
		{"zero desktop", serverInit(0, 10, "x"), oobkit.ErrProtocol},
		{"huge name", append(serverInit(8, 8, "")[:len(serverInit(8, 8, ""))-4], 0xff, 0xff, 0xff, 0xff), oobkit.ErrProtocol},
		{"not RFB", []byte("HTTP/1.1 200\r\n"), oobkit.ErrProtocol},
		{"refused", append([]byte("RFB 003.008\n\x00\x00\x00\x00\x04"), "nope"...), rfb.Refused},
		{"rect outside", append(append(serverInit(8, 8, "x"), upd(1)...), rect(4, 4, 8, 8, 0)...), oobkit.ErrProtocol},
		{"huge rect", append(append(serverInit(8, 8, "x"), upd(1)...), rect(0, 0, 65535, 65535, 0)...), oobkit.ErrProtocol},
		{"unknown encoding", append(append(serverInit(8, 8, "x"), upd(1)...), rect(0, 0, 4, 4, 16)...), oobkit.ErrProtocol},
		{"absurd desktop size change", append(append(serverInit(8, 8, "x"), upd(1)...), rect(0, 0, 65535, 65535, rfb.EncodingDesktopSize)...), oobkit.ErrProtocol},
		{"huge cut text", append(serverInit(8, 8, "x"), 3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff), oobkit.ErrProtocol},
		{"unknown message", append(serverInit(8, 8, "x"), 77), oobkit.ErrProtocol},
		{"cut inside a rectangle", append(append(append(serverInit(8, 8, "x"), upd(1)...), rect(0, 0, 8, 8, 0)...), make([]byte, 100)...), oobkit.ErrProtocol},
		{"hextile subrectangle outside its tile", append(append(append(serverInit(8, 8, "x"), upd(1)...), rect(0, 0, 8, 8, rfb.EncodingHextile)...),
			8|4|2, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0, 1, 0x44, 0x77), oobkit.ErrProtocol},
		{"hextile cut inside a tile", append(append(append(serverInit(8, 8, "x"), upd(1)...), rect(0, 0, 8, 8, rfb.EncodingHextile)...), 1, 0, 0), oobkit.ErrProtocol},
		{"many empty rectangles then cut", append(append(serverInit(8, 8, "x"), upd(65535)...), bytes.Repeat(rect(0, 0, 0, 0, 0), 1000)...), oobkit.ErrProtocol},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err := run(t, tc.script, rfb.Options{MaxWidth: 1024, MaxHeight: 1024})
			runtime.ReadMemStats(&after)
			require.Error(t, err)
			var oe *oobkit.Error
			require.True(t, errors.As(err, &oe), "typed error, got %T %v", err, err)
			assert.ErrorIs(t, err, tc.class)
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8<<20), "bounded memory")
		})
	}
}

// TestServerDisconnectsMidFrame: a server that closes inside a Raw
// rectangle ends the client with ErrProtocol, and a pending Screenshot
// returns that error.
func TestServerDisconnectsMidFrame(t *testing.T) {
	script := append(append(serverInit(64, 64, "x"), 0, 0, 0, 1), rect(0, 0, 64, 64, 0)...)
	script = append(script, make([]byte, 64*4*10)...) // 10 of 64 rows
	c, err := rfb.NewClient(ctxT(t), scripted(t, script), rfb.Options{})
	require.NoError(t, err)
	_, err = c.Screenshot(ctxT(t))
	assert.ErrorIs(t, err, oobkit.ErrProtocol)
	<-c.Done()
	assert.ErrorIs(t, c.Err(), oobkit.ErrProtocol)
}

// serve runs an rfbserve server for fb on one end of a TCP connection.
func serve(t testing.TB, fb *rfbserve.Framebuffer, o rfbserve.Options) net.Conn {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		_ = rfbserve.Serve(context.Background(), c, fb, o)
		c.Close()
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close(); <-done })
	return nc
}

func paint(fb *rfbserve.Framebuffer, r image.Rectangle, c uint32) {
	fb.Update(func(pix []uint32, w, h int) image.Rectangle {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				pix[y*w+x] = c
			}
		}
		return r
	})
}

// TestPixelFormats reads the same screen in RGB888, RGB565 and RGB332 (the
// formats AMT consoles ask for) and compares it with the server's, exactly
// for RGB888 and within the format's precision otherwise; tiles of 64×64
// as AMT sends.
func TestPixelFormats(t *testing.T) {
	fb := rfbserve.NewFramebuffer(200, 100)
	paint(fb, image.Rect(0, 0, 200, 100), 0x204080)
	paint(fb, image.Rect(10, 10, 150, 70), 0xffffff)
	paint(fb, image.Rect(20, 20, 40, 90), 0xff0000)
	for _, f := range []struct {
		pf  rfb.PixelFormat
		tol int
	}{{rfb.RGB888, 0}, {rfb.RGB565, 8}, {rfb.RGB332, 43}} {
		c, err := rfb.NewClient(ctxT(t), serve(t, fb, rfbserve.Options{Name: "pf", Tile: 64}), rfb.Options{Format: f.pf})
		require.NoError(t, err)
		img, err := c.Screenshot(ctxT(t))
		require.NoError(t, err)
		want := fb.Image()
		got := img.(*image.RGBA)
		for i := range want.Pix {
			d := int(want.Pix[i]) - int(got.Pix[i])
			if d < -f.tol || d > f.tol {
				t.Fatalf("%d bpp: byte %d = %d, want %d±%d", f.pf.BitsPerPixel, i, got.Pix[i], want.Pix[i], f.tol)
			}
		}
		require.NoError(t, c.Close())
	}
}

// TestHextile reads a screen of solid areas, two-colour text-like tiles
// and many-colour tiles from a server that sends Hextile (RFC 6143 §7.7.4:
// "Hextile is a variation on the RRE idea. Rectangles are split up into
// 16x16 tiles"), in the three pixel formats, and compares it with the
// server's as TestPixelFormats does; the update is far smaller than Raw.
func TestHextile(t *testing.T) {
	fb := rfbserve.NewFramebuffer(203, 101) // partial tiles at the edges
	paint(fb, image.Rect(0, 0, 203, 101), 0x0000aa)
	for x := 5; x < 190; x += 3 { // text-like: two colours, runs
		paint(fb, image.Rect(x, 30, x+1, 40+x%7), 0xffffff)
	}
	fb.Update(func(pix []uint32, w, h int) image.Rectangle { // many colours
		for y := 60; y < 80; y++ {
			for x := 100; x < 140; x++ {
				pix[y*w+x] = uint32(x*7919+y*104729) & 0xffffff
			}
		}
		return image.Rect(100, 60, 140, 80)
	})
	for _, f := range []struct {
		pf  rfb.PixelFormat
		tol int
	}{{rfb.RGB888, 0}, {rfb.RGB565, 8}, {rfb.RGB332, 43}} {
		sent := make(chan int, 8) // the server's count of the update's bytes
		c, err := rfb.NewClient(ctxT(t), serve(t, fb, rfbserve.Options{Name: "hextile", Hextile: true, Counter: func(n int) { sent <- n }}), rfb.Options{Format: f.pf})
		require.NoError(t, err)
		img, err := c.Screenshot(ctxT(t))
		require.NoError(t, err)
		want := fb.Image()
		got := img.(*image.RGBA)
		for i := range want.Pix {
			d := int(want.Pix[i]) - int(got.Pix[i])
			if d < -f.tol || d > f.tol {
				t.Fatalf("%d bpp: byte %d = %d, want %d±%d", f.pf.BitsPerPixel, i, got.Pix[i], want.Pix[i], f.tol)
			}
		}
		assert.Less(t, <-sent, 203*101*int(f.pf.BitsPerPixel)/8/2, "Hextile at most half of Raw here")
		require.NoError(t, c.Close())
	}
}

// TestWatchPerRectangle: Watch sees every rectangle of an update as it is
// decoded, before the update ends — the bridge streams tiles this way.
func TestWatchPerRectangle(t *testing.T) {
	fb := rfbserve.NewFramebuffer(200, 100)
	c, err := rfb.NewClient(ctxT(t), serve(t, fb, rfbserve.Options{Tile: 64}), rfb.Options{})
	require.NoError(t, err)
	defer c.Close()
	var mu sync.Mutex
	var rects []image.Rectangle
	stop := c.Watch(func(img *image.RGBA, r image.Rectangle, _ bool) {
		mu.Lock()
		rects = append(rects, r)
		mu.Unlock()
	})
	_, err = c.Screenshot(ctxT(t))
	require.NoError(t, err)
	stop()
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, rects, 4*2, "one call per 64×64 tile of 200×100")
	assert.Equal(t, image.Rect(0, 0, 64, 64), rects[0])
	assert.Equal(t, image.Rect(192, 64, 200, 100), rects[7])
}

// TestIncrementalFrames: with a frame stream open, a change on the server
// arrives as an incremental update covering just the changed region.
func TestIncrementalFrames(t *testing.T) {
	fb := rfbserve.NewFramebuffer(320, 240)
	c, err := rfb.NewClient(ctxT(t), serve(t, fb, rfbserve.Options{}), rfb.Options{})
	require.NoError(t, err)
	defer c.Close()
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	frames := c.Frames(ctx)
	f := <-frames // the whole screen first
	assert.Equal(t, image.Rect(0, 0, 320, 240), f.Dirty)
	paint(fb, image.Rect(100, 50, 110, 60), 0x00ff00)
	f = <-frames
	assert.Equal(t, image.Rect(100, 50, 110, 60), f.Dirty)
	assert.Equal(t, 4+12+10*10*4, f.Bytes)
	assert.Equal(t, fb.Image().Pix, c.Image().Pix)
}

// TestKeysAndPointer: events reach the server in order.
func TestKeysAndPointer(t *testing.T) {
	fb := rfbserve.NewFramebuffer(16, 16)
	var mu sync.Mutex
	var got []string
	rec := func(s string) { mu.Lock(); got = append(got, s); mu.Unlock() }
	o := rfbserve.Options{
		Key:     func(down bool, k uint32) { rec(map[bool]string{true: "down ", false: "up "}[down] + string(rune(k))) },
		Pointer: func(b uint8, x, y int) { rec("ptr") },
	}
	c, err := rfb.NewClient(ctxT(t), serve(t, fb, o), rfb.Options{})
	require.NoError(t, err)
	require.NoError(t, c.Press('a'))
	require.NoError(t, c.Pointer(1, 3, 4))
	_, err = c.Screenshot(ctxT(t)) // answered after the events were handled
	require.NoError(t, err)
	require.NoError(t, c.Close())
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"down a", "up a", "ptr"}, got)
}

// FuzzServerStream feeds arbitrary server streams to the client: it must
// never panic, and must end with a typed error (or none).
func FuzzServerStream(f *testing.F) {
	f.Add(serverInit(8, 8, "x"))
	f.Add(append(append(serverInit(4, 4, "x"), 0, 0, 0, 1), append(rect(0, 0, 4, 4, 0), make([]byte, 64)...)...))
	f.Add(append(append(serverInit(4, 4, "x"), 0, 0, 0, 1), rect(0, 0, 9, 9, rfb.EncodingDesktopSize)...))
	f.Add(append(serverInit(4, 4, "x"), 3, 0, 0, 0, 0, 0, 0, 2, 'h', 'i', 2, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0))
	f.Add([]byte("RFB 003.003\n\x00\x00\x00\x01\x00\x04\x00\x04" + string(rfbserve.RGB888.Marshal()) + "\x00\x00\x00\x00"))
	f.Add(append(append(append(serverInit(8, 8, "x"), 0, 0, 0, 1), rect(0, 0, 8, 8, rfb.EncodingHextile)...),
		8|4|2, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0, 2, 0x00, 0x70, 0x11, 0x11))
	f.Fuzz(func(t *testing.T, script []byte) {
		err := run(t, script, rfb.Options{MaxWidth: 256, MaxHeight: 256, MaxCutText: 1024})
		if err != nil {
			var oe *oobkit.Error
			if !errors.As(err, &oe) {
				t.Fatalf("untyped error %T %v", err, err)
			}
		}
	})
}
