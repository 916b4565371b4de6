package amt

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/wseventing"
)

// FilterAll is the filter collection of every AMT event ("Intel(r)
// AMT:All"), the one [Client.ApplyAlerts] subscribes to when the
// configuration names none.
const FilterAll = schema.FilterAll

// PETPort is the UDP port AMT sends Platform Event Traps to: the SNMP trap
// port. AMT_SNMPEventSubscriber has no port property, so a PET destination
// with another port is refused.
const PETPort = 162

// maxNotifyTo is the longest NotifyTo URL AMT accepts (Intel
// subscribeforevents.htm: 253 characters).
const maxNotifyTo = 253

// Subscription is an alert destination the device holds: a WS-Eventing
// subscription of a listener URL to a filter collection
// (CIM_FilterCollectionSubscription with its
// CIM_ListenerDestinationWSManagement), or an SNMP PET destination
// (AMT_SNMPEventSubscriber).
type Subscription struct {
	// Filter is the filter collection's InstanceID for WS-Eventing ("" for
	// a PET destination).
	Filter string
	// Destination is the listener URL, or the PET destination's address.
	Destination string
	// Delivery is push, push-with-ack or snmp ("" for another WS-Eventing
	// mode).
	Delivery oobkit.AlertDelivery
	// PolicyID is the PET filter policy feeding a PET destination.
	PolicyID int

	sel wsman.Selectors // how to delete it
}

// CIM_ListenerDestinationWSManagement.DeliveryMode values (reference
// amt_wsman.md §2(f): 2 Push, 3 PushWithAck).
const (
	deliveryModePush        = "2"
	deliveryModePushWithAck = "3"
)

// ErrNoSpace is wrapped (with oobkit.ErrDevice) when the device has no room
// for the subscriptions asked for and AllowPartial is off.
var ErrNoSpace = errors.New("no room for more alert subscriptions")

// Subscriptions lists the device's alert destinations, whoever made them:
// WS-Eventing subscriptions, then PET destinations (none on Intel ME 18 and
// later, which dropped PET).
func (c *Client) Subscriptions(ctx context.Context) ([]Subscription, error) {
	subs, _, err := c.subscriptions(ctx)
	return subs, err
}

