package snmp

import (
	"context"
	"testing"

	"github.com/gosnmp/gosnmp"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/optcheck"
)

// WithDialContext, WithHooks, WithLogger and WithTimeout, the options every
// oobkit client shares, take effect (issue 19).
func TestSharedOptions(t *testing.T) {
	optcheck.Run(t, oobkit.SNMP, "udp", func(t *testing.T, o optcheck.Options) func(context.Context) error {
		a := startFakeAgent(t, func(_ []byte, req *gosnmp.SnmpPacket) [][]byte {
			if req == nil {
				return nil
			}
			return [][]byte{response(t, req, gosnmp.GetResponse, req.RequestID)}
		})
		c := v2cClient(t, a.target(), WithDialContext(o.Dial), WithHooks(o.Hooks), WithLogger(o.Logger),
			WithTimeout(o.Timeout), WithRetries(0))
		return func(ctx context.Context) error { _, err := c.Inventory(ctx); return err }
	})
}
