package amttest

import (
	"fmt"
	"slices"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"

	"github.com/oobkit/oobkit/amt/internal/schema"
)

const (
	// maxFilters is the device's filter capacity
	// (AMT_GeneralSystemDefenseCapabilities.GlobalMaxSupportedFilters).
	maxFilters = 64
)

// defenseState is the device's System Defense configuration.
type defenseState struct {
	next       int
	filters    map[string]DefenseFilter
	policies   map[string]*simPolicy
	links      map[Interface]string
	matched    map[string]int64
	reads      map[Interface]int64
	failCreate int  // the n-th Create from now fails; 0 none
	failLate   bool // ... after it was carried out
}

type simPolicy struct {
	props   map[string]string
	handles []string
	timeout int64
}

func (s *defenseState) init() {
	if s.filters == nil {
		s.filters, s.policies = map[string]DefenseFilter{}, map[string]*simPolicy{}
		s.links, s.matched, s.reads = map[Interface]string{}, map[string]int64{}, map[Interface]int64{}
	}
}

// FailCreateAfter makes the n-th WS-Man Create from now (filters, policy,
// port association) fail with a fault, to test an apply that breaks midway.
func (d *Device) FailCreateAfter(n int) { d.failCreate(n, false) }

// FailCreateAfterApplying makes the n-th Create from now take effect and
// then answer with a fault, as when the firmware carries out a change but
// its answer is lost: the console cannot know what the device holds.
func (d *Device) FailCreateAfterApplying(n int) { d.failCreate(n, true) }

func (d *Device) failCreate(n int, late bool) {
	d.mu.Lock()
	d.defense.failCreate, d.defense.failLate = n, late
	d.mu.Unlock()
}

// injectCreateFault wraps a Create handler with the injected failure.
func (d *Device) injectCreateFault(h wsmantest.HandlerFunc) wsmantest.HandlerFunc {
	return func(r *wsmantest.Request) (*etree.Element, error) {
		d.mu.Lock()
		s := &d.defense
		fail := false
		if s.failCreate > 0 {
			s.failCreate--
			fail = s.failCreate == 0
		}
		late := s.failLate
		d.mu.Unlock()
		injected := wsmantest.Fault("InternalError", "injected failure during Create")
		if fail && !late {
			return nil, injected
		}
		out, err := h(r)
		if fail && err == nil {
			return nil, injected
		}
		return out, err
	}
}

// ActivePolicy returns the policy active on iface as the device stores it
// (properties and filters in FilterCreationHandles order), or nil when the
// interface is unfiltered. Tests that want a filter.Policy decode it
// themselves; the simulator never uses the client's decoder.
func (d *Device) ActivePolicy(iface Interface) *DefensePolicy {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, _ := d.activePolicyLocked(iface)
	return p
}

// DefenseObjects counts the filters, policies and port associations on the
// device (what a rollback must leave unchanged).
func (d *Device) DefenseObjects() (filters, policies, links int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.defense.filters), len(d.defense.policies), len(d.defense.links)
}

func (d *Device) activePolicyLocked(iface Interface) (*DefensePolicy, []string) {
	s := &d.defense
	pid, ok := s.links[iface]
	if !ok {
		return nil, nil
	}
	sp := s.policies[pid]
	p := &DefensePolicy{Properties: map[string]string{}}
	for k, v := range sp.props {
		p.Properties[k] = v
	}
	for _, h := range sp.handles {
		f := s.filters[h]
		props := make(map[string]string, len(f.Properties))
		for k, v := range f.Properties {
			props[k] = v
		}
		p.Filters = append(p.Filters, DefenseFilter{Class: f.Class, Properties: props})
	}
	return p, sp.handles
}

