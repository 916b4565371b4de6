package tasks

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
	"github.com/oobkit/oobkit/profile"
)

// ipmiDialer plugs package ipmi into a Connector.
func ipmiDialer(opts ...ipmi.Option) Dialer {
	return func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return ipmi.New(t, c, opts...)
	}
}

// TestIPMIFleetRestoreState runs power on → inventory → restore over
// go-ipmi's embedded BMCs, half of them on at the start, with credentials
// from package profile: the explicit profile's password is stale, the
// default profile's works, and the runtime profile learns it per computer.
func TestIPMIFleetRestoreState(t *testing.T) {
	const n = 12
	fleet, err := ipmitest.NewFleet(n, ipmitest.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = fleet.Close() })
	for i, b := range fleet.BMCs {
		b.SetPowerOn(i%2 == 0)
	}

	store := profile.NewMemoryStore()
	ctx := context.Background()
	good := profile.Profile{Name: "site"}
	require.NoError(t, good.Enable(oobkit.IPMI, oobkit.UserPassword(ipmitest.BMCUser, ipmitest.BMCPassword)))
	require.NoError(t, store.Put(ctx, good))
	require.NoError(t, store.SetDefault(ctx, "site"))
	stale := profile.Profile{Name: "stale"}
	require.NoError(t, stale.Enable(oobkit.IPMI, oobkit.UserPassword(ipmitest.BMCUser, "wrong")))
	rt := profile.NewRuntime(store)

	conn := NewConnector(ProfileCredentials{Runtime: rt, Explicit: &stale})
	conn.Register(oobkit.IPMI, ipmiDialer(ipmi.WithTimeout(2*time.Second), ipmi.WithRetries(1)))
	r := NewRunner(conn, WithConcurrency(8), WithTargetTimeout(20*time.Second), WithRetry(fastRetry))
	rep, err := r.Run(ctx, restoreJob(), fleet.Targets())
	require.NoError(t, err)
	require.Len(t, rep.Results, n)
	for i, res := range rep.Results {
		b := fleet.BMCs[i]
		wasOn := i%2 == 0
		assert.Equal(t, StatusOK, res.Status, "%s: %s", res.Target, res.Error)
		assert.Equal(t, oobkit.IPMI, res.Protocol)
		assert.Equal(t, wasOn, b.PowerOn(), "%s: power state restored", res.Target)
		on := res.Output("on").(*PowerOutput)
		assert.Equal(t, !wasOn, on.Changed, res.Target)
		inv := res.Output("inv").(*InventoryOutput)
		assert.Equal(t, []oobkit.Protocol{oobkit.IPMI}, inv.Sources)
		e, ok := rt.Known(b.Target(), oobkit.IPMI)
		require.True(t, ok, "runtime profile learned %s", res.Target)
		assert.Equal(t, "site", e.Profile)
	}
}
