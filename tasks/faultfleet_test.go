package tasks

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/profile"
)

// TestFaultInjectedFleet runs a power-status job over 1,000 simulated
// devices with injected faults and checks that every target gets exactly one
// result with the right class, that the runtime profile rescues devices whose
// default credential is wrong, and that the job ends inside its deadline.
//
// Timing: the per-target deadline is generous (healthy and dropped devices
// must never meet it, however loaded the machine), and blackholed devices are
// ended by the client's own per-call timeout, as with the real clients. That
// a per-target deadline bounds devices that outlast every client timeout is
// proved on its own by TestHungFleetMeetsTargetDeadline.
func TestFaultInjectedFleet(t *testing.T) {
	const n = 1000
	type fault struct {
		name       string
		setup      func(*fakeDevice)
		wantStatus Status
		wantClass  string
	}
	faults := []fault{
		{"healthy", func(*fakeDevice) {}, StatusOK, "ok"},
		{"drop", func(d *fakeDevice) { d.dropLeft = 1 }, StatusOK, "ok"},
		{"runtime-cred", func(d *fakeDevice) { d.protocols[oobkit.AMT] = "rotated" }, StatusOK, "ok"},
		{"wrong-cred", func(d *fakeDevice) { d.protocols[oobkit.AMT] = "unknown" }, StatusFailed, "auth"},
		{"blackholed", func(d *fakeDevice) { d.hang = true }, StatusFailed, "unreachable"},
		{"busy", func(d *fakeDevice) { d.busyLeft = 1 << 20 }, StatusFailed, "busy"},
		{"malformed", func(d *fakeDevice) { d.malformed = true }, StatusFailed, "protocol"},
		{"absent", func(d *fakeDevice) { delete(d.protocols, oobkit.AMT) }, StatusFailed, "unreachable"},
	}

	ctx := context.Background()
	store := profile.NewMemoryStore()
	def := profile.Profile{Name: "site"}
	require.NoError(t, def.Enable(oobkit.AMT, oobkit.UserPassword("admin", "good")))
	require.NoError(t, store.Put(ctx, def))
	require.NoError(t, store.SetDefault(ctx, "site"))
	rt := profile.NewRuntime(store)

	f := newFleet()
	f.callTimeout = 200 * time.Millisecond
	targets := make([]oobkit.Target, n)
	for i := range n {
		fl := faults[i%len(faults)]
		d := newDevice(oobkit.PowerS0, oobkit.AMT)
		fl.setup(d)
		targets[i] = f.add(fmt.Sprintf("%s-%04d", fl.name, i), d)
		if fl.name == "runtime-cred" { // learned earlier: the runtime profile knows the rotated password
			rt.Succeeded(targets[i], profile.Candidate{Source: profile.SourceRuntime, Profile: "rotated", Protocol: oobkit.AMT,
				Settings: profile.Settings{Enabled: true, Credential: oobkit.UserPassword("admin", "rotated")}})
		}
	}
	conn := f.connector(ProfileCredentials{Runtime: rt}, oobkit.AMT)
	r := NewRunner(conn, WithProbe(nil), WithConcurrency(250), WithTargetTimeout(30*time.Second), WithRetry(fastRetry))
	rep := runFleetStatus(ctx, t, r, targets, 45*time.Second)
	for i, res := range rep.Results {
		fl := faults[i%len(faults)]
		assert.Equal(t, fl.wantStatus, res.Status, "%s: %s", res.Target, res.Error)
		assert.Equal(t, fl.wantClass, res.Class, "%s: %s", res.Target, res.Error)
		switch fl.name {
		case "drop":
			assert.Equal(t, 2, res.Attempts, res.Target)
		case "busy":
			assert.Equal(t, 3, res.Attempts, res.Target)
			assert.Equal(t, "0x82", res.DeviceCode, res.Target)
		case "blackholed":
			assert.Equal(t, 3, res.Attempts, "%s: each call timed out and was retried", res.Target)
		case "wrong-cred", "malformed":
			assert.Equal(t, 1, res.Attempts, res.Target)
		case "runtime-cred":
			e, ok := rt.Known(targets[i], oobkit.AMT)
			require.True(t, ok)
			assert.Equal(t, "rotated", e.Profile, "the runtime credential stays learned")
		case "healthy":
			e, ok := rt.Known(targets[i], oobkit.AMT)
			require.True(t, ok)
			assert.Equal(t, "site", e.Profile, "the default credential is learned")
		}
	}
	assert.Equal(t, n/len(faults)*3, rep.Counts()[StatusOK])
	assert.Zero(t, f.open.Load(), "every client closed")
}

// TestHungFleetMeetsTargetDeadline proves the per-target deadline on its own:
// 200 devices that never answer and a client without a call timeout. Every
// target must fail unreachable at its short deadline, all targets at once
// (the job takes about one deadline, not 200), and leave no client open. No
// healthy device shares the short deadline, so machine load cannot turn a
// pass into a failure.
func TestHungFleetMeetsTargetDeadline(t *testing.T) {
	const n = 200
	f := newFleet()
	targets := make([]oobkit.Target, n)
	for i := range n {
		d := newDevice(oobkit.PowerS0, oobkit.AMT)
		d.hang = true
		targets[i] = f.add(fmt.Sprintf("hung-%03d", i), d)
	}
	r := NewRunner(f.connector(goodCreds(oobkit.AMT), oobkit.AMT), WithProbe(nil), WithConcurrency(n),
		WithTargetTimeout(300*time.Millisecond), WithRetry(fastRetry))
	jobCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := r.Run(jobCtx, &Job{Name: "status", Steps: []Step{{Task: &PowerStateTask{}}}}, targets)
	require.NoError(t, err)
	require.NoError(t, jobCtx.Err(), "the job ended within its deadline")
	require.Len(t, rep.Results, n)
	for i, res := range rep.Results {
		require.Equal(t, targets[i].Name, res.Target)
		assert.Equal(t, StatusFailed, res.Status, res.Target)
		assert.Equal(t, "unreachable", res.Class, res.Target)
		assert.ErrorIs(t, res.Err(), context.DeadlineExceeded, res.Target)
		assert.Equal(t, 1, res.Attempts, "%s: no retry starts after the deadline", res.Target)
	}
	assert.Zero(t, f.open.Load(), "every client closed")
}