// Evaluate answers "would this packet pass?" on iface with the applied
// policy and the simulator's own engine (defense.go), counting a match of
// the deciding filter as the device would. Without a policy every packet
// passes.
func (d *Device) Evaluate(iface Interface, pkt Packet) Decision {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, handles := d.activePolicyLocked(iface)
	if p == nil {
		return Decision{Action: Pass, By: ByDefault, Index: -1}
	}
	dec := p.decide(pkt)
	if dec.By == ByRule && dec.Index >= 0 && dec.Index < len(handles) {
		d.defense.matched[matchKey(iface, handles[dec.Index])]++
	}
	return dec
}

func (d *Device) registerDefense() {
	for _, uri := range []string{schema.IPFilter, schema.EtherFilter} {
		d.handleCreate(uri, d.injectCreateFault(d.createFilter))
		d.handleDelete(uri, d.deleteFilter)
		d.handleEnum(uri, func() []*etree.Element { return d.filterInstances(uri) })
	}
	d.handleCreate(schema.DefensePolicy, d.injectCreateFault(d.createPolicy))
	d.handleDelete(schema.DefensePolicy, d.deletePolicy)
	d.handleGet(schema.DefensePolicy, d.getPolicy)
	d.handleEnum(schema.DefensePolicy, d.policyInstances)
	d.handleMethod(schema.DefensePolicy, "SetTimeout", d.setTimeout)
	d.handleMethod(schema.DefensePolicy, "UpdateStatistics", d.updateStatistics)
	d.handleCreate(schema.PortPolicy, d.injectCreateFault(d.createLink))
	d.handleDelete(schema.PortPolicy, d.deleteLink)
	d.handleEnum(schema.PortPolicy, d.linkInstances)
	d.handleEnum(schema.FilterStats, d.statInstances)
}

func resourceCreated(uri, id string) *etree.Element {
	e := etree.NewElement("t:ResourceCreated")
	e.CreateAttr("xmlns:t", wsman.NSTransfer)
	e.CreateAttr("xmlns:a", wsman.NSAddressing)
	e.CreateAttr("xmlns:w", wsman.NSWSMan)
	e.CreateElement("a:Address").SetText(wsman.AnonymousAddress)
	rp := e.CreateElement("a:ReferenceParameters")
	rp.CreateElement("w:ResourceURI").SetText(uri)
	sel := rp.CreateElement("w:SelectorSet").CreateElement("w:Selector")
	sel.CreateAttr("Name", "InstanceID")
	sel.SetText(id)
	return e
}

func props(in *wsman.Instance) map[string]string {
	m := map[string]string{}
	for _, p := range in.Props {
		if len(p.Values) > 0 {
			m[p.Name] = p.Values[0]
		}
	}
	return m
}

func (d *Device) createFilter(r *wsmantest.Request) (*etree.Element, error) {
	in := r.Instance()
	d.mu.Lock()
	defer d.mu.Unlock()
	s := &d.defense
	s.init()
	if len(s.filters) >= maxFilters {
		return nil, wsmantest.Fault("QuotaLimit", "no room for another filter")
	}
	class := schema.ClassName(r.ResourceURI)
	p := props(in)
	if class == classEtherFilter && p["HdrProtocolID8021"] == "" {
		return nil, wsmantest.Fault("InvalidRepresentation", "HdrProtocolID8021 is required")
	}
	s.next++
	id := fmt.Sprintf("Intel(r) AMT:Filter %d", s.next)
	s.filters[id] = DefenseFilter{Class: class, Properties: p}
	return resourceCreated(r.ResourceURI, id), nil
}

func (d *Device) deleteFilter(r *wsmantest.Request) (*etree.Element, error) {
	id := r.Selectors.Get("InstanceID")
	d.mu.Lock()
	defer d.mu.Unlock()
	s := &d.defense
	f, ok := s.filters[id]
	if !ok || f.Class != schema.ClassName(r.ResourceURI) {
		return nil, wsmantest.Fault("InvalidSelectors", "no such filter "+id)
	}
	for pid, p := range s.policies {
		if slices.Contains(p.handles, id) {
			return nil, wsmantest.Fault("InvalidParameter", "filter "+id+" is used by policy "+pid)
		}
	}
	delete(s.filters, id)
	delete(s.matched, matchKey(Wired, id))
	delete(s.matched, matchKey(Wireless, id))
	return nil, nil
}

