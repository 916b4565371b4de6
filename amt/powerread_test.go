package amt_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// PowerState reads CIM_AssociatedPowerManagementService with one request
// per call once the first call has learned the instance's keys: an
// optimized Enumerate first (Enumerate + Pull on firmware that declines
// optimized enumeration), a Get with the keys as selectors afterwards.
func TestPowerStateOneRequestAfterFirst(t *testing.T) {
	for _, tc := range []struct {
		name      string
		ignoreOpt bool
		first     int64
	}{
		{"optimized enumeration honoured", false, 1},
		{"optimized enumeration declined", true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := start(t, amttest.Config{})
			srv.Handler().SetIgnoreOptimize(tc.ignoreOpt)
			ctx := context.Background()
			_, err := c.PowerState(ctx) // learns the digest nonce too
			require.NoError(t, err)
			before := c.Stats()
			st, err := c.PowerState(ctx) // nonce known: only the enumeration counts
			require.NoError(t, err)
			assert.Equal(t, oobkit.PowerS0, st)
			mid := c.Stats()
			assert.Equal(t, int64(1), mid.Requests-before.Requests, "second call")
			for range 10 {
				_, err := c.PowerState(ctx)
				require.NoError(t, err)
			}
			assert.Equal(t, int64(10), c.Stats().Requests-mid.Requests, "1.00 request per call")
		})
	}
}

// The first call's cost, the digest challenge aside: the enumeration
// alone (1 request optimized, 2 when declined).
func TestPowerStateFirstCallCost(t *testing.T) {
	for _, tc := range []struct {
		ignoreOpt bool
		want      int64
	}{{false, 1}, {true, 2}} {
		srv, c := start(t, amttest.Config{})
		srv.Handler().SetIgnoreOptimize(tc.ignoreOpt)
		ctx := context.Background()
		_, err := c.PowerState(ctx)
		require.NoError(t, err)
		s := c.Stats() // the one 401 that taught the digest nonce aside
		assert.Equal(t, int64(1), s.Unauthorized)
		assert.Equal(t, tc.want, s.Requests-s.Unauthorized, "ignore optimize %v", tc.ignoreOpt)
	}
}

// Firmware that refuses the Get (ActionNotSupported), with the keys and
// without selectors, costs two extra requests once; the client then
// enumerates on every call and never tries the Get again.
func TestPowerStateFallsBackWhenGetRefused(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	srv.Handler().(*wsmantest.Server).Handle(wsman.ActionGet, schema.AssociatedPower, func(*wsmantest.Request) (*etree.Element, error) {
		return nil, wsmantest.Fault("ActionNotSupported", "no Get here")
	})
	ctx := context.Background()
	_, err := c.PowerState(ctx) // nonce + enumeration
	require.NoError(t, err)
	before := c.Stats().Requests
	st, err := c.PowerState(ctx) // refused keyed Get + refused bare Get + enumeration
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerS0, st)
	assert.Equal(t, int64(3), c.Stats().Requests-before)
	before = c.Stats().Requests
	for range 5 {
		_, err := c.PowerState(ctx)
		require.NoError(t, err)
	}
	assert.Equal(t, int64(5), c.Stats().Requests-before, "enumeration only from then on")
}

// The Get sees the device's current state, not a cached one.
func TestPowerStateGetSeesChanges(t *testing.T) {
	_, c := start(t, amttest.Config{})
	ctx := context.Background()
	_, err := c.PowerState(ctx)
	require.NoError(t, err)
	require.NoError(t, c.RequestPowerStateChange(ctx, amt.PowerOffSoft))
	st, err := c.PowerState(ctx)
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerS5, st)
}

// Firmware that refuses the keys as selectors but answers a Get without
// selectors (the class has one instance) costs two extra requests once,
// then one bare Get per call.
func TestPowerStateBareGetWhenKeysRefused(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	var bare atomic.Int64
	srv.Handler().(*wsmantest.Server).Handle(wsman.ActionGet, schema.AssociatedPower, func(r *wsmantest.Request) (*etree.Element, error) {
		if len(r.Selectors) > 0 {
			return nil, wsmantest.Fault("InvalidSelectors", "no selectors here")
		}
		bare.Add(1)
		in := wsman.NewInstance(schema.AssociatedPower, "CIM_AssociatedPowerManagementService").SetInt("PowerState", 2)
		return in.Element(), nil
	})
	ctx := context.Background()
	_, err := c.PowerState(ctx) // nonce + enumeration
	require.NoError(t, err)
	before := c.Stats().Requests
	st, err := c.PowerState(ctx) // refused keyed Get + bare Get
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerS0, st)
	assert.Equal(t, int64(2), c.Stats().Requests-before)
	before = c.Stats().Requests
	for range 5 {
		_, err := c.PowerState(ctx)
		require.NoError(t, err)
	}
	assert.Equal(t, int64(5), c.Stats().Requests-before, "one bare Get per call")
	assert.Equal(t, int64(6), bare.Load())
}
