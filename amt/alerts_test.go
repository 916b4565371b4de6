package amt_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/snmp"
	"github.com/oobkit/oobkit/wseventing"
)

// listener starts a wseventing.Listener (the public WS-Eventing sink) on
// loopback for the test.
func listener(t *testing.T) *wseventing.Listener {
	t.Helper()
	l := wseventing.New()
	require.NoError(t, l.Start("127.0.0.1:0"))
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// nextEvent waits (generously: the machine may be loaded) for one event.
func nextEvent(t *testing.T, ch <-chan oobkit.Event) oobkit.Event {
	t.Helper()
	select {
	case ev := <-ch:
		return ev
	case <-time.After(20 * time.Second):
		t.Fatal("no event arrived")
	}
	return oobkit.Event{}
}

func TestAlertsPowerEventReachesListener(t *testing.T) {
	tests := []struct {
		name     string
		delivery oobkit.AlertDelivery
		acked    bool
	}{
		{"push", oobkit.DeliveryPush, false},
		{"push with ack", oobkit.DeliveryPushWithAck, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			srv, c := start(t, amttest.Config{Power: oobkit.PowerS5, HostName: "pc-17"})
			l := listener(t)
			rep, err := c.ApplyAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{{Delivery: tt.delivery, Address: l.URL()}}})
			require.NoError(t, err)
			require.Len(t, rep.Subscribed, 1)
			assert.Equal(t, amt.FilterAll, rep.Subscribed[0].Filter)

			held := srv.Subscriptions()
			require.Len(t, held, 1)
			assert.Equal(t, tt.acked, held[0].WithAck)

			require.NoError(t, c.SetPower(ctx, oobkit.ActionOn))
			ev := nextEvent(t, l.Events())
			assert.Equal(t, oobkit.AMT, ev.Source)
			assert.Equal(t, c.Target().String(), ev.Target)
			assert.Equal(t, "PLAT0272", ev.Code)
			assert.Equal(t, "Power on for system pc-17.", ev.Description)
			assert.Equal(t, oobkit.SeverityInfo, ev.Severity)

			srv.WaitAlerts()
			d := srv.Deliveries()
			require.Len(t, d, 1)
			require.NoError(t, d[0].Err)
			assert.Equal(t, tt.acked, d[0].Acked)
			assert.Equal(t, tt.acked, d[0].AckRequested)
			assert.Equal(t, map[bool]int64{true: 1, false: 0}[tt.acked], l.Stats().Acks)
		})
	}
}

func TestAlertsInjectedAlertAndListing(t *testing.T) {
	ctx := context.Background()
	srv, c := start(t, amttest.Config{})
	l := listener(t)
	require.NoError(t, c.ConfigureAlerts(ctx, oobkit.AlertConfig{
		Destinations: []oobkit.AlertDestination{{Delivery: oobkit.DeliveryPushWithAck, Address: l.URL()}}}))

	subs, err := c.Subscriptions(ctx)
	require.NoError(t, err)
	require.Len(t, subs, 1)
	assert.Equal(t, amt.Subscription{Filter: amt.FilterAll, Destination: l.URL(), Delivery: oobkit.DeliveryPushWithAck},
		withoutRefs(subs[0]))

	out, err := srv.Alert(ctx, amttest.Alert{MessageID: "iAMT0052-1", Message: "User Notification Alert - KVM session started.", Severity: 6})
	require.NoError(t, err)
	require.Len(t, out, 1)
	assert.True(t, out[0].Acked)
	ev := nextEvent(t, l.Events())
	assert.Equal(t, "iAMT0052-1", ev.Code)
	assert.Equal(t, oobkit.SeverityCritical, ev.Severity)
	assert.Equal(t, "Intel(r) AMT:AllEvents", ev.Data["IndicationFilterName"])

	// Applying the same configuration again keeps the subscription.
	rep, err := c.ApplyAlerts(ctx, oobkit.AlertConfig{
		Destinations: []oobkit.AlertDestination{{Delivery: oobkit.DeliveryPushWithAck, Address: l.URL()}}})
	require.NoError(t, err)
	assert.Empty(t, rep.Subscribed)
	assert.Len(t, rep.Kept, 1)
	assert.Len(t, srv.Subscriptions(), 1)
}

// withoutRefs drops the unexported deletion selectors for comparison.
func withoutRefs(s amt.Subscription) amt.Subscription {
	return amt.Subscription{Filter: s.Filter, Destination: s.Destination, Delivery: s.Delivery, PolicyID: s.PolicyID}
}

