package tasks

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// iderRig is one computer: a simulated AMT device (amttest) and, on its own
// listener, its redirection side (redirecttest acting as the firmware). A
// power change accepted by the AMT device reboots the redirection side's
// host, as the reset of a real computer starts its BIOS, and a feature the
// AMT device disables in AMT_RedirectionService ends that feature's active
// sessions on the redirection side, as on a real device.
type iderRig struct {
	amt    *amttest.Server
	redir  *redirecttest.Server
	target oobkit.Target
	conn   *Connector
	runner *Runner
}

func newIDERRig(t *testing.T, power oobkit.PowerState, cfg redirecttest.Config) *iderRig {
	t.Helper()
	return newIDERRigWith(t, power, cfg, nil)
}

// newIDERRigWith is newIDERRig with afterState, if not nil, called after
// each redirection state the AMT device applied has reached the
// redirection side.
func newIDERRigWith(t *testing.T, power oobkit.PowerState, cfg redirecttest.Config, afterState func(rs *redirecttest.Server, enabledState uint16)) *iderRig {
	t.Helper()
	rs, err := redirecttest.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = rs.Close() })
	a, err := amttest.NewServer(amttest.Config{Power: power, OnRedirectionState: func(st uint16) {
		rs.SetRedirectionState(st)
		if afterState != nil {
			afterState(rs, st)
		}
	}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })

	tg := a.Target()
	tg.Ports[oobkit.Redirection] = rs.Port()
	conn := NewConnector(StaticCredentials{
		oobkit.AMT:         {{Name: "amt", Credential: a.Credential()}},
		oobkit.Redirection: {{Name: "amt", Credential: rs.Credential()}},
	})
	conn.Register(oobkit.AMT, amtDialer(nil))
	conn.Register(oobkit.Redirection, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return redirect.New(t, c)
	})
	r := NewRunner(conn, WithProbe(nil), WithRetry(fastRetry), WithTargetTimeout(60*time.Second),
		WithTargetProtocols(func(oobkit.Target) []oobkit.Protocol { return []oobkit.Protocol{oobkit.AMT} }))

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	wg.Go(func() { // the reset reaches the host: bounded by the test's end
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for seen := a.PowerChanges(); ; {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if n := a.PowerChanges(); n > seen {
				seen = n
				rs.Reboot()
			}
		}
	})
	return &iderRig{amt: a, redir: rs, target: tg, conn: conn, runner: r}
}

// testImage writes a random image of size bytes and returns its path and
// SHA-256.
func testImage(t *testing.T, size int) (string, string) {
	t.Helper()
	b := make([]byte, size)
	_, _ = rand.Read(b)
	path := filepath.Join(t.TempDir(), "boot.img")
	require.NoError(t, os.WriteFile(path, b, 0o600))
	sum := sha256.Sum256(b)
	return path, hex.EncodeToString(sum[:])
}

// mountedForever is firmware that reads the capacity and keeps the drive,
// as a host running from the image would: the device never ends the session.
func mountedForever(ctx context.Context, d *redirecttest.Drive) (redirecttest.BootReport, error) {
	_, err := d.Command(ctx, redirecttest.CD, []byte{0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0}) // READ CAPACITY(10)
	if err != nil {
		return redirecttest.BootReport{}, err
	}
	<-ctx.Done()
	return redirecttest.BootReport{Device: redirecttest.CD}, nil
}

func bootReport(t *testing.T, rs *redirecttest.Server) redirecttest.BootReport {
	t.Helper()
	select {
	case rep := <-rs.Boots():
		return rep
	case <-time.After(30 * time.Second):
		t.Fatal("the firmware never ran")
		return redirecttest.BootReport{}
	}
}

