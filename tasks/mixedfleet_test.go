package tasks

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
	"github.com/oobkit/oobkit/dmtf"
	"github.com/oobkit/oobkit/internal/wsmantest"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

// simComputer is one computer of the mixed fleet: its target and a reader of
// the simulator's own power state (not what the client reports).
type simComputer struct {
	target oobkit.Target
	isOn   func() bool
}

// TestMixedFleetRestoreState runs power on → inventory → restore over a
// fleet of AMT (amttest), IPMI (go-ipmi's embedded BMC), DASH (dashtest) and
// WMI (wmitest) computers, about half of each off at the start, and proves
// from each simulator's own state that the job turned off again exactly the
// computers that were off, through the protocol each has.
func TestMixedFleetRestoreState(t *testing.T) {
	const perKind = 6
	amtFleet, err := amttest.NewFleet(amttest.FleetConfig{Size: perKind, Vary: func(i int, c *amttest.Config) {
		if i%2 == 1 {
			c.Power = oobkit.PowerS5
		}
	}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = amtFleet.Close() })

	bmcs, err := ipmitest.NewFleet(perKind, ipmitest.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = bmcs.Close() })

	dashHost := wsmantest.NewHost()
	require.NoError(t, dashHost.Start())
	t.Cleanup(func() { _ = dashHost.Close() })

	var fleet []simComputer
	for i := range perKind {
		d := amtFleet.Device(i)
		fleet = append(fleet, simComputer{labelled(amtFleet.Target(i), oobkit.AMT), func() bool { return d.PowerState().IsOn() }})
	}
	for i, b := range bmcs.BMCs {
		b.SetPowerOn(i%2 == 0)
		fleet = append(fleet, simComputer{labelled(b.Target(), oobkit.IPMI), b.PowerOn})
	}
	for i := range perKind {
		cfg := dashtest.Config{Name: fmt.Sprintf("dash-%d", i)}
		if i%2 == 1 {
			cfg.Power = oobkit.PowerS5 // DSP1027 Off-Soft
		}
		c := dashtest.NewComputer(cfg)
		tg := c.AddTo(dashHost, fmt.Sprintf("127.2.0.%d:623", i+1))
		tg.Name = cfg.Name
		fleet = append(fleet, simComputer{labelled(tg, oobkit.DASH), func() bool { return dash.StateFromDMTF(dmtf.PowerState(c.PowerState())).IsOn() }})
	}
	for i := range 2 { // in-band only: running computers; power on and restore leave them alone
		pc := wmitest.NewComputer(wmitest.Config{AdminPassword: "Adm1n-Passw0rd"})
		require.NoError(t, pc.Start())
		t.Cleanup(func() { _ = pc.Close() })
		tg := pc.Target()
		tg.Name = fmt.Sprintf("win-%d", i)
		fleet = append(fleet, simComputer{labelled(tg, oobkit.WMI), pc.IsOn})
	}

	wasOn := make([]bool, len(fleet))
	targets := make([]oobkit.Target, len(fleet))
	for i, c := range fleet {
		wasOn[i], targets[i] = c.isOn(), c.target
	}
	creds := StaticCredentials{
		oobkit.AMT:  {{Name: "amt", Credential: amtFleet.Credential(0)}},
		oobkit.IPMI: {{Name: "ipmi", Credential: oobkit.UserPassword(ipmitest.BMCUser, ipmitest.BMCPassword)}},
		oobkit.DASH: {{Name: "dash", Credential: oobkit.UserPassword(dashtest.DefaultUser, dashtest.DefaultPassword)}},
		oobkit.WMI: {{Name: "wmi", Credential: oobkit.Credential{Auth: oobkit.AuthNTLM, Username: `PC42\Administrator`,
			Password: oobkit.NewSecret("Adm1n-Passw0rd")}}},
	}
	conn := NewConnector(creds)
	conn.Register(oobkit.AMT, amtDialer(amtFleet.Transport()))
	conn.Register(oobkit.IPMI, ipmiDialer(ipmi.WithTimeout(2*time.Second), ipmi.WithRetries(1)))
	conn.Register(oobkit.DASH, dashDialer(dashHost.Transport()))
	conn.Register(oobkit.WMI, wmiDialer())
	r := NewRunner(conn, WithProbe(nil), WithConcurrency(16), WithTargetTimeout(30*time.Second),
		WithRetry(fastRetry), WithTargetProtocols(byLabel))

	rep, err := r.Run(context.Background(), restoreJob(), targets)
	require.NoError(t, err)
	require.Len(t, rep.Results, len(fleet))
	off := 0
	for i, res := range rep.Results {
		want := byLabel(targets[i])[0]
		require.Equal(t, StatusOK, res.Status, "%s: %s", res.Target, res.Error)
		assert.Equal(t, want, res.Protocol, res.Target)
		on := res.Output("on").(*PowerOutput)
		if on.Changed {
			assert.Equal(t, want, res.Steps[0].Protocol, "%s: the power on went through %s", res.Target, want)
		}
		assert.Equal(t, []oobkit.Protocol{want}, res.Tried, res.Target)
		assert.Equal(t, !wasOn[i], on.Changed, "%s: powered on only if it was off", res.Target)
		assert.Equal(t, wasOn[i], on.Before.IsOn(), res.Target)
		restore := res.Output("restore").(*PowerOutput)
		assert.Equal(t, !wasOn[i], restore.Changed, "%s: turned off again only if it was off", res.Target)
		inv := res.Output("inv").(*InventoryOutput)
		assert.Equal(t, []oobkit.Protocol{want}, inv.Sources, res.Target)
		assert.Equal(t, wasOn[i], fleet[i].isOn(), "%s: the simulator's power state is restored", res.Target)
		if !wasOn[i] {
			off++
		}
	}
	assert.Equal(t, 3*perKind/2, off, "half of each out-of-band kind started off")
}
