package dash

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/wseventing"
)

// IndicationFilter is an event filter the computer offers
// (CIM_IndicationFilter, DSP1054).
type IndicationFilter struct {
	Name          string // the filter's name, e.g. "DASH:AllAlerts"
	Query         string // the event query selecting indications
	QueryLanguage string // the query's dialect ("DMTF:CQL", "WQL")
}

// Subscription is an indication subscription on the computer
// (CIM_IndicationSubscription joined with its
// CIM_ListenerDestinationWSManagement).
type Subscription struct {
	// Filter is the filter's Name.
	Filter string
	// Destination is the listener URL events are pushed to.
	Destination string
	// Delivery is push or push-with-ack ("" for another mode).
	Delivery oobkit.AlertDelivery
	// Active is false for a subscription that was deactivated but kept
	// (SubscriptionState 4 "Disabled"): it holds its slot and delivers
	// nothing until activated again.
	Active bool

	filterRef, handlerRef *wsman.EndpointReference
}

// CIM_AbstractIndicationSubscription.SubscriptionState values (CIM schema
// ValueMap, used by DSP1054: 2 Enabled, 3 Enabled Degraded, 4 Disabled).
const (
	subscriptionEnabled  = 2
	subscriptionDisabled = 4
)

// CIM_ListenerDestinationWSManagement.DeliveryMode values (DSP1054).
const (
	deliveryModePush        = "2"
	deliveryModePushWithAck = "3"
)

// IndicationFilters lists the filters the computer offers.
func (c *Client) IndicationFilters(ctx context.Context) ([]IndicationFilter, error) {
	if err := c.requireProfile(ctx, "IndicationFilters", ProfileIndications); err != nil {
		return nil, err
	}
	items, err := c.enumerate(ctx, "CIM_IndicationFilter", false)
	if err != nil {
		return nil, err
	}
	out := make([]IndicationFilter, 0, len(items))
	for _, in := range items {
		out = append(out, IndicationFilter{Name: in.Get("Name"), Query: in.Get("Query"), QueryLanguage: in.Get("QueryLanguage")})
	}
	return out, nil
}

// Subscriptions lists the computer's indication subscriptions, whoever made
// them.
func (c *Client) Subscriptions(ctx context.Context) ([]Subscription, error) {
	if err := c.requireProfile(ctx, "Subscriptions", ProfileIndications); err != nil {
		return nil, err
	}
	subs, err := c.enumerate(ctx, "CIM_IndicationSubscription", false)
	if err != nil {
		return nil, err
	}
	dests, err := c.enumerate(ctx, "CIM_ListenerDestinationWSManagement", true)
	if err != nil {
		return nil, err
	}
	byName := map[string]*wsman.Instance{}
	for _, d := range dests {
		byName[d.Get("Name")] = d
	}
	out := make([]Subscription, 0, len(subs))
	for _, s := range subs {
		f, h := s.EPR("Filter"), s.EPR("Handler")
		if f == nil || h == nil {
			continue
		}
		state, ok := s.Int("SubscriptionState")
		sub := Subscription{Filter: f.Selectors.Get("Name"), Active: !ok || state != subscriptionDisabled, filterRef: f, handlerRef: h}
		if d := byName[h.Selectors.Get("Name")]; d != nil {
			sub.Destination = d.Get("Destination")
			switch d.Get("DeliveryMode") {
			case deliveryModePush:
				sub.Delivery = oobkit.DeliveryPush
			case deliveryModePushWithAck:
				sub.Delivery = oobkit.DeliveryPushWithAck
			}
		}
		out = append(out, sub)
	}
	return out, nil
}

// Subscribe subscribes dest to the filter named filter (WS-Eventing
// Subscribe to the existing CIM_IndicationFilter). Events carry the
// reference parameters [wseventing.RefTarget] (this client's target) and
// [wseventing.RefProtocol] ("dash"), so an indication listener can say
// which computer sent them.
func (c *Client) Subscribe(ctx context.Context, filter string, dest oobkit.AlertDestination) error {
	if err := c.requireProfile(ctx, "Subscribe", ProfileIndications); err != nil {
		return err
	}
	return c.subscribe(ctx, filter, dest)
}

