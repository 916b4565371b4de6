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

// TestAlertUnsubscribeKeepsRemoveFrees follows the guide's Actions menu:
// Subscribe "Activates the alert. When the alert triggers, a message is
// sent to the destination address"; Unsubscribe "Deactivates the alert, but
// does not remove it from the memory"; Remove from client "Removes the
// alert from the client computer's memory and reclaims space". The
// simulated computer has one subscription slot: an unsubscribed alert stays
// listed, inactive, receives nothing and still fills the slot; removing it
// frees the slot for another subscription.
func TestAlertUnsubscribeKeepsRemoveFrees(t *testing.T) {
	ctx := context.Background()
	sim, c := newPair(t, dashtest.Config{MaxSubscriptions: 1})
	l := startListener(t)
	dest := oobkit.AlertDestination{Delivery: oobkit.DeliveryPush, Address: l.URL()}
	other := oobkit.AlertDestination{Delivery: oobkit.DeliveryPush, Address: "http://127.0.0.1:1/other"}
	crit := dashtest.Alert{MessageID: "PLAT0007", Severity: 6}
	subscribe := oobkit.AlertSetting{Filter: "DASH:AllAlerts", Action: oobkit.AlertSubscribe}

	rep, err := c.ApplyAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{dest}, Alerts: []oobkit.AlertSetting{subscribe}})
	require.NoError(t, err)
	require.Len(t, rep.Subscribed, 1, "only the alert named is subscribed, not every filter")
	ds, err := sim.Alert(ctx, crit)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	nextEvent(t, l)

	// Unsubscribe: kept on the computer, inactive.
	rep, err = c.ApplyAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{dest},
		Alerts: []oobkit.AlertSetting{{Filter: "DASH:AllAlerts", Action: oobkit.AlertUnsubscribe}}})
	require.NoError(t, err)
	require.Len(t, rep.Deactivated, 1)
	assert.Empty(t, rep.Removed)
	held := sim.Subscriptions()
	require.Len(t, held, 1, "still in the computer's memory")
	assert.True(t, held[0].Inactive)
	subs, err := c.Subscriptions(ctx)
	require.NoError(t, err)
	require.Len(t, subs, 1, "still listed")
	assert.False(t, subs[0].Active)
	ds, err = sim.Alert(ctx, crit)
	require.NoError(t, err)
	assert.Empty(t, ds, "an inactive alert delivers nothing")

	// The kept subscription still fills the only slot.
	_, err = c.ApplyAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{other}, Filters: []string{"DASH:AllAlerts"}})
	require.ErrorIs(t, err, dash.ErrNoSpace)

	// Subscribe again activates the kept one; no new slot is needed.
	rep, err = c.ApplyAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{dest}, Alerts: []oobkit.AlertSetting{subscribe}})
	require.NoError(t, err)
	assert.Len(t, rep.Activated, 1)
	assert.Empty(t, rep.Subscribed)
	ds, err = sim.Alert(ctx, crit)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	nextEvent(t, l)

	// Remove from client: gone, and the slot is free again.
	rep, err = c.ApplyAlerts(ctx, oobkit.AlertConfig{Alerts: []oobkit.AlertSetting{{Filter: "DASH:AllAlerts", Action: oobkit.AlertRemove}}})
	require.NoError(t, err)
	require.Len(t, rep.Removed, 1)
	assert.Empty(t, sim.Subscriptions())
	rep, err = c.ApplyAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{other}, Filters: []string{"DASH:AllAlerts"}})
	require.NoError(t, err)
	assert.Len(t, rep.Subscribed, 1, "the reclaimed slot takes a new subscription")

	// The direct calls do the same.
	subs, err = c.Subscriptions(ctx)
	require.NoError(t, err)
	require.Len(t, subs, 1)
	require.NoError(t, c.Unsubscribe(ctx, subs[0]))
	assert.True(t, sim.Subscriptions()[0].Inactive)
	require.NoError(t, c.Activate(ctx, subs[0]))
	assert.False(t, sim.Subscriptions()[0].Inactive)
	require.NoError(t, c.Remove(ctx, subs[0]))
	assert.Empty(t, sim.Subscriptions())
	require.ErrorIs(t, c.Remove(ctx, dash.Subscription{}), oobkit.ErrInvalidArgument)
}

// TestAlertWhichToLogUnsupported: the guide lists "Which alerts to log." as
// a setting of the task, but DSP1054 filters only select what a DASH
// computer sends; asking DASH to change logging says ErrUnsupported and
// changes nothing.
func TestAlertWhichToLogUnsupported(t *testing.T) {
	ctx := context.Background()
	sim, c := newPair(t, dashtest.Config{})
	yes := true
	_, err := c.ApplyAlerts(ctx, oobkit.AlertConfig{
		Destinations: []oobkit.AlertDestination{{Delivery: oobkit.DeliveryPush, Address: "http://127.0.0.1:1/"}},
		Alerts:       []oobkit.AlertSetting{{Filter: "DASH:AllAlerts", Action: oobkit.AlertSubscribe, Log: &yes}}})
	require.ErrorIs(t, err, oobkit.ErrUnsupported)
	assert.Empty(t, sim.Subscriptions(), "nothing was changed")

	_, err = c.ApplyAlerts(ctx, oobkit.AlertConfig{Alerts: []oobkit.AlertSetting{{Filter: "DASH:NoSuchAlert", Action: oobkit.AlertRemove}}})
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	_, err = c.ApplyAlerts(ctx, oobkit.AlertConfig{Alerts: []oobkit.AlertSetting{{Filter: "DASH:AllAlerts", Action: "pause"}}})
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}
