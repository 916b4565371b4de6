package dash_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
	"github.com/oobkit/oobkit/wseventing"
)

func startListener(t *testing.T) *wseventing.Listener {
	t.Helper()
	l := wseventing.New()
	require.NoError(t, l.Start("127.0.0.1:0"))
	t.Cleanup(func() { l.Close() })
	return l
}

func nextEvent(t *testing.T, l *wseventing.Listener) oobkit.Event {
	t.Helper()
	select {
	case ev := <-l.Events():
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event reached the listener")
	}
	return oobkit.Event{}
}

func TestAlertReachesListener(t *testing.T) {
	for _, delivery := range []oobkit.AlertDelivery{oobkit.DeliveryPush, oobkit.DeliveryPushWithAck} {
		t.Run(string(delivery), func(t *testing.T) {
			ctx := context.Background()
			sim, c := newPair(t, dashtest.Config{Name: "pc-42"})
			l := startListener(t)
			rep, err := c.ApplyAlerts(ctx, oobkit.AlertConfig{
				Destinations: []oobkit.AlertDestination{{Delivery: delivery, Address: l.URL()}},
				Filters:      []string{"DASH:AllAlerts"},
			})
			require.NoError(t, err)
			require.Len(t, rep.Subscribed, 1)

			subs, err := c.Subscriptions(ctx)
			require.NoError(t, err)
			require.Len(t, subs, 1)
			assert.Equal(t, l.URL(), subs[0].Destination)
			assert.Equal(t, delivery, subs[0].Delivery)

			deliveries, err := sim.Alert(ctx, dashtest.Alert{MessageID: "PLAT0007", Message: "Chassis intrusion detected",
				Severity: 6, AlertType: 8, Element: "Chassis"})
			require.NoError(t, err)
			require.Len(t, deliveries, 1)
			assert.Equal(t, delivery == oobkit.DeliveryPushWithAck, deliveries[0].AckRequested)
			assert.Equal(t, delivery == oobkit.DeliveryPushWithAck, deliveries[0].Acked, "acknowledged when asked")

			ev := nextEvent(t, l)
			assert.Equal(t, oobkit.DASH, ev.Source)
			assert.Equal(t, "pc-42", ev.Target, "the subscription's reference parameters name the computer")
			assert.Equal(t, oobkit.SeverityCritical, ev.Severity)
			assert.Equal(t, "PLAT0007", ev.Code)
			assert.Equal(t, "Chassis intrusion detected", ev.Description)
			assert.Equal(t, "security", ev.EventType)
			assert.Equal(t, "DASH:AllAlerts", ev.Data["IndicationFilterName"])
			assert.False(t, ev.Time.IsZero())
			ackWanted := int64(0)
			if delivery == oobkit.DeliveryPushWithAck {
				ackWanted = 1
			}
			assert.Equal(t, ackWanted, l.Stats().Acks)
		})
	}
}

func TestAlertFilters(t *testing.T) {
	ctx := context.Background()
	sim, c := newPair(t, dashtest.Config{})
	l := startListener(t)
	require.NoError(t, c.Subscribe(ctx, "DASH:AllAlerts", oobkit.AlertDestination{Delivery: oobkit.DeliveryPushWithAck, Address: l.URL()}))
	require.NoError(t, c.Subscribe(ctx, "DASH:CriticalAlerts", oobkit.AlertDestination{Delivery: oobkit.DeliveryPush, Address: l.URL()}))
	ds, err := sim.Alert(ctx, dashtest.Alert{MessageID: "PLAT0001", Severity: 2})
	require.NoError(t, err)
	require.Len(t, ds, 1, "the critical filter does not pass an information alert")
	assert.True(t, ds[0].Acked)
	ds, err = sim.Alert(ctx, dashtest.Alert{MessageID: "PLAT0002", Severity: 7})
	require.NoError(t, err)
	assert.Len(t, ds, 2)
	for i := 0; i < 3; i++ {
		nextEvent(t, l)
	}
	require.ErrorIs(t, c.Subscribe(ctx, "DASH:Nope", oobkit.AlertDestination{Address: l.URL()}), oobkit.ErrInvalidArgument)
}

func TestAlertRefusedByListenerIsNotAcked(t *testing.T) {
	ctx := context.Background()
	sim, c := newPair(t, dashtest.Config{})
	l := wseventing.New(wseventing.WithHandler(func(context.Context, oobkit.Event) error { return errors.New("disk full") }))
	require.NoError(t, l.Start("127.0.0.1:0"))
	defer l.Close()
	require.NoError(t, c.Subscribe(ctx, "DASH:AllAlerts", oobkit.AlertDestination{Delivery: oobkit.DeliveryPushWithAck, Address: l.URL()}))
	ds, err := sim.Alert(ctx, dashtest.Alert{MessageID: "PLAT0003", Severity: 4})
	require.Error(t, err)
	require.Len(t, ds, 1)
	assert.False(t, ds[0].Acked)
	assert.Equal(t, http.StatusServiceUnavailable, ds[0].Status)
}

