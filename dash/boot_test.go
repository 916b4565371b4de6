package dash_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
)

const (
	srcDisk   = "DASH:BootSource Hard-Disk 1"
	srcPXE    = "DASH:BootSource Network 1"
	srcCD     = "DASH:BootSource CD/DVD 1"
	srcRemote = "DASH:BootSource CD/DVD 2"
)

func TestBootSources(t *testing.T) {
	_, c := newPair(t, dashtest.Config{})
	srcs, err := c.BootSources(context.Background())
	require.NoError(t, err)
	require.Len(t, srcs, 4)
	assert.Equal(t, []string{srcDisk, srcPXE, srcCD, srcRemote},
		[]string{srcs[0].InstanceID, srcs[1].InstanceID, srcs[2].InstanceID, srcs[3].InstanceID})
	assert.Equal(t, 1, srcs[0].Order)
	assert.Equal(t, "Hard-Disk", srcs[0].Type())
	assert.False(t, srcs[2].Remote)
	assert.True(t, srcs[3].Remote)
	assert.Equal(t, 0, srcs[3].Order)
}

func TestSetNextBoot(t *testing.T) {
	tests := []struct {
		name       string
		opts       oobkit.BootOptions
		wantFirst  string
		persistent bool
	}{
		{"one-time PXE", oobkit.BootOptions{Device: oobkit.BootPXE}, srcPXE, false},
		{"persistent CD", oobkit.BootOptions{Device: oobkit.BootCD, Persistent: true}, srcCD, true},
		{"one-time hard disk", oobkit.BootOptions{Device: oobkit.BootHardDrive}, srcDisk, false},
		{"remote CD image", oobkit.BootOptions{Device: oobkit.BootIDERCD}, srcRemote, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			sim, c := newPair(t, dashtest.Config{})
			require.NoError(t, c.SetNextBoot(ctx, tt.opts))
			order := sim.BootOrder()
			require.NotEmpty(t, order)
			assert.Equal(t, tt.wantFirst, order[0])
			assert.Subset(t, order, []string{srcDisk, srcPXE, srcCD}, "the other ordered sources stay in the order")
			assert.Equal(t, !tt.persistent, sim.SingleUse())

			require.NoError(t, c.SetPower(ctx, oobkit.ActionReset))
			assert.Equal(t, tt.wantFirst, sim.LastBootSource())
			if tt.persistent {
				assert.Equal(t, tt.wantFirst, sim.BootOrder()[0], "a persistent order survives the boot")
			} else {
				assert.Equal(t, srcDisk, sim.BootOrder()[0], "a one-time order returns to the persistent one")
			}
		})
	}
}

func TestSetNextBootRefusals(t *testing.T) {
	tests := []struct {
		name string
		cfg  dashtest.Config
		opts oobkit.BootOptions
		want error
	}{
		{"clear override", dashtest.Config{}, oobkit.BootOptions{Device: oobkit.BootNone}, oobkit.ErrUnsupported},
		{"BIOS setup", dashtest.Config{}, oobkit.BootOptions{Device: oobkit.BootBIOSSetup}, oobkit.ErrUnsupported},
		{"SOL option", dashtest.Config{}, oobkit.BootOptions{Device: oobkit.BootPXE, SOL: true}, oobkit.ErrUnsupported},
		{"no floppy source", dashtest.Config{}, oobkit.BootOptions{Device: oobkit.BootFloppy}, oobkit.ErrUnsupported},
		{"no remote floppy", dashtest.Config{}, oobkit.BootOptions{Device: oobkit.BootIDERFloppy}, oobkit.ErrUnsupported},
		{"no Boot Control profile", dashtest.Config{Profiles: without(dashtest.DefaultProfiles, dash.ProfileBootControl)},
			oobkit.BootOptions{Device: oobkit.BootPXE}, oobkit.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, c := newPair(t, tt.cfg)
			require.ErrorIs(t, c.SetNextBoot(context.Background(), tt.opts), tt.want)
			assert.Equal(t, []string{srcDisk, srcPXE, srcCD}, sim.BootOrder(), "nothing changed")
		})
	}
}

func TestBootReturnCodes(t *testing.T) {
	tests := []struct {
		method string
		rv     int
		class  error
	}{
		{"ChangeBootOrder", 3, oobkit.ErrBusy},
		{"ChangeBootOrder", 4, oobkit.ErrInvalidArgument},
		{"ChangeBootOrder", 6, oobkit.ErrAuth},
		{"SetBootConfigRole", 1, oobkit.ErrUnsupported},
		{"SetBootConfigRole", 2, oobkit.ErrDevice},
	}
	for _, tt := range tests {
		t.Run(tt.method+"/"+itoa(tt.rv), func(t *testing.T) {
			sim, c := newPair(t, dashtest.Config{})
			sim.InjectReturnValue(tt.method, tt.rv)
			err := c.SetBootSource(context.Background(), srcPXE, false)
			require.ErrorIs(t, err, tt.class)
			assert.Equal(t, itoa(tt.rv), oobkit.DeviceCode(err))
		})
	}
	t.Run("unknown source", func(t *testing.T) {
		_, c := newPair(t, dashtest.Config{})
		require.ErrorIs(t, c.SetBootSource(context.Background(), "nope", false), oobkit.ErrInvalidArgument)
	})
}
