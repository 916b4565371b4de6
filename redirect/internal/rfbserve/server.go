package rfbserve

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
	"net"
	"slices"
	"sync"
)

// PixelFormat is RFC 6143 §7.4 PIXEL_FORMAT (true colour only).
type PixelFormat struct {
	BitsPerPixel, Depth             uint8
	BigEndian                       bool
	RedMax, GreenMax, BlueMax       uint16
	RedShift, GreenShift, BlueShift uint8
}

// Formats AMT offers or is asked for. Clients of AMT (MeshCentral
// amt-desktop, the device-management-toolkit ui-toolkit RFB processors) ask
// for 16-bit RGB565 or, above the 8 MB framebuffer budget, 8-bit RGB332:
// `00 00 00 00 08 08 00 01 0007 0007 0003 05 02 00`.
var (
	// RGB888 is 32 bits per pixel, depth 24, little-endian, red at bit 16.
	RGB888 = PixelFormat{BitsPerPixel: 32, Depth: 24, RedMax: 255, GreenMax: 255, BlueMax: 255, RedShift: 16, GreenShift: 8, BlueShift: 0}
	// RGB565 is 16 bits per pixel, little-endian.
	RGB565 = PixelFormat{BitsPerPixel: 16, Depth: 16, RedMax: 31, GreenMax: 63, BlueMax: 31, RedShift: 11, GreenShift: 5, BlueShift: 0}
	// RGB332 is 8 bits per pixel.
	RGB332 = PixelFormat{BitsPerPixel: 8, Depth: 8, RedMax: 7, GreenMax: 7, BlueMax: 3, RedShift: 5, GreenShift: 2, BlueShift: 0}
)

// Marshal writes the 16-byte PIXEL_FORMAT.
func (p PixelFormat) Marshal() []byte {
	b := make([]byte, 16)
	b[0], b[1] = p.BitsPerPixel, p.Depth
	if p.BigEndian {
		b[2] = 1
	}
	b[3] = 1
	binary.BigEndian.PutUint16(b[4:], p.RedMax)
	binary.BigEndian.PutUint16(b[6:], p.GreenMax)
	binary.BigEndian.PutUint16(b[8:], p.BlueMax)
	b[10], b[11], b[12] = p.RedShift, p.GreenShift, p.BlueShift
	return b
}

// parsePixelFormat reads a PIXEL_FORMAT a viewer sent and checks that it
// can be served: 8, 16 or 32 bits, true colour, channels inside the pixel.
func parsePixelFormat(b []byte) (PixelFormat, error) {
	p := PixelFormat{BitsPerPixel: b[0], Depth: b[1], BigEndian: b[2] != 0,
		RedMax: binary.BigEndian.Uint16(b[4:]), GreenMax: binary.BigEndian.Uint16(b[6:]), BlueMax: binary.BigEndian.Uint16(b[8:]),
		RedShift: b[10], GreenShift: b[11], BlueShift: b[12]}
	if p.BitsPerPixel != 8 && p.BitsPerPixel != 16 && p.BitsPerPixel != 32 {
		return p, fmt.Errorf("rfb: %d bits per pixel not served", p.BitsPerPixel)
	}
	if b[3] == 0 {
		return p, errors.New("rfb: colour-map pixel formats not served")
	}
	for _, c := range []struct {
		max   uint16
		shift uint8
	}{{p.RedMax, p.RedShift}, {p.GreenMax, p.GreenShift}, {p.BlueMax, p.BlueShift}} {
		if c.max == 0 || c.shift >= p.BitsPerPixel {
			return p, errors.New("rfb: pixel format channel outside the pixel")
		}
	}
	return p, nil
}

