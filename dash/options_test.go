package dash_test

import (
	"context"
	"testing"

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
