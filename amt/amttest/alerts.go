package amttest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// Slot defaults. MaxPETSubscribers follows Intel (14 AMT_SNMPEventSubscriber
// instances from AMT 6, reference amt_wsman.md §2(f)); the WS-Eventing
// default is this simulator's choice (Intel eventfiltersubscribers.htm
// gives the per-firmware figure, not recorded in the reference).
const (
	DefaultMaxSubscriptions  = 16
	DefaultMaxPETSubscribers = 14
)

// DefaultCommunity is the simulated AMT_EventManagerService
// DefaultCommunityString, used by PET destinations without their own.
const DefaultCommunity = "public"

// petPolicyID is the PolicyID of the simulated enabled PET filters.
const petPolicyID = 1

// Subscription is an alert destination the simulated device holds.
type Subscription struct {
	// Filter is the filter collection's InstanceID ("" for PET).
	Filter string
	// Destination is the listener URL, or the PET AccessInfo address.
	Destination string
	// WithAck is true for PushWithAck delivery.
	WithAck bool
	// PET is true for an AMT_SNMPEventSubscriber.
	PET bool
	// PolicyID is the PET subscriber's policy.
	PolicyID int
	// ReferenceParameters are echoed in every event header (WS-Eventing).
	ReferenceParameters map[string]string

	name      string // handler / subscriber Name key
	community string
}

// alertState is the device's subscription tables.
type alertState struct {
	subs       []*Subscription // WS-Eventing
	pets       []*Subscription // PET
	filters    []*EventFilter  // AMT_PETFilterSetting
	nextSub    int
	nextFilter int
	seq        uint16 // PET sequence / indication identifier
}

// petSupported reports whether the firmware offers SNMP PET ("Starting from
// Intel ME 18.0 firmware, the feature will no longer be available").
func (c Config) petSupported() bool { return c.Major() < 18 }

func (d *Device) registerAlerts() {
	d.handleEnum(schema.FilterCollection, func() []*etree.Element {
		return []*etree.Element{instance(schema.FilterCollection, "CollectionID", schema.FilterAll,
			"ElementName", schema.FilterAll, "InstanceID", schema.FilterAll)}
	})
	d.srv.Handle(wsman.ActionSubscribe, schema.FilterCollection, d.provisioned(d.subscribe))
	d.handleEnum(schema.FilterCollectionSubscription, d.subscriptionInstances)
	d.handleEnum(schema.ListenerDestination, d.destinationInstances)
	remove := func(r *wsmantest.Request) (*etree.Element, error) { return nil, d.unsubscribe(r.Selectors) }
	d.srv.Handle(wsman.ActionUnsubscribe, schema.FilterCollectionSubscription, d.provisioned(remove))
	d.handleDelete(schema.FilterCollectionSubscription, remove)
	if !d.cfg.petSupported() {
		return
	}
	d.handleEnum(schema.EventManager, func() []*etree.Element {
		return []*etree.Element{instance(schema.EventManager, "CreationClassName", "AMT_EventManagerService",
			"DefaultCommunityString", DefaultCommunity, "Name", "Intel(r) AMT Event Manager Service",
			"SystemCreationClassName", "CIM_ComputerSystem", "SystemName", schema.SystemName)}
	})
	d.registerEventFilters()
	d.handleEnum(schema.SNMPSubscriber, d.petInstances)
	d.handleCreate(schema.SNMPSubscriber, d.createPET)
	d.handleDelete(schema.SNMPSubscriber, d.deletePET)
}

// subscribe serves WS-Eventing Subscribe to a filter collection.
func (d *Device) subscribe(req *wsmantest.Request) (*etree.Element, error) {
	id := req.Selectors.Get("InstanceID")
	if id != schema.FilterAll {
		return nil, wsmantest.Fault("InvalidSelectors", "no filter collection "+strconv.Quote(id))
	}
	// AMT keeps at most 253 characters of a listener URL.
	sub, err := wsmantest.ParseSubscribe(req, 253)
	if err != nil {
		return nil, err
	}
	s := &Subscription{Filter: id, Destination: sub.Destination, WithAck: sub.WithAck, ReferenceParameters: sub.ReferenceParameters}
	d.mu.Lock()
	if len(d.alerts.subs) >= d.cfg.MaxSubscriptions {
		d.mu.Unlock()
		return nil, wsmantest.Fault("QuotaLimit", fmt.Sprintf("all %d subscription slots are in use", d.cfg.MaxSubscriptions))
	}
	d.alerts.nextSub++
	s.name = "Intel(r) AMT:Listener " + strconv.Itoa(d.alerts.nextSub)
	d.alerts.subs = append(d.alerts.subs, s)
	d.mu.Unlock()

	mgr := &wsman.EndpointReference{Address: d.srv.URL(), ResourceURI: schema.FilterCollectionSubscription,
		Selectors: wsman.Selectors{{Name: "Filter", EPR: schema.FilterCollectionEPR(id)}, {Name: "Handler", EPR: schema.ListenerDestinationEPR(s.name)}}}
	return wsman.NewInstance(wsman.NSEventing, "SubscribeResponse").SetEPR("SubscriptionManager", mgr).Element(), nil
}

