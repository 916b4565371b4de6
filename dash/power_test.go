package dash_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
	"github.com/oobkit/oobkit/dmtf"
)

func TestIdentifyAndProfiles(t *testing.T) {
	ctx := context.Background()
	_, c := newPair(t, dashtest.Config{Profiles: without(dashtest.DefaultProfiles, dash.ProfileBIOSManagement)})
	id, err := c.Identify(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, id.ProtocolVersion)
	ps, err := c.Profiles(ctx)
	require.NoError(t, err)
	require.Len(t, ps, len(dashtest.DefaultProfiles)-1)
	assert.Equal(t, "DMTF", ps[0].Organization)
	ok, err := c.HasProfile(ctx, "power state management")
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = c.HasProfile(ctx, dash.ProfileBIOSManagement)
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Equal(t, oobkit.DASH, c.Protocol())
}

func TestStateFromDMTF(t *testing.T) {
	// DSP1027's ACPI correspondence, each to its own row of Table C-3:
	// Sleep-Light is S1 or S2 (undetermined sleep), Off-Hard is G3.
	want := map[int]oobkit.PowerState{0: oobkit.PowerUnknown, 1: oobkit.PowerUnknown, 2: oobkit.PowerS0, 3: oobkit.PowerSleeping,
		4: oobkit.PowerS3, 5: oobkit.PowerUnknown, 6: oobkit.PowerG3, 7: oobkit.PowerS4, 8: oobkit.PowerS5,
		10: oobkit.PowerUnknown, 12: oobkit.PowerS5, 13: oobkit.PowerG3}
	for v, s := range want {
		assert.Equal(t, s, dash.StateFromDMTF(dmtf.PowerState(v)), "DMTF %d", v)
	}
}

func TestSetPower(t *testing.T) {
	tests := []struct {
		name      string
		initial   int
		graceful  bool
		action    oobkit.PowerAction
		wantDMTF  int // state afterwards
		wantBoots int
		wantErr   error
	}{
		{"on from soft off", 8, false, oobkit.ActionOn, 2, 1, nil},
		{"on from hibernate", 7, false, oobkit.ActionOn, 2, 1, nil},
		{"off is hard off", 2, false, oobkit.ActionOff, 6, 0, nil},
		{"reset", 2, false, oobkit.ActionReset, 2, 1, nil},
		{"cycle", 2, false, oobkit.ActionCycle, 2, 1, nil},
		{"sleep", 2, false, oobkit.ActionSleep, 4, 0, nil},
		{"hibernate", 2, false, oobkit.ActionHibernate, 7, 0, nil},
		{"graceful shutdown with an OS agent", 2, true, oobkit.ActionShutdown, 8, 0, nil},
		{"graceful reboot with an OS agent", 2, true, oobkit.ActionReboot, 2, 1, nil},
		{"graceful shutdown without an OS agent", 2, false, oobkit.ActionShutdown, 2, 0, oobkit.ErrUnsupported},
		{"on when on", 2, false, oobkit.ActionOn, 2, 0, oobkit.ErrInvalidState},
		{"off when off", 8, false, oobkit.ActionOff, 8, 0, oobkit.ErrInvalidState},
		{"reset when off", 6, false, oobkit.ActionReset, 6, 0, oobkit.ErrInvalidState},
		{"reset from sleep", 4, false, oobkit.ActionReset, 4, 0, oobkit.ErrInvalidState},
		{"on to BIOS", 8, false, oobkit.ActionOnToBIOS, 8, 0, oobkit.ErrUnsupported},
		{"no action", 2, false, oobkit.ActionNone, 2, 0, oobkit.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			sim, c := newPair(t, dashtest.Config{ExactPowerState: dmtf.PowerState(tt.initial), GracefulPower: tt.graceful})
			err := c.SetPower(ctx, tt.action)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.wantDMTF, sim.PowerState())
			assert.Equal(t, tt.wantBoots, sim.Boots())
			st, err := c.PowerState(ctx)
			require.NoError(t, err)
			assert.Equal(t, dash.StateFromDMTF(dmtf.PowerState(tt.wantDMTF)), st)
		})
	}
}

