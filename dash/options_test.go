package dash_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
	"github.com/oobkit/oobkit/internal/optcheck"
)

// WithDialContext, WithHooks, WithLogger and WithTimeout, the options every
// oobkit client shares, take effect (issue 19).
func TestSharedOptions(t *testing.T) {
	optcheck.Run(t, oobkit.DASH, "tcp", func(t *testing.T, o optcheck.Options) func(context.Context) error {
		dev, err := dashtest.NewServer(dashtest.Config{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = dev.Close() })
		c, err := dash.New(dev.Target(), dev.Credential(), dash.WithDialContext(o.Dial), dash.WithHooks(o.Hooks),
			dash.WithLogger(o.Logger), dash.WithTimeout(o.Timeout))
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		return func(ctx context.Context) error { _, err := c.PowerState(ctx); return err }
	})
}

// Stats counts the client's traffic in dash's own type: one Identify is
// one operation and at least one HTTP request, over a new connection.
func TestStats(t *testing.T) {
	_, c := newPair(t, dashtest.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.Identify(ctx)
	require.NoError(t, err)
	var s dash.Stats = c.Stats()
	assert.Equal(t, int64(1), s.Calls)
	assert.GreaterOrEqual(t, s.Requests, s.Calls)
	assert.Positive(t, s.NewConnections)
}