func (d *Device) unsubscribe(sel wsman.Selectors) error {
	var handler string
	for _, s := range sel {
		if s.Name == "Handler" && s.EPR != nil {
			handler = s.EPR.Selectors.Get("Name")
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	i := slices.IndexFunc(d.alerts.subs, func(s *Subscription) bool { return s.name == handler })
	if i < 0 {
		return wsmantest.Fault("InvalidSelectors", "no such subscription")
	}
	d.alerts.subs = slices.Delete(d.alerts.subs, i, i+1)
	return nil
}

func (d *Device) subscriptionInstances() []*etree.Element {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []*etree.Element
	for _, s := range d.alerts.subs {
		in := wsman.NewInstance(schema.FilterCollectionSubscription, "CIM_FilterCollectionSubscription").
			SetEPR("Filter", schema.FilterCollectionEPR(s.Filter)).SetEPR("Handler", schema.ListenerDestinationEPR(s.name)).
			Set("OnFatalErrorPolicy", "2").Set("SubscriptionState", "2")
		out = append(out, in.Element())
	}
	return out
}

func (d *Device) destinationInstances() []*etree.Element {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []*etree.Element
	for _, s := range d.alerts.subs {
		mode := "2"
		if s.WithAck {
			mode = "3"
		}
		out = append(out, instance(schema.ListenerDestination, "CreationClassName", "CIM_ListenerDestinationWSManagement",
			"DeliveryMode", mode, "Destination", s.Destination, "Name", s.name,
			"SystemCreationClassName", "CIM_ComputerSystem", "SystemName", schema.SystemName))
	}
	return out
}

func (d *Device) petInstances() []*etree.Element {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []*etree.Element
	for _, s := range d.alerts.pets {
		out = append(out, instance(schema.SNMPSubscriber, "AccessInfo", s.Destination,
			"CreationClassName", "AMT_SNMPEventSubscriber", "Name", s.name,
			"PolicyID", strconv.Itoa(s.PolicyID), "SystemCreationClassName", "CIM_ComputerSystem",
			"SystemName", schema.SystemName))
	}
	return out
}

// createPET serves Create of AMT_SNMPEventSubscriber {AccessInfo, PolicyID,
// CommunityString}. The community is write-only: listings never show it.
func (d *Device) createPET(r *wsmantest.Request) (*etree.Element, error) {
	in := r.Instance()
	addr := strings.TrimSpace(in.Get("AccessInfo"))
	policy, ok := in.Int("PolicyID")
	if addr == "" || !ok || policy < 0 || policy > 255 {
		return nil, wsmantest.Fault("InvalidParameter", "AccessInfo and a PolicyID (0-255) are required")
	}
	s := &Subscription{Destination: addr, PET: true, PolicyID: int(policy), community: in.Get("CommunityString")}
	d.mu.Lock()
	defer d.mu.Unlock()
	if slices.ContainsFunc(d.alerts.pets, func(p *Subscription) bool { return p.Destination == addr && p.PolicyID == int(policy) }) {
		return nil, wsmantest.Fault("AlreadyExists", "a PET subscriber for "+addr+" with this policy exists")
	}
	if len(d.alerts.pets) >= d.cfg.MaxPETSubscribers {
		return nil, wsmantest.Fault("QuotaLimit", fmt.Sprintf("all %d PET subscriber slots are in use", d.cfg.MaxPETSubscribers))
	}
	d.alerts.nextSub++
	s.name = "Intel(r) AMT:SNMP Subscriber " + strconv.Itoa(d.alerts.nextSub)
	d.alerts.pets = append(d.alerts.pets, s)
	return petCreated(s.name), nil
}

func petCreated(name string) *etree.Element {
	return created(schema.SNMPSubscriber, wsman.Selectors{{Name: "CreationClassName", Value: "AMT_SNMPEventSubscriber"},
		{Name: "Name", Value: name}, {Name: "SystemCreationClassName", Value: "CIM_ComputerSystem"},
		{Name: "SystemName", Value: schema.SystemName}})
}

func (d *Device) deletePET(r *wsmantest.Request) (*etree.Element, error) {
	name := r.Selectors.Get("Name")
	d.mu.Lock()
	defer d.mu.Unlock()
	i := slices.IndexFunc(d.alerts.pets, func(s *Subscription) bool { return s.name == name })
	if i < 0 {
		return nil, wsmantest.Fault("InvalidSelectors", "no such PET subscriber")
	}
	d.alerts.pets = slices.Delete(d.alerts.pets, i, i+1)
	return nil, nil
}

// Subscriptions returns the alert destinations the device holds:
// WS-Eventing ones, then PET ones.
func (d *Device) Subscriptions() []Subscription {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Subscription, 0, len(d.alerts.subs)+len(d.alerts.pets))
	for _, s := range append(slices.Clone(d.alerts.subs), d.alerts.pets...) {
		c := *s
		c.ReferenceParameters = make(map[string]string, len(s.ReferenceParameters))
		for k, v := range s.ReferenceParameters {
			c.ReferenceParameters[k] = v
		}
		out = append(out, c)
	}
	return out
}
