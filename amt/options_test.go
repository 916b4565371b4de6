package amt_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/internal/optcheck"
)

// WithDialContext, WithHooks, WithLogger and WithTimeout, the options every
// oobkit client shares, take effect (issue 19).
func TestSharedOptions(t *testing.T) {
	optcheck.Run(t, oobkit.AMT, "tcp", func(t *testing.T, o optcheck.Options) func(context.Context) error {
		dev, err := amttest.NewServer(amttest.Config{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = dev.Close() })
		c, err := amt.New(dev.Target(), dev.Credential(), amt.WithDialContext(o.Dial), amt.WithHooks(o.Hooks),
			amt.WithLogger(o.Logger), amt.WithTimeout(o.Timeout))
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		return func(ctx context.Context) error { _, err := c.PowerState(ctx); return err }
	})
}
