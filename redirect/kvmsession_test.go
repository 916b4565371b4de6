package redirect_test

import (
	"context"
	"errors"
	goimage "image"
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/redirecttest"
	"github.com/oobkit/oobkit/redirect/rfb"
	"github.com/oobkit/oobkit/simfleet"
)

// *amt.Client is what a KVM session asks for consent and power actions.
var (
	_ redirect.Consenter      = (*amt.Client)(nil)
	_ oobkit.PowerController  = (*amt.Client)(nil)
	_ oobkit.PowerStateReader = (*amt.Client)(nil)
)

// Keysyms (X11 keysymdef.h).
const (
	kReturn = 0xff0d
	kLeft   = 0xff51
	kUp     = 0xff52
	kRight  = 0xff53
	kDown   = 0xff54
	kF2     = 0xffbf
)

// kvmRig is a simulated AMT device (WS-Management) and its redirection
// port with a screen that follows the device's power and boot state.
type kvmRig struct {
	dev    *amttest.Server
	amt    *amt.Client
	screen *redirecttest.Screen
	sim    *redirecttest.Server
}

func newKVMRig(t *testing.T, cfg amttest.Config) *kvmRig {
	t.Helper()
	dev, err := amttest.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = dev.Close() })
	ac, err := amt.New(dev.Target(), dev.Credential())
	require.NoError(t, err)
	screen := redirecttest.NewScreen(redirecttest.ScreenConfig{Consent: dev.ConsentGiven})
	stop := screen.Follow(context.Background(), simfleet.ScreenOf(dev.Device))
	t.Cleanup(stop)
	sim := newSim(t, redirecttest.Config{KVM: screen.Serve})
	return &kvmRig{dev: dev, amt: ac, screen: screen, sim: sim}
}

func (r *kvmRig) open(t *testing.T, o redirect.KVMOptions) *redirect.KVM {
	t.Helper()
	o.Power, o.State = r.amt, r.amt
	k, err := newClient(t, r.sim).OpenKVMSession(ctxT(t), o)
	require.NoError(t, err)
	t.Cleanup(func() { k.Close() })
	return k
}

// sameAsScreen asserts that the client's screenshot equals the simulated
// screen pixel for pixel.
func sameAsScreen(t *testing.T, k *redirect.KVM, s *redirecttest.Screen) {
	t.Helper()
	img, err := k.Screenshot(ctxT(t))
	require.NoError(t, err)
	want := s.Image()
	require.Equal(t, want.Bounds(), img.Bounds())
	require.True(t, equalPix(want, img.(*goimage.RGBA)), "screenshot differs from the simulated screen (%v)", s.State().Phase)
}

func equalPix(a, b *goimage.RGBA) bool {
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

// waitScreen reads the session's frame stream until the client's copy of
// the screen equals the simulated screen in phase p.
func waitScreen(t *testing.T, k *redirect.KVM, s *redirecttest.Screen, p redirecttest.Phase) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	frames := k.Frames(ctx)
	for {
		if s.State().Phase == p && equalPix(s.Image(), k.Image()) {
			return
		}
		select {
		case _, ok := <-frames:
			require.True(t, ok, "session ended: %v", k.Err())
		case <-ctx.Done():
			t.Fatalf("screen never reached %v (now %v)", p, s.State().Phase)
		}
	}
}

