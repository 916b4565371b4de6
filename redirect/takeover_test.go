package redirect_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// takeOverRig is one computer: its AMT side (amttest) linked to its
// redirection side (redirecttest) as a device is, so that disabling a
// feature in AMT_RedirectionService ends that feature's active sessions.
type takeOverRig struct {
	amt   *amttest.Server
	sim   *redirecttest.Server
	ac    *amt.Client
	calls atomic.Int32 // take-over calls
}

func newTakeOverRig(t *testing.T, cfg redirecttest.Config) *takeOverRig {
	t.Helper()
	sim := newSim(t, cfg)
	a, err := amttest.NewServer(amttest.Config{OnRedirectionState: sim.SetRedirectionState})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	ac, err := amt.New(a.Target(), a.Credential())
	require.NoError(t, err)
	t.Cleanup(func() { _ = ac.Close() })
	return &takeOverRig{amt: a, sim: sim, ac: ac}
}

// end is the take-over function a one-to-one console installs: it ends the
// active session through the device's AMT side.
func (r *takeOverRig) end(ctx context.Context, k redirect.Kind) error {
	r.calls.Add(1)
	kinds := amt.RedirectIDER
	if k == redirect.KindSOL {
		kinds = amt.RedirectSOL
	}
	_, err := r.ac.EndRedirectionSessions(ctx, kinds)
	return err
}

// assertRestored: the redirection service is back to both features enabled
// (EnabledState 32771), as it was before the take-over.
func (r *takeOverRig) assertRestored(t *testing.T) {
	t.Helper()
	got := r.amt.Redirection()
	assert.True(t, got.SOL && got.IDER, "AMT_RedirectionService restored to 32771: %+v", got)
}

// TestSOLTakeOver: the RTSM guide: "Warning: If there is already an active
// SOL session, it is terminated when the task runs." Another console holds
// SOL; a client made WithTakeOver ends that session and starts its own,
// and the other console's Read returns the typed error.
func TestSOLTakeOver(t *testing.T) {
	rig := newTakeOverRig(t, redirecttest.Config{})
	old, err := newClient(t, rig.sim).OpenSOL(ctxT(t), redirect.SOLSettings{})
	require.NoError(t, err)
	defer old.Close()
	assert.False(t, old.TookOver())

	sol, err := newClient(t, rig.sim, redirect.WithTakeOver(rig.end)).OpenSOL(ctxT(t), redirect.SOLSettings{})
	require.NoError(t, err)
	defer sol.Close()
	assert.True(t, sol.TookOver())
	assert.Equal(t, int32(1), rig.calls.Load())

	_, err = io.ReadAll(old)
	require.ErrorIs(t, err, redirect.ErrEndedByDevice)
	assert.ErrorIs(t, err, oobkit.ErrDevice)
	assert.NotErrorIs(t, err, oobkit.ErrBusy, "a job retrying busy steps must not take the session back")
	assert.Contains(t, err.Error(), "taken over")
	assert.NoError(t, old.Close())

	// The new session works: the echo console returns what is typed.
	_, err = sol.Write([]byte("ping"))
	require.NoError(t, err)
	buf := make([]byte, 4)
	_, err = io.ReadFull(sol, buf)
	require.NoError(t, err)
	assert.Equal(t, "ping", string(buf))
	rig.assertRestored(t)
	assert.Equal(t, uint64(1), rig.sim.Stats().Ended)
}

// holdDrive is firmware that reads the capacity and keeps the drive until
// the session ends.
func holdDrive(ctx context.Context, d *redirecttest.Drive) (redirecttest.BootReport, error) {
	if _, err := d.Command(ctx, redirecttest.CD, []byte{0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0}); err != nil {
		return redirecttest.BootReport{}, err
	}
	<-ctx.Done()
	return redirecttest.BootReport{Device: redirecttest.CD}, nil
}

