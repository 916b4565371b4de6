package dashtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// Filter is an indication filter of the simulated computer.
type Filter struct {
	Name  string
	Query string
	// MinSeverity is the lowest PerceivedSeverity the filter passes
	// (0 passes everything).
	MinSeverity int
}

// DefaultFilters are "DASH:AllAlerts" and "DASH:CriticalAlerts"
// (PerceivedSeverity ≥ 6).
func DefaultFilters() []Filter {
	return []Filter{
		{Name: "DASH:AllAlerts", Query: "SELECT * FROM CIM_AlertIndication"},
		{Name: "DASH:CriticalAlerts", Query: "SELECT * FROM CIM_AlertIndication WHERE PerceivedSeverity >= 6", MinSeverity: 6},
	}
}

// Subscription is a subscription held by the simulated computer.
type Subscription struct {
	Filter      string
	Destination string
	// WithAck is true for PushWithAck delivery.
	WithAck bool
	// ReferenceParameters are echoed in every event header.
	ReferenceParameters map[string]string
	// Inactive is true for a subscription that was deactivated but kept
	// (CIM_IndicationSubscription.SubscriptionState 4 "Disabled", DSP1054;
	// the CIM schema's CIM_AbstractIndicationSubscription: "no new
	// Indications will be generated or dispatched until the subscription is
	// explicitly enabled"). It still takes its slot and receives no alert.
	Inactive bool

	handler string
}

// CIM_AbstractIndicationSubscription.SubscriptionState values (CIM schema
// 2.x ValueMap: 2 Enabled, 4 Disabled).
const (
	subscriptionEnabled  = "2"
	subscriptionDisabled = "4"
)

func (c *Computer) registerIndications() {
	c.serveList("CIM_IndicationFilter", func() []*wsman.Instance {
		var out []*wsman.Instance
		for _, f := range c.cfg.Filters {
			out = append(out, c.filterInstance(f))
		}
		return out
	})
	if !c.cfg.HideCapacity {
		c.serveList("CIM_IndicationServiceCapabilities", func() []*wsman.Instance {
			return []*wsman.Instance{inst("CIM_IndicationServiceCapabilities").Set("InstanceID", "DASH:IndicationServiceCapabilities").
				SetInt("MaxActiveSubscriptions", int64(c.cfg.MaxSubscriptions)).SetInt("MaxListenerDestinations", int64(c.cfg.MaxSubscriptions)).
				Set("DeliveryRetryAttempts", "0")}
		})
	}
	c.serveList("CIM_IndicationSubscription", func() []*wsman.Instance {
		c.mu.Lock()
		defer c.mu.Unlock()
		var out []*wsman.Instance
		for _, s := range c.subs {
			state := subscriptionEnabled
			if s.Inactive {
				state = subscriptionDisabled
			}
			out = append(out, inst("CIM_IndicationSubscription").SetEPR("Filter", filterRef(s.Filter)).
				SetEPR("Handler", handlerRef(s.handler)).Set("SubscriptionState", state).Set("OnFatalErrorPolicy", "2"))
		}
		return out
	})
	c.serveList("CIM_ListenerDestinationWSManagement", func() []*wsman.Instance {
		c.mu.Lock()
		defer c.mu.Unlock()
		var out []*wsman.Instance
		for _, s := range c.subs {
			mode := "2"
			if s.WithAck {
				mode = "3"
			}
			out = append(out, inst("CIM_ListenerDestinationWSManagement").Set("CreationClassName", "CIM_ListenerDestinationWSManagement").
				Set("Name", s.handler).Set("Destination", s.Destination).Set("DeliveryMode", mode))
		}
		return out
	})
	c.srv.Handle(wsman.ActionSubscribe, uri("CIM_IndicationFilter"), c.subscribe)
	remove := func(req *wsmantest.Request) (*etree.Element, error) { return nil, c.unsubscribe(req.Selectors) }
	c.srv.Handle(wsman.ActionDelete, uri("CIM_IndicationSubscription"), remove)
	c.srv.Handle(wsman.ActionUnsubscribe, uri("CIM_IndicationSubscription"), remove)
	c.srv.Handle(wsman.ActionPut, uri("CIM_IndicationSubscription"), c.putSubscription)
}

