package tasks

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/internal/wsmantest"
	"github.com/oobkit/oobkit/profile"
)

// hostProbe is the runner's reachability probe for a simulated fleet: the
// TCP connect of TCPProbe, made through the fleet's listener (where a
// blackholed address never connects).
func hostProbe(h *wsmantest.Host) Prober {
	return func(ctx context.Context, t oobkit.Target, _ []oobkit.Protocol) error {
		c, err := h.DialContext(ctx, "tcp", t.HostPort(oobkit.AMT, false))
		if err != nil {
			return &oobkit.Error{Op: "probe", Class: oobkit.ErrUnreachable, Message: "no TCP management port answered", Err: err}
		}
		return c.Close()
	}
}

// amtFault is one kind of device in the fault-injected AMT fleet.
type amtFault struct {
	name         string
	vary         func(c *amttest.Config)       // device configuration
	inject       func(f *amttest.Fleet, i int) // runtime faults
	wantStatus   Status
	wantClass    string
	wantAttempts int
}

var amtFaults = []amtFault{
	{name: "healthy", wantStatus: StatusOK, wantClass: "ok", wantAttempts: 1},
	{name: "drop", inject: func(f *amttest.Fleet, i int) {
		// the first request is the digest challenge; the second, the first
		// authenticated one, loses its answer midway
		f.Device(i).SetFaults(wsmantest.Faults{DropMidResponse: true, Remaining: 2})
	}, wantStatus: StatusOK, wantClass: "ok", wantAttempts: 2},
	{name: "runtime-cred", vary: func(c *amttest.Config) { c.Password = "R0tated!pass" },
		wantStatus: StatusOK, wantClass: "ok", wantAttempts: 1},
	{name: "wrong-cred", vary: func(c *amttest.Config) { c.Password = "Unkn0wn!pass" },
		wantStatus: StatusFailed, wantClass: "auth", wantAttempts: 1},
	{name: "blackholed", inject: func(f *amttest.Fleet, i int) { f.Host().Blackhole(f.Target(i).HostPort(oobkit.AMT, false)) },
		wantStatus: StatusSkipped, wantClass: "unreachable", wantAttempts: 0},
	{name: "busy", inject: func(f *amttest.Fleet, i int) { f.Device(i).SetFaults(wsmantest.Faults{Busy: true}) },
		wantStatus: StatusFailed, wantClass: "busy", wantAttempts: 3},
	{name: "malformed", inject: func(f *amttest.Fleet, i int) { f.Device(i).SetFaults(wsmantest.Faults{MalformedXML: true}) },
		wantStatus: StatusFailed, wantClass: "protocol", wantAttempts: 1},
	{name: "not-amt", inject: func(f *amttest.Fleet, i int) { f.Host().Remove(f.Target(i).HostPort(oobkit.AMT, false)) },
		wantStatus: StatusFailed, wantClass: "not-detected", wantAttempts: 1}, // a web server answers, not AMT
}

// TestAMTFaultInjectedFleet runs a power-status job over 1,000 simulated AMT
// devices (amttest, one listener) with faults injected through the
// simulator: dropped answers, rotated credentials the runtime profile knows,
// wrong credentials, blackholed hosts, busy devices, malformed replies and
// hosts where something other than AMT answers. Every target gets exactly one result with the
// right class and attempt count, the job ends within its deadline, every
// connection is released and no goroutine is left (TestMain's goleak).
//
// Deadlines: every bound here is generous, because healthy devices share
// them and a loaded CI machine can delay even a loopback connect by a second
// or more; blackholed hosts are skipped by the probe when its 5 s bound
// passes (all of them at once, so the job takes about that long), as
// TCPProbe does on a real network. A short deadline cutting hung targets
// off is proved on its own by TestHungFleetMeetsTargetDeadline.
func TestAMTFaultInjectedFleet(t *testing.T) {
	const n = 1000
	fleet, err := amttest.NewFleet(amttest.FleetConfig{Size: n, Vary: func(i int, c *amttest.Config) {
		if v := amtFaults[i%len(amtFaults)].vary; v != nil {
			v(c)
		}
	}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = fleet.Close() })

	ctx := context.Background()
	store := profile.NewMemoryStore()
	site := profile.Profile{Name: "site"}
	require.NoError(t, site.Enable(oobkit.AMT, fleet.Credential(0)))
	require.NoError(t, store.Put(ctx, site))
	require.NoError(t, store.SetDefault(ctx, "site"))
	rt := profile.NewRuntime(store)
	targets := fleet.Targets()
	for i := range n {
		fl := amtFaults[i%len(amtFaults)]
		if fl.inject != nil {
			fl.inject(fleet, i)
		}
		if fl.name == "runtime-cred" { // learned earlier: the runtime profile knows the rotated password
			rt.Succeeded(targets[i], profile.Candidate{Source: profile.SourceRuntime, Profile: "rotated", Protocol: oobkit.AMT,
				Settings: profile.Settings{Enabled: true, Credential: fleet.Credential(i)}})
		}
	}

	conn := NewConnector(ProfileCredentials{Runtime: rt})
	conn.Register(oobkit.AMT, amtDialer(fleet.Transport(), amt.WithTimeout(20*time.Second)))
	r := NewRunner(conn, WithProbe(hostProbe(fleet.Host())), WithProbeTimeout(5*time.Second), WithConcurrency(250),
		WithTargetTimeout(30*time.Second), WithRetry(fastRetry))
	rep := runFleetStatus(ctx, t, r, targets, 90*time.Second)
	for i, res := range rep.Results {
		fl := amtFaults[i%len(amtFaults)]
		assert.Equal(t, fl.wantStatus, res.Status, "%s: %s", res.Target, res.Error)
		assert.Equal(t, fl.wantClass, res.Class, "%s: %s", res.Target, res.Error)
		assert.Equal(t, fl.wantAttempts, res.Attempts, "%s: %s", res.Target, res.Error)
		switch fl.name {
		case "healthy", "drop":
			assert.Equal(t, oobkit.AMT, res.Protocol, res.Target)
			assert.Equal(t, oobkit.PowerS0, res.Output("0").(*PowerStateOutput).State, res.Target)
			e, ok := rt.Known(targets[i], oobkit.AMT)
			require.True(t, ok, res.Target)
			assert.Equal(t, "site", e.Profile, "%s: the default credential is learned", res.Target)
		case "runtime-cred":
			e, ok := rt.Known(targets[i], oobkit.AMT)
			require.True(t, ok, res.Target)
			assert.Equal(t, "rotated", e.Profile, "%s: the runtime credential stays learned", res.Target)
		case "busy":
			assert.NotEmpty(t, res.DeviceCode, res.Target)
		}
	}
	assert.Equal(t, n/len(amtFaults)*3, rep.Counts()[StatusOK])
	assert.Equal(t, n/len(amtFaults), rep.Counts()[StatusSkipped])
}