func (d *Device) filterInstances(uri string) []*etree.Element {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []*etree.Element
	for _, id := range sortedIDs(d.defense.filters) {
		f := d.defense.filters[id]
		if wsman.AMTBase+f.Class != uri {
			continue
		}
		in := wsman.NewInstance(uri, f.Class)
		for _, k := range sortedIDs(f.Properties) {
			in.Set(k, f.Properties[k])
		}
		in.Set("InstanceID", id)
		out = append(out, in.Element())
	}
	return out
}

func (d *Device) createPolicy(r *wsmantest.Request) (*etree.Element, error) {
	in := r.Instance()
	d.mu.Lock()
	defer d.mu.Unlock()
	s := &d.defense
	s.init()
	handles := in.All(propCreationHandles)
	for _, h := range handles {
		if _, ok := s.filters[h]; !ok {
			return nil, wsmantest.Fault("InvalidParameter", "unknown filter handle "+h)
		}
	}
	p := props(in)
	delete(p, propCreationHandles)
	s.next++
	id := fmt.Sprintf("Intel(r) AMT:Policy %d", s.next)
	s.policies[id] = &simPolicy{props: p, handles: handles}
	return resourceCreated(schema.DefensePolicy, id), nil
}

func (d *Device) policyElementLocked(id string) *etree.Element {
	p := d.defense.policies[id]
	in := wsman.NewInstance(schema.DefensePolicy, classDefensePolicy)
	for _, k := range sortedIDs(p.props) {
		in.Set(k, p.props[k])
	}
	if len(p.handles) > 0 {
		in.Set(propCreationHandles, p.handles...)
	}
	in.Set("InstanceID", id)
	return in.Element()
}

func (d *Device) getPolicy(r *wsmantest.Request) (*etree.Element, error) {
	id := r.Selectors.Get("InstanceID")
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.defense.policies[id]; !ok {
		return nil, wsmantest.Fault("InvalidSelectors", "no such policy "+id)
	}
	return d.policyElementLocked(id), nil
}

func (d *Device) policyInstances() []*etree.Element {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []*etree.Element
	for _, id := range sortedIDs(d.defense.policies) {
		out = append(out, d.policyElementLocked(id))
	}
	return out
}

func (d *Device) deletePolicy(r *wsmantest.Request) (*etree.Element, error) {
	id := r.Selectors.Get("InstanceID")
	d.mu.Lock()
	defer d.mu.Unlock()
	s := &d.defense
	if _, ok := s.policies[id]; !ok {
		return nil, wsmantest.Fault("InvalidSelectors", "no such policy "+id)
	}
	for _, pid := range s.links {
		if pid == id {
			return nil, wsmantest.Fault("InvalidParameter", "policy "+id+" is active on an interface")
		}
	}
	delete(s.policies, id)
	return nil, nil
}

func (d *Device) setTimeout(r *wsmantest.Request) (*etree.Element, error) {
	id := r.Selectors.Get("InstanceID")
	t, ok := r.Instance().Int("Timeout")
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.defense.policies[id]
	if p == nil || !ok || t < 0 {
		return output(schema.DefensePolicy, "SetTimeout", 5), nil
	}
	p.timeout = t
	return output(schema.DefensePolicy, "SetTimeout", 0), nil
}

func (d *Device) updateStatistics(r *wsmantest.Request) (*etree.Element, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	iface, ok := ifaceOf(r.Instance().EPR("NetworkInterface"))
	if d.defense.policies[r.Selectors.Get("InstanceID")] == nil || !ok {
		return output(schema.DefensePolicy, "UpdateStatistics", 5), nil
	}
	d.defense.reads[iface]++
	return output(schema.DefensePolicy, "UpdateStatistics", 0), nil
}

