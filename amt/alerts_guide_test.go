package amt_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/snmp"
)

const acpiFilter = "ACPI power state" // the simulator's filter for sensor type 22h

// countSensor counts the log records of one sensor type.
func countSensor(recs []amttest.Record, sensor uint8) int {
	n := 0
	for _, r := range recs {
		if r.SensorType == sensor {
			n++
		}
	}
	return n
}

func filterNamed(t *testing.T, fs []amttest.EventFilter, name string) amttest.EventFilter {
	t.Helper()
	for _, f := range fs {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no event filter %q", name)
	return amttest.EventFilter{}
}

// TestAlertsUnsubscribeKeepsRemoveFrees follows the guide's Actions menu on
// AMT, where an alert is an event filter (AMT_PETFilterSetting):
// Unsubscribe "Deactivates the alert, but does not remove it from the
// memory"; Subscribe "Activates the alert. When the alert triggers, a
// message is sent to the destination address"; Remove from client "Removes
// the alert from the client computer's memory and reclaims space". It also
// separates "Which alerts to send." from "Which alerts to log.": an
// unsubscribed alert that still logs is recorded but not sent, a subscribed
// one that does not log is sent but not recorded.
func TestAlertsUnsubscribeKeepsRemoveFrees(t *testing.T) {
	ctx := context.Background()
	tl, err := snmp.Listen(ctx, "127.0.0.1:0")
	require.NoError(t, err)
	defer tl.Close()
	srv, c := start(t, amttest.Config{Firmware: "12.0.67", PETPort: tl.Addr().Port, Power: oobkit.PowerS0})
	pet := oobkit.AlertDestination{Delivery: oobkit.DeliverySNMPTrap, Address: "127.0.0.1"}
	before := len(srv.EventFilters())

	// Unsubscribe: no trap, still on the device, still logging.
	rep, err := c.ApplyAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{pet},
		Alerts: []oobkit.AlertSetting{{Filter: acpiFilter, Action: oobkit.AlertUnsubscribe}}})
	require.NoError(t, err)
	require.Len(t, rep.Subscribed, 1, "the PET destination")
	require.Len(t, rep.FiltersChanged, 1)
	assert.False(t, rep.FiltersChanged[0].Sending())
	assert.True(t, rep.FiltersChanged[0].Logging())
	f := filterNamed(t, srv.EventFilters(), acpiFilter)
	assert.False(t, f.Send, "deactivated")
	assert.True(t, f.Enabled && f.Log, "kept, and still logging")
	listed, err := c.EventFilters(ctx)
	require.NoError(t, err)
	assert.Len(t, listed, before, "still listed")

	logged := countSensor(srv.Records(), 0x22)
	require.NoError(t, c.SetPower(ctx, oobkit.ActionOff))
	srv.WaitAlerts()
	assert.Empty(t, srv.Deliveries(), "an unsubscribed alert sends nothing")
	assert.Equal(t, logged+1, countSensor(srv.Records(), 0x22), "but it is logged")

	// Subscribe again, and stop logging it.
	no := false
	rep, err = c.ApplyAlerts(ctx, oobkit.AlertConfig{
		Alerts: []oobkit.AlertSetting{{Filter: acpiFilter, Action: oobkit.AlertSubscribe, Log: &no}}})
	require.NoError(t, err)
	require.Len(t, rep.FiltersChanged, 1)
	require.NoError(t, c.SetPower(ctx, oobkit.ActionOn))
	require.NoError(t, c.SetPower(ctx, oobkit.ActionOff))
	srv.WaitAlerts()
	require.Len(t, srv.Deliveries(), 2, "power on (system boot filter) and off (the subscribed alert)")
	for _, d := range srv.Deliveries() {
		require.NoError(t, d.Err)
	}
	ev := nextEvent(t, tl.Events())
	ev2 := nextEvent(t, tl.Events())
	assert.ElementsMatch(t, []string{"System Boot Initiated", "System ACPI Power State"}, []string{ev.SensorType, ev2.SensorType})
	assert.Equal(t, logged+1, countSensor(srv.Records(), 0x22), "sent but no longer logged")

	// Remove from client: gone, its slot free.
	rep, err = c.ApplyAlerts(ctx, oobkit.AlertConfig{Alerts: []oobkit.AlertSetting{{Filter: acpiFilter, Action: oobkit.AlertRemove}}})
	require.NoError(t, err)
	require.Len(t, rep.FiltersRemoved, 1)
	assert.Len(t, srv.EventFilters(), before-1)
	assert.NotContains(t, names(srv.EventFilters()), acpiFilter)
}

func names(fs []amttest.EventFilter) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

