package kvmbridge_test

import (
	"context"
	"image"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/redirect/kvmbridge"
	"github.com/oobkit/oobkit/redirect/redirecttest"
	"github.com/oobkit/oobkit/redirect/rfb"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchRig is a 1920×1080 simulated screen, the KVM session, the bridge
// and a plain RFB viewer streaming frames, all in this process.
func benchRig(b *testing.B, m redirecttest.Machine) (*rig, *rfb.Conn, <-chan rfb.Frame, *atomic.Int64) {
	var sent atomic.Int64
	r := newRig(b, redirecttest.ScreenConfig{Width: 1920, Height: 1080, Machine: m},
		kvmbridge.Config{Counter: func(n int) { sent.Add(int64(n)) }})
	v, err := viewer(b, r.listenRFB(b))
	require.NoError(b, err)
	_, err = v.Screenshot(ctxT(b))
	require.NoError(b, err)
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	return r, v, v.Frames(ctx), &sent
}

// BenchmarkBridgeFullScreen1080p changes every pixel of a 1920×1080 screen
// (BIOS setup ↔ OS login) and waits until the viewer behind the bridge has
// received the whole screen: device (simulator, 64×64 Raw tiles) → KVM
// session client → bridge framebuffer → RFB viewer. Reports frames/s, CPU
// per frame (whole process: simulator drawing, both RFB legs, the viewer)
// and bytes per frame on the viewer's leg.
func BenchmarkBridgeFullScreen1080p(b *testing.B) {
	r, v, frames, sent := benchRig(b, redirecttest.Machine{Phase: redirecttest.PhaseOS})
	// Pixels the viewer has decoded, counted rectangle by rectangle (a
	// Frame's Dirty is the bounds of its rectangles, which overcounts once
	// the bridge streams pieces of two tile rows in one update).
	var got atomic.Int64
	arrived := make(chan struct{}, 1)
	stop := v.Watch(func(_ *image.RGBA, r image.Rectangle, _ bool) {
		got.Add(int64(r.Dx() * r.Dy()))
		select {
		case arrived <- struct{}{}:
		default:
		}
	})
	defer stop()
	go func() {
		for range frames {
		}
	}()
	phases := []redirecttest.Phase{redirecttest.PhaseBIOSSetup, redirecttest.PhaseOS}
	sent.Store(0)
	c0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := got.Load()
		r.screen.Set(redirecttest.Machine{Phase: phases[i%2]})
		for got.Load()-start < 1920*1080 {
			<-arrived
		}
	}
	b.StopTimer()
	cpu := cpuTime() - c0
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/frame")
	b.ReportMetric(float64(sent.Load())/float64(b.N), "bytes/frame")
}

// BenchmarkKeyToScreen1080p measures key press to screen change: the
// viewer types at the simulated OS login (alternately a letter and
// BackSpace) and waits for the frame that shows it.
func BenchmarkKeyToScreen1080p(b *testing.B) {
	_, v, frames, _ := benchRig(b, redirecttest.Machine{Phase: redirecttest.PhaseOS})
	keys := []uint32{'a', 0xff08}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := v.Press(keys[i%2]); err != nil {
			b.Fatal(err)
		}
		<-frames
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/keypress")
}
