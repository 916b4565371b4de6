package amt_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/dmtf"
)

func TestSetPower(t *testing.T) {
	tests := []struct {
		name     string
		firmware string
		from     oobkit.PowerState
		action   oobkit.PowerAction
		want     oobkit.PowerState
		wantErr  error
		lastBoot string
	}{
		{"on from soft off", "", oobkit.PowerS5, oobkit.ActionOn, oobkit.PowerS0, nil, "hdd"},
		{"hard off", "", oobkit.PowerS0, oobkit.ActionOff, oobkit.PowerS5, nil, ""},
		{"graceful shutdown AMT 12", "", oobkit.PowerS0, oobkit.ActionShutdown, oobkit.PowerS5, nil, ""},
		{"graceful shutdown AMT 8 unsupported", "8.1.40", oobkit.PowerS0, oobkit.ActionShutdown, oobkit.PowerS0, oobkit.ErrUnsupported, ""},
		{"reset", "", oobkit.PowerS0, oobkit.ActionReset, oobkit.PowerS0, nil, "hdd"},
		{"graceful reboot AMT 16", "16.0.15", oobkit.PowerS0, oobkit.ActionReboot, oobkit.PowerS0, nil, "hdd"},
		{"cycle", "11.8.50", oobkit.PowerS0, oobkit.ActionCycle, oobkit.PowerS0, nil, "hdd"},
		{"on to BIOS", "", oobkit.PowerS5, oobkit.ActionOnToBIOS, oobkit.PowerS0, nil, "bios"},
		{"reset to BIOS", "", oobkit.PowerS0, oobkit.ActionResetToBIOS, oobkit.PowerS0, nil, "bios"},
		{"sleep", "", oobkit.PowerS0, oobkit.ActionSleep, oobkit.PowerS3, nil, ""},
		{"hibernate AMT 8 unsupported", "8.1.40", oobkit.PowerS0, oobkit.ActionHibernate, oobkit.PowerS0, oobkit.ErrUnsupported, ""},
		{"wake from S3", "", oobkit.PowerS3, oobkit.ActionOn, oobkit.PowerS0, nil, "hdd"},
		{"on while on refused", "", oobkit.PowerS0, oobkit.ActionOn, oobkit.PowerS0, oobkit.ErrInvalidState, ""},
		{"off while off refused", "", oobkit.PowerS5, oobkit.ActionOff, oobkit.PowerS5, oobkit.ErrInvalidState, ""},
		{"reset while off refused", "", oobkit.PowerS5, oobkit.ActionReset, oobkit.PowerS5, oobkit.ErrInvalidState, ""},
		{"on to BIOS from S3 refused (footnote 2)", "", oobkit.PowerS3, oobkit.ActionOnToBIOS, oobkit.PowerS3, oobkit.ErrInvalidState, ""},
		{"reset to BIOS terminal", "", oobkit.PowerS0, oobkit.ActionResetToBIOSTerminal, oobkit.PowerS0, nil, "bios"},
		{"on to BIOS terminal", "", oobkit.PowerS5, oobkit.ActionOnToBIOSTerminal, oobkit.PowerS0, nil, "bios"},
		{"on to BIOS while on refused", "", oobkit.PowerS0, oobkit.ActionOnToBIOS, oobkit.PowerS0, oobkit.ErrInvalidState, ""},
		{"invalid action", "", oobkit.PowerS0, oobkit.ActionNone, oobkit.PowerS0, oobkit.ErrInvalidArgument, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := start(t, amttest.Config{Firmware: tt.firmware, Power: tt.from})
			ctx := context.Background()
			err := c.SetPower(ctx, tt.action)
			if tt.wantErr != nil {
				requireClass(t, err, tt.wantErr)
				assert.Equal(t, 0, srv.PowerChanges(), "a refused action must not reach the device")
			} else {
				require.NoError(t, err)
				assert.Equal(t, 1, srv.PowerChanges())
			}
			assert.Equal(t, tt.want, srv.PowerState())
			got, err := c.PowerState(ctx)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.lastBoot, srv.BootState().LastBoot)
			if tt.lastBoot == "bios" {
				assert.True(t, srv.BootState().InBIOSSetup)
			}
		})
	}
}

func TestPowerStatusOffers(t *testing.T) {
	_, c := start(t, amttest.Config{})
	st, err := c.PowerStatus(context.Background())
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerS0, st.State)
	assert.Equal(t, amt.PowerOn, st.Raw)
	assert.ElementsMatch(t, []dmtf.PowerState{10, 8, 5, 11, 4, 7, 14, 12}, st.Available)
}

func TestSetPowerBlockedByRedirectionSession(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	srv.SetRedirectionSession(true)
	err := c.SetPower(context.Background(), oobkit.ActionOff)
	oe := requireClass(t, err, oobkit.ErrBusy)
	assert.Equal(t, "6", oe.DeviceCode)
	assert.Equal(t, oobkit.CodeBusy, oobkit.ReturnCode(err))
	assert.Equal(t, oobkit.PowerS0, srv.PowerState())

	srv.SetRedirectionSession(false)
	require.NoError(t, c.SetPower(context.Background(), oobkit.ActionOff))
	assert.Equal(t, oobkit.PowerS5, srv.PowerState())
}

func TestChooseValue(t *testing.T) {
	real12 := []dmtf.PowerState{10, 8, 5, 11, 4, 7, 14, 12}
	tests := []struct {
		action    oobkit.PowerAction
		available []dmtf.PowerState
		want      dmtf.PowerState
		wantErr   error
	}{
		{oobkit.ActionOff, real12, 8, nil},
		{oobkit.ActionShutdown, real12, 12, nil},
		{oobkit.ActionReboot, real12, 14, nil},
		{oobkit.ActionReset, real12, 10, nil},
		{oobkit.ActionCycle, real12, 5, nil},
		{oobkit.ActionCycle, []dmtf.PowerState{9}, 9, nil},
		{oobkit.ActionOff, []dmtf.PowerState{6}, 6, nil},
		{oobkit.ActionOn, nil, 2, nil},
		{oobkit.ActionOn, real12, 0, oobkit.ErrUnsupported},
		{oobkit.ActionReboot, []dmtf.PowerState{10, 8, 5}, 0, oobkit.ErrUnsupported},
		{oobkit.ActionNone, real12, 0, oobkit.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.action.String(), func(t *testing.T) {
			v, err := amt.ChooseValue(tt.action, tt.available)
			if tt.wantErr != nil {
				requireClass(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, v)
		})
	}
}

func TestStateFromDMTF(t *testing.T) {
	// DSP1027: Sleep-Light is S1 or S2 (which one is not said: the
	// undetermined sleeping row), Off-Hard is G3; transitions name no state.
	for v, want := range map[int]oobkit.PowerState{0: oobkit.PowerUnknown, 1: oobkit.PowerUnknown, 2: oobkit.PowerS0,
		3: oobkit.PowerSleeping, 4: oobkit.PowerS3, 5: oobkit.PowerUnknown, 6: oobkit.PowerG3, 7: oobkit.PowerS4, 8: oobkit.PowerS5,
		10: oobkit.PowerUnknown, 12: oobkit.PowerS5, 13: oobkit.PowerG3, 14: oobkit.PowerUnknown, 99: oobkit.PowerUnknown} {
		assert.Equal(t, want, amt.StateFromDMTF(dmtf.PowerState(v)), "value %d", v)
	}
}