// TestKVMBIOSNavigation drives the simulated BIOS setup with key and
// pointer events through a KVM session and checks every screen the client
// sees against the simulator's framebuffer. The guide (Running a KVM
// remote control session) has the operator "use the keyboard and mouse"
// of the remote computer; Table 3-1's "Reset to BIOS" puts it in setup.
func TestKVMBIOSNavigation(t *testing.T) {
	r := newKVMRig(t, amttest.Config{})
	k := r.open(t, redirect.KVMOptions{})
	assert.Equal(t, redirecttest.PhaseOS, r.screen.State().Phase)
	sameAsScreen(t, k, r.screen)

	require.NoError(t, k.Power(ctxT(t), oobkit.ActionResetToBIOS))
	waitScreen(t, k, r.screen, redirecttest.PhaseBIOSSetup)
	st := r.screen.State()
	assert.Equal(t, "Main", st.MenuName)
	assert.Equal(t, "System Information", st.ItemName)

	require.NoError(t, k.Press(kDown))
	require.NoError(t, k.Press(kDown))
	sameAsScreen(t, k, r.screen) // the keys were handled before the update request
	assert.Equal(t, 2, r.screen.State().Item)
	require.NoError(t, k.Press(kUp))
	require.NoError(t, k.Press(kRight))
	require.NoError(t, k.Press(kRight))
	sameAsScreen(t, k, r.screen)
	st = r.screen.State()
	assert.Equal(t, "Boot", st.MenuName)
	assert.Equal(t, "Boot Order", st.ItemName)
	require.NoError(t, k.Press(kLeft))
	// A click on the third item's row (text rows of 20 pixels at 640×480,
	// items from row 5).
	require.NoError(t, k.Pointer(1, 40, 7*20+5))
	require.NoError(t, k.Pointer(0, 40, 7*20+5))
	sameAsScreen(t, k, r.screen)
	st = r.screen.State()
	assert.Equal(t, "Advanced", st.MenuName)
	assert.Equal(t, "Console Redirection", st.ItemName)

	// The highlight is drawn: a highlighted item's cell is yellow.
	img := k.Image()
	assert.Equal(t, [4]uint8{0xff, 0xff, 0x55, 0xff}, px(img, 2*12+1, 7*20+1))

	// F10 leaves setup and boots.
	require.NoError(t, k.Press(0xffc7))
	sameAsScreen(t, k, r.screen)
	assert.Equal(t, redirecttest.PhaseOS, r.screen.State().Phase)
	for _, c := range "root" {
		require.NoError(t, k.Press(uint32(c)))
	}
	sameAsScreen(t, k, r.screen)
	assert.Equal(t, "root", r.screen.State().Typed)
}

func px(img *goimage.RGBA, x, y int) [4]uint8 {
	o := img.PixOffset(x, y)
	return [4]uint8(img.Pix[o : o+4])
}

// TestKVMConsent: with consent required (IPS_OptInService OptInRequired =
// KVM) the device refuses a viewer until the code the computer shows has
// been sent back; a wrong code is refused; the right one opens the screen.
// The guide: "If user consent is required, the user at the client computer
// must give the administrator the consent code displayed on the screen."
func TestKVMConsent(t *testing.T) {
	r := newKVMRig(t, amttest.Config{ConsentRequired: amt.ConsentKVM})
	c := newClient(t, r.sim)

	// Without asking for consent: the device refuses the viewer.
	_, err := c.OpenKVMSession(ctxT(t), redirect.KVMOptions{})
	assert.ErrorIs(t, err, rfb.Refused)
	assert.ErrorIs(t, err, oobkit.ErrAuth)
	assert.Contains(t, err.Error(), redirecttest.ConsentRefusal)

	// Consent needed and no way to ask for the code.
	_, err = c.OpenKVMSession(ctxT(t), redirect.KVMOptions{Consent: r.amt})
	assert.ErrorIs(t, err, oobkit.ErrAuth)

	// A wrong code.
	_, err = c.OpenKVMSession(ctxT(t), redirect.KVMOptions{Consent: r.amt,
		ConsentCode: func(context.Context) (int, error) { return 0, nil }})
	assert.ErrorIs(t, err, oobkit.ErrAuth)
	require.NoError(t, r.amt.CancelConsent(ctxT(t)))
	assert.Equal(t, 1, r.screen.State().Refused, "only the viewer that came without consent reached the device")

	// The right code, read off the computer's screen by its user.
	asked := 0
	k := r.open(t, redirect.KVMOptions{Consent: r.amt, ConsentCode: func(context.Context) (int, error) {
		asked++
		var n int
		for _, d := range r.dev.ConsentCode() {
			n = n*10 + int(d-'0')
		}
		return n, nil
	}})
	assert.Equal(t, 1, asked)
	sameAsScreen(t, k, r.screen)
	_, st := r.dev.ConsentState()
	assert.Equal(t, amt.ConsentReceived, st)
}