// subscriptions also says whether the device offers PET.
func (c *Client) subscriptions(ctx context.Context) ([]Subscription, bool, error) {
	assoc, err := c.enumerate(ctx, schema.FilterCollectionSubscription)
	if err != nil {
		return nil, false, err
	}
	var dests []*wsman.Instance
	if len(assoc) > 0 {
		if dests, err = c.enumerate(ctx, schema.ListenerDestination); err != nil {
			return nil, false, err
		}
	}
	out := decodeSubscriptions(assoc, dests)
	pets, err := c.enumerate(ctx, schema.SNMPSubscriber)
	if errors.Is(err, oobkit.ErrUnsupported) {
		return out, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return append(out, decodePETSubscribers(pets)...), true, nil
}

// decodeSubscriptions joins CIM_FilterCollectionSubscription associations
// with their CIM_ListenerDestinationWSManagement by the Handler's Name.
// Associations without both references are skipped.
func decodeSubscriptions(assoc, dests []*wsman.Instance) []Subscription {
	byName := map[string]*wsman.Instance{}
	for _, d := range dests {
		byName[d.Get("Name")] = d
	}
	out := make([]Subscription, 0, len(assoc))
	for _, a := range assoc {
		f, h := a.EPR("Filter"), a.EPR("Handler")
		if f == nil || h == nil {
			continue
		}
		s := Subscription{Filter: f.Selectors.Get("InstanceID"),
			sel: wsman.Selectors{{Name: "Filter", EPR: f}, {Name: "Handler", EPR: h}}}
		if d := byName[h.Selectors.Get("Name")]; d != nil {
			s.Destination = d.Get("Destination")
			switch d.Get("DeliveryMode") {
			case deliveryModePush:
				s.Delivery = oobkit.DeliveryPush
			case deliveryModePushWithAck:
				s.Delivery = oobkit.DeliveryPushWithAck
			}
		}
		out = append(out, s)
	}
	return out
}

// subscriberKeys are the keys of AMT_SNMPEventSubscriber (a
// CIM_ListenerDestination): the selectors that delete one.
var subscriberKeys = []string{"CreationClassName", "Name", "SystemCreationClassName", "SystemName"}

// decodePETSubscribers reads AMT_SNMPEventSubscriber instances.
func decodePETSubscribers(items []*wsman.Instance) []Subscription {
	out := make([]Subscription, 0, len(items))
	for _, in := range items {
		s := Subscription{Destination: in.Get("AccessInfo"), Delivery: oobkit.DeliverySNMPTrap}
		if p, ok := in.Int("PolicyID"); ok {
			s.PolicyID = int(p)
		}
		for _, k := range subscriberKeys {
			if v := in.Get(k); v != "" {
				s.sel = append(s.sel, wsman.Selector{Name: k, Value: v})
			}
		}
		out = append(out, s)
	}
	return out
}

// Subscribe points dest at the device's alerts: a WS-Eventing Subscribe to
// the filter collection named filter ([FilterAll] when empty) for push and
// push-with-ack destinations, an AMT_SNMPEventSubscriber for an SNMP PET
// destination (filter is then ignored; the PET filters of the device's
// first alerting policy feed it). WS-Eventing events carry the reference
// parameters [wseventing.RefTarget] (this client's target) and
// [wseventing.RefProtocol] ("amt"), so a listener ([wseventing.New]) can
// say which computer sent them. PET on Intel ME 18 and later is
// ErrUnsupported.
func (c *Client) Subscribe(ctx context.Context, filter string, dest oobkit.AlertDestination) error {
	if err := validDestination(dest); err != nil {
		return err
	}
	if dest.Delivery == oobkit.DeliverySNMPTrap {
		policy, err := c.petPolicy(ctx)
		if err != nil {
			return err
		}
		return c.createPET(ctx, dest, policy)
	}
	if filter == "" {
		filter = FilterAll
	}
	return c.subscribeWS(ctx, filter, dest)
}

func (c *Client) subscribeWS(ctx context.Context, filter string, dest oobkit.AlertDestination) error {
	mode := wsman.DeliveryPush
	if dest.Delivery == oobkit.DeliveryPushWithAck {
		mode = wsman.DeliveryPushWithAck
	}
	_, err := c.ws.Subscribe(ctx, schema.FilterCollection, wsman.SubscribeOptions{
		NotifyTo:     dest.Address,
		DeliveryMode: mode,
		Selectors:    wsman.Sel("InstanceID", filter),
		ReferenceParameters: []wsman.MessageOption{
			{Name: wseventing.RefTarget, Value: c.target.String()},
			{Name: wseventing.RefProtocol, Value: string(oobkit.AMT)},
		},
	})
	return err
}

func (c *Client) createPET(ctx context.Context, dest oobkit.AlertDestination, policy int) error {
	in := wsman.NewInstance(schema.SNMPSubscriber, "AMT_SNMPEventSubscriber").
		Set("AccessInfo", dest.Address).SetInt("PolicyID", int64(policy))
	if !dest.Community.IsZero() {
		in.Set("CommunityString", dest.Community.Reveal())
	}
	_, err := c.ws.Create(ctx, schema.SNMPSubscriber, in)
	return err
}

// petPolicy is the PolicyID a new PET destination gets: the lowest one
// among the enabled AMT_PETFilterSetting filters that send alerts.
func (c *Client) petPolicy(ctx context.Context) (int, error) {
	filters, err := c.EventFilters(ctx)
	if err != nil {
		return 0, err
	}
	return checkPolicy(policyOf(filters))
}

func checkPolicy(p int) (int, error) {
	if p < 0 {
		return 0, &oobkit.Error{Protocol: oobkit.AMT, Op: "Subscribe", Class: oobkit.ErrUnsupported,
			Message: "no enabled PET filter sends alerts, so a PET destination would receive nothing"}
	}
	return p, nil
}

// validDestination checks what the device would refuse or misuse.
func validDestination(d oobkit.AlertDestination) error {
	const op = "Subscribe"
	switch d.Delivery {
	case oobkit.DeliveryPush, oobkit.DeliveryPushWithAck:
		if !strings.HasPrefix(d.Address, "http://") && !strings.HasPrefix(d.Address, "https://") {
			return argErr(op, "a WS-Eventing destination is an http(s) URL")
		}
		if len(d.Address) > maxNotifyTo {
			return argErr(op, "AMT accepts listener URLs of at most %d characters", maxNotifyTo)
		}
	case oobkit.DeliverySNMPTrap:
		if d.Address == "" || strings.ContainsAny(d.Address, "/: ") && net.ParseIP(d.Address) == nil {
			return argErr(op, "a PET destination is an IP address or host name")
		}
		if d.Port != 0 && d.Port != PETPort {
			return &oobkit.Error{Protocol: oobkit.AMT, Op: op, Class: oobkit.ErrUnsupported,
				Message: "AMT sends PET to UDP port " + strconv.Itoa(PETPort) + " only"}
		}
	default:
		return &oobkit.Error{Protocol: oobkit.AMT, Op: op, Class: oobkit.ErrUnsupported,
			Message: fmt.Sprintf("unknown alert delivery %q", d.Delivery)}
	}
	return nil
}

// Unsubscribe would deactivate a subscription and keep it, as the RTSM
// guide's Unsubscribe ("Deactivates the alert, but does not remove it from
// the memory"), but AMT cannot keep a destination inactive: its
// CIM_FilterCollectionSubscription offers Get, Enumerate, Unsubscribe (which
// deletes) and Renew, no Put of SubscriptionState (Intel AMT SDK class
// reference,
// https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/HTMLDocuments/WS-Management_Class_Reference/CIM_FilterCollectionSubscription.htm),
// and AMT_SNMPEventSubscriber has no state at all. It returns
// ErrUnsupported. AMT deactivates alerts per event filter instead
// ([Client.SetEventFilter], or ApplyAlerts with an unsubscribe action);
// [Client.Remove] deletes a destination.
func (c *Client) Unsubscribe(ctx context.Context, s Subscription) error {
	return &oobkit.Error{Protocol: oobkit.AMT, Op: "Unsubscribe", Class: oobkit.ErrUnsupported,
		Message: "AMT keeps no inactive subscription: deactivate the alert's event filter, or Remove the subscription"}
}

// Remove deletes a subscription listed by [Client.Subscriptions], freeing
// its slot: a WS-Eventing Unsubscribe of a CIM_FilterCollectionSubscription,
// or a Delete of an AMT_SNMPEventSubscriber.
func (c *Client) Remove(ctx context.Context, s Subscription) error {
	if len(s.sel) == 0 {
		return argErr("Remove", "the subscription was not listed by Subscriptions")
	}
	if s.Delivery == oobkit.DeliverySNMPTrap {
		return c.ws.Delete(ctx, schema.SNMPSubscriber, s.sel)
	}
	return c.ws.Unsubscribe(ctx, &wsman.Subscription{Manager: &wsman.EndpointReference{
		ResourceURI: schema.FilterCollectionSubscription, Selectors: s.sel}})
}

// AlertReport says what [Client.ApplyAlerts] did.
type AlertReport struct {
	// Subscribed lists the new subscriptions.
	Subscribed []Subscription
	// Kept lists wanted subscriptions that already existed.
	Kept []Subscription
	// Removed lists deleted subscriptions.
	Removed []Subscription
	// Skipped lists wanted subscriptions left out for lack of room
	// (AllowPartial).
	Skipped []Subscription
	// FiltersChanged lists the event filters whose sending or logging the
	// configuration changed, as they are now.
	FiltersChanged []EventFilter
	// FiltersRemoved lists the event filters deleted from the device.
	FiltersRemoved []EventFilter
}

// ConfigureAlerts applies cfg; see [Client.ApplyAlerts].
func (c *Client) ConfigureAlerts(ctx context.Context, cfg oobkit.AlertConfig) error {
	_, err := c.ApplyAlerts(ctx, cfg)
	return err
}

// ApplyAlerts applies the RTSM guide's alert settings to the device.
//
// Where to send: every WS-Eventing destination of cfg is subscribed to the
// filter collections cfg names (cfg.Filters and collections named by a
// subscribe action in cfg.Alerts; [FilterAll] when cfg names no
// collection), and a PET destination is created for every SNMP one;
// existing ones are kept.
//
// Which alerts to send and which to log: an entry of cfg.Alerts naming an
// event filter ([EventFilter], by Name or InstanceID) sets its SendAlert
// and LogOnEvent: subscribe sends, unsubscribe stops sending and keeps the
// filter on the device (disabled unless it still logs), Log sets logging,
// remove deletes the filter and frees its slot. An entry naming a
// WS-Eventing filter collection can subscribe or remove (its subscriptions
// to cfg.Destinations, or all of them when cfg has none); AMT cannot keep
// such a subscription inactive ([Client.Unsubscribe]) and a collection has
// no log setting, so those are refused with ErrUnsupported, as is Log on
// firmware without event filters (Intel ME 18 and later). OEM filters
// cannot be changed (ErrUnsupported). Every refusal comes before any
// change.
//
// Removal first: the subscriptions to addresses in cfg.Remove go and, with
// RemoveThirdParty, every subscription whose destination is not one of
// cfg.Destinations and, when cfg.Alerts names event filters, every other
// non-OEM event filter (the guide: "remove all previous alert
// subscriptions from the client computer and reclaim space before applying
// new subscriptions").
//
// AMT has a fixed number of subscription slots and says it is full by
// refusing a Subscribe or Create (wsman QuotaLimit). With AllowPartial the
// refused ones are reported as Skipped; without it the subscriptions this
// call made are undone and the error wraps [ErrNoSpace] (removals and event
// filter changes stay done). A PET destination on firmware without PET
// fails with ErrUnsupported before anything is changed.
func (c *Client) ApplyAlerts(ctx context.Context, cfg oobkit.AlertConfig) (*AlertReport, error) {
	const op = "ConfigureAlerts"
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	for _, d := range cfg.Destinations {
		if err := validDestination(d); err != nil {
			return nil, err
		}
	}
	existing, petOK, err := c.subscriptions(ctx)
	if err != nil {
		return nil, err
	}
	wantPET := slices.ContainsFunc(cfg.Destinations, func(d oobkit.AlertDestination) bool { return d.Delivery == oobkit.DeliverySNMPTrap })
	if wantPET && !petOK {
		return nil, &oobkit.Error{Protocol: oobkit.AMT, Op: op, Class: oobkit.ErrUnsupported,
			Message: "the firmware has no SNMP PET alerting (removed in Intel ME 18)"}
	}
	var filters []EventFilter
	filtersOK := false
	if len(cfg.Alerts) > 0 || wantPET {
		if filters, filtersOK, err = c.eventFilters(ctx); err != nil {
			return nil, err
		}
	}
	plan, err := c.planAlerts(ctx, cfg, filters, filtersOK)
	if err != nil {
		return nil, err
	}
	policy := 0
	if wantPET {
		if policy, err = checkPolicy(policyOf(plan.after)); err != nil {
			return nil, err
		}
	}
	collections := append(slices.Clone(cfg.Filters), plan.subscribe...)
	if len(collections) == 0 && !plan.namesCollection {
		collections = []string{FilterAll}
	}
	rep := &AlertReport{}
	mine := func(s Subscription) bool {
		return len(cfg.Destinations) == 0 ||
			slices.ContainsFunc(cfg.Destinations, func(d oobkit.AlertDestination) bool { return d.Address == s.Destination })
	}
	var remove, stay []Subscription
	for _, s := range existing {
		if cfg.Removes(s.Destination) || s.Filter != "" && slices.Contains(plan.removeCollections, s.Filter) && mine(s) {
			remove = append(remove, s)
		} else {
			stay = append(stay, s)
		}
	}
	var want []wanted
	for _, d := range cfg.Destinations {
		if d.Delivery == oobkit.DeliverySNMPTrap {
			s := Subscription{Destination: d.Address, Delivery: d.Delivery, PolicyID: policy}
			if have := find(stay, s); have != nil {
				rep.Kept = append(rep.Kept, *have)
			} else {
				want = append(want, wanted{s, d})
			}
			continue
		}
		for _, f := range collections {
			s := Subscription{Filter: f, Destination: d.Address, Delivery: d.Delivery}
			if have := find(stay, s); have != nil {
				rep.Kept = append(rep.Kept, *have)
			} else {
				want = append(want, wanted{s, d})
			}
		}
	}
	for _, s := range remove {
		if err := c.Remove(ctx, s); err != nil {
			return rep, err
		}
		rep.Removed = append(rep.Removed, s)
	}
	for _, f := range plan.removeFilters {
		if err := c.RemoveEventFilter(ctx, f); err != nil {
			return rep, err
		}
		rep.FiltersRemoved = append(rep.FiltersRemoved, f)
	}
	for _, f := range plan.change {
		if err := c.SetEventFilter(ctx, f); err != nil {
			return rep, err
		}
		rep.FiltersChanged = append(rep.FiltersChanged, f)
	}
	var full []Subscription
	for _, w := range want {
		if w.sub.Delivery == oobkit.DeliverySNMPTrap {
			err = c.createPET(ctx, w.dest, policy)
		} else {
			err = c.subscribeWS(ctx, w.sub.Filter, w.dest)
		}
		if f, ok := wsman.AsFault(err); ok && strings.EqualFold(f.Subcode, "QuotaLimit") {
			full = append(full, w.sub)
			continue
		}
		if err != nil {
			return rep, err
		}
		rep.Subscribed = append(rep.Subscribed, w.sub)
	}
	if len(full) == 0 {
		return rep, nil
	}
	if cfg.AllowPartial {
		rep.Skipped = full
		return rep, nil
	}
	undoErr := c.undo(ctx, rep.Subscribed)
	made := len(rep.Subscribed)
	rep.Subscribed = nil
	return rep, &oobkit.Error{Protocol: oobkit.AMT, Op: op, Class: oobkit.ErrDevice, DeviceCode: "QuotaLimit",
		Err:     errors.Join(ErrNoSpace, undoErr),
		Message: fmt.Sprintf("the device has room for %d of the %d subscriptions asked for; the new ones were undone", made, len(want))}
}

// alertPlan is what cfg.Alerts does to an AMT device, decided before any
// change.
type alertPlan struct {
	change            []EventFilter // filters to Put, as they will be
	removeFilters     []EventFilter // filters to delete
	after             []EventFilter // the filters once the plan is carried out
	subscribe         []string      // collections to subscribe the destinations to
	removeCollections []string      // collections whose subscriptions go
	namesCollection   bool          // cfg.Alerts names a collection
}

// planAlerts resolves each entry of cfg.Alerts to an event filter or a
// WS-Eventing filter collection and refuses what AMT cannot do.
func (c *Client) planAlerts(ctx context.Context, cfg oobkit.AlertConfig, filters []EventFilter, filtersOK bool) (*alertPlan, error) {
	const op = "ConfigureAlerts"
	p := &alertPlan{}
	var collections []string
	unsupported := func(format string, args ...any) error {
		return &oobkit.Error{Protocol: oobkit.AMT, Op: op, Class: oobkit.ErrUnsupported, Message: fmt.Sprintf(format, args...)}
	}
	named := map[string]bool{}
	for _, a := range cfg.Alerts {
		i := slices.IndexFunc(filters, func(f EventFilter) bool { return f.Name == a.Filter || f.InstanceID == a.Filter })
		if i >= 0 {
			f := filters[i]
			named[f.InstanceID] = true
			if f.OEM {
				return nil, unsupported("event filter %q is the manufacturer's (OEMFilter) and cannot be changed or removed", a.Filter)
			}
			if a.Action == oobkit.AlertRemove {
				p.removeFilters = append(p.removeFilters, f)
				continue
			}
			send, log := f.Sending(), f.Logging()
			switch a.Action {
			case oobkit.AlertSubscribe:
				send = true
			case oobkit.AlertUnsubscribe:
				send = false
			}
			if a.Log != nil {
				log = *a.Log
			}
			next := f
			next.Send, next.Log, next.Enabled = send, log, send || log
			if next.Send != f.Send || next.Log != f.Log || next.Enabled != f.Enabled {
				p.change = append(p.change, next)
			}
			continue
		}
		if collections == nil {
			items, err := c.enumerate(ctx, schema.FilterCollection)
			if err != nil {
				return nil, err
			}
			collections = []string{}
			for _, in := range items {
				collections = append(collections, in.Get("InstanceID"))
			}
		}
		if !slices.Contains(collections, a.Filter) {
			if a.Log != nil && !filtersOK {
				return nil, unsupported("the firmware has no event filters (AMT_PETFilterSetting; Intel ME 18 and later), so which alerts it logs cannot be set apart from sending; %q was not changed", a.Filter)
			}
			return nil, argErr(op, "the device has no event filter or filter collection %q", a.Filter)
		}
		p.namesCollection = true
		switch {
		case a.Log != nil:
			return nil, unsupported("AMT's WS-Eventing filter collection %q has no log setting: logging is set per event filter (AMT_PETFilterSetting.LogOnEvent)", a.Filter)
		case a.Action == oobkit.AlertUnsubscribe:
			return nil, unsupported("AMT cannot keep the subscriptions to %q inactive (CIM_FilterCollectionSubscription has no Put); remove them instead", a.Filter)
		case a.Action == oobkit.AlertSubscribe:
			p.subscribe = append(p.subscribe, a.Filter)
		case a.Action == oobkit.AlertRemove:
			p.removeCollections = append(p.removeCollections, a.Filter)
		}
	}
	if cfg.RemoveThirdParty && len(named) > 0 {
		for _, f := range filters {
			if !f.OEM && !named[f.InstanceID] {
				p.removeFilters = append(p.removeFilters, f)
			}
		}
	}
	for _, f := range filters {
		if slices.ContainsFunc(p.removeFilters, func(r EventFilter) bool { return r.InstanceID == f.InstanceID }) {
			continue
		}
		if i := slices.IndexFunc(p.change, func(ch EventFilter) bool { return ch.InstanceID == f.InstanceID }); i >= 0 {
			f = p.change[i]
		}
		p.after = append(p.after, f)
	}
	return p, nil
}

type wanted struct {
	sub  Subscription
	dest oobkit.AlertDestination
}

// partition splits existing into what cfg removes and what stays.
func partition(existing []Subscription, cfg oobkit.AlertConfig) (remove, stay []Subscription) {
	for _, s := range existing {
		if cfg.Removes(s.Destination) {
			remove = append(remove, s)
		} else {
			stay = append(stay, s)
		}
	}
	return remove, stay
}

// undo deletes the subscriptions made by a failed ApplyAlerts: it lists the
// device's subscriptions again (Subscribe does not say what it created)
// and deletes the matching ones.
func (c *Client) undo(ctx context.Context, made []Subscription) error {
	if len(made) == 0 {
		return nil
	}
	now, err := c.Subscriptions(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range made {
		if s := find(now, m); s != nil {
			errs = append(errs, c.Remove(ctx, *s))
		}
	}
	return errors.Join(errs...)
}

// find returns the subscription of subs with s's filter, destination and
// delivery (and policy for PET), or nil.
func find(subs []Subscription, s Subscription) *Subscription {
	for i := range subs {
		if subs[i].Filter == s.Filter && subs[i].Destination == s.Destination && subs[i].Delivery == s.Delivery &&
			(s.Delivery != oobkit.DeliverySNMPTrap || subs[i].PolicyID == s.PolicyID) {
			return &subs[i]
		}
	}
	return nil
}
