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
// per call: a Get without selectors, the first call included (AMT has one
// instance of the class). On a device that declines that Get
// (amttest.Config.PowerGetNeedsKeys), the first call enumerates and learns
// the instance's keys, and every later call is one Get with them as
// selectors.
func TestPowerStateOneRequestAfterFirst(t *testing.T) {
	for _, tc := range []struct {
		name      string
		ignoreOpt bool
		needsKeys bool
	}{
		{"Get without selectors", false, false},
		{"Get without selectors, optimized enumeration declined", true, false},
		{"Get with keys", false, true},
		{"Get with keys, optimized enumeration declined", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := start(t, amttest.Config{PowerGetNeedsKeys: tc.needsKeys})
			srv.Handler().SetIgnoreOptimize(tc.ignoreOpt)
			ctx := context.Background()
			_, err := c.PowerState(ctx) // learns the digest nonce too
			require.NoError(t, err)
			before := c.Stats()
			st, err := c.PowerState(ctx)
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

// The first call's cost, the digest challenge aside. It used to be the
// enumeration (1 request optimized, 2 when declined); it is now one Get
// without selectors whatever the enumeration support, since AMT answers it.
// A device that declines that Get costs it plus the enumeration that
// follows: 2 requests optimized, 3 when optimized enumeration is declined.
func TestPowerStateFirstCallCost(t *testing.T) {
	for _, tc := range []struct {
		ignoreOpt, needsKeys bool
		want                 int64
	}{
		{false, false, 1},
		{true, false, 1},
		{false, true, 1 + 1},
		{true, true, 1 + 2},
	} {
		srv, c := start(t, amttest.Config{PowerGetNeedsKeys: tc.needsKeys})
		srv.Handler().SetIgnoreOptimize(tc.ignoreOpt)
		ctx := context.Background()
		st, err := c.PowerState(ctx)
		require.NoError(t, err)
		assert.Equal(t, oobkit.PowerS0, st)
		s := c.Stats() // the one 401 that taught the digest nonce aside
		assert.Equal(t, int64(1), s.Unauthorized)
		assert.Equal(t, tc.want, s.Requests-s.Unauthorized, "ignore optimize %v, needs keys %v", tc.ignoreOpt, tc.needsKeys)
	}
}

// Firmware that refuses the Get (ActionNotSupported), without selectors and
// with the keys, costs two extra requests once: the first call's Get
// without selectors, the second call's Get with the keys the first call's
// enumeration taught. The client then enumerates on every call and never
// tries a Get again.
func TestPowerStateFallsBackWhenGetRefused(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	var gets atomic.Int64
	srv.Handler().(*wsmantest.Server).Handle(wsman.ActionGet, schema.AssociatedPower, func(*wsmantest.Request) (*etree.Element, error) {
		gets.Add(1)
		return nil, wsmantest.Fault("ActionNotSupported", "no Get here")
	})
	ctx := context.Background()
	st, err := c.PowerState(ctx) // nonce + refused bare Get + enumeration
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerS0, st)
	s := c.Stats()
	assert.Equal(t, int64(2), s.Requests-s.Unauthorized, "first call")
	before := s.Requests
	st, err = c.PowerState(ctx) // refused keyed Get + enumeration
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerS0, st)
	assert.Equal(t, int64(2), c.Stats().Requests-before, "second call")
	before = c.Stats().Requests
	for range 5 {
		_, err := c.PowerState(ctx)
		require.NoError(t, err)
	}
	assert.Equal(t, int64(5), c.Stats().Requests-before, "enumeration only from then on")
	assert.Equal(t, int64(2), gets.Load(), "one bare Get, one keyed Get, no more")
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
// selectors (the class has one instance) is never asked with the keys: one
// bare Get per call, the first included.
func TestPowerStateBareGetWhenKeysRefused(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	var bare, keyed atomic.Int64
	srv.Handler().(*wsmantest.Server).Handle(wsman.ActionGet, schema.AssociatedPower, func(r *wsmantest.Request) (*etree.Element, error) {
		if len(r.Selectors) > 0 {
			keyed.Add(1)
			return nil, wsmantest.Fault("InvalidSelectors", "no selectors here")
		}
		bare.Add(1)
		in := wsman.NewInstance(schema.AssociatedPower, "CIM_AssociatedPowerManagementService").SetInt("PowerState", 2)
		return in.Element(), nil
	})
	ctx := context.Background()
	st, err := c.PowerState(ctx) // nonce + bare Get
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerS0, st)
	s := c.Stats()
	assert.Equal(t, int64(1), s.Requests-s.Unauthorized, "first call")
	before := s.Requests
	for range 5 {
		_, err := c.PowerState(ctx)
		require.NoError(t, err)
	}
	assert.Equal(t, int64(5), c.Stats().Requests-before, "one bare Get per call")
	assert.Equal(t, int64(6), bare.Load())
	assert.Zero(t, keyed.Load())
}

// A device that answered the Get without selectors and later declines it
// (InvalidSelectors) is enumerated once more, and read with the keys that
// enumeration taught from then on.
func TestPowerStateBareGetLaterDeclined(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	var declineBare atomic.Bool
	var bare, keyed atomic.Int64
	dev := srv.Handler().(*wsmantest.Server)
	keys := func(r *wsmantest.Request) bool { return len(r.Selectors) == 2 }
	dev.Handle(wsman.ActionGet, schema.AssociatedPower, func(r *wsmantest.Request) (*etree.Element, error) {
		if len(r.Selectors) == 0 {
			bare.Add(1)
			if declineBare.Load() {
				return nil, wsmantest.Fault("InvalidSelectors", "keys needed now")
			}
		} else {
			keyed.Add(1)
			if !keys(r) {
				return nil, wsmantest.Fault("InvalidSelectors", "not the keys")
			}
		}
		in := wsman.NewInstance(schema.AssociatedPower, "CIM_AssociatedPowerManagementService").SetInt("PowerState", 2)
		return in.Element(), nil
	})
	ctx := context.Background()
	_, err := c.PowerState(ctx) // nonce + bare Get
	require.NoError(t, err)
	declineBare.Store(true)
	before := c.Stats().Requests
	st, err := c.PowerState(ctx) // declined bare Get + enumeration
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerS0, st)
	assert.Equal(t, int64(2), c.Stats().Requests-before)
	before = c.Stats().Requests
	for range 3 {
		_, err := c.PowerState(ctx)
		require.NoError(t, err)
	}
	assert.Equal(t, int64(3), c.Stats().Requests-before, "one keyed Get per call")
	assert.Equal(t, int64(2), bare.Load())
	assert.Equal(t, int64(3), keyed.Load())
}
