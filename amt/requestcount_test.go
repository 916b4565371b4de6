package amt_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/amt/amttest"
)

// Inventory costs one request per class when the firmware honours optimized
// enumeration (DSP0226 §8.2.3: each class of at most 100 instances comes
// back in its EnumerateResponse). The documented fallbacks: a device that
// declines optimized enumeration costs one Pull more per class it has (a
// class it lacks is one faulted Enumerate either way), and a class of more
// than 100 instances one Pull more per further 100.
func TestInventoryRequestCount(t *testing.T) {
	const classes = 11 // inventoryClasses; the simulator serves each (the agent watchdog class empty)
	for _, tc := range []struct {
		ignoreOpt bool
		want      int64
	}{
		{false, classes},
		{true, 2 * classes},
	} {
		srv, c := start(t, amttest.Config{})
		srv.Handler().SetIgnoreOptimize(tc.ignoreOpt)
		ctx := context.Background()
		_, err := c.PowerState(ctx) // learn the digest nonce
		require.NoError(t, err)
		before := c.Stats()
		_, err = c.Inventory(ctx)
		require.NoError(t, err)
		after := c.Stats()
		assert.Equal(t, tc.want, after.Requests-before.Requests, "ignore optimize %v", tc.ignoreOpt)
		assert.Equal(t, int64(0), after.Unauthorized-before.Unauthorized)
	}
}

// The event log costs PositionToFirstRecord plus one GetRecords per 390
// records (at least one), optimized enumeration or not: it is read by
// methods, not by enumeration.
func TestEventLogRequestCount(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	srv.Handler().SetIgnoreOptimize(true)
	ctx := context.Background()
	_, err := c.PowerState(ctx) // learn the digest nonce
	require.NoError(t, err)
	before := c.Stats().Requests
	recs, err := c.MessageLog(ctx, 0)
	require.NoError(t, err)
	pages := int64((len(recs) + 389) / 390)
	if pages == 0 {
		pages = 1
	}
	assert.Equal(t, 1+pages, c.Stats().Requests-before, "%d records", len(recs))
}