// putSubscription serves Put of a CIM_IndicationSubscription: only
// SubscriptionState changes (2 Enabled, 4 Disabled); the subscription keeps
// its slot either way.
func (c *Computer) putSubscription(req *wsmantest.Request) (*etree.Element, error) {
	handler := handlerName(req.Selectors)
	in := req.Instance()
	var inactive bool
	switch in.Get("SubscriptionState") {
	case subscriptionEnabled:
	case subscriptionDisabled:
		inactive = true
	default:
		return nil, wsmantest.Fault("InvalidRepresentation", "SubscriptionState must be 2 (Enabled) or 4 (Disabled)")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	i := slices.IndexFunc(c.subs, func(s *Subscription) bool { return s.handler == handler })
	if i < 0 {
		return nil, wsmantest.Fault("InvalidSelectors", "no such subscription")
	}
	s := c.subs[i]
	s.Inactive = inactive
	state := subscriptionEnabled
	if inactive {
		state = subscriptionDisabled
	}
	return inst("CIM_IndicationSubscription").SetEPR("Filter", filterRef(s.Filter)).SetEPR("Handler", handlerRef(s.handler)).
		Set("SubscriptionState", state).Set("OnFatalErrorPolicy", "2").Element(), nil
}

// handlerName is the Name of the Handler reference among sel.
func handlerName(sel wsman.Selectors) string {
	for _, s := range sel {
		if s.Name == "Handler" && s.EPR != nil {
			return s.EPR.Selectors.Get("Name")
		}
	}
	return ""
}

func (c *Computer) filterInstance(f Filter) *wsman.Instance {
	return inst("CIM_IndicationFilter").Set("CreationClassName", "CIM_IndicationFilter").Set("Name", f.Name).
		Set("Query", f.Query).Set("QueryLanguage", "DMTF:CQL").Set("SourceNamespace", "root/interop")
}

func filterRef(name string) *wsman.EndpointReference {
	return &wsman.EndpointReference{ResourceURI: uri("CIM_IndicationFilter"),
		Selectors: wsman.Sel("CreationClassName", "CIM_IndicationFilter", "Name", name)}
}

func handlerRef(name string) *wsman.EndpointReference {
	return &wsman.EndpointReference{ResourceURI: uri("CIM_ListenerDestinationWSManagement"),
		Selectors: wsman.Sel("CreationClassName", "CIM_ListenerDestinationWSManagement", "Name", name)}
}

// subscribe serves WS-Eventing Subscribe to an existing filter.
func (c *Computer) subscribe(req *wsmantest.Request) (*etree.Element, error) {
	name := req.Selectors.Get("Name")
	if !slices.ContainsFunc(c.cfg.Filters, func(f Filter) bool { return f.Name == name }) {
		return nil, wsmantest.Fault("InvalidSelectors", "no indication filter named "+strconv.Quote(name))
	}
	sub, err := wsmantest.ParseSubscribe(req, 0)
	if err != nil {
		return nil, err
	}
	s := &Subscription{Filter: name, Destination: sub.Destination, WithAck: sub.WithAck, ReferenceParameters: sub.ReferenceParameters}
	c.mu.Lock()
	if len(c.subs) >= c.cfg.MaxSubscriptions {
		c.mu.Unlock()
		return nil, wsmantest.Fault("QuotaLimit", fmt.Sprintf("the subscription table is full (%d)", c.cfg.MaxSubscriptions))
	}
	c.nextSub++
	s.handler = "handler-" + strconv.Itoa(c.nextSub)
	c.subs = append(c.subs, s)
	c.mu.Unlock()

	mgr := &wsman.EndpointReference{Address: c.srv.URL(), ResourceURI: uri("CIM_IndicationSubscription"),
		Selectors: wsman.Selectors{{Name: "Filter", EPR: filterRef(name)}, {Name: "Handler", EPR: handlerRef(s.handler)}}}
	resp := wsman.NewInstance(wsman.NSEventing, "SubscribeResponse").SetEPR("SubscriptionManager", mgr)
	return resp.Element(), nil
}

func (c *Computer) unsubscribe(sel wsman.Selectors) error {
	handler := handlerName(sel)
	c.mu.Lock()
	defer c.mu.Unlock()
	i := slices.IndexFunc(c.subs, func(s *Subscription) bool { return s.handler == handler })
	if i < 0 {
		return wsmantest.Fault("InvalidSelectors", "no such subscription")
	}
	c.subs = slices.Delete(c.subs, i, i+1)
	return nil
}

// Subscriptions returns the subscriptions the computer holds.
func (c *Computer) Subscriptions() []Subscription {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Subscription, 0, len(c.subs))
	for _, s := range c.subs {
		out = append(out, *s)
	}
	return out
}

