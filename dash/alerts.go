package dash

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/indication"
	"github.com/oobkit/oobkit/internal/wsman"
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

	filterRef, handlerRef *wsman.EndpointReference
}

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
		sub := Subscription{Filter: f.Selectors.Get("Name"), filterRef: f, handlerRef: h}
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
// reference parameters [indication.RefTarget] (this client's target) and
// [indication.RefProtocol] ("dash"), so an indication listener can say
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
			{Name: indication.RefTarget, Value: c.target.String()},
			{Name: indication.RefProtocol, Value: string(oobkit.DASH)},
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

// Unsubscribe deletes a subscription listed by [Client.Subscriptions].
func (c *Client) Unsubscribe(ctx context.Context, s Subscription) error {
	if s.filterRef == nil || s.handlerRef == nil {
		return errorf("Unsubscribe", oobkit.ErrInvalidArgument, "", "the subscription was not listed by Subscriptions")
	}
	return c.ws.Delete(ctx, uri("CIM_IndicationSubscription"), wsman.Selectors{
		{Name: "Filter", EPR: s.filterRef}, {Name: "Handler", EPR: s.handlerRef}})
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
}

// ErrNoSpace is wrapped (with oobkit.ErrDevice) when the computer has no
// room for the subscriptions asked for and AllowPartial is off.
var ErrNoSpace = errors.New("no room for more indication subscriptions")

// ConfigureAlerts applies cfg; see [Client.ApplyAlerts].
func (c *Client) ConfigureAlerts(ctx context.Context, cfg oobkit.AlertConfig) error {
	_, err := c.ApplyAlerts(ctx, cfg)
	return err
}

// ApplyAlerts subscribes every destination of cfg to the filters cfg names
// (all filters when none), skipping subscriptions that already exist. It
// first deletes the subscriptions to addresses in cfg.Remove and, with
// RemoveThirdParty, every subscription whose destination is not one of
// cfg.Destinations (this product's listeners). When the computer reports
// MaxActiveSubscriptions (CIM_IndicationServiceCapabilities) and lacks room,
// it changes nothing and returns ErrNoSpace, unless AllowPartial: then it
// subscribes as many as fit, in order, and reports the rest as Skipped. A
// device that refuses a Subscribe for quota (wsman QuotaLimit) is treated
// the same way.
func (c *Client) ApplyAlerts(ctx context.Context, cfg oobkit.AlertConfig) (*AlertReport, error) {
	const op = "ConfigureAlerts"
	for _, d := range cfg.Destinations {
		if _, err := deliveryMode(d.Delivery); err != nil {
			return nil, err
		}
		if d.Address == "" {
			return nil, errorf(op, oobkit.ErrInvalidArgument, "", "a destination has no address")
		}
	}
	if err := c.requireProfile(ctx, op, ProfileIndications); err != nil {
		return nil, err
	}
	filters := cfg.Filters
	if len(filters) == 0 {
		all, err := c.IndicationFilters(ctx)
		if err != nil {
			return nil, err
		}
		for _, f := range all {
			filters = append(filters, f.Name)
		}
	}
	existing, err := c.Subscriptions(ctx)
	if err != nil {
		return nil, err
	}
	rep := &AlertReport{}
	var remove, stay []Subscription
	for _, s := range existing {
		if cfg.Removes(s.Destination) {
			remove = append(remove, s)
		} else {
			stay = append(stay, s)
		}
	}
	var want []Subscription
	for _, d := range cfg.Destinations {
		for _, f := range filters {
			s := Subscription{Filter: f, Destination: d.Address, Delivery: d.Delivery}
			if have := find(stay, s); have != nil {
				rep.Kept = append(rep.Kept, *have)
				continue
			}
			want = append(want, s)
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
		if err := c.Unsubscribe(ctx, s); err != nil {
			return rep, err
		}
		rep.Removed = append(rep.Removed, s)
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
		rep.Subscribed = append(rep.Subscribed, s)
	}
	return rep, nil
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
