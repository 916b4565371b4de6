package kvmbridge_test

import (
	"image"
	"image/jpeg"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/redirect/kvmbridge"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// TestVncsnapshotSeesBIOS points Debian's vncsnapshot (TightVNC 1.2.8 /
// RealVNC 3.3.7 based: it speaks RFB 3.3 and asks for tight, copyrect,
// hextile… — the bridge answers Hextile, RFC 6143 §7.7.4, so this checks
// the bridge's Hextile encoder against an independent decoder) at the bridge's plain RFB listener and compares its
// picture with the simulated computer's framebuffer. vncsnapshot writes
// JPEG only, so the comparison allows JPEG's loss: every 8×8 block's mean
// within 12 of the framebuffer's in each channel, and the mean error below
// 4; the same comparison against a different screen (the menu highlight
// moved) must fail, so it does tell screens apart.
func TestVncsnapshotSeesBIOS(t *testing.T) {
	bin := peer.Require(t, "vncsnapshot", "vncsnapshot")
	r := newRig(t, redirecttest.ScreenConfig{Machine: redirecttest.Machine{Phase: redirecttest.PhaseBIOSSetup}}, kvmbridge.Config{})
	addr := r.listenRFB(t)
	_, port, _ := net.SplitHostPort(addr)
	out := filepath.Join(t.TempDir(), "shot.jpg")
	cmd := exec.CommandContext(ctxT(t), bin, "-quiet", "-quality", "100", "-nojpeg", "127.0.0.1::"+port, out)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "vncsnapshot: %s", b)
	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	shot, err := jpeg.Decode(f)
	require.NoError(t, err)

	want := r.screen.Image()
	require.Equal(t, want.Bounds(), shot.Bounds())
	require.True(t, similar(t, shot, want), "vncsnapshot's picture differs from the simulated framebuffer")

	// Another screen: the highlight on the second item.
	other := redirecttest.NewScreen(redirecttest.ScreenConfig{Machine: redirecttest.Machine{Phase: redirecttest.PhaseBIOSSetup}})
	require.NoError(t, pressDown(other))
	require.False(t, similar(t, shot, other.Image()), "the comparison must tell two BIOS screens apart")
}

// pressDown moves a screen's BIOS highlight down by serving a one-key
// viewer over an in-memory pipe.
func pressDown(s *redirecttest.Screen) error {
	cli, srv := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- s.Serve(srv) }()
	msgs := [][]byte{[]byte("RFB 003.008\n"), {1}, {1}, {4, 1, 0, 0, 0, 0, 0xff, 0x54}}
	reads := []int{12, 2, 4, 0}
	buf := make([]byte, 256)
	for i, m := range msgs {
		if reads[i] > 0 {
			if _, err := readN(cli, buf[:reads[i]]); err != nil {
				return err
			}
		}
		if _, err := cli.Write(m); err != nil {
			return err
		}
		if i == 2 { // ServerInit
			if _, err := readN(cli, buf[:24]); err != nil {
				return err
			}
			if _, err := readN(cli, buf[:buf[23]]); err != nil {
				return err
			}
		}
	}
	// A non-incremental request answered means the key was handled.
	if _, err := cli.Write([]byte{3, 0, 0, 0, 0, 0, 0, 1, 0, 1}); err != nil {
		return err
	}
	if _, err := readN(cli, buf[:4+12+4]); err != nil {
		return err
	}
	cli.Close()
	<-done
	return nil
}

func readN(c net.Conn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := c.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// similar compares a JPEG picture with a framebuffer block by block.
func similar(t *testing.T, got image.Image, want *image.RGBA) bool {
	b := want.Bounds()
	var sum, n float64
	worst := 0.0
	for by := 0; by < b.Dy(); by += 8 {
		for bx := 0; bx < b.Dx(); bx += 8 {
			var g, w [3]float64
			cnt := 0.0
			for y := by; y < min(by+8, b.Dy()); y++ {
				for x := bx; x < min(bx+8, b.Dx()); x++ {
					r, gg, bb, _ := got.At(x, y).RGBA()
					o := want.PixOffset(x, y)
					g[0] += float64(r >> 8)
					g[1] += float64(gg >> 8)
					g[2] += float64(bb >> 8)
					for c := range 3 {
						w[c] += float64(want.Pix[o+c])
						d := float64(want.Pix[o+c]) - float64([]uint32{r >> 8, gg >> 8, bb >> 8}[c])
						if d < 0 {
							d = -d
						}
						sum += d
						n++
					}
					cnt++
				}
			}
			for c := range 3 {
				d := (g[c] - w[c]) / cnt
				if d < 0 {
					d = -d
				}
				worst = max(worst, d)
			}
		}
	}
	t.Logf("mean error %.2f, worst 8×8 block mean error %.2f", sum/n, worst)
	return sum/n < 4 && worst <= 12
}