func ifaceOf(epr *wsman.EndpointReference) (Interface, bool) {
	if epr == nil {
		return 0, false
	}
	for _, i := range []Interface{Wired, Wireless} {
		if epr.Selectors.Get("DeviceID") == i.DeviceID() {
			return i, true
		}
	}
	return 0, false
}

func (d *Device) createLink(r *wsmantest.Request) (*etree.Element, error) {
	in := r.Instance()
	iface, ok := ifaceOf(in.EPR("Antecedent"))
	dep := in.EPR("Dependent")
	if !ok || dep == nil {
		return nil, wsmantest.Fault("InvalidRepresentation", "Antecedent must be an AMT Ethernet port and Dependent a policy")
	}
	pid := dep.Selectors.Get("InstanceID")
	d.mu.Lock()
	defer d.mu.Unlock()
	s := &d.defense
	s.init()
	if s.policies[pid] == nil {
		return nil, wsmantest.Fault("InvalidParameter", "no such policy "+pid)
	}
	if _, busy := s.links[iface]; busy {
		return nil, wsmantest.Fault("AlreadyExists", "the interface already has a policy")
	}
	s.links[iface] = pid
	return resourceCreated(schema.PortPolicy, iface.DeviceID()), nil
}

func (d *Device) deleteLink(r *wsmantest.Request) (*etree.Element, error) {
	var iface Interface
	var pid string
	ok := false
	for _, sel := range r.Selectors {
		switch sel.Name {
		case "Antecedent":
			iface, ok = ifaceOf(sel.EPR)
		case "Dependent":
			if sel.EPR != nil {
				pid = sel.EPR.Selectors.Get("InstanceID")
			}
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if cur, linked := d.defense.links[iface]; !ok || !linked || cur != pid {
		return nil, wsmantest.Fault("InvalidSelectors", "no such association")
	}
	delete(d.defense.links, iface)
	return nil, nil
}

// linkedLocked calls f for each interface that has a policy, wired first,
// with the policy's InstanceID.
func (d *Device) linkedLocked(f func(iface Interface, pid string)) {
	for _, i := range []Interface{Wired, Wireless} {
		if pid, ok := d.defense.links[i]; ok {
			f(i, pid)
		}
	}
}

func (d *Device) linkInstances() []*etree.Element {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []*etree.Element
	d.linkedLocked(func(i Interface, pid string) {
		in := wsman.NewInstance(schema.PortPolicy, schema.PortPolicyClass).
			SetEPR("Antecedent", schema.EthernetPortEPR(i.DeviceID())).
			SetEPR("Dependent", schema.PolicyEPR(pid))
		out = append(out, in.Element())
	})
	return out
}

func (d *Device) statInstances() []*etree.Element {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := &d.defense
	var out []*etree.Element
	d.linkedLocked(func(i Interface, pid string) {
		for _, h := range s.policies[pid].handles {
			in := wsman.NewInstance(schema.FilterStats, schema.FilterStatsClass).
				SetEPR("Antecedent", schema.EthernetPortEPR(i.DeviceID())).
				SetEPR("Dependent", &wsman.EndpointReference{ResourceURI: schema.FilterInPolicy,
					Selectors: wsman.Selectors{
						{Name: "Antecedent", EPR: schema.PolicyEPR(pid)},
						{Name: "Dependent", EPR: &wsman.EndpointReference{ResourceURI: wsman.AMTBase + s.filters[h].Class, Selectors: wsman.Sel("InstanceID", h)}},
					}})
			in.Set("ElementName", s.filters[h].Properties["ElementName"])
			in.SetInt("ReadCount", s.reads[i])
			in.SetInt("FilterMatched", s.matched[matchKey(i, h)])
			out = append(out, in.Element())
		}
	})
	return out
}

func sortedIDs[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		// "…Filter 10" after "…Filter 9".
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		if a < b {
			return -1
		}
		if a > b {
			return 1
		}
		return 0
	})
	return keys
}

// matchKey indexes match counters per interface and filter.
func matchKey(i Interface, filterID string) string { return i.DeviceID() + "|" + filterID }