// Alert is an alert the simulated computer raises (a CIM_AlertIndication).
type Alert struct {
	MessageID string
	Message   string
	Args      []string
	// Severity is the PerceivedSeverity (2 information … 6 critical, 7 fatal).
	Severity int
	// AlertType (default 5, device alert).
	AlertType int
	// Element is the AlertingManagedElement.
	Element string
	Time    time.Time
}

// Delivery is the outcome of pushing one alert to one subscriber.
type Delivery struct {
	Destination  string
	Filter       string
	AckRequested bool
	// Acked is true when the listener answered with a matching wsman Ack.
	Acked bool
	// Status is the listener's HTTP status.
	Status int
	Err    error
}

// Alert raises an alert: it is pushed to every active subscription whose
// filter passes it (an inactive one is skipped), with wsman:AckRequested for PushWithAck subscriptions, whose
// listeners must answer with the wsman Ack action related to the event.
// It returns one Delivery per subscription reached, and an error joining
// the failed deliveries.
func (c *Computer) Alert(ctx context.Context, a Alert) ([]Delivery, error) {
	if a.AlertType == 0 {
		a.AlertType = 5
	}
	if a.Time.IsZero() {
		a.Time = time.Now().UTC()
	}
	c.mu.Lock()
	var targets []Subscription
	for _, s := range c.subs {
		i := slices.IndexFunc(c.cfg.Filters, func(f Filter) bool { return f.Name == s.Filter })
		if i >= 0 && !s.Inactive && a.Severity >= c.cfg.Filters[i].MinSeverity {
			targets = append(targets, *s)
		}
	}
	c.alertSeq++
	seq := c.alertSeq
	c.mu.Unlock()

	var out []Delivery
	var errs []error
	for _, s := range targets {
		d := c.push(ctx, s, a, seq)
		if d.Err != nil {
			errs = append(errs, fmt.Errorf("dashtest: alert to %s: %w", s.Destination, d.Err))
		}
		out = append(out, d)
	}
	return out, errors.Join(errs...)
}

func (c *Computer) push(ctx context.Context, s Subscription, a Alert, seq int) Delivery {
	r := wsmantest.Push(ctx, c.httpc, wsmantest.Subscribe{Destination: s.Destination, WithAck: s.WithAck,
		ReferenceParameters: s.ReferenceParameters}, indication(s, a, seq))
	return Delivery{Destination: s.Destination, Filter: s.Filter, AckRequested: s.WithAck,
		Status: r.Status, Acked: r.Acked, Err: r.Err}
}

// indication renders the CIM_AlertIndication a DASH computer pushes
// (DSP1054; DSP0226 §10.2.9 for the envelope, which wsmantest.Push builds).
func indication(s Subscription, a Alert, seq int) *etree.Element {
	ind := etree.NewElement("h:CIM_AlertIndication")
	ind.CreateAttr("xmlns:h", uri("CIM_AlertIndication"))
	ind.CreateAttr("xmlns:cim", "http://schemas.dmtf.org/wbem/wscim/1/common")
	ind.CreateElement("h:AlertType").SetText(itoa(a.AlertType))
	if a.Element != "" {
		ind.CreateElement("h:AlertingManagedElement").SetText(a.Element)
	}
	ind.CreateElement("h:IndicationFilterName").SetText(s.Filter)
	ind.CreateElement("h:IndicationIdentifier").SetText(itoa(seq))
	ind.CreateElement("h:IndicationTime").CreateElement("cim:Datetime").SetText(a.Time.UTC().Format(time.RFC3339))
	if a.Message != "" {
		ind.CreateElement("h:Message").SetText(a.Message)
	}
	for _, arg := range a.Args {
		ind.CreateElement("h:MessageArguments").SetText(arg)
	}
	ind.CreateElement("h:MessageID").SetText(a.MessageID)
	ind.CreateElement("h:PerceivedSeverity").SetText(itoa(a.Severity))
	return ind
}