// TestAlertsRemove: removal by address, then "To remove all previous alert
// subscriptions from the client computer and reclaim space before applying
// new subscriptions, check Remove 3rd party filters and alert
// subscriptions": the destinations that are not this product's go.
func TestAlertsRemove(t *testing.T) {
	ctx := context.Background()
	srv, c := start(t, amttest.Config{})
	mine, other, third := "http://127.0.0.1:1/mine", "http://127.0.0.1:1/other", "http://127.0.0.1:1/third"
	dests := func(urls ...string) []oobkit.AlertDestination {
		var out []oobkit.AlertDestination
		for _, u := range urls {
			out = append(out, oobkit.AlertDestination{Delivery: oobkit.DeliveryPush, Address: u})
		}
		return out
	}
	require.NoError(t, c.ConfigureAlerts(ctx, oobkit.AlertConfig{Destinations: dests(mine, other, third)}))
	require.Len(t, srv.Subscriptions(), 3)

	rep, err := c.ApplyAlerts(ctx, oobkit.AlertConfig{Remove: []string{other}})
	require.NoError(t, err)
	require.Len(t, rep.Removed, 1)
	assert.Equal(t, other, rep.Removed[0].Destination)
	assert.ElementsMatch(t, []string{mine, third}, destinations(srv.Subscriptions()))

	rep, err = c.ApplyAlerts(ctx, oobkit.AlertConfig{Destinations: dests(mine), RemoveThirdParty: true})
	require.NoError(t, err)
	require.Len(t, rep.Removed, 1)
	assert.Equal(t, third, rep.Removed[0].Destination)
	assert.Len(t, rep.Kept, 1)
	assert.Equal(t, []string{mine}, destinations(srv.Subscriptions()))

	err = c.Remove(ctx, amt.Subscription{Destination: mine})
	requireClass(t, err, oobkit.ErrInvalidArgument)
}

func destinations(subs []amttest.Subscription) []string {
	var out []string
	for _, s := range subs {
		out = append(out, s.Destination)
	}
	return out
}

// TestAlertsFullDevice: "If the client computer does not have enough free
// space to fit all of the alerts that you configured. To allow partial alert
// subscription, check Allow partial alert application."
func TestAlertsFullDevice(t *testing.T) {
	ctx := context.Background()
	urls := []string{"http://127.0.0.1:1/a", "http://127.0.0.1:1/b", "http://127.0.0.1:1/c"}
	var dests []oobkit.AlertDestination
	for _, u := range urls {
		dests = append(dests, oobkit.AlertDestination{Delivery: oobkit.DeliveryPush, Address: u})
	}
	t.Run("all or nothing", func(t *testing.T) {
		srv, c := start(t, amttest.Config{MaxSubscriptions: 2})
		rep, err := c.ApplyAlerts(ctx, oobkit.AlertConfig{Destinations: dests})
		oe := requireClass(t, err, oobkit.ErrDevice)
		assert.ErrorIs(t, err, amt.ErrNoSpace)
		assert.Equal(t, "QuotaLimit", oe.DeviceCode)
		assert.Empty(t, rep.Subscribed)
		assert.Empty(t, srv.Subscriptions(), "the subscriptions made before the device was full are undone")
	})
	t.Run("partial", func(t *testing.T) {
		srv, c := start(t, amttest.Config{MaxSubscriptions: 2})
		rep, err := c.ApplyAlerts(ctx, oobkit.AlertConfig{Destinations: dests, AllowPartial: true})
		require.NoError(t, err)
		assert.Len(t, rep.Subscribed, 2)
		require.Len(t, rep.Skipped, 1)
		assert.Equal(t, urls[2], rep.Skipped[0].Destination)
		assert.Equal(t, urls[:2], destinations(srv.Subscriptions()))
	})
	t.Run("removal makes room", func(t *testing.T) {
		srv, c := start(t, amttest.Config{MaxSubscriptions: 2})
		require.NoError(t, c.ConfigureAlerts(ctx, oobkit.AlertConfig{Destinations: dests[:2]}))
		require.NoError(t, c.ConfigureAlerts(ctx, oobkit.AlertConfig{Destinations: dests[2:], Remove: urls[:1]}))
		assert.Equal(t, []string{urls[1], urls[2]}, destinations(srv.Subscriptions()))
	})
}

func TestAlertsInvalid(t *testing.T) {
	ctx := context.Background()
	srv, c := start(t, amttest.Config{})
	long := "http://127.0.0.1/" + string(make([]byte, 250))
	tests := []struct {
		name  string
		dest  oobkit.AlertDestination
		class error
	}{
		{"not a URL", oobkit.AlertDestination{Delivery: oobkit.DeliveryPush, Address: "127.0.0.1"}, oobkit.ErrInvalidArgument},
		{"URL too long", oobkit.AlertDestination{Delivery: oobkit.DeliveryPush, Address: long}, oobkit.ErrInvalidArgument},
		{"PET to a URL", oobkit.AlertDestination{Delivery: oobkit.DeliverySNMPTrap, Address: "http://x/"}, oobkit.ErrInvalidArgument},
		{"PET port", oobkit.AlertDestination{Delivery: oobkit.DeliverySNMPTrap, Address: "127.0.0.1", Port: 1162}, oobkit.ErrUnsupported},
		{"unknown delivery", oobkit.AlertDestination{Delivery: "mail", Address: "a@b"}, oobkit.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.ApplyAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{tt.dest}})
			requireClass(t, err, tt.class)
		})
	}
	err := c.Subscribe(ctx, "Intel(r) AMT:NoSuchFilter", oobkit.AlertDestination{Delivery: oobkit.DeliveryPush, Address: "http://127.0.0.1:1/"})
	requireClass(t, err, oobkit.ErrInvalidArgument)
	assert.Empty(t, srv.Subscriptions())
}