// Options configure Serve.
type Options struct {
	// Name is the desktop name in ServerInit.
	Name string
	// Format is the server's native pixel format (default RGB888).
	Format PixelFormat
	// Tile splits updates into rectangles of at most Tile×Tile pixels, as
	// AMT does (Raw tiles of at most 64×64, reference §5); 0 sends each
	// changed region as one rectangle.
	Tile int
	// Refuse, when not empty, refuses the viewer after the version
	// exchange with this reason (RFC 6143 §7.1.2: zero security types and
	// a reason string; §7.1.1 for version 3.3).
	Refuse string
	// Key receives key events (X11 keysyms, RFC 6143 §7.5.4).
	Key func(down bool, keysym uint32)
	// Pointer receives pointer events (button mask, position).
	Pointer func(buttons uint8, x, y int)
	// Counter, when set, is told the bytes of every update sent.
	Counter func(bytes int)
	// Version is the ProtocolVersion the server announces, its highest
	// (RFC 6143 §7.1.1): "RFB 003.008\n" (default) or "RFB 004.000\n" for
	// AMT firmware that still supports RFB 4.0. Either way a viewer answering
	// 3.3, 3.7 or 3.8 gets that version.
	Version string
	// Hextile sends Hextile rectangles (RFC 6143 §7.7.4) to a viewer that
	// lists that encoding: a solid 16×16 tile is 5 bytes at 32 bits per
	// pixel and a two-colour (text) tile a few dozen, instead of 1 KiB
	// Raw. AMT itself sends Raw, so the simulated screen leaves this off;
	// the viewer bridge turns it on.
	Hextile bool
}

// ErrRefused is returned by Serve after refusing a viewer (Options.Refuse).
var ErrRefused = errors.New("rfb: viewer refused")

// Serve runs one RFB viewer connection on fb until ctx ends, the viewer
// leaves or sends something this server does not understand. It speaks
// versions 3.3, 3.7 and 3.8 with security type None: the AMT redirection
// layer (or the bridge's token) has already authenticated.
func Serve(ctx context.Context, conn net.Conn, fb *Framebuffer, o Options) error {
	if o.Format.BitsPerPixel == 0 {
		o.Format = RGB888
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	br := bufio.NewReaderSize(conn, 4096)
	if o.Version == "" {
		o.Version = "RFB 003.008\n"
	}
	minor, err := serverHandshake(conn, br, o.Version, o.Refuse)
	if err != nil {
		return err
	}
	_ = minor
	var shared [1]byte
	if _, err := io.ReadFull(br, shared[:]); err != nil {
		return err
	}
	w, h := fb.Size()
	init := make([]byte, 4, 24+len(o.Name))
	binary.BigEndian.PutUint16(init[0:], uint16(w))
	binary.BigEndian.PutUint16(init[2:], uint16(h))
	init = append(init, o.Format.Marshal()...)
	init = binary.BigEndian.AppendUint32(init, uint32(len(o.Name)))
	init = append(init, o.Name...)
	if _, err := conn.Write(init); err != nil {
		return err
	}
	s := &session{fb: fb, o: o, format: o.Format, wake: make(chan struct{}, 1)}
	sub := fb.Subscribe()
	defer sub.Close()
	readErr := make(chan error, 1)
	go func() { readErr <- s.readLoop(br) }()
	bw := bufio.NewWriterSize(conn, 64<<10)
	enc := &encoder{}
	var rects []image.Rectangle
	for {
		select {
		case err := <-readErr:
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				err = nil
			}
			return err
		case <-ctx.Done():
			return nil
		case <-sub.C():
		case <-s.wake:
		}
		// Take the pending request under the lock: a request that arrives
		// while this one is answered stays pending for the next round (it
		// used to be cleared with this one, so a full update asked for
		// during an incremental answer was never sent).
		s.mu.Lock()
		pending, incremental, area, format, hextile := s.pending, s.incremental, s.area, s.format, s.hextile && o.Hextile
		s.pending = false
		s.mu.Unlock()
		if !pending {
			continue
		}
		if testHookTaken != nil {
			testHookTaken()
		}
		rects = rects[:0]
		if incremental {
			rects = sub.Take(rects)
			if len(rects) == 0 {
				// Nothing changed yet: the request waits for a change
				// (RFC 6143 §7.5.3), merged with any that came meanwhile.
				s.requeue(area)
				continue
			}
		} else if r := area.Intersect(fb.Bounds()); !r.Empty() {
			rects = append(rects, r)
		}
		enc.hextile = hextile
		n, err := enc.writeRaw(bw, fb, rects, format, o.Tile)
		if err != nil {
			return err
		}
		if o.Counter != nil {
			o.Counter(n)
		}
	}
}

// Test hooks: testHookTaken runs after Serve took a pending update request,
// testHookRequested after the reader recorded one. Nil outside tests.
var testHookTaken, testHookRequested func()

// requeue puts an incremental request for area back as pending, merged
// with a request that arrived since it was taken.
func (s *session) requeue(area image.Rectangle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending {
		s.area = s.area.Union(area) // incremental stays as the newer request says
		return
	}
	s.pending, s.incremental, s.area = true, true, area
}