func (c *Client) subscribe(ctx context.Context, filter string, dest oobkit.AlertDestination) error {
	mode, err := deliveryMode(dest.Delivery)
	if err != nil {
		return err
	}
	_, err = c.ws.Subscribe(ctx, uri("CIM_IndicationFilter"), wsman.SubscribeOptions{
		NotifyTo:     dest.Address,
		DeliveryMode: mode,
		Selectors:    wsman.Sel("Name", filter),
		ReferenceParameters: []wsman.MessageOption{
			{Name: wseventing.RefTarget, Value: c.target.String()},
			{Name: wseventing.RefProtocol, Value: string(oobkit.DASH)},
		},
	})
	return err
}

func deliveryMode(d oobkit.AlertDelivery) (string, error) {
	switch d {
	case oobkit.DeliveryPush, "":
		return wsman.DeliveryPush, nil
	case oobkit.DeliveryPushWithAck:
		return wsman.DeliveryPushWithAck, nil
	}
	return "", errorf("Subscribe", oobkit.ErrUnsupported, "", "DASH delivers indications over WS-Eventing, not %q", d)
}

// Unsubscribe deactivates a subscription listed by [Client.Subscriptions]
// and keeps it on the computer, as the RTSM guide's Unsubscribe
// ("Deactivates the alert, but does not remove it from the memory"): a Put
// of its SubscriptionState to 4 (Disabled). It keeps its slot; use
// [Client.Remove] to free it, [Client.Activate] to turn it back on.
func (c *Client) Unsubscribe(ctx context.Context, s Subscription) error {
	return c.setState(ctx, "Unsubscribe", s, subscriptionDisabled)
}

// Activate turns a deactivated subscription back on (SubscriptionState 2,
// Enabled): the guide's Subscribe of an alert the computer still holds.
func (c *Client) Activate(ctx context.Context, s Subscription) error {
	return c.setState(ctx, "Activate", s, subscriptionEnabled)
}

func (c *Client) setState(ctx context.Context, op string, s Subscription, state int64) error {
	if s.filterRef == nil || s.handlerRef == nil {
		return errorf(op, oobkit.ErrInvalidArgument, "", "the subscription was not listed by Subscriptions")
	}
	in := wsman.NewInstance(uri("CIM_IndicationSubscription"), "CIM_IndicationSubscription").
		SetEPR("Filter", s.filterRef).SetEPR("Handler", s.handlerRef).SetInt("SubscriptionState", state)
	_, err := c.ws.Put(ctx, uri("CIM_IndicationSubscription"), s.selectors(), in)
	return err
}

// Remove deletes a subscription listed by [Client.Subscriptions] from the
// computer, freeing its slot: the guide's Remove from client ("Removes the
// alert from the client computer's memory and reclaims space").
func (c *Client) Remove(ctx context.Context, s Subscription) error {
	if s.filterRef == nil || s.handlerRef == nil {
		return errorf("Remove", oobkit.ErrInvalidArgument, "", "the subscription was not listed by Subscriptions")
	}
	return c.ws.Delete(ctx, uri("CIM_IndicationSubscription"), s.selectors())
}

func (s Subscription) selectors() wsman.Selectors {
	return wsman.Selectors{{Name: "Filter", EPR: s.filterRef}, {Name: "Handler", EPR: s.handlerRef}}
}

// AlertReport says what [Client.ApplyAlerts] did.
type AlertReport struct {
	// Subscribed lists the new subscriptions (filter and destination).
	Subscribed []Subscription
	// Kept lists wanted subscriptions that already existed.
	Kept []Subscription
	// Removed lists deleted subscriptions.
	Removed []Subscription
	// Skipped lists wanted subscriptions left out for lack of space
	// (AllowPartial).
	Skipped []Subscription
	// Activated lists kept, inactive subscriptions turned back on.
	Activated []Subscription
	// Deactivated lists subscriptions turned off and kept.
	Deactivated []Subscription
}

// ErrNoSpace is wrapped (with oobkit.ErrDevice) when the computer has no
// room for the subscriptions asked for and AllowPartial is off.
var ErrNoSpace = errors.New("no room for more indication subscriptions")