func TestAlertsPET(t *testing.T) {
	ctx := context.Background()
	t.Run("firmware 12 sends a trap", func(t *testing.T) {
		tl, err := snmp.Listen(ctx, "127.0.0.1:0", snmp.WithCommunities(oobkit.NewSecret("s3cret")))
		require.NoError(t, err)
		defer tl.Close()
		srv, c := start(t, amttest.Config{Firmware: "12.0.67", PETPort: tl.Addr().Port, Power: oobkit.PowerS0})
		rep, err := c.ApplyAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{
			{Delivery: oobkit.DeliverySNMPTrap, Address: "127.0.0.1", Community: oobkit.NewSecret("s3cret")}}})
		require.NoError(t, err)
		require.Len(t, rep.Subscribed, 1)
		subs, err := c.Subscriptions(ctx)
		require.NoError(t, err)
		require.Len(t, subs, 1)
		assert.Equal(t, oobkit.DeliverySNMPTrap, subs[0].Delivery)
		assert.Equal(t, "127.0.0.1", subs[0].Destination)
		assert.Equal(t, 1, subs[0].PolicyID)

		require.NoError(t, c.SetPower(ctx, oobkit.ActionOff))
		ev := nextEvent(t, tl.Events())
		assert.Equal(t, oobkit.SNMP, ev.Source)
		assert.Equal(t, "127.0.0.1", ev.Target)
		assert.Equal(t, "System ACPI Power State", ev.SensorType)
		assert.Equal(t, 5, ev.Offset, "S5/G2 soft off")
		assert.Equal(t, oobkit.SeverityInfo, ev.Severity)
		srv.WaitAlerts()
		require.Len(t, srv.Deliveries(), 1)
		require.NoError(t, srv.Deliveries()[0].Err)

		// Removing it by address.
		rep, err = c.ApplyAlerts(ctx, oobkit.AlertConfig{Remove: []string{"127.0.0.1"}})
		require.NoError(t, err)
		assert.Len(t, rep.Removed, 1)
		assert.Empty(t, srv.Subscriptions())
	})
	t.Run("firmware 18 has no PET", func(t *testing.T) {
		srv, c := start(t, amttest.Config{Firmware: "18.0.5"})
		_, err := c.ApplyAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{
			{Delivery: oobkit.DeliveryPush, Address: "http://127.0.0.1:1/"},
			{Delivery: oobkit.DeliverySNMPTrap, Address: "127.0.0.1"}}})
		requireClass(t, err, oobkit.ErrUnsupported)
		assert.Empty(t, srv.Subscriptions(), "nothing was changed")
		err = c.Subscribe(ctx, "", oobkit.AlertDestination{Delivery: oobkit.DeliverySNMPTrap, Address: "127.0.0.1"})
		requireClass(t, err, oobkit.ErrUnsupported)
		subs, err := c.Subscriptions(ctx)
		require.NoError(t, err, "listing works without PET")
		assert.Empty(t, subs)
	})
	t.Run("PET slots", func(t *testing.T) {
		srv, c := start(t, amttest.Config{MaxPETSubscribers: 1})
		rep, err := c.ApplyAlerts(ctx, oobkit.AlertConfig{AllowPartial: true, Destinations: []oobkit.AlertDestination{
			{Delivery: oobkit.DeliverySNMPTrap, Address: "127.0.0.1"}, {Delivery: oobkit.DeliverySNMPTrap, Address: "127.0.0.2"}}})
		require.NoError(t, err)
		assert.Len(t, rep.Subscribed, 1)
		assert.Len(t, rep.Skipped, 1)
		assert.Len(t, srv.Subscriptions(), 1)
	})
}

func TestAlertsUnreachableListenerIsReported(t *testing.T) {
	ctx := context.Background()
	srv, c := start(t, amttest.Config{})
	l := listener(t)
	url := l.URL()
	require.NoError(t, l.Close())
	require.NoError(t, c.Subscribe(ctx, "", oobkit.AlertDestination{Delivery: oobkit.DeliveryPush, Address: url}))
	out, err := srv.Alert(ctx, amttest.Alert{MessageID: "iAMT0050"})
	require.Error(t, err)
	require.Len(t, out, 1)
	assert.False(t, out[0].Acked)
	assert.Error(t, out[0].Err)
	assert.ErrorContains(t, err, url)
}

func TestAlertsSimulatorSendsToLoopbackOnly(t *testing.T) {
	ctx := context.Background()
	srv, c := start(t, amttest.Config{})
	require.NoError(t, c.ConfigureAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{
		{Delivery: oobkit.DeliveryPush, Address: "http://192.0.2.10:8080/events"},
		{Delivery: oobkit.DeliverySNMPTrap, Address: "192.0.2.10"}}}))
	out, err := srv.Alert(ctx, amttest.Alert{MessageID: "PLAT0272", Record: amttest.Record{SensorType: 0x1d, EventType: 0x6f}})
	require.Error(t, err)
	require.Len(t, out, 2)
	for _, d := range out {
		assert.ErrorContains(t, d.Err, "loopback")
	}
}