// TestIDERTakeOver: the RTSM guide: "Warning: If there is already an
// active IDE-R session, it is terminated when the task runs."
func TestIDERTakeOver(t *testing.T) {
	rig := newTakeOverRig(t, redirecttest.Config{Firmware: holdDrive})
	img := func() redirect.IDEROptions {
		r, _ := image(64<<10, 7)
		return redirect.IDEROptions{CD: &redirect.Image{R: r, Size: r.Size()}}
	}
	old, err := newClient(t, rig.sim).OpenIDER(ctxT(t), img())
	require.NoError(t, err)
	defer old.Close()

	sess, err := newClient(t, rig.sim, redirect.WithTakeOver(rig.end)).OpenIDER(ctxT(t), img())
	require.NoError(t, err)
	defer sess.Close()
	assert.True(t, sess.TookOver())

	err = old.Wait(ctxT(t))
	require.ErrorIs(t, err, redirect.ErrEndedByDevice)
	assert.ErrorIs(t, err, oobkit.ErrDevice)
	select {
	case <-sess.Done():
		t.Fatal("the new session ended")
	default:
	}
	rig.assertRestored(t)
}

func TestTakeOverRefusedOrFailed(t *testing.T) {
	t.Run("RefuseIfActive: busy, the other session keeps running", func(t *testing.T) {
		rig := newTakeOverRig(t, redirecttest.Config{})
		old, err := newClient(t, rig.sim).OpenSOL(ctxT(t), redirect.SOLSettings{})
		require.NoError(t, err)
		defer old.Close()
		_, err = newClient(t, rig.sim, redirect.WithTakeOver(rig.end)).OpenSOL(ctxT(t), redirect.SOLSettings{RefuseIfActive: true})
		require.ErrorIs(t, err, oobkit.ErrBusy)
		assert.Zero(t, rig.calls.Load(), "nothing was ended")
		_, err = old.Write([]byte("still"))
		require.NoError(t, err)
		buf := make([]byte, 5)
		_, err = io.ReadFull(old, buf)
		require.NoError(t, err, "the other console's session is untouched")
		assert.Equal(t, "still", string(buf))
		assert.Zero(t, rig.sim.Stats().Ended)
	})

	t.Run("without WithTakeOver: busy, as before", func(t *testing.T) {
		rig := newTakeOverRig(t, redirecttest.Config{})
		defer rig.sim.Occupy(redirecttest.IDER)()
		r := bytes.NewReader(make([]byte, 4096))
		_, err := newClient(t, rig.sim).OpenIDER(ctxT(t), redirect.IDEROptions{CD: &redirect.Image{R: r, Size: 4096}})
		require.ErrorIs(t, err, oobkit.ErrBusy)
		assert.Equal(t, 1, rig.sim.Held(redirecttest.IDER))
	})

	t.Run("the take-over fails: both errors", func(t *testing.T) {
		rig := newTakeOverRig(t, redirecttest.Config{})
		defer rig.sim.Occupy(redirecttest.SOL)()
		broken := func(context.Context, redirect.Kind) error { return errors.New("no AMT credential") }
		_, err := newClient(t, rig.sim, redirect.WithTakeOver(broken)).OpenSOL(ctxT(t), redirect.SOLSettings{})
		require.ErrorIs(t, err, oobkit.ErrBusy)
		assert.Contains(t, err.Error(), "no AMT credential")
	})

	t.Run("the start after the take-over fails: busy, the service restored", func(t *testing.T) {
		rig := newTakeOverRig(t, redirecttest.Config{})
		defer rig.sim.Occupy(redirecttest.SOL)()
		// another console grabs SOL again as soon as it is back
		regrab := func(ctx context.Context, k redirect.Kind) error {
			err := rig.end(ctx, k)
			rig.sim.Occupy(redirecttest.SOL)
			return err
		}
		_, err := newClient(t, rig.sim, redirect.WithTakeOver(regrab)).OpenSOL(ctxT(t), redirect.SOLSettings{})
		require.ErrorIs(t, err, oobkit.ErrBusy)
		assert.Equal(t, int32(1), rig.calls.Load(), "taken over once, not in a loop")
		rig.assertRestored(t)
	})
}