// serverHandshake announces version, accepts what the viewer answers
// (3.3, 3.7, 3.8 or later 3.x, read as 3.8) and negotiates security None.
func serverHandshake(conn net.Conn, br *bufio.Reader, version, refuse string) (int, error) {
	if _, err := io.WriteString(conn, version); err != nil {
		return 0, err
	}
	var ver [12]byte
	if _, err := io.ReadFull(br, ver[:]); err != nil {
		return 0, err
	}
	var major, minor int
	if _, err := fmt.Sscanf(string(ver[:]), "RFB %03d.%03d\n", &major, &minor); err != nil || major != 3 || minor < 3 {
		return 0, fmt.Errorf("rfb: viewer version %q", ver[:])
	}
	switch {
	case minor >= 8:
		minor = 8
	case minor >= 7:
		minor = 7
	default:
		minor = 3
	}
	reason := func() []byte {
		return append(binary.BigEndian.AppendUint32(nil, uint32(len(refuse))), refuse...)
	}
	if minor == 3 {
		if refuse != "" {
			_, _ = conn.Write(append([]byte{0, 0, 0, 0}, reason()...))
			return 0, ErrRefused
		}
		_, err := conn.Write([]byte{0, 0, 0, 1})
		return minor, err
	}
	if refuse != "" {
		_, _ = conn.Write(append([]byte{0}, reason()...))
		return 0, ErrRefused
	}
	if _, err := conn.Write([]byte{1, 1}); err != nil {
		return 0, err
	}
	var choice [1]byte
	if _, err := io.ReadFull(br, choice[:]); err != nil {
		return 0, err
	}
	if choice[0] != 1 {
		if minor == 8 {
			_, _ = conn.Write(append([]byte{0, 0, 0, 1}, reason()...))
		}
		return 0, fmt.Errorf("rfb: viewer chose security type %d", choice[0])
	}
	if minor == 8 {
		if _, err := conn.Write([]byte{0, 0, 0, 0}); err != nil {
			return 0, err
		}
	}
	return minor, nil
}

type session struct {
	fb   *Framebuffer
	o    Options
	wake chan struct{}

	mu          sync.Mutex
	format      PixelFormat
	hextile     bool // the viewer listed Hextile
	pending     bool
	incremental bool
	area        image.Rectangle
}

// maxEncodings bounds SetEncodings; maxCutText bounds ClientCutText.
const (
	maxEncodings = 1024
	maxCutText   = 1 << 20
)

// readLoop reads the viewer's messages (RFC 6143 §7.5).
func (s *session) readLoop(br *bufio.Reader) error {
	var b [20]byte
	for {
		t, err := br.ReadByte()
		if err != nil {
			return err
		}
		switch t {
		case 0: // SetPixelFormat
			if _, err := io.ReadFull(br, b[:19]); err != nil {
				return err
			}
			pf, err := parsePixelFormat(b[3:19])
			if err != nil {
				return err
			}
			s.mu.Lock()
			s.format = pf
			s.mu.Unlock()
		case 2: // SetEncodings
			if _, err := io.ReadFull(br, b[:3]); err != nil {
				return err
			}
			n := int(binary.BigEndian.Uint16(b[1:]))
			if n > maxEncodings {
				return fmt.Errorf("rfb: %d encodings", n)
			}
			hextile := false
			for range n {
				if _, err := io.ReadFull(br, b[:4]); err != nil {
					return err
				}
				hextile = hextile || binary.BigEndian.Uint32(b[:4]) == encodingHextile
			}
			s.mu.Lock()
			s.hextile = hextile
			s.mu.Unlock()
		case 3: // FramebufferUpdateRequest
			if _, err := io.ReadFull(br, b[:9]); err != nil {
				return err
			}
			x, y := int(binary.BigEndian.Uint16(b[1:])), int(binary.BigEndian.Uint16(b[3:]))
			r := image.Rect(x, y, x+int(binary.BigEndian.Uint16(b[5:])), y+int(binary.BigEndian.Uint16(b[7:])))
			s.mu.Lock()
			if !s.pending {
				s.incremental, s.area = b[0] != 0, r
			} else {
				s.incremental = s.incremental && b[0] != 0
				s.area = s.area.Union(r)
			}
			s.pending = true
			s.mu.Unlock()
			if testHookRequested != nil {
				testHookRequested()
			}
			select {
			case s.wake <- struct{}{}:
			default:
			}
		case 4: // KeyEvent
			if _, err := io.ReadFull(br, b[:7]); err != nil {
				return err
			}
			if s.o.Key != nil {
				s.o.Key(b[0] != 0, binary.BigEndian.Uint32(b[3:]))
			}
		case 5: // PointerEvent
			if _, err := io.ReadFull(br, b[:5]); err != nil {
				return err
			}
			if s.o.Pointer != nil {
				s.o.Pointer(b[0], int(binary.BigEndian.Uint16(b[1:])), int(binary.BigEndian.Uint16(b[3:])))
			}
		case 6: // ClientCutText
			if _, err := io.ReadFull(br, b[:7]); err != nil {
				return err
			}
			n := binary.BigEndian.Uint32(b[3:])
			if n > maxCutText {
				return fmt.Errorf("rfb: %d bytes of cut text", n)
			}
			if _, err := br.Discard(int(n)); err != nil {
				return err
			}
		default:
			return fmt.Errorf("rfb: unknown client message %d", t)
		}
	}
}

