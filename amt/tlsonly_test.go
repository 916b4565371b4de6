package amt_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
)

// Intel, "Intel AMT and Security Considerations": "Starting from Alder Lake
// platforms with Raptor Lake CPUs running Intel CSME 16.1 firmware, remote
// connections to Intel AMT unsecure TCP/IP ports 16992, 16994 and 623 are
// no longer supported"
// (https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/WordDocuments/intelamtandsecurityconsiderations1.htm).

// TestTLSOnlyVersions: which firmware versions answer over TLS only.
func TestTLSOnlyVersions(t *testing.T) {
	for v, want := range map[string]bool{
		"8.1.40": false, "12.0.67": false, "16.0.15": false, "16.1.25": true, "16.10.0": true,
		"18.0.5": true, "21.0.0": true, " 19.0.0 ": true, "": false, "x.y": false,
	} {
		assert.Equal(t, want, amt.TLSOnly(v), "%q", v)
	}
}

// TestTLSOnlyFirmware: an AMT 16.1 device does not answer on its plain port
// (the simulated device closes the connection unanswered; a fleet refuses
// it), answers over TLS, and Detect reports it as TLS-only; AMT 16.0 still
// answers plain HTTP and is not TLS-only.
func TestTLSOnlyFirmware(t *testing.T) {
	ctx := context.Background()
	t.Run("16.1 plain port", func(t *testing.T) {
		srv, err := amttest.NewServer(amttest.Config{Firmware: "16.1.25"})
		require.NoError(t, err)
		defer srv.Close()
		c, err := amt.New(srv.Target(), srv.Credential())
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Detect(ctx)
		requireClass(t, err, oobkit.ErrUnreachable)
		assert.Zero(t, srv.Counters().Requests, "nothing answered on the plain port")
	})
	t.Run("16.1 over TLS", func(t *testing.T) {
		srv, err := amttest.NewServer(amttest.Config{TLS: true, Firmware: "16.1.25"})
		require.NoError(t, err)
		defer srv.Close()
		c, err := amt.New(srv.Target(), srv.Credential())
		require.NoError(t, err)
		defer c.Close()
		d, err := c.Detect(ctx)
		require.NoError(t, err)
		assert.True(t, d.TLS)
		assert.True(t, d.TLSOnly)
	})
	t.Run("16.0 plain", func(t *testing.T) {
		_, c := start(t, amttest.Config{Firmware: "16.0.15"})
		d, err := c.Detect(ctx)
		require.NoError(t, err)
		assert.False(t, d.TLS)
		assert.False(t, d.TLSOnly)
	})
	t.Run("fleet refuses 16.1 on 16992", func(t *testing.T) {
		fleet, err := amttest.NewFleet(amttest.FleetConfig{Size: 2, Vary: func(i int, c *amttest.Config) {
			if i == 1 {
				c.Firmware = "16.1.25"
			}
		}})
		require.NoError(t, err)
		defer fleet.Close()
		for i, wantErr := range []bool{false, true} {
			c, err := amt.New(fleet.Target(i), fleet.Credential(i), amt.WithTransport(fleet.Transport()))
			require.NoError(t, err)
			_, err = c.Detect(ctx)
			if wantErr {
				requireClass(t, err, oobkit.ErrUnreachable)
				assert.Contains(t, err.Error(), "refused")
			} else {
				require.NoError(t, err)
			}
			require.NoError(t, c.Close())
		}
	})
}