func TestIDERBootServesWholeImage(t *testing.T) {
	tests := []struct {
		name   string
		power  oobkit.PowerState
		floppy bool
		size   int
		action oobkit.PowerAction
		last   string
		url    bool // served over HTTP, as remote workers read it
	}{
		{"cd, computer off", oobkit.PowerS5, false, 3 << 20, oobkit.ActionOn, "ider-cd", false},
		{"floppy, computer on", oobkit.PowerS0, true, 1474560, oobkit.ActionReset, "ider-floppy", false},
		{"cd from an http url", oobkit.PowerS5, false, 3<<20 + 2048, oobkit.ActionOn, "ider-cd", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path, sum := testImage(t, tc.size)
			if tc.url {
				path = serveImage(t, path)
			}
			dev := redirecttest.CD
			if tc.floppy {
				dev = redirecttest.Floppy
			}
			rig := newIDERRig(t, tc.power, redirecttest.Config{EndAfterBoot: true,
				Firmware: redirecttest.Boot(redirecttest.BootOptions{Device: dev, SHA256: sum})})
			task := &IDERBootTask{Image: path, Floppy: tc.floppy, Options: oobkit.BootOptions{LockKeyboard: true}}
			rep, err := rig.runner.Run(context.Background(), &Job{Name: "ider", Steps: []Step{{ID: "ider", Task: task}}}, []oobkit.Target{rig.target})
			require.NoError(t, err)
			res := rep.Results[0]
			require.Equal(t, StatusOK, res.Status, res.Error)
			assert.Equal(t, oobkit.AMT, res.Protocol, "AMT started the boot")
			assert.Contains(t, res.Tried, oobkit.Redirection)

			boot := bootReport(t, rig.redir)
			require.NoError(t, boot.Err)
			assert.Equal(t, sum, boot.SHA256, "the firmware read the whole image, unchanged")
			assert.Equal(t, int64(tc.size), boot.Bytes)
			assert.Equal(t, "on-reboot", boot.StartMode, "the drive attached at the task's reset")

			out := res.Output("ider").(*IDERBootOutput)
			assert.Equal(t, "device", out.EndedBy)
			assert.Equal(t, tc.action, out.Boot.Action)
			assert.Equal(t, tc.power, out.Boot.Before)
			assert.GreaterOrEqual(t, out.Session.BytesSent, uint64(tc.size))
			assert.NotZero(t, out.Session.Reads)
			assert.NotZero(t, out.Session.Commands)

			st := rig.amt.BootState()
			assert.Equal(t, tc.last, st.LastBoot, "the AMT device booted the IDE-R drive")
			assert.True(t, rig.amt.PowerState().IsOn())
		})
	}
}

// serveImage serves the file at path over HTTP on loopback (with range
// requests, as any static file server) and returns its URL.
func serveImage(t *testing.T, path string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, path)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/boot.img"
}

