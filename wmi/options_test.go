package wmi_test

import (
	"context"
	"testing"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/optcheck"
	"github.com/oobkit/oobkit/wmi"
)

// WithDialContext, WithHooks, WithLogger and WithTimeout, the options every
// oobkit client shares, take effect (issue 19).
func TestSharedOptions(t *testing.T) {
	optcheck.Run(t, oobkit.WMI, "tcp", func(t *testing.T, o optcheck.Options) func(context.Context) error {
		pc := newComputer(t, true)
		c := tlsClient(t, pc, wmi.WithDialContext(o.Dial), wmi.WithHooks(o.Hooks), wmi.WithLogger(o.Logger), wmi.WithTimeout(o.Timeout))
		return func(ctx context.Context) error { _, err := c.PowerState(ctx); return err }
	})
}
