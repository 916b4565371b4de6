package redirect_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/optcheck"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// WithDialContext, WithHooks, WithLogger and WithTimeout, the options every
// oobkit client shares, take effect (issue 19).
func TestSharedOptions(t *testing.T) {
	optcheck.Run(t, oobkit.Redirection, "tcp", func(t *testing.T, o optcheck.Options) func(context.Context) error {
		sim := newSim(t, redirecttest.Config{})
		c, err := redirect.New(sim.Target(), sim.Credential(), redirect.WithDialContext(o.Dial), redirect.WithHooks(o.Hooks),
			redirect.WithLogger(o.Logger), redirect.WithTimeout(o.Timeout))
		require.NoError(t, err)
		return func(ctx context.Context) error {
			sol, err := c.OpenSOL(ctx, redirect.SOLSettings{})
			if err != nil {
				return err
			}
			return sol.Close()
		}
	})
}