// ConfigureAlerts applies cfg; see [Client.ApplyAlerts].
func (c *Client) ConfigureAlerts(ctx context.Context, cfg oobkit.AlertConfig) error {
	_, err := c.ApplyAlerts(ctx, cfg)
	return err
}

// ApplyAlerts applies the RTSM guide's alert settings. It subscribes every
// destination of cfg to the filters cfg names (cfg.Filters and the
// subscribe actions of cfg.Alerts; every filter when cfg names none),
// keeping subscriptions that already exist and activating kept, inactive
// ones. The unsubscribe actions of cfg.Alerts deactivate the filter's
// subscriptions and keep them ([Client.Unsubscribe]); the remove actions
// delete them ([Client.Remove]). Those act on the subscriptions to
// cfg.Destinations, or on every subscription to the filter when cfg has no
// destination.
//
// It first deletes the subscriptions to addresses in cfg.Remove and, with
// RemoveThirdParty, every subscription whose destination is not one of
// cfg.Destinations (the guide: "remove all previous alert subscriptions
// from the client computer and reclaim space before applying new
// subscriptions"). The filters themselves are the computer's (DSP1054
// predefined CIM_IndicationFilter instances) and are never deleted.
//
// When the computer reports MaxActiveSubscriptions
// (CIM_IndicationServiceCapabilities) and lacks room, it changes nothing
// and returns ErrNoSpace, unless AllowPartial: then it subscribes as many
// as fit, in order, and reports the rest as Skipped. A device that refuses
// a Subscribe for quota (wsman QuotaLimit) is treated the same way.
// DSP1054 has no setting for which alerts the computer logs, so a
// cfg.Alerts entry with Log set is refused with ErrUnsupported before
// anything changes.
func (c *Client) ApplyAlerts(ctx context.Context, cfg oobkit.AlertConfig) (*AlertReport, error) {
	const op = "ConfigureAlerts"
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	for _, d := range cfg.Destinations {
		if _, err := deliveryMode(d.Delivery); err != nil {
			return nil, err
		}
		if d.Address == "" {
			return nil, errorf(op, oobkit.ErrInvalidArgument, "", "a destination has no address")
		}
	}
	for _, a := range cfg.Alerts {
		if a.Log != nil {
			return nil, errorf(op, oobkit.ErrUnsupported, "",
				"DASH has no setting for which alerts the computer logs (DSP1054 filters only select what is sent); %q was not changed", a.Filter)
		}
	}
	if err := c.requireProfile(ctx, op, ProfileIndications); err != nil {
		return nil, err
	}
	all, err := c.IndicationFilters(ctx)
	if err != nil {
		return nil, err
	}
	for _, name := range append(slices.Clone(cfg.Filters), alertFilters(cfg, "")...) {
		if !slices.ContainsFunc(all, func(f IndicationFilter) bool { return f.Name == name }) {
			return nil, errorf(op, oobkit.ErrInvalidArgument, "", "the computer has no event filter %q", name)
		}
	}
	filters := append(slices.Clone(cfg.Filters), alertFilters(cfg, oobkit.AlertSubscribe)...)
	if len(filters) == 0 && len(cfg.Alerts) == 0 {
		for _, f := range all {
			filters = append(filters, f.Name)
		}
	}
	existing, err := c.Subscriptions(ctx)
	if err != nil {
		return nil, err
	}
	rep := &AlertReport{}
	mine := func(s Subscription) bool {
		return len(cfg.Destinations) == 0 ||
			slices.ContainsFunc(cfg.Destinations, func(d oobkit.AlertDestination) bool { return d.Address == s.Destination })
	}
	var remove, stay, deactivate []Subscription
	for _, s := range existing {
		switch act := alertAction(cfg, s.Filter); {
		case cfg.Removes(s.Destination), act == oobkit.AlertRemove && mine(s):
			remove = append(remove, s)
		case act == oobkit.AlertUnsubscribe && mine(s):
			stay = append(stay, s)
			if s.Active {
				deactivate = append(deactivate, s)
			}
		default:
			stay = append(stay, s)
		}
	}
	var want, activate []Subscription
	if len(cfg.Destinations) == 0 {
		for _, s := range stay {
			if !s.Active && alertAction(cfg, s.Filter) == oobkit.AlertSubscribe {
				activate = append(activate, s)
			}
		}
	}
	for _, d := range cfg.Destinations {
		for _, f := range filters {
			s := Subscription{Filter: f, Destination: d.Address, Delivery: d.Delivery}
			switch have := find(stay, s); {
			case have == nil:
				want = append(want, s)
			case have.Active:
				rep.Kept = append(rep.Kept, *have)
			default:
				activate = append(activate, *have)
			}
		}
	}
	if max, ok, err := c.maxSubscriptions(ctx); err != nil {
		return nil, err
	} else if ok {
		free := max - len(stay)
		if free < 0 {
			free = 0
		}
		if len(want) > free {
			if !cfg.AllowPartial {
				return nil, &oobkit.Error{Protocol: oobkit.DASH, Op: op, Class: oobkit.ErrDevice, Err: ErrNoSpace,
					Message: fmt.Sprintf("the computer has room for %d more subscriptions, %d asked for; nothing was changed", free, len(want))}
			}
			rep.Skipped = append(rep.Skipped, want[free:]...)
			want = want[:free]
		}
	}
	for _, s := range remove {
		if err := c.Remove(ctx, s); err != nil {
			return rep, err
		}
		rep.Removed = append(rep.Removed, s)
	}
	for _, s := range deactivate {
		if err := c.Unsubscribe(ctx, s); err != nil {
			return rep, err
		}
		s.Active = false
		rep.Deactivated = append(rep.Deactivated, s)
	}
	for _, s := range activate {
		if err := c.Activate(ctx, s); err != nil {
			return rep, err
		}
		s.Active = true
		rep.Activated = append(rep.Activated, s)
	}
	for i, s := range want {
		err := c.subscribe(ctx, s.Filter, oobkit.AlertDestination{Delivery: s.Delivery, Address: s.Destination})
		if err != nil {
			if f, ok := wsman.AsFault(err); ok && strings.EqualFold(f.Subcode, "QuotaLimit") {
				if cfg.AllowPartial {
					rep.Skipped = append(rep.Skipped, want[i:]...)
					return rep, nil
				}
				return rep, &oobkit.Error{Protocol: oobkit.DASH, Op: op, Class: oobkit.ErrDevice, DeviceCode: f.Subcode, Err: ErrNoSpace,
					Message: fmt.Sprintf("subscribed %d of %d before the computer ran out of room", i, len(want))}
			}
			return rep, err
		}
		s.Active = true
		rep.Subscribed = append(rep.Subscribed, s)
	}
	return rep, nil
}