func TestIDERBootWaitAndFailures(t *testing.T) {
	image := &redirect.Image{R: bytes.NewReader(make([]byte, 64<<10)), Size: 64 << 10}
	job := func(task *IDERBootTask, timeout time.Duration) *Job {
		return &Job{Name: "ider", Timeout: Duration(timeout), Steps: []Step{{ID: "ider", Task: task}}}
	}

	t.Run("serves for the configured duration", func(t *testing.T) {
		rig := newIDERRig(t, oobkit.PowerS5, redirecttest.Config{Firmware: mountedForever})
		task := &IDERBootTask{Source: image, Start: "now", Wait: Duration(200 * time.Millisecond)}
		res := rig.runner.RunTarget(context.Background(), job(task, 0), rig.target)
		require.Equal(t, StatusOK, res.Status, res.Error)
		out := res.Output("ider").(*IDERBootOutput)
		assert.Equal(t, "wait", out.EndedBy, "the device never ends this session")
		assert.Equal(t, oobkit.ActionOn, out.Boot.Action)
		bootReport(t, rig.redir) // the task closed the session: the firmware's run ended
	})

	t.Run("no power: the next boot is set, with the advanced options", func(t *testing.T) {
		rig := newIDERRig(t, oobkit.PowerS5, redirecttest.Config{Firmware: mountedForever})
		task := &IDERBootTask{Source: image, NoPower: true, Wait: Duration(100 * time.Millisecond),
			Options: oobkit.BootOptions{LockKeyboard: true, DisablePowerButton: true}}
		res := rig.runner.RunTarget(context.Background(), job(task, 0), rig.target)
		require.Equal(t, StatusOK, res.Status, res.Error)
		assert.Equal(t, "wait", res.Output("ider").(*IDERBootOutput).EndedBy)
		st := rig.amt.BootState()
		assert.True(t, st.SingleUse)
		assert.True(t, st.Settings.UseIDER && st.Settings.IDERCD, "the IDE-R CD is the next boot device")
		assert.True(t, st.Settings.LockKeyboard && st.Settings.LockPowerButton, "advanced options reach AMT")
		assert.Zero(t, rig.amt.PowerChanges(), "nothing was powered")
		assert.Equal(t, oobkit.PowerS5, rig.amt.PowerState())
	})

	t.Run("a session the device never ends fails at the deadline", func(t *testing.T) {
		rig := newIDERRig(t, oobkit.PowerS5, redirecttest.Config{Firmware: mountedForever})
		// 3 s: enough for a loaded machine to open the session and boot, so
		// that it is the wait that meets the deadline
		res := rig.runner.RunTarget(context.Background(), job(&IDERBootTask{Source: image}, 3*time.Second), rig.target)
		assert.Equal(t, StatusFailed, res.Status)
		assert.ErrorIs(t, res.Err(), context.DeadlineExceeded, res.Error)
	})

	t.Run("IDE-R disabled: nothing is booted", func(t *testing.T) {
		rig := newIDERRig(t, oobkit.PowerS5, redirecttest.Config{DisableIDER: true})
		res := rig.runner.RunTarget(context.Background(), job(&IDERBootTask{Source: image}, 0), rig.target)
		assert.Equal(t, StatusFailed, res.Status)
		assert.Equal(t, "unsupported", res.Class, res.Error)
		assert.Zero(t, rig.amt.PowerChanges())
		assert.Empty(t, rig.amt.BootState().LastBoot)
	})

	t.Run("another console holds IDE-R, refuseIfActive", func(t *testing.T) {
		rig := newIDERRig(t, oobkit.PowerS5, redirecttest.Config{})
		release := rig.redir.Occupy(redirecttest.IDER)
		defer release()
		res := rig.runner.RunTarget(context.Background(), job(&IDERBootTask{Source: image, RefuseIfActive: true}, 0), rig.target)
		assert.Equal(t, StatusFailed, res.Status)
		assert.Equal(t, "busy", res.Class, res.Error)
		assert.Equal(t, 3, res.Attempts, "busy is retried")
		assert.Zero(t, rig.amt.PowerChanges())
		assert.Equal(t, 1, rig.redir.Held(redirecttest.IDER), "the other console's session keeps running")
		assert.Zero(t, rig.redir.Stats().Ended)
	})

	t.Run("image URLs that cannot serve the image", func(t *testing.T) {
		noRanges := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write(make([]byte, 4096)) // ignores Range: 200 with the whole body
		}))
		defer noRanges.Close()
		missing := httptest.NewServer(http.NotFoundHandler())
		defer missing.Close()
		for _, tc := range []struct{ url, want string }{
			{noRanges.URL + "/boot.iso", "range requests"},
			{missing.URL + "/boot.iso", "404"},
		} {
			rig := newIDERRig(t, oobkit.PowerS5, redirecttest.Config{})
			res := rig.runner.RunTarget(context.Background(), job(&IDERBootTask{Image: tc.url}, 0), rig.target)
			assert.Equal(t, StatusFailed, res.Status)
			assert.Equal(t, "invalid-argument", res.Class, res.Error)
			assert.Contains(t, res.Error, tc.want)
			assert.Zero(t, rig.amt.PowerChanges(), "nothing is booted without an image")
		}
		user := &IDERBootTask{Image: "http://operator:s3cret@127.0.0.1:1/boot.iso"}
		rig := newIDERRig(t, oobkit.PowerS5, redirecttest.Config{})
		res := rig.runner.RunTarget(context.Background(), job(user, 0), rig.target)
		assert.Equal(t, StatusFailed, res.Status)
		assert.NotContains(t, res.Error, "s3cret", "a password in the URL stays out of the report")
	})

	t.Run("invalid options", func(t *testing.T) {
		for _, task := range []*IDERBootTask{{}, {Source: image, Start: "later"}, {Source: image, Wait: -1}} {
			assert.ErrorIs(t, task.Validate(), oobkit.ErrInvalidArgument)
		}
		_, err := ParseJob([]byte(`{name: boot, steps: [{task: ider, with: {image: /srv/boot.iso, start: now, wait: 5m}}]}`))
		assert.NoError(t, err)
	})
}