// TestAlertsWhatAMTCannotDo: the guide's Unsubscribe keeps an alert
// inactive ("Deactivates the alert, but does not remove it from the
// memory"), which AMT can do for an event filter but not for a WS-Eventing
// subscription; "Which alerts to log." needs event filters, which firmware
// 18 no longer has. Each says ErrUnsupported and changes nothing.
func TestAlertsWhatAMTCannotDo(t *testing.T) {
	ctx := context.Background()
	yes := true
	push := oobkit.AlertDestination{Delivery: oobkit.DeliveryPush, Address: "http://127.0.0.1:1/"}

	srv, c := start(t, amttest.Config{})
	require.NoError(t, c.ConfigureAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{push}}))
	subs, err := c.Subscriptions(ctx)
	require.NoError(t, err)
	require.Len(t, subs, 1)
	requireClass(t, c.Unsubscribe(ctx, subs[0]), oobkit.ErrUnsupported)
	_, err = c.ApplyAlerts(ctx, oobkit.AlertConfig{Alerts: []oobkit.AlertSetting{{Filter: amt.FilterAll, Action: oobkit.AlertUnsubscribe}}})
	requireClass(t, err, oobkit.ErrUnsupported)
	_, err = c.ApplyAlerts(ctx, oobkit.AlertConfig{Alerts: []oobkit.AlertSetting{
		{Filter: "Temperature", Action: oobkit.AlertUnsubscribe}, {Filter: amt.FilterAll, Log: &yes}}})
	requireClass(t, err, oobkit.ErrUnsupported)
	assert.True(t, filterNamed(t, srv.EventFilters(), "Temperature").Send, "refused before any change")
	_, err = c.ApplyAlerts(ctx, oobkit.AlertConfig{Alerts: []oobkit.AlertSetting{{Filter: "AMT Diagnostic", Action: oobkit.AlertRemove}}})
	requireClass(t, err, oobkit.ErrUnsupported)
	_, err = c.ApplyAlerts(ctx, oobkit.AlertConfig{Alerts: []oobkit.AlertSetting{{Filter: "No such alert", Action: oobkit.AlertRemove}}})
	requireClass(t, err, oobkit.ErrInvalidArgument)
	assert.Len(t, srv.Subscriptions(), 1)

	// A WS-Eventing collection can be removed from the client.
	rep, err := c.ApplyAlerts(ctx, oobkit.AlertConfig{Alerts: []oobkit.AlertSetting{{Filter: amt.FilterAll, Action: oobkit.AlertRemove}}})
	require.NoError(t, err)
	assert.Len(t, rep.Removed, 1)
	assert.Empty(t, srv.Subscriptions())

	srv18, c18 := start(t, amttest.Config{Firmware: "18.0.5"})
	_, err = c18.EventFilters(ctx)
	requireClass(t, err, oobkit.ErrUnsupported)
	_, err = c18.ApplyAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{push},
		Alerts: []oobkit.AlertSetting{{Filter: "Temperature", Action: oobkit.AlertSubscribe, Log: &yes}}})
	oe := requireClass(t, err, oobkit.ErrUnsupported)
	assert.Contains(t, oe.Message, "no event filters")
	assert.Empty(t, srv18.Subscriptions(), "nothing was changed")
}

// TestAlertsRemoveThirdPartyFilters: "To remove all previous alert
// subscriptions from the client computer and reclaim space before applying
// new subscriptions, check Remove 3rd party filters and alert
// subscriptions." Every event filter the configuration does not name goes,
// another vendor's included, except the manufacturer's OEM filter, which
// firmware does not let software remove; so does the other vendor's
// destination.
func TestAlertsRemoveThirdPartyFilters(t *testing.T) {
	ctx := context.Background()
	filters := append(amttest.DefaultEventFilters(), amttest.EventFilter{Name: "Vendor X watchdog", Enabled: true, Send: true,
		PolicyID: 7, SensorType: 0x23, EventType: amttest.AnyField})
	srv, c := start(t, amttest.Config{EventFilters: filters})
	l := listener(t)
	require.NoError(t, c.Subscribe(ctx, "", oobkit.AlertDestination{Delivery: oobkit.DeliveryPush, Address: "http://127.0.0.1:1/vendor-x"}))

	rep, err := c.ApplyAlerts(ctx, oobkit.AlertConfig{RemoveThirdParty: true,
		Destinations: []oobkit.AlertDestination{{Delivery: oobkit.DeliveryPush, Address: l.URL()}},
		Alerts:       []oobkit.AlertSetting{{Filter: "Temperature", Action: oobkit.AlertSubscribe}}})
	require.NoError(t, err)
	assert.Len(t, rep.FiltersRemoved, len(filters)-2)
	assert.Equal(t, []string{"Temperature", "AMT Diagnostic"}, names(srv.EventFilters()))
	require.Len(t, rep.Removed, 1)
	assert.Equal(t, "http://127.0.0.1:1/vendor-x", rep.Removed[0].Destination)
	assert.Equal(t, []string{l.URL()}, destinations(srv.Subscriptions()))
}