// alertFilters lists the filters of cfg.Alerts with action act ("" for
// every alert setting).
func alertFilters(cfg oobkit.AlertConfig, act oobkit.AlertAction) []string {
	var out []string
	for _, a := range cfg.Alerts {
		if act == "" || a.Action == act {
			out = append(out, a.Filter)
		}
	}
	return out
}

// alertAction is the action cfg.Alerts asks for filter (AlertKeep if none).
func alertAction(cfg oobkit.AlertConfig, filter string) oobkit.AlertAction {
	for _, a := range cfg.Alerts {
		if a.Filter == filter {
			return a.Action
		}
	}
	return oobkit.AlertKeep
}

func find(subs []Subscription, s Subscription) *Subscription {
	for i := range subs {
		if subs[i].Filter == s.Filter && subs[i].Destination == s.Destination && subs[i].Delivery == s.Delivery {
			return &subs[i]
		}
	}
	return nil
}

// maxSubscriptions reads CIM_IndicationServiceCapabilities.MaxActiveSubscriptions.
func (c *Client) maxSubscriptions(ctx context.Context) (int, bool, error) {
	items, err := c.enumerate(ctx, "CIM_IndicationServiceCapabilities", true)
	if err != nil || len(items) == 0 {
		return 0, false, err
	}
	v, ok := items[0].Int("MaxActiveSubscriptions")
	return int(v), ok, nil
}
