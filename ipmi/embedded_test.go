package ipmi_test

import (
	"context"
	"testing"

	"github.com/bougou/go-ipmi/pkg/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
)

// These tests use go-ipmi's embedded BMC, which speaks cipher suite 17 and
// stores every boot flag.

func startBMC(t *testing.T, cfg ipmitest.Config) (*ipmitest.Server, *ipmi.Client) {
	t.Helper()
	b, err := ipmitest.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	c, err := ipmi.New(b.Target(), b.Credential())
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return b, c
}

func TestEmbeddedPowerAndSuite17(t *testing.T) {
	b, c := startBMC(t, ipmitest.Config{})
	ctx := testCtx(t)
	st, err := c.PowerState(ctx)
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerLegacyOff, st)
	assert.Equal(t, 17, int(c.CipherSuite()))

	require.NoError(t, c.SetPower(ctx, oobkit.ActionOn))
	assert.True(t, b.PowerOn())
	require.ErrorIs(t, c.SetPower(ctx, oobkit.ActionOn), oobkit.ErrInvalidState)
	require.NoError(t, c.SetPower(ctx, oobkit.ActionOff))
	assert.False(t, b.PowerOn())

	b.SetPowerOn(true) // someone pressed the power button
	st, err = c.PowerState(ctx)
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerLegacyOn, st)
}

func TestEmbeddedBootFlags(t *testing.T) {
	b, c := startBMC(t, ipmitest.Config{Power: oobkit.PowerS0})
	ctx := testCtx(t)
	cases := []oobkit.BootOptions{
		{Device: oobkit.BootPXE},
		{Device: oobkit.BootHardDrive, Persistent: true, EFI: true},
		{Device: oobkit.BootCD, EFI: true},
		{Device: oobkit.BootFloppy, Persistent: true},
		{Device: oobkit.BootBIOSSetup, LockKeyboard: true, DisablePowerButton: true, BypassPassword: true, SOL: true, ProgressEvents: true},
	}
	for _, opts := range cases {
		t.Run(opts.Device.String(), func(t *testing.T) {
			require.NoError(t, c.SetNextBoot(ctx, opts))
			got, err := c.BootDevice(ctx)
			require.NoError(t, err)
			assert.Equal(t, opts, got)
			f := b.BootFlags()
			require.NotNil(t, f)
			assert.True(t, f.BootFlagsValid)
			assert.Equal(t, opts.Persistent, f.Persist)
			assert.Equal(t, types.BIOSBootType(opts.EFI), f.BIOSBootType)
		})
	}
	t.Run("enter BIOS means BIOS setup", func(t *testing.T) {
		require.NoError(t, c.SetNextBoot(ctx, oobkit.BootOptions{EnterBIOS: true}))
		got, err := c.BootDevice(ctx)
		require.NoError(t, err)
		assert.Equal(t, oobkit.BootBIOSSetup, got.Device)
		require.ErrorIs(t, c.SetNextBoot(ctx, oobkit.BootOptions{Device: oobkit.BootPXE, EnterBIOS: true}), oobkit.ErrUnsupported)
	})
	t.Run("reset to BIOS", func(t *testing.T) {
		require.NoError(t, c.SetPower(ctx, oobkit.ActionResetToBIOS))
		got, err := c.BootDevice(ctx)
		require.NoError(t, err)
		assert.Equal(t, oobkit.BootBIOSSetup, got.Device)
	})
}

func TestEmbeddedUnsupportedSEL(t *testing.T) {
	// go-ipmi's reference BMC implements no SEL: Get SEL Info answers C1h.
	_, c := startBMC(t, ipmitest.Config{})
	_, err := c.EventLog(testCtx(t), 0)
	require.ErrorIs(t, err, oobkit.ErrUnsupported)
	assert.Equal(t, "0xc1", oobkit.DeviceCode(err))
	assert.Equal(t, oobkit.CodeUnsupported, oobkit.ReturnCode(err))
}

func TestEmbeddedWrongPassword(t *testing.T) {
	b, err := ipmitest.NewServer(ipmitest.Config{Username: "root", Password: "secret"})
	require.NoError(t, err)
	defer b.Close()
	c, err := ipmi.New(b.Target(), oobkit.UserPassword("root", "wrong"))
	require.NoError(t, err)
	defer c.Close()
	_, err = c.PowerState(context.Background())
	require.ErrorIs(t, err, oobkit.ErrAuth)
}

func TestEmbeddedInventory(t *testing.T) {
	_, c := startBMC(t, ipmitest.Config{Name: "node7"})
	inv, err := c.Inventory(testCtx(t))
	require.NoError(t, err)
	var product oobkit.System
	for _, s := range inv.System {
		if s.Kind == "product" {
			product = s
		}
	}
	assert.Equal(t, "node7", product.Serial)
	assert.Equal(t, "oobkit", product.Manufacturer)
	require.NotEmpty(t, inv.BIOS)
	assert.Equal(t, oobkit.IPMI, inv.BIOS[0].Source)
}

func TestFleetConcurrentClients(t *testing.T) {
	f, err := ipmitest.NewFleet(20, ipmitest.Config{Power: oobkit.PowerS0, Username: "ops", Password: "fleetpw"})
	require.NoError(t, err)
	defer f.Close()
	ctx := testCtx(t)
	errs := make(chan error, len(f.BMCs))
	for _, tg := range f.Targets() {
		go func() {
			c, err := ipmi.New(tg, oobkit.UserPassword("ops", "fleetpw"))
			if err != nil {
				errs <- err
				return
			}
			st, err := c.PowerState(ctx)
			if err == nil && st != oobkit.PowerLegacyOn {
				err = assert.AnError
			}
			_ = c.Close()
			errs <- err
		}()
	}
	for range f.BMCs {
		require.NoError(t, <-errs)
	}
}
