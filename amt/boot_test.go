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

func TestSetNextBoot(t *testing.T) {
	tests := []struct {
		name     string
		opts     oobkit.BootOptions
		settings amt.BootSettings
		source   string
		boots    string
	}{
		{"pxe", oobkit.BootOptions{Device: oobkit.BootPXE}, amt.BootSettings{}, amt.BootSourcePXE, "pxe"},
		{"hard drive with locks", oobkit.BootOptions{Device: oobkit.BootHardDrive, LockKeyboard: true, DisablePowerButton: true},
			amt.BootSettings{LockKeyboard: true, LockPowerButton: true, LockResetButton: true, LockSleepButton: true}, amt.BootSourceHardDrive, "hdd"},
		{"cd with password bypass and progress events", oobkit.BootOptions{Device: oobkit.BootCD, BypassPassword: true, ProgressEvents: true},
			amt.BootSettings{UserPasswordBypass: true, ForcedProgress: true}, amt.BootSourceCD, "cd"},
		{"bios setup", oobkit.BootOptions{Device: oobkit.BootBIOSSetup}, amt.BootSettings{BIOSSetup: true}, "", "bios"},
		{"ider cd with SOL", oobkit.BootOptions{Device: oobkit.BootIDERCD, SOL: true},
			amt.BootSettings{UseIDER: true, IDERCD: true, UseSOL: true}, "", "ider-cd"},
		{"ider floppy entering BIOS", oobkit.BootOptions{Device: oobkit.BootIDERFloppy, EnterBIOS: true},
			amt.BootSettings{UseIDER: true, BIOSPause: true}, "", "ider-floppy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := start(t, amttest.Config{Power: oobkit.PowerS5})
			ctx := context.Background()
			require.NoError(t, c.SetNextBoot(ctx, tt.opts))
			bs := srv.BootState()
			assert.Equal(t, amttest.BootSettings(tt.settings), bs.Settings, "the device read the flags as sent")
			assert.Equal(t, tt.source, bs.Source)
			assert.True(t, bs.SingleUse)
			got, err := c.BootSettings(ctx)
			require.NoError(t, err)
			assert.Equal(t, tt.settings, got)

			require.NoError(t, c.SetPower(ctx, oobkit.ActionOn))
			bs = srv.BootState()
			assert.Equal(t, tt.boots, bs.LastBoot)
			assert.Equal(t, amttest.BootSettings{}, bs.Settings, "single use: cleared after the boot")
			require.NoError(t, c.SetPower(ctx, oobkit.ActionReset))
			assert.Equal(t, "hdd", srv.BootState().LastBoot)
		})
	}
}

func TestSetNextBootRefusals(t *testing.T) {
	tests := []struct {
		name string
		opts oobkit.BootOptions
		want error
	}{
		{"floppy", oobkit.BootOptions{Device: oobkit.BootFloppy}, oobkit.ErrUnsupported},
		{"persistent", oobkit.BootOptions{Device: oobkit.BootPXE, Persistent: true}, oobkit.ErrUnsupported},
		{"efi", oobkit.BootOptions{Device: oobkit.BootPXE, EFI: true}, oobkit.ErrUnsupported},
		{"pxe with SOL", oobkit.BootOptions{Device: oobkit.BootPXE, SOL: true}, oobkit.ErrInvalidArgument},
		{"unknown device", oobkit.BootOptions{Device: 99}, oobkit.ErrInvalidArgument},
	}
	srv, c := start(t, amttest.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireClass(t, c.SetNextBoot(context.Background(), tt.opts), tt.want)
		})
	}
	assert.False(t, srv.BootState().SingleUse)
}

func TestSetNextBootNeedsConsent(t *testing.T) {
	srv, c := start(t, amttest.Config{ConsentRequired: amt.ConsentAll})
	ctx := context.Background()
	err := c.SetNextBoot(ctx, oobkit.BootOptions{Device: oobkit.BootPXE})
	oe := requireClass(t, err, oobkit.ErrInvalidState)
	assert.Equal(t, "6", oe.DeviceCode)

	require.NoError(t, c.StartConsent(ctx))
	code := srv.ConsentCode()
	require.Len(t, code, 6)
	n := 0
	for _, r := range code {
		n = n*10 + int(r-'0')
	}
	require.NoError(t, c.SendConsentCode(ctx, n))
	require.NoError(t, c.SetNextBoot(ctx, oobkit.BootOptions{Device: oobkit.BootPXE}))
	assert.Equal(t, amt.BootSourcePXE, srv.BootState().Source)
}

func TestClearNextBoot(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	ctx := context.Background()
	require.NoError(t, c.SetNextBoot(ctx, oobkit.BootOptions{Device: oobkit.BootPXE}))
	require.NoError(t, c.SetNextBoot(ctx, oobkit.BootOptions{Device: oobkit.BootNone}))
	assert.Equal(t, "", srv.BootState().Source)
	require.NoError(t, c.SetPower(ctx, oobkit.ActionReset))
	assert.Equal(t, "hdd", srv.BootState().LastBoot)
}
