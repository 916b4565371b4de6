package kvmbridge_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/redirect/kvmbridge"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// noVNCDir is where scripts/novnc.sh installs noVNC (the repository's
// node_modules, two levels above this package).
const noVNCDir = "../../node_modules/@novnc/novnc"

// requireNoVNC returns noVNC's directory or stops the test like a missing
// peer: a failure under OOBKIT_REQUIRE_PEERS=1, a skip otherwise.
func requireNoVNC(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(noVNCDir, "core", "rfb.js")); err != nil {
		if peer.Required() {
			t.Fatalf("noVNC is missing from %s: run scripts/novnc.sh (npm @novnc/novnc; scripts/test.sh does this)", noVNCDir)
		}
		t.Skipf("noVNC not installed in %s: run scripts/novnc.sh (npm @novnc/novnc)", noVNCDir)
	}
	return noVNCDir
}

// cdp drives a Chromium over --remote-debugging-pipe: the DevTools
// protocol as NUL-terminated JSON on file descriptors 3 (to Chromium) and
// 4 (from Chromium) (https://chromedevtools.github.io/devtools-protocol/).
type cdp struct {
	w   io.Writer
	r   *bufio.Reader
	id  int
	sid string
}

func (c *cdp) call(method string, params any, result any) error {
	c.id++
	msg := map[string]any{"id": c.id, "method": method, "params": params}
	if c.sid != "" {
		msg["sessionId"] = c.sid
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	if _, err := c.w.Write(append(b, 0)); err != nil {
		return err
	}
	for {
		line, err := c.r.ReadBytes(0)
		if err != nil {
			return err
		}
		var resp struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(line[:len(line)-1], &resp); err != nil {
			return err
		}
		if resp.ID != c.id { // an event, or another session's answer
			continue
		}
		if resp.Error != nil {
			return fmt.Errorf("%s: %s", method, resp.Error.Message)
		}
		if result == nil {
			return nil
		}
		return json.Unmarshal(resp.Result, result)
	}
}

// TestChromiumNoVNCShowsBIOS loads the browser console (the --listen page:
// noVNC from scripts/novnc.sh, served by kvmbridge.Handler) in Debian's
// headless Chromium, waits until noVNC reports the connection and the
// page's pixels show the simulated BIOS setup screen, and compares them
// with the simulator's framebuffer: the page is as large as the screen and
// noVNC draws it 1:1 at the top left, so every 8×8 block's mean colour is
// compared (tolerance 16 a channel for browser colour handling and
// rounding), and the same comparison against another BIOS screen (the
// highlight moved) must fail. The page is polled through the DevTools
// protocol until it matches or the test's context ends — no fixed wait.
func TestChromiumNoVNCShowsBIOS(t *testing.T) {
	bin := peer.Require(t, "chromium", "chromium")
	dir := requireNoVNC(t)
	r := newRig(t, redirecttest.ScreenConfig{Machine: redirecttest.Machine{Phase: redirecttest.PhaseBIOSSetup}}, kvmbridge.Config{})
	srv := httptest.NewServer(kvmbridge.Handler(r.bridge, dir))
	t.Cleanup(srv.Close)
	want := r.screen.Image()
	w, h := want.Bounds().Dx(), want.Bounds().Dy()

	ctx, cancel := context.WithTimeout(ctxT(t), 45*time.Second)
	defer cancel()
	toR, toW, err := os.Pipe()
	require.NoError(t, err)
	fromR, fromW, err := os.Pipe()
	require.NoError(t, err)
	url := srv.URL + "/?token=" + r.bridge.Token()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-pipe", "--hide-scrollbars",
		"--force-device-scale-factor=1", fmt.Sprintf("--window-size=%d,%d", w, h), url)
	cmd.ExtraFiles = []*os.File{toR, fromW} // fds 3 and 4
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	toR.Close()
	fromW.Close()
	t.Cleanup(func() {
		toW.Close() // Chromium exits when its pipe closes
		_ = cmd.Wait()
		fromR.Close()
	})
	c := &cdp{w: toW, r: bufio.NewReader(fromR)}
	stop := context.AfterFunc(ctx, func() { toW.Close(); fromR.Close() })
	defer stop()

	var targets struct {
		TargetInfos []struct {
			TargetID string `json:"targetId"`
			Type     string `json:"type"`
		} `json:"targetInfos"`
	}
	require.NoError(t, c.call("Target.getTargets", map[string]any{}, &targets), "chromium: %s", &stderr)
	page := ""
	for _, ti := range targets.TargetInfos {
		if ti.Type == "page" {
			page = ti.TargetID
		}
	}
	require.NotEmpty(t, page, "no page target")
	var att struct {
		SessionID string `json:"sessionId"`
	}
	require.NoError(t, c.call("Target.attachToTarget", map[string]any{"targetId": page, "flatten": true}, &att))
	c.sid = att.SessionID
	// The viewport exactly the screen's size (headless Chromium's window
	// size is not its viewport's).
	require.NoError(t, c.call("Emulation.setDeviceMetricsOverride", map[string]any{
		"width": w, "height": h, "deviceScaleFactor": 1, "mobile": false}, nil))

	other := redirecttest.NewScreen(redirecttest.ScreenConfig{Machine: redirecttest.Machine{Phase: redirecttest.PhaseBIOSSetup}})
	require.NoError(t, pressDown(other))

	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var title string
	var shot image.Image
	for {
		var ev struct {
			Result struct {
				Value string `json:"value"`
			} `json:"result"`
		}
		require.NoError(t, c.call("Runtime.evaluate", map[string]any{"expression": "document.title"}, &ev), "chromium: %s", &stderr)
		title = ev.Result.Value
		if title == "oobkit KVM: connected" {
			var cap struct {
				Data string `json:"data"`
			}
			require.NoError(t, c.call("Page.captureScreenshot", map[string]any{"format": "png",
				"clip": map[string]any{"x": 0, "y": 0, "width": w, "height": h, "scale": 1}}, &cap))
			b, err := base64.StdEncoding.DecodeString(cap.Data)
			require.NoError(t, err)
			shot, err = png.Decode(bytes.NewReader(b))
			require.NoError(t, err)
			if blocksClose(shot, want, 16) {
				break
			}
		}
		select {
		case <-ctx.Done():
			if shot != nil {
				saveFailure(t, shot)
			}
			t.Fatalf("the page never showed the BIOS screen (title %q): %v\nchromium: %s", title, ctx.Err(), &stderr)
		case <-tick.C:
		}
	}
	require.Equal(t, image.Pt(w, h), shot.Bounds().Size())
	require.False(t, blocksClose(shot, other.Image(), 16), "the comparison must tell two BIOS screens apart")
}