// encodingHextile is RFC 6143 §7.7.4's encoding number.
const encodingHextile = 5

// encoder writes FramebufferUpdates, reusing its buffers.
type encoder struct {
	tiles   []image.Rectangle
	buf     []byte
	hextile bool
}

// chunk is how many bytes of pixels are encoded under the framebuffer's
// lock before they are written: the viewer's leg starts sending while the
// rest of a large update is still being encoded, and the lock is never
// held across network I/O.
const chunk = 64 << 10

// writeRaw writes a FramebufferUpdate of rects in Raw encoding (RFC 6143
// §7.7.1), each split into tiles, converted to format, and flushes it. It
// returns the bytes written.
func (e *encoder) writeRaw(w *bufio.Writer, fb *Framebuffer, rects []image.Rectangle, format PixelFormat, tile int) (int, error) {
	e.tiles = e.tiles[:0]
	for _, r := range rects {
		r = r.Intersect(fb.Bounds())
		if r.Empty() {
			continue
		}
		if tile <= 0 {
			// A rectangle's width and height are 16-bit; the framebuffer's are too.
			e.tiles = append(e.tiles, r)
			continue
		}
		for y := r.Min.Y; y < r.Max.Y; y += tile {
			for x := r.Min.X; x < r.Max.X; x += tile {
				e.tiles = append(e.tiles, image.Rect(x, y, min(x+tile, r.Max.X), min(y+tile, r.Max.Y)))
			}
		}
	}
	if len(e.tiles) > 0xffff {
		// Too many overlapping pieces for one update: send their bounds.
		u := image.Rectangle{}
		for _, t := range e.tiles {
			u = u.Union(t)
		}
		if tile > 0 {
			return e.writeRaw(w, fb, []image.Rectangle{u}, format, 0)
		}
		e.tiles = append(e.tiles[:0], u)
	}
	bpp := int(format.BitsPerPixel) / 8
	if cap(e.buf) < chunk+4*0xffff {
		e.buf = make([]byte, 0, chunk+4*0xffff)
	}
	buf := append(e.buf[:0], 0, 0, byte(len(e.tiles)>>8), byte(len(e.tiles)))
	total := 0
	flush := func() error {
		total += len(buf)
		_, err := w.Write(buf)
		buf = buf[:0]
		return err
	}
	fast := format == RGB888
	for _, t := range e.tiles {
		buf = binary.BigEndian.AppendUint16(buf, uint16(t.Min.X))
		buf = binary.BigEndian.AppendUint16(buf, uint16(t.Min.Y))
		buf = binary.BigEndian.AppendUint16(buf, uint16(t.Dx()))
		buf = binary.BigEndian.AppendUint16(buf, uint16(t.Dy()))
		if e.hextile {
			buf = append(buf, 0, 0, 0, encodingHextile)
			for y := t.Min.Y; y < t.Max.Y; y += 16 {
				fb.mu.Lock()
				for x := t.Min.X; x < t.Max.X; x += 16 {
					buf = appendHextile(buf, fb.pix, fb.w, image.Rect(x, y, min(x+16, t.Max.X), min(y+16, t.Max.Y)), format, bpp)
				}
				fb.mu.Unlock()
				if len(buf) >= chunk {
					if err := flush(); err != nil {
						return total, err
					}
				}
			}
			continue
		}
		buf = append(buf, 0, 0, 0, 0) // Raw
		for y := t.Min.Y; y < t.Max.Y; {
			fb.mu.Lock()
			for ; y < t.Max.Y && len(buf) < chunk; y++ {
				row := fb.pix[y*fb.w+t.Min.X : y*fb.w+t.Max.X]
				if fast {
					buf = slices.Grow(buf, 4*len(row))
					o := len(buf)
					buf = buf[:o+4*len(row)]
					for i, p := range row {
						binary.LittleEndian.PutUint32(buf[o+4*i:], p)
					}
					continue
				}
				for _, p := range row {
					buf = appendPixel(buf, p, format, bpp)
				}
			}
			fb.mu.Unlock()
			if len(buf) >= chunk {
				if err := flush(); err != nil {
					return total, err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return total, err
	}
	e.buf = buf
	return total, w.Flush()
}

// Hextile subencoding bits (RFC 6143 §7.7.4).
const (
	hexRaw        = 1
	hexBackground = 2
	hexForeground = 4
	hexAnySubrect = 8
)

// appendHextile appends one Hextile tile t (at most 16×16) of pix. A
// one-colour tile is its background; a two-colour tile is background,
// foreground and one subrectangle per run of foreground in each row; a
// tile of more colours, or whose runs would cost more than its pixels, is
// Raw. Every tile states its background (and foreground), so nothing
// depends on the tile before it.
func appendHextile(buf []byte, pix []uint32, stride int, t image.Rectangle, f PixelFormat, bpp int) []byte {
	bg := pix[t.Min.Y*stride+t.Min.X]
	fg, two := bg, false
	for y := t.Min.Y; y < t.Max.Y; y++ {
		for _, p := range pix[y*stride+t.Min.X : y*stride+t.Max.X] {
			if p == bg || (two && p == fg) {
				continue
			}
			if two {
				return appendHexRaw(buf, pix, stride, t, f, bpp)
			}
			fg, two = p, true
		}
	}
	if !two {
		buf = append(buf, hexBackground)
		return appendPixel(buf, bg, f, bpp)
	}
	start := len(buf)
	buf = append(buf, hexBackground|hexForeground|hexAnySubrect)
	buf = appendPixel(buf, bg, f, bpp)
	buf = appendPixel(buf, fg, f, bpp)
	countAt := len(buf)
	buf = append(buf, 0)
	n := 0
	rawSize := 1 + t.Dx()*t.Dy()*bpp
	for y := t.Min.Y; y < t.Max.Y; y++ {
		row := pix[y*stride+t.Min.X : y*stride+t.Max.X]
		for x := 0; x < len(row); {
			if row[x] != fg {
				x++
				continue
			}
			x0 := x
			for x < len(row) && row[x] == fg {
				x++
			}
			// At most 8 runs a row, 16 rows: n stays below 256.
			n++
			buf = append(buf, byte(x0<<4|(y-t.Min.Y)), byte((x-x0-1)<<4))
		}
		if len(buf)-start > rawSize {
			return appendHexRaw(buf[:start], pix, stride, t, f, bpp)
		}
	}
	buf[countAt] = byte(n)
	return buf
}

func appendHexRaw(buf []byte, pix []uint32, stride int, t image.Rectangle, f PixelFormat, bpp int) []byte {
	buf = append(buf, hexRaw)
	for y := t.Min.Y; y < t.Max.Y; y++ {
		for _, p := range pix[y*stride+t.Min.X : y*stride+t.Max.X] {
			buf = appendPixel(buf, p, f, bpp)
		}
	}
	return buf
}

func appendPixel(buf []byte, p uint32, f PixelFormat, bpp int) []byte {
	r, g, b := (p>>16)&0xff, (p>>8)&0xff, p&0xff
	v := (r*uint32(f.RedMax)+127)/255<<f.RedShift | (g*uint32(f.GreenMax)+127)/255<<f.GreenShift | (b*uint32(f.BlueMax)+127)/255<<f.BlueShift
	switch bpp {
	case 1:
		return append(buf, byte(v))
	case 2:
		if f.BigEndian {
			return binary.BigEndian.AppendUint16(buf, uint16(v))
		}
		return binary.LittleEndian.AppendUint16(buf, uint16(v))
	}
	if f.BigEndian {
		return binary.BigEndian.AppendUint32(buf, v)
	}
	return binary.LittleEndian.AppendUint32(buf, v)
}