func TestPowerStatus(t *testing.T) {
	_, c := newPair(t, dashtest.Config{ExactPowerState: dmtf.PowerOffSoft})
	st, err := c.PowerStatus(context.Background())
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerS5, st.State)
	assert.Equal(t, dash.DMTFOffSoft, st.DMTFState)
	assert.Equal(t, []dmtf.PowerState{dash.DMTFOn}, st.Available)
}

func TestPowerReturnCodes(t *testing.T) {
	tests := []struct {
		rv    int
		class error
	}{
		{1, oobkit.ErrUnsupported},
		{2, oobkit.ErrDevice},
		{3, oobkit.ErrBusy},
		{4, oobkit.ErrDevice},
		{5, oobkit.ErrInvalidArgument},
		{6, oobkit.ErrBusy},
		{4097, oobkit.ErrInvalidState},
		{4099, oobkit.ErrBusy},
		{7777, oobkit.ErrDevice},
	}
	for _, tt := range tests {
		t.Run(oobkit.ClassName(tt.class), func(t *testing.T) {
			sim, c := newPair(t, dashtest.Config{})
			sim.InjectReturnValue("RequestPowerStateChange", tt.rv)
			err := c.SetPower(context.Background(), oobkit.ActionReset)
			require.ErrorIs(t, err, tt.class)
			assert.Equal(t, itoa(tt.rv), oobkit.DeviceCode(err))
			assert.Equal(t, 0, sim.Boots(), "a refused request changes nothing")
		})
	}
	t.Run("job started is success", func(t *testing.T) {
		sim, c := newPair(t, dashtest.Config{})
		sim.InjectReturnValue("RequestPowerStateChange", 4096)
		require.NoError(t, c.SetPower(context.Background(), oobkit.ActionReset))
	})
}

func TestRequestPowerStateRaw(t *testing.T) {
	sim, c := newPair(t, dashtest.Config{})
	require.NoError(t, c.RequestPowerState(context.Background(), dash.DMTFDiagnosticInterrupt))
	assert.Equal(t, 2, sim.PowerState())
	err := c.RequestPowerState(context.Background(), 3)
	require.ErrorIs(t, err, oobkit.ErrUnsupported, "sleep-light is not supported by the simulator")
}

func TestPowerWithoutProfile(t *testing.T) {
	_, c := newPair(t, dashtest.Config{Profiles: without(dashtest.DefaultProfiles, dash.ProfilePowerState)})
	_, err := c.PowerState(context.Background())
	require.ErrorIs(t, err, oobkit.ErrUnsupported)
}

// TestDASHGateIsAvailableStates: DASH states its own gate as data, the
// computer's AvailableRequestedPowerStates, not Intel AMT's Table C-3.
func TestDASHGateIsAvailableStates(t *testing.T) {
	ctx := context.Background()
	_, c := newPair(t, dashtest.Config{ExactPowerState: dmtf.PowerOffHard}) // Off-Hard: G3 in Table C-3, where AMT could not power on
	st, err := c.CheckPower(ctx, oobkit.ActionOn, true)
	require.NoError(t, err, "the computer offers On (2)")
	assert.Equal(t, oobkit.PowerG3, st)
	_, err = c.CheckPower(ctx, oobkit.ActionReset, false)
	require.ErrorIs(t, err, oobkit.ErrInvalidState)
	assert.Contains(t, err.Error(), "G3:8")
	_, err = c.CheckPower(ctx, oobkit.ActionOff, true)
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument, "a boot configuration does not ride on a power off")
	on := dash.PowerStatus{State: oobkit.PowerS0, DMTFState: 2, Available: []dmtf.PowerState{8, 10}}
	require.ErrorIs(t, on.Allows(oobkit.ActionHibernate, false), oobkit.ErrUnsupported, "a running computer that does not offer hibernate cannot")
	require.NoError(t, dash.PowerStatus{}.Allows(oobkit.ActionReset, false), "an empty offer: the computer decides")
}

func TestInvalidStateMessage(t *testing.T) {
	_, c := newPair(t, dashtest.Config{})
	err := c.SetPower(context.Background(), oobkit.ActionOn)
	require.ErrorIs(t, err, oobkit.ErrInvalidState)
	assert.Equal(t, "dash: SetPower: invalid state: on is not possible in state S0:1 (DMTF PowerState 2): the computer offers DMTF states [4 5 6 7 8 9 10 11] now (DSP1027 AvailableRequestedPowerStates), none of [2]", err.Error())
}
