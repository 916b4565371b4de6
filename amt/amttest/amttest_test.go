package amttest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFleetBuildsDevicesLazily(t *testing.T) {
	fleet, err := amttest.NewFleet(amttest.FleetConfig{Size: 10000, Vary: func(i int, c *amttest.Config) {
		if i%2 == 1 {
			c.Firmware = "8.1.40"
		}
	}})
	require.NoError(t, err)
	defer fleet.Close()
	assert.Equal(t, 0, fleet.Built())
	targets := fleet.Targets()
	require.Len(t, targets, 10000)
	seen := map[string]bool{}
	for _, tg := range targets {
		require.NoError(t, tg.Validate())
		assert.False(t, seen[tg.Address], "duplicate address %s", tg.Address)
		seen[tg.Address] = true
	}

	ctx := context.Background()
	for _, i := range []int{0, 1, 9999} {
		c, err := amt.New(targets[i], fleet.Credential(i), amt.WithTransport(fleet.Transport()))
		require.NoError(t, err)
		d, err := c.Detect(ctx)
		require.NoError(t, err)
		want := 12
		if i%2 == 1 {
			want = 8
		}
		assert.Equal(t, want, d.Major)
		require.NoError(t, c.SetPower(ctx, oobkit.ActionOff))
		assert.Equal(t, oobkit.PowerS5, fleet.Device(i).PowerState())
		require.NoError(t, c.Close())
	}
	assert.Equal(t, 3, fleet.Built())
	assert.Equal(t, oobkit.PowerS0, fleet.Device(2).PowerState(), "devices are independent")
}

func TestConfigDefaults(t *testing.T) {
	d := amttest.NewDevice(amttest.Config{Firmware: "16.1.25"})
	c := d.Config()
	assert.Equal(t, "admin", c.Username)
	assert.Equal(t, 16, c.Major())
	assert.Equal(t, "auth-int, auth", d.Handler().(*wsmantest.Server).Digest.Qop)
	assert.Equal(t, oobkit.PowerS0, d.PowerState())
	assert.Len(t, c.GUID, 32)
	d.SetPowerState(oobkit.PowerS4)
	assert.Equal(t, oobkit.PowerS4, d.PowerState())
}

func TestFleetSizeBounds(t *testing.T) {
	_, err := amttest.NewFleet(amttest.FleetConfig{Size: 0})
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}

func TestFleetDeviceAlertSlots(t *testing.T) {
	fleet, err := amttest.NewFleet(amttest.FleetConfig{Size: 2, Vary: func(_ int, c *amttest.Config) { c.MaxSubscriptions = 1 }})
	require.NoError(t, err)
	defer fleet.Close()
	c, err := amt.New(fleet.Target(1), fleet.Credential(1), amt.WithTransport(fleet.Transport()))
	require.NoError(t, err)
	defer c.Close()
	ctx := context.Background()
	rep, err := c.ApplyAlerts(ctx, oobkit.AlertConfig{AllowPartial: true, Destinations: []oobkit.AlertDestination{
		{Delivery: oobkit.DeliveryPush, Address: "http://127.0.0.1:1/a"}, {Delivery: oobkit.DeliveryPush, Address: "http://127.0.0.1:1/b"}}})
	require.NoError(t, err)
	assert.Len(t, rep.Subscribed, 1)
	assert.Len(t, rep.Skipped, 1)
	assert.Len(t, fleet.Device(1).Subscriptions(), 1)
	assert.Equal(t, 1, fleet.Built(), "device 0 was never asked")
}

// TestGeneration: the firmware facts Intel documents, per version
// (sources in generation.go): "remote connections to Intel AMT unsecure
// TCP/IP ports 16992, 16994 and 623 are no longer supported" from CSME 16.1;
// "The RFB 4.0 protocol is deprecated. Starting Intel CSME 21 … it will no
// longer be supported"; "Intel AMT added support for InstantGo in version
// 10.0".
func TestGeneration(t *testing.T) {
	tests := []struct {
		fw   string
		want amttest.Generation
	}{
		{"9.5.3", amttest.Generation{RFB4: true, PET: true}},
		{"11.8.50", amttest.Generation{RFB4: true, ModernStandby: true, PET: true}},
		{"12.0.67", amttest.Generation{RFB4: true, ModernStandby: true, PET: true}},
		{"15.0.41", amttest.Generation{RFB4: true, ModernStandby: true, PET: true}},
		{"16.0.15", amttest.Generation{RFB4: true, ModernStandby: true, PET: true}},
		{"16.1.25", amttest.Generation{TLSOnly: true, RFB4: true, ModernStandby: true, PET: true}},
		{"18.0.5", amttest.Generation{TLSOnly: true, RFB4: true, ModernStandby: true}},
		{"19.0.0", amttest.Generation{TLSOnly: true, LocalTLSOnly: true, RFB4: true, ModernStandby: true}},
		{"21.0.0", amttest.Generation{TLSOnly: true, LocalTLSOnly: true, ModernStandby: true}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, amttest.Config{Firmware: tt.fw}.Generation(), tt.fw)
	}
}
