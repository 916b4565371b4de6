// Package rfbserve is the server half of RFB (the Remote Framebuffer
// protocol, RFC 6143) shared by the simulated AMT screen (redirecttest) and
// the viewer bridge (redirect/kvmbridge): a framebuffer that tells its
// viewers which region changed, and a server that sends those regions as Raw
// rectangles (or Hextile, when Options.Hextile and the viewer allow) in the
// pixel format each viewer asked for.
//
// The client half (redirect/rfb) is written independently of this package,
// so the two check each other; Debian's vncsnapshot checks this one.
package rfbserve

import (
	"image"
	"image/color"
	"sync"
)

// Framebuffer is a fixed-size screen of 0x00RRGGBB pixels, safe for
// concurrent use. Drawing goes through Update, which reports the changed
// region to every subscriber.
type Framebuffer struct {
	mu   sync.Mutex
	w, h int
	pix  []uint32
	subs map[*Sub]struct{}
}

// NewFramebuffer returns a black w×h framebuffer.
func NewFramebuffer(w, h int) *Framebuffer {
	return &Framebuffer{w: w, h: h, pix: make([]uint32, w*h), subs: map[*Sub]struct{}{}}
}

// Size returns the width and height.
func (f *Framebuffer) Size() (int, int) { return f.w, f.h }

// Bounds returns the framebuffer's rectangle.
func (f *Framebuffer) Bounds() image.Rectangle { return image.Rect(0, 0, f.w, f.h) }

// Update runs draw with the pixels (row-major, stride w) under the lock and
// reports the region draw returns as changed.
func (f *Framebuffer) Update(draw func(pix []uint32, w, h int) image.Rectangle) {
	f.mu.Lock()
	r := draw(f.pix, f.w, f.h).Intersect(f.Bounds())
	if !r.Empty() {
		for s := range f.subs {
			s.add(r)
		}
	}
	f.mu.Unlock()
}

// Read runs fn with the pixels under the lock (fn must not keep them).
func (f *Framebuffer) Read(fn func(pix []uint32, w, h int)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f.pix, f.w, f.h)
}

// Image returns a copy of the framebuffer.
func (f *Framebuffer) Image() *image.RGBA {
	img := image.NewRGBA(f.Bounds())
	f.Read(func(pix []uint32, w, h int) {
		for i, p := range pix {
			o := i * 4
			img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = byte(p>>16), byte(p>>8), byte(p), 0xff
		}
	})
	return img
}

// Pixel returns the colour at x, y.
func (f *Framebuffer) Pixel(x, y int) color.RGBA {
	var p uint32
	f.Read(func(pix []uint32, w, h int) { p = pix[y*w+x] })
	return color.RGBA{byte(p >> 16), byte(p >> 8), byte(p), 0xff}
}

// Sub receives the regions of a framebuffer that changed since it last
// asked. It starts with the whole framebuffer marked changed.
type Sub struct {
	fb    *Framebuffer
	dirty []image.Rectangle // guarded by fb.mu; disjoint-ish, at most maxDirty
	ch    chan struct{}     // one pending signal
}

// maxDirty bounds a subscriber's list of changed rectangles; past it the
// list collapses into its bounding box.
const maxDirty = 64

// Subscribe registers a subscriber; Close it when done.
func (f *Framebuffer) Subscribe() *Sub {
	s := &Sub{fb: f, ch: make(chan struct{}, 1)}
	f.mu.Lock()
	f.subs[s] = struct{}{}
	s.add(f.Bounds())
	f.mu.Unlock()
	return s
}

// mergeExact returns a ∪ b when that union is exactly a rectangle (two
// pieces of one row or column that touch or overlap along a full side).
func mergeExact(a, b image.Rectangle) (image.Rectangle, bool) {
	switch {
	case b.In(a):
		return a, true
	case a.In(b):
		return b, true
	case a.Min.Y == b.Min.Y && a.Max.Y == b.Max.Y && a.Max.X >= b.Min.X && b.Max.X >= a.Min.X:
		return a.Union(b), true
	case a.Min.X == b.Min.X && a.Max.X == b.Max.X && a.Max.Y >= b.Min.Y && b.Max.Y >= a.Min.Y:
		return a.Union(b), true
	}
	return image.Rectangle{}, false
}

// add records r as changed. Tiles arriving in row order (a device's 64×64
// Raw tiles passing through the bridge) merge into strips and strips into
// bands, so a viewer is sent each changed pixel once rather than the
// bounding box of everything pending.
func (s *Sub) add(r image.Rectangle) {
	if n := len(s.dirty); n > 0 {
		if m, ok := mergeExact(s.dirty[n-1], r); ok {
			s.dirty[n-1] = m
			for len(s.dirty) > 1 {
				k := len(s.dirty)
				m, ok := mergeExact(s.dirty[k-2], s.dirty[k-1])
				if !ok {
					break
				}
				s.dirty[k-2] = m
				s.dirty = s.dirty[:k-1]
			}
		} else if n >= maxDirty {
			u := r
			for _, d := range s.dirty {
				u = u.Union(d)
			}
			s.dirty = append(s.dirty[:0], u)
		} else {
			s.dirty = append(s.dirty, r)
		}
	} else {
		s.dirty = append(s.dirty, r)
	}
	select {
	case s.ch <- struct{}{}:
	default:
	}
}

// C is signalled when a change may be pending.
func (s *Sub) C() <-chan struct{} { return s.ch }

// Take appends the changed rectangles to dst, clears them and returns dst.
func (s *Sub) Take(dst []image.Rectangle) []image.Rectangle {
	s.fb.mu.Lock()
	defer s.fb.mu.Unlock()
	dst = append(dst, s.dirty...)
	s.dirty = s.dirty[:0]
	return dst
}

// Close unregisters the subscriber.
func (s *Sub) Close() {
	s.fb.mu.Lock()
	delete(s.fb.subs, s)
	s.fb.mu.Unlock()
}
