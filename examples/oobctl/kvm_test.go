package main

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/simfleet"
)

// TestKVMSnapshotAndActions: oobctl kvm writes a PNG of the simulated
// computer's screen that equals its framebuffer, and lists the viewer's
// power actions Table C-3 allows in S0 (no power on: the computer is on).
func TestKVMSnapshotAndActions(t *testing.T) {
	f, _ := startFleet(t, simfleet.Config{AMT: 1})
	c := f.Computers[0]
	file := writeTargets(t, c.Target)
	out := filepath.Join(t.TempDir(), "screen.png")
	res := oobctl(t, nil, "--user", simfleet.User, "--targets-file", file, "kvm", "--snapshot", out, "--actions")
	require.Equal(t, exitOK, res.code, res.stderr)
	assert.Contains(t, res.stdout, "Reset to BIOS (Terminal)")
	assert.NotContains(t, res.stdout, "Power On to BIOS")
	fh, err := os.Open(out)
	require.NoError(t, err)
	defer fh.Close()
	img, err := png.Decode(fh)
	require.NoError(t, err)
	want := c.Screen.Image()
	require.Equal(t, want.Bounds(), img.Bounds())
	for y := 0; y < want.Bounds().Dy(); y++ {
		for x := 0; x < want.Bounds().Dx(); x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			o := want.PixOffset(x, y)
			if byte(r>>8) != want.Pix[o] || byte(g>>8) != want.Pix[o+1] || byte(b>>8) != want.Pix[o+2] {
				t.Fatalf("pixel %d,%d differs", x, y)
			}
		}
	}
}
