package dashtest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
	"github.com/oobkit/oobkit/dmtf"
	"github.com/oobkit/oobkit/internal/wsman"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func client(t *testing.T, sim *dashtest.Server) *wsman.Client {
	t.Helper()
	c, err := wsman.New(sim.URL(), sim.Credential(), wsman.WithProtocol(oobkit.DASH))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func TestSubscribeAndUnsubscribeByManager(t *testing.T) {
	sim, err := dashtest.NewServer(dashtest.Config{})
	require.NoError(t, err)
	defer sim.Close()
	c := client(t, sim)
	ctx := context.Background()
	filterURI := wsman.CIMBase + "CIM_IndicationFilter"

	sub, err := c.Subscribe(ctx, filterURI, wsman.SubscribeOptions{NotifyTo: "http://127.0.0.1:9/", Selectors: wsman.Sel("Name", "DASH:AllAlerts"),
		ReferenceParameters: []wsman.MessageOption{{Name: "Tag", Value: "x"}}})
	require.NoError(t, err)
	require.Len(t, sim.Subscriptions(), 1)
	assert.Equal(t, map[string]string{"Tag": "x"}, sim.Subscriptions()[0].ReferenceParameters)
	assert.Equal(t, wsman.CIMBase+"CIM_IndicationSubscription", sub.Manager.ResourceURI)
	require.NoError(t, c.Unsubscribe(ctx, sub))
	assert.Empty(t, sim.Subscriptions())

	tests := []struct {
		name string
		opts wsman.SubscribeOptions
		want error
	}{
		{"events mode", wsman.SubscribeOptions{NotifyTo: "http://127.0.0.1:9/", DeliveryMode: wsman.DeliveryEvents, Selectors: wsman.Sel("Name", "DASH:AllAlerts")}, oobkit.ErrUnsupported},
		{"not a URL", wsman.SubscribeOptions{NotifyTo: "udp:1", Selectors: wsman.Sel("Name", "DASH:AllAlerts")}, oobkit.ErrInvalidArgument},
		{"unknown filter", wsman.SubscribeOptions{NotifyTo: "http://127.0.0.1:9/", Selectors: wsman.Sel("Name", "nope")}, oobkit.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Subscribe(ctx, filterURI, tt.opts)
			require.ErrorIs(t, err, tt.want)
		})
	}
	ds, err := sim.Alert(ctx, dashtest.Alert{MessageID: "X", Severity: 2})
	require.NoError(t, err)
	assert.Empty(t, ds, "no subscriber, no delivery")
}

func TestUnreachableListenerIsReported(t *testing.T) {
	sim := dashtest.NewComputer(dashtest.Config{Subscriptions: []dashtest.Subscription{{Filter: "DASH:AllAlerts", Destination: "http://127.0.0.1:1/"}}})
	ds, err := sim.Alert(context.Background(), dashtest.Alert{MessageID: "X", Severity: 2})
	require.Error(t, err)
	require.Len(t, ds, 1)
	assert.False(t, ds[0].Acked)
	sim.Close()
}

func TestMissingProfileIsNotServed(t *testing.T) {
	sim, err := dashtest.NewServer(dashtest.Config{Profiles: []string{"Base Desktop and Mobile"}})
	require.NoError(t, err)
	defer sim.Close()
	c := client(t, sim)
	_, err = c.Enumerate(context.Background(), wsman.CIMBase+"CIM_BIOSEnumeration", wsman.EnumerateOptions{})
	require.ErrorIs(t, err, oobkit.ErrUnsupported)
}

// NewServer is the shape every simulator shares, and Config.Power the
// initial state as a Table C-3 row, reported as its DSP1027 value: a dash
// client given Target and Credential reads it back.
func TestNewServerAndPower(t *testing.T) {
	for _, tc := range []struct {
		power oobkit.PowerState
		dmtf  dmtf.PowerState
		read  oobkit.PowerState // what the client reads back
	}{
		{oobkit.PowerUnknown, dmtf.PowerOn, oobkit.PowerS0}, {oobkit.PowerS0, dmtf.PowerOn, oobkit.PowerS0},
		{oobkit.PowerS3, dmtf.PowerSleepDeep, oobkit.PowerS3}, {oobkit.PowerS4, dmtf.PowerHibernate, oobkit.PowerS4},
		{oobkit.PowerS5, dmtf.PowerOffSoft, oobkit.PowerS5}, {oobkit.PowerG3, dmtf.PowerOffHard, oobkit.PowerG3},
		{oobkit.PowerSleeping, dmtf.PowerSleepLight, oobkit.PowerSleeping},
	} {
		sim, err := dashtest.NewServer(dashtest.Config{Name: "pc-1", Power: tc.power})
		require.NoError(t, err)
		assert.Equal(t, int(tc.dmtf), sim.PowerState(), "%v", tc.power)
		assert.Equal(t, "pc-1", sim.Target().Name)
		assert.Equal(t, dashtest.DefaultUser, sim.Credential().Username)
		c, err := dash.New(sim.Target(), sim.Credential())
		require.NoError(t, err)
		st, err := c.PowerStatus(context.Background())
		require.NoError(t, err)
		assert.Equal(t, tc.dmtf, st.DMTFState, "%v", tc.power)
		assert.Equal(t, tc.read, st.State, "%v", tc.power)
		require.NoError(t, c.Close())
		require.NoError(t, sim.Close())
	}
	sim, err := dashtest.NewServer(dashtest.Config{Power: oobkit.PowerS5, ExactPowerState: dmtf.PowerOffSoftGraceful})
	require.NoError(t, err)
	defer sim.Close()
	assert.Equal(t, 12, sim.PowerState(), "the exact DSP1027 value wins")
	c, err := dash.New(sim.Target(), sim.Credential())
	require.NoError(t, err)
	defer c.Close()
	st, err := c.PowerStatus(context.Background())
	require.NoError(t, err)
	assert.Equal(t, dmtf.PowerOffSoftGraceful, st.DMTFState)
}