// TestKVMViewerPowerActions lists the applicable actions per Table C-3 in
// two states and runs them from the session; the ones the table refuses
// are refused without reaching the device. The guide: "List of applicable
// power actions is automatically detected according to current power
// state capabilities of the client computer."
func TestKVMViewerPowerActions(t *testing.T) {
	r := newKVMRig(t, amttest.Config{})
	k := r.open(t, redirect.KVMOptions{})
	ctx := ctxT(t)

	st, acts, err := k.PowerActions(ctx)
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerS0, st)
	// S0: reboot Yes, power off Yes, power on No, boot redirect Yes² (only
	// with the reboot command).
	assert.Equal(t, []oobkit.PowerAction{oobkit.ActionCycle, oobkit.ActionOff, oobkit.ActionReset,
		oobkit.ActionResetToBIOS, oobkit.ActionResetToBIOSTerminal}, acts)

	before := r.dev.PowerChanges()
	for _, a := range []oobkit.PowerAction{oobkit.ActionOn, oobkit.ActionOnToBIOS, oobkit.ActionOnToBIOSTerminal} {
		err := k.Power(ctx, a)
		assert.ErrorIs(t, err, oobkit.ErrInvalidState, "%v in S0", a)
	}
	assert.ErrorIs(t, k.Power(ctx, oobkit.ActionSleep), oobkit.ErrInvalidArgument, "not a viewer action")
	assert.Equal(t, before, r.dev.PowerChanges(), "refused actions never reach the device")

	require.NoError(t, k.Power(ctx, oobkit.ActionOff))
	waitScreen(t, k, r.screen, redirecttest.PhaseOff)
	img := k.Image()
	assert.Equal(t, [4]uint8{0, 0, 0, 0xff}, px(img, 320, 240), "a powered-off computer's screen is black")

	st, acts, err = k.PowerActions(ctx)
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerS5, st)
	assert.Equal(t, []oobkit.PowerAction{oobkit.ActionOn, oobkit.ActionOnToBIOS, oobkit.ActionOnToBIOSTerminal}, acts)
	for _, a := range []oobkit.PowerAction{oobkit.ActionReset, oobkit.ActionCycle, oobkit.ActionOff, oobkit.ActionResetToBIOS} {
		assert.ErrorIs(t, k.Power(ctx, a), oobkit.ErrInvalidState, "%v in S5", a)
	}
	require.NoError(t, k.Power(ctx, oobkit.ActionOn))
	waitScreen(t, k, r.screen, redirecttest.PhasePOST)
	require.NoError(t, k.Press(kF2))
	sameAsScreen(t, k, r.screen)
	assert.Equal(t, redirecttest.PhaseBIOSSetup, r.screen.State().Phase)

	require.NoError(t, k.Power(ctx, oobkit.ActionCycle))
	waitScreen(t, k, r.screen, redirecttest.PhasePOST)
	require.NoError(t, k.Press(kReturn))
	sameAsScreen(t, k, r.screen)
	assert.Equal(t, redirecttest.PhaseOS, r.screen.State().Phase)
}

// TestKVMViewerDisconnectsMidFrame: a viewer that hangs up in the middle of
// a full-screen update frees the device's KVM session; the next viewer
// gets the screen.
func TestKVMViewerDisconnectsMidFrame(t *testing.T) {
	r := newKVMRig(t, amttest.Config{})
	nc, err := newClient(t, r.sim).OpenKVM(ctxT(t))
	require.NoError(t, err)
	// RFB 3.8 by hand: version, None, shared, then a full update request.
	buf := make([]byte, 4096)
	_, err = io.ReadFull(nc, buf[:12])
	require.NoError(t, err)
	_, err = nc.Write([]byte("RFB 003.008\n"))
	require.NoError(t, err)
	_, err = io.ReadFull(nc, buf[:2])
	require.NoError(t, err)
	_, err = nc.Write([]byte{1})
	require.NoError(t, err)
	_, err = io.ReadFull(nc, buf[:4])
	require.NoError(t, err)
	_, err = nc.Write([]byte{1})
	require.NoError(t, err)
	_, err = io.ReadFull(nc, buf[:24])
	require.NoError(t, err)
	_, err = io.ReadFull(nc, buf[:int(buf[23])])
	require.NoError(t, err)
	_, err = nc.Write([]byte{3, 0, 0, 0, 0, 0, 0x02, 0x80, 0x01, 0xe0})
	require.NoError(t, err)
	_, err = io.ReadFull(nc, buf[:1000]) // part of the first frame
	require.NoError(t, err)
	require.NoError(t, nc.Close())

	// The device notices and frees the session: a new one opens (a real
	// device allows one KVM session at a time).
	var k *redirect.KVM
	ctx := ctxT(t)
	for k == nil {
		k, err = newClient(t, r.sim).OpenKVMSession(ctx, redirect.KVMOptions{})
		if err != nil {
			require.ErrorIs(t, err, oobkit.ErrBusy)
			select {
			case <-ctx.Done():
				t.Fatal("session never freed")
			default:
			}
		}
	}
	defer k.Close()
	sameAsScreen(t, k, r.screen)
	var ne net.Error
	assert.False(t, errors.As(k.Err(), &ne))
}
