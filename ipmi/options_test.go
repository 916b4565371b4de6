package ipmi_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/optcheck"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
)

// WithDialContext, WithHooks, WithLogger and WithTimeout, the options every
// oobkit client shares, take effect (issue 19).
func TestSharedOptions(t *testing.T) {
	optcheck.Run(t, oobkit.IPMI, "udp", func(t *testing.T, o optcheck.Options) func(context.Context) error {
		b, err := ipmitest.NewServer(ipmitest.Config{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = b.Close() })
		c, err := ipmi.New(b.Target(), b.Credential(), ipmi.WithDialContext(o.Dial), ipmi.WithHooks(o.Hooks),
			ipmi.WithLogger(o.Logger), ipmi.WithTimeout(o.Timeout), ipmi.WithRetries(0))
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		return func(ctx context.Context) error { _, err := c.PowerState(ctx); return err }
	})
}