// blocksClose reports whether every 8×8 block of got (from its top left)
// has a mean colour within tol of want's in each channel.
func blocksClose(got, want image.Image, tol int) bool {
	wb := want.Bounds()
	gb := got.Bounds()
	if gb.Dx() < wb.Dx() || gb.Dy() < wb.Dy() {
		return false
	}
	for by := 0; by+8 <= wb.Dy(); by += 8 {
		for bx := 0; bx+8 <= wb.Dx(); bx += 8 {
			var sg, sw [3]int
			for y := by; y < by+8; y++ {
				for x := bx; x < bx+8; x++ {
					r1, g1, b1, _ := got.At(gb.Min.X+x, gb.Min.Y+y).RGBA()
					r2, g2, b2, _ := want.At(wb.Min.X+x, wb.Min.Y+y).RGBA()
					sg[0], sg[1], sg[2] = sg[0]+int(r1>>8), sg[1]+int(g1>>8), sg[2]+int(b1>>8)
					sw[0], sw[1], sw[2] = sw[0]+int(r2>>8), sw[1]+int(g2>>8), sw[2]+int(b2>>8)
				}
			}
			for i := range 3 {
				if d := (sg[i] - sw[i]) / 64; d > tol || d < -tol {
					return false
				}
			}
		}
	}
	return true
}

// saveFailure keeps the last screenshot of a failed run for a look.
func saveFailure(t *testing.T, img image.Image) {
	p := filepath.Join(os.TempDir(), "oobkit-chromium-novnc-failure.png")
	f, err := os.Create(p)
	if err != nil {
		return
	}
	defer f.Close()
	if png.Encode(f, img) == nil {
		t.Logf("last screenshot: %s", p)
	}
}