// TestApplyAlertsRemovesAndKeeps: "To remove all previous alert
// subscriptions from the client computer and reclaim space before applying
// new subscriptions, check Remove 3rd party filters and alert
// subscriptions." The other vendor's subscription goes; this product's
// stay and are not duplicated.
func TestApplyAlertsRemovesAndKeeps(t *testing.T) {
	ctx := context.Background()
	sim, c := newPair(t, dashtest.Config{Subscriptions: []dashtest.Subscription{
		{Filter: "DASH:AllAlerts", Destination: "http://192.0.2.10:8080/other-vendor"},
		{Filter: "DASH:CriticalAlerts", Destination: "http://192.0.2.11/old-console", WithAck: true},
	}})
	l := startListener(t)
	dest := oobkit.AlertDestination{Delivery: oobkit.DeliveryPushWithAck, Address: l.URL()}

	rep, err := c.ApplyAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{dest},
		Remove: []string{"http://192.0.2.11/old-console"}})
	require.NoError(t, err)
	assert.Len(t, rep.Subscribed, 2, "no filter named: every filter")
	require.Len(t, rep.Removed, 1)
	assert.Equal(t, "http://192.0.2.11/old-console", rep.Removed[0].Destination)
	assert.Len(t, sim.Subscriptions(), 3)

	rep, err = c.ApplyAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{dest}, RemoveThirdParty: true})
	require.NoError(t, err)
	assert.Empty(t, rep.Subscribed)
	assert.Len(t, rep.Kept, 2, "existing subscriptions are kept, not duplicated")
	require.Len(t, rep.Removed, 1)
	assert.Equal(t, "http://192.0.2.10:8080/other-vendor", rep.Removed[0].Destination)
	for _, s := range sim.Subscriptions() {
		assert.Equal(t, l.URL(), s.Destination)
	}
}

// TestApplyAlertsSpace: "If the client computer does not have enough free
// space to fit all of the alerts that you configured. To allow partial alert
// subscription, check Allow partial alert application." Without it nothing
// is changed; with it as many as fit are subscribed and the rest reported.
func TestApplyAlertsSpace(t *testing.T) {
	three := []oobkit.AlertDestination{
		{Delivery: oobkit.DeliveryPush, Address: "http://127.0.0.1:1/a"},
		{Delivery: oobkit.DeliveryPush, Address: "http://127.0.0.1:1/b"},
		{Delivery: oobkit.DeliveryPush, Address: "http://127.0.0.1:1/c"},
	}
	tests := []struct {
		name         string
		hideCapacity bool
		partial      bool
		wantErr      bool
		wantSubs     int
		wantSkipped  int
	}{
		{"refused before any change", false, false, true, 1, 0},
		{"partial", false, true, false, 3, 3},
		{"quota fault, refused", true, false, true, 3, 0},
		{"quota fault, partial", true, true, false, 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, c := newPair(t, dashtest.Config{MaxSubscriptions: 3, HideCapacity: tt.hideCapacity,
				Subscriptions: []dashtest.Subscription{{Filter: "DASH:AllAlerts", Destination: "http://127.0.0.1:1/a"}}})
			rep, err := c.ApplyAlerts(context.Background(), oobkit.AlertConfig{Destinations: three, AllowPartial: tt.partial})
			if tt.wantErr {
				require.ErrorIs(t, err, dash.ErrNoSpace)
				require.ErrorIs(t, err, oobkit.ErrDevice)
			} else {
				require.NoError(t, err)
				assert.Len(t, rep.Skipped, tt.wantSkipped)
				assert.Len(t, rep.Subscribed, 2)
				assert.Len(t, rep.Kept, 1)
			}
			assert.Len(t, sim.Subscriptions(), tt.wantSubs)
		})
	}
}

func TestAlertRefusals(t *testing.T) {
	ctx := context.Background()
	_, c := newPair(t, dashtest.Config{})
	err := c.ConfigureAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{{Delivery: oobkit.DeliverySNMPTrap, Address: "192.0.2.1"}}})
	require.ErrorIs(t, err, oobkit.ErrUnsupported)
	err = c.ConfigureAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{{Delivery: oobkit.DeliveryPush}}})
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)

	_, c2 := newPair(t, dashtest.Config{Profiles: without(dashtest.DefaultProfiles, dash.ProfileIndications)})
	err = c2.ConfigureAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{{Delivery: oobkit.DeliveryPush, Address: "http://127.0.0.1:1/"}}})
	require.ErrorIs(t, err, oobkit.ErrUnsupported)
	require.ErrorIs(t, c.Unsubscribe(ctx, dash.Subscription{}), oobkit.ErrInvalidArgument)
}
