package tasks

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// otherConsole is a redirection client of another console (another
// operator's terminal) on the rig's computer.
func otherConsole(t *testing.T, rig *iderRig) *redirect.Client {
	t.Helper()
	c, err := redirect.New(rig.target, rig.redir.Credential(), redirect.WithTimeout(15*time.Second))
	require.NoError(t, err)
	return c
}

// assertRestored: AMT_RedirectionService is back to EnabledState 32771 (SOL
// and IDE-R enabled), the state before the take-over.
func assertRestored(t *testing.T, rig *iderRig) {
	t.Helper()
	got := rig.amt.Redirection()
	assert.True(t, got.SOL && got.IDER, "AMT_RedirectionService restored to 32771: %+v", got)
}

func ctxTest(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestSOLTaskTakesOver: the RTSM guide: "Warning: If there is already an
// active SOL session, it is terminated when the task runs." Another
// console holds SOL; the SOL task ends that session through AMT, starts its
// own, reports that it took over (output, step notes, activity log), and
// the other console's Read returns the typed error.
func TestSOLTaskTakesOver(t *testing.T) {
	rig := newIDERRig(t, oobkit.PowerS0, redirecttest.Config{})
	old, err := otherConsole(t, rig).OpenSOL(ctxTest(t), redirect.SOLSettings{})
	require.NoError(t, err)
	defer old.Close()

	var activity bytes.Buffer
	runner := NewRunner(rig.conn, WithProbe(nil), WithRetry(fastRetry), WithTargetTimeout(60*time.Second),
		WithActivityLog(NewActivityLog(&activity), "test"))
	task := &SOLTask{Send: "hello\r", Expect: "hello", Wait: Duration(time.Minute)}
	res := runner.RunTarget(context.Background(), &Job{Name: "sol", Steps: []Step{{ID: "sol", Task: task}}}, rig.target)
	require.Equal(t, StatusOK, res.Status, res.Error)
	out := res.Output("sol").(*SOLOutput)
	assert.Equal(t, "sol", out.TookOver)
	assert.Equal(t, "expect", out.EndedBy)
	assert.Contains(t, out.Output, "hello", "the echo console answered the new session")
	require.Len(t, res.Steps[0].Notes, 1)
	assert.Contains(t, res.Steps[0].Notes[0], "took over: ended the active SOL session")
	assert.Contains(t, res.Tried, oobkit.AMT, "AMT ended the other session")

	var rec ActivityRecord
	require.NoError(t, json.Unmarshal(bytes.TrimSpace(activity.Bytes()), &rec))
	assert.Equal(t, res.Steps[0].Notes, rec.Notes, "the activity log line says so")

	_, err = io.ReadAll(old)
	require.ErrorIs(t, err, redirect.ErrEndedByDevice, "the other console is told its session was ended")
	assert.Contains(t, err.Error(), "taken over")
	assertRestored(t, rig)
	assert.Equal(t, uint64(1), rig.redir.Stats().Ended)
}

// TestIDERTaskTakesOver: the RTSM guide, Boot Redirection task: "Warning:
// If there is already an active IDE-R session, it is terminated when the
// task runs." Another console serves an image to the computer; the IDE-R
// boot task ends that session, boots its own image and says it took over.
func TestIDERTaskTakesOver(t *testing.T) {
	path, sum := testImage(t, 1<<20)
	var runs atomic.Int32
	fw := func(ctx context.Context, d *redirecttest.Drive) (redirecttest.BootReport, error) {
		if runs.Add(1) == 1 { // the other console's session: the host keeps its drive
			return mountedForever(ctx, d)
		}
		return redirecttest.Boot(redirecttest.BootOptions{Device: redirecttest.CD, SHA256: sum})(ctx, d)
	}
	rig := newIDERRig(t, oobkit.PowerS5, redirecttest.Config{EndAfterBoot: true, Firmware: fw})
	r := bytes.NewReader(make([]byte, 64<<10))
	old, err := otherConsole(t, rig).OpenIDER(ctxTest(t), redirect.IDEROptions{CD: &redirect.Image{R: r, Size: r.Size()}, Start: redirect.StartNow})
	require.NoError(t, err)
	defer old.Close()

	res := rig.runner.RunTarget(context.Background(), &Job{Name: "ider", Steps: []Step{{ID: "ider", Task: &IDERBootTask{Image: path}}}}, rig.target)
	require.Equal(t, StatusOK, res.Status, res.Error)
	out := res.Output("ider").(*IDERBootOutput)
	assert.Equal(t, "ider", out.TookOver)
	assert.Equal(t, "device", out.EndedBy)
	require.Len(t, res.Steps[0].Notes, 1)
	assert.Contains(t, res.Steps[0].Notes[0], "took over: ended the active IDE-R session")

	err = old.Wait(ctxTest(t))
	require.ErrorIs(t, err, redirect.ErrEndedByDevice)
	for {
		rep := bootReport(t, rig.redir)
		if rep.StartMode != "on-reboot" {
			continue // the other console's run, ended by the take-over
		}
		require.NoError(t, rep.Err)
		assert.Equal(t, sum, rep.SHA256, "the task's image booted")
		break
	}
	assert.Equal(t, "ider-cd", rig.amt.BootState().LastBoot)
	assertRestored(t, rig)
}

func TestRedirectionTakeOverRefusedOrFailed(t *testing.T) {
	job := func(task Task) *Job { return &Job{Name: "j", Steps: []Step{{ID: "s", Task: task}}} }

	t.Run("refuseIfActive: busy, the other SOL session keeps running", func(t *testing.T) {
		rig := newIDERRig(t, oobkit.PowerS0, redirecttest.Config{})
		old, err := otherConsole(t, rig).OpenSOL(ctxTest(t), redirect.SOLSettings{})
		require.NoError(t, err)
		defer old.Close()
		res := rig.runner.RunTarget(context.Background(), job(&SOLTask{RefuseIfActive: true, Wait: Duration(time.Millisecond)}), rig.target)
		assert.Equal(t, StatusFailed, res.Status)
		assert.Equal(t, "busy", res.Class, res.Error)
		assert.Empty(t, res.Steps[0].Notes)
		_, err = old.Write([]byte("still here"))
		require.NoError(t, err)
		buf := make([]byte, len("still here"))
		_, err = io.ReadFull(old, buf)
		require.NoError(t, err, "the other console's session is untouched")
		assert.Zero(t, rig.redir.Stats().Ended)
		assertRestored(t, rig)
	})

	t.Run("the start after the take-over fails: the service is restored", func(t *testing.T) {
		// another console grabs SOL again as soon as it is enabled again
		rig := newIDERRigWith(t, oobkit.PowerS0, redirecttest.Config{}, func(rs *redirecttest.Server, st uint16) {
			if st == 32771 {
				rs.Occupy(redirecttest.SOL)
			}
		})
		rig.redir.Occupy(redirecttest.SOL)
		res := rig.runner.RunTarget(context.Background(), job(&SOLTask{Wait: Duration(time.Millisecond)}), rig.target)
		assert.Equal(t, StatusFailed, res.Status)
		assert.Equal(t, "busy", res.Class, res.Error)
		assert.Equal(t, 3, res.Attempts, "busy is retried, each attempt taking over once")
		assert.Len(t, res.Steps[0].Notes, 3)
		assert.Equal(t, "sol", res.Output("s").(*SOLOutput).TookOver, "the other session was ended all the same")
		assertRestored(t, rig)
	})

	t.Run("SOL disabled: unsupported, nothing is ended", func(t *testing.T) {
		rig := newIDERRig(t, oobkit.PowerS0, redirecttest.Config{DisableSOL: true})
		res := rig.runner.RunTarget(context.Background(), job(&SOLTask{}), rig.target)
		assert.Equal(t, "unsupported", res.Class, res.Error)
		assert.Empty(t, res.Steps[0].Notes)
		assert.NotContains(t, res.Tried, oobkit.AMT)
	})
}

func TestSOLTaskCapture(t *testing.T) {
	rig := newIDERRig(t, oobkit.PowerS0, redirecttest.Config{})
	job := func(task *SOLTask) *Job { return &Job{Name: "sol", Steps: []Step{{ID: "sol", Task: task}}} }

	t.Run("output kept up to maxOutput", func(t *testing.T) {
		res := rig.runner.RunTarget(context.Background(), job(&SOLTask{Send: strings.Repeat("x", 100) + "END", Expect: "END", MaxOutput: 10, Wait: Duration(time.Minute)}), rig.target)
		require.Equal(t, StatusOK, res.Status, res.Error)
		out := res.Output("sol").(*SOLOutput)
		assert.Equal(t, strings.Repeat("x", 10), out.Output)
		assert.Equal(t, 103, out.Bytes)
		assert.True(t, out.Truncated)
		assert.Empty(t, out.TookOver, "nothing was active")
		assert.Empty(t, res.Steps[0].Notes)
	})

	t.Run("expected text never printed", func(t *testing.T) {
		res := rig.runner.RunTarget(context.Background(), job(&SOLTask{Expect: "login:", Wait: Duration(50 * time.Millisecond)}), rig.target)
		assert.Equal(t, StatusFailed, res.Status)
		assert.Equal(t, "device", res.Class)
		assert.Contains(t, res.Error, `"login:"`)
		assert.Equal(t, "wait", res.Output("sol").(*SOLOutput).EndedBy)
	})

	t.Run("invalid and parsed", func(t *testing.T) {
		assert.ErrorIs(t, (&SOLTask{Wait: -1}).Validate(), oobkit.ErrInvalidArgument)
		j, err := ParseJob([]byte(`{name: bios, steps: [{task: sol, with: {send: "\r", expect: "Setup", wait: 2m, refuseIfActive: true}}]}`))
		require.NoError(t, err)
		assert.True(t, j.Steps[0].Task.(*SOLTask).RefuseIfActive)
	})
}

// TestSessionOpenRedirection: a one-to-one program (oobctl sol) takes over
// as the SOL task does — the RTSM guide: "Warning: If there is already an
// active SOL session, it is terminated when the task runs." — through
// Session.OpenRedirection; with refuse it fails busy and leaves the other
// console's session running.
func TestSessionOpenRedirection(t *testing.T) {
	rig := newIDERRig(t, oobkit.PowerS0, redirecttest.Config{})
	old, err := otherConsole(t, rig).OpenSOL(ctxTest(t), redirect.SOLSettings{})
	require.NoError(t, err)
	defer old.Close()

	sess := rig.conn.Session(rig.target, oobkit.Redirection, oobkit.AMT)
	defer sess.Close()
	var sol *redirect.SOL
	opens := 0
	open := func(c oobkit.Client) error {
		opens++
		cl, err := Capability[*redirect.Client](c, "serial over LAN")
		if err != nil {
			return err
		}
		sol, err = cl.OpenSOL(ctxTest(t), redirect.SOLSettings{RefuseIfActive: true})
		return err
	}
	to, err := sess.OpenRedirection(ctxTest(t), amt.RedirectSOL, true, open)
	require.ErrorIs(t, err, oobkit.ErrBusy, "refuse: the other session stays")
	assert.Zero(t, to.Ended)
	assert.Equal(t, 1, opens)

	to, err = sess.OpenRedirection(ctxTest(t), amt.RedirectSOL, false, open)
	require.NoError(t, err)
	defer sol.Close()
	assert.NotZero(t, to.Ended, "the other console's session was ended")
	assert.True(t, to.Restored)
	assert.Equal(t, 3, opens, "opened once more after the take-over")
	_, err = io.ReadAll(old)
	require.ErrorIs(t, err, redirect.ErrEndedByDevice)
	assertRestored(t, rig)
}
