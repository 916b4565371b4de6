package amt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/filter"
	"github.com/oobkit/oobkit/internal/wsman"
)

// Interface is an AMT network interface.
type Interface int

// The interfaces System Defense filters.
const (
	Wired    Interface = 0 // "Intel(r) AMT Ethernet Port 0"
	Wireless Interface = 1 // "Intel(r) AMT Ethernet Port 1"
)

// String returns "wired" or "wireless".
func (i Interface) String() string {
	if i == Wireless {
		return "wireless"
	}
	return "wired"
}

// DeviceID is the CIM_EthernetPort DeviceID of the interface.
func (i Interface) DeviceID() string { return schema.EthernetPortPrefix + strconv.Itoa(int(i)) }

func (i Interface) portEPR() *wsman.EndpointReference { return schema.EthernetPortEPR(i.DeviceID()) }

// ApplyOptions control ApplyPolicy.
type ApplyOptions struct {
	// Interfaces to filter; empty means wired only.
	Interfaces []Interface
	// Flows must still pass under the policy (filter.RequiredFlows for the
	// management server); a policy that blocks one is refused unless Force.
	Flows []filter.Flow
	// Force applies a policy that fails verification, and skips the DHCP
	// precondition.
	Force bool
}

// ActivePolicy is a policy active on an interface.
type ActivePolicy struct {
	Interface Interface
	// InstanceID of the AMT_SystemDefensePolicy.
	InstanceID string
	// Policy as read back from the device.
	Policy *filter.Policy
	// FilterHandles are the policy's filter InstanceIDs in precedence order.
	FilterHandles []string
}

// ApplyPolicy puts p on the given interfaces, replacing whatever policy
// they had. It checks the policy first (filter.CheckApply with
// opts.Flows) and the guide's precondition that System Defense works only
// when AMT (and the OS) use DHCP. It creates the filters, the policy and
// then the port associations; a policy the device already holds exactly
// (applying the quarantine again, or to the other interface) is linked
// instead of created twice, so the device's filter capacity need not hold
// two copies. On a failure it reads what the device holds
// (a step whose answer was lost may have taken effect), restores the
// interfaces' previous policies and deletes every policy and filter that
// was not there before, so the device is left as it was. The error then
// wraps the failure; if the cleanup itself fails the error says so and
// ActivePolicies tells what is active.
func (c *Client) ApplyPolicy(ctx context.Context, p *filter.Policy, opts ApplyOptions) (*ActivePolicy, error) {
	const op = "ApplyPolicy"
	if err := filter.CheckApply(p, opts.Flows, opts.Force); err != nil {
		return nil, &oobkit.Error{Protocol: oobkit.AMT, Op: op, Class: oobkit.ErrInvalidArgument, Message: err.Error(), Err: err}
	}
	ifaces := opts.Interfaces
	if len(ifaces) == 0 {
		ifaces = []Interface{Wired}
	}
	if !opts.Force {
		if err := c.checkDHCP(ctx, ifaces); err != nil {
			return nil, err
		}
	}
	a, err := filter.ToAMT(p)
	if err != nil {
		return nil, &oobkit.Error{Protocol: oobkit.AMT, Op: op, Class: oobkit.ErrInvalidArgument, Message: err.Error(), Err: err}
	}
	before, err := c.snapshotDefense(ctx)
	if err != nil {
		return nil, err
	}
	previous := before.links
	fail := func(cause error) (*ActivePolicy, error) { return nil, c.rollback(ctx, op, cause, before, ifaces) }
	pid, handles, err := c.samePolicy(ctx, p)
	if err != nil {
		return nil, err
	}
	if pid == "" {
		if pid, handles, err = c.createPolicy(ctx, a); err != nil {
			return fail(err)
		}
	}
	for _, iface := range ifaces {
		old, ok := previous[iface]
		if ok && old == pid {
			continue
		}
		if ok {
			if err := c.unlinkPort(ctx, iface, old); err != nil {
				return fail(err)
			}
		}
		if err := c.linkPort(ctx, iface, pid); err != nil {
			return fail(err)
		}
	}
	// The replaced policies are now unused on these interfaces; remove those
	// no other interface still uses.
	c.deleteUnused(ctx, previous, ifaces, pid)
	q, err := filter.FromAMT(a)
	if err != nil {
		q = p.Clone()
	}
	return &ActivePolicy{Interface: ifaces[0], InstanceID: pid, Policy: q, FilterHandles: handles}, nil
}

// createPolicy creates a's filters, then the policy listing them, and sets
// its timeout; it returns the policy's InstanceID and the filters'.
func (c *Client) createPolicy(ctx context.Context, a *filter.AMTPolicy) (string, []string, error) {
	handles := make([]string, 0, len(a.Filters))
	for _, f := range a.Filters {
		uri := wsman.AMTBase + f.Class
		in := wsman.NewInstance(uri, f.Class)
		for _, k := range sortedKeys(f.Properties) {
			in.Set(k, f.Properties[k])
		}
		epr, err := c.ws.Create(ctx, uri, in)
		if err != nil {
			return "", nil, err
		}
		handles = append(handles, epr.Selectors.Get("InstanceID"))
	}
	pol := wsman.NewInstance(schema.DefensePolicy, filter.ClassSystemDefensePolicy)
	for _, k := range sortedKeys(a.Policy) {
		pol.Set(k, a.Policy[k])
	}
	if len(handles) > 0 {
		pol.Set(filter.PropFilterCreationHandles, handles...)
	}
	epr, err := c.ws.Create(ctx, schema.DefensePolicy, pol)
	if err != nil {
		return "", nil, err
	}
	pid := epr.Selectors.Get("InstanceID")
	if a.TimeoutSeconds > 0 {
		in := wsman.MethodInput(schema.DefensePolicy, "SetTimeout").SetInt("Timeout", int64(a.TimeoutSeconds))
		if _, err := c.invoke(ctx, schema.DefensePolicy, "SetTimeout", wsman.Sel("InstanceID", pid), in, genericCodes); err != nil {
			return "", nil, err
		}
	}
	return pid, handles, nil
}

// defenseSnapshot is the System Defense configuration before an apply:
// which policy each interface had, and which policies and filters existed.
type defenseSnapshot struct {
	links    map[Interface]string
	policies map[string]bool
	filters  map[string]bool // resource URI + " " + InstanceID
}

func (c *Client) snapshotDefense(ctx context.Context) (defenseSnapshot, error) {
	links, err := c.portPolicies(ctx)
	if err != nil {
		return defenseSnapshot{}, err
	}
	snap := defenseSnapshot{links: links, policies: map[string]bool{}, filters: map[string]bool{}}
	for _, uri := range []string{schema.DefensePolicy, schema.IPFilter, schema.EtherFilter} {
		list, err := c.enumerate(ctx, uri)
		if err != nil {
			return defenseSnapshot{}, err
		}
		for _, in := range list {
			if uri == schema.DefensePolicy {
				snap.policies[in.Get("InstanceID")] = true
			} else {
				snap.filters[uri+" "+in.Get("InstanceID")] = true
			}
		}
	}
	return snap, nil
}

// rollbackTimeout bounds the cleanup after a failed apply; it runs even
// when the caller's context is done, so a canceled apply is undone too.
const rollbackTimeout = 30 * time.Second

// rollback brings the device back to the snapshot, reading what it holds
// now rather than trusting which steps seemed to succeed: a step whose
// answer was lost may have taken effect. It restores each interface's
// previous policy, then deletes every policy and filter the snapshot did
// not have. It reports the original failure and, if the device could not
// be restored, what went wrong.
func (c *Client) rollback(ctx context.Context, op string, cause error, before defenseSnapshot, ifaces []Interface) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	if err := c.restore(cctx, before, ifaces); err != nil {
		return fmt.Errorf("amt: %s failed and the rollback did not complete (%v); read ActivePolicies: %w", op, err, cause)
	}
	return fmt.Errorf("amt: %s failed and was rolled back: %w", op, cause)
}

func (c *Client) restore(ctx context.Context, before defenseSnapshot, ifaces []Interface) error {
	now, err := c.portPolicies(ctx)
	if err != nil {
		return err
	}
	for _, iface := range ifaces {
		cur, has := now[iface]
		old, had := before.links[iface]
		if has == had && cur == old {
			continue
		}
		if has {
			if err := c.unlinkPort(ctx, iface, cur); err != nil {
				return err
			}
		}
		if had {
			if err := c.linkPort(ctx, iface, old); err != nil {
				return err
			}
		}
	}
	for _, uri := range []string{schema.DefensePolicy, schema.IPFilter, schema.EtherFilter} {
		list, err := c.enumerate(ctx, uri)
		if err != nil {
			return err
		}
		for _, in := range list {
			id := in.Get("InstanceID")
			if before.policies[id] || before.filters[uri+" "+id] {
				continue
			}
			if err := c.ws.Delete(ctx, uri, wsman.Sel("InstanceID", id)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *Client) linkPort(ctx context.Context, iface Interface, policyID string) error {
	in := wsman.NewInstance(schema.PortPolicy, schema.PortPolicyClass).
		SetEPR("Antecedent", iface.portEPR()).SetEPR("Dependent", schema.PolicyEPR(policyID))
	_, err := c.ws.Create(ctx, schema.PortPolicy, in)
	return err
}

func (c *Client) unlinkPort(ctx context.Context, iface Interface, policyID string) error {
	return c.ws.Delete(ctx, schema.PortPolicy, wsman.Selectors{
		{Name: "Antecedent", EPR: iface.portEPR()}, {Name: "Dependent", EPR: schema.PolicyEPR(policyID)}})
}

// portPolicies maps each interface to the InstanceID of its active policy.
func (c *Client) portPolicies(ctx context.Context) (map[Interface]string, error) {
	list, err := c.enumerate(ctx, schema.PortPolicy)
	if err != nil {
		return nil, err
	}
	out := map[Interface]string{}
	for _, in := range list {
		iface, pid, err := decodePortPolicy(in)
		if err != nil {
			return nil, err
		}
		out[iface] = pid
	}
	return out, nil
}

// decodePortPolicy reads one AMT_NetworkPortSystemDefensePolicy: the
// interface (Antecedent CIM_EthernetPort) and the InstanceID of its policy
// (Dependent AMT_SystemDefensePolicy).
func decodePortPolicy(in *wsman.Instance) (Interface, string, error) {
	ant, dep := in.EPR("Antecedent"), in.EPR("Dependent")
	if ant == nil || dep == nil {
		return 0, "", protoErr("Enumerate", "AMT_NetworkPortSystemDefensePolicy without Antecedent or Dependent")
	}
	return interfaceOf(ant), dep.Selectors.Get("InstanceID"), nil
}

// interfaceOf names the interface a CIM_EthernetPort reference points to.
func interfaceOf(port *wsman.EndpointReference) Interface {
	if port != nil && port.Selectors.Get("DeviceID") == Wireless.DeviceID() {
		return Wireless
	}
	return Wired
}

// deleteUnused removes the policies replaced on ifaces, with their filters,
// when no remaining interface uses them; current is the policy now applied.
// Failures are left in place: the policy is inactive, and
// RemoveAllPolicies clears it.
func (c *Client) deleteUnused(ctx context.Context, previous map[Interface]string, ifaces []Interface, current string) {
	for iface, pid := range previous {
		if !slices.Contains(ifaces, iface) || pid == current {
			continue
		}
		used := false
		for other, q := range previous {
			if q == pid && !slices.Contains(ifaces, other) {
				used = true
			}
		}
		if !used {
			_ = c.deletePolicy(ctx, pid)
		}
	}
}

// deletePolicy deletes a policy and its filters.
func (c *Client) deletePolicy(ctx context.Context, pid string) error {
	pol, err := c.get(ctx, schema.DefensePolicy, wsman.Sel("InstanceID", pid))
	if err != nil {
		return err
	}
	if err := c.ws.Delete(ctx, schema.DefensePolicy, wsman.Sel("InstanceID", pid)); err != nil {
		return err
	}
	for _, h := range pol.All(filter.PropFilterCreationHandles) {
		if err := c.deleteFilter(ctx, h); err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) deleteFilter(ctx context.Context, id string) error {
	err := c.ws.Delete(ctx, schema.IPFilter, wsman.Sel("InstanceID", id))
	if errors.Is(err, oobkit.ErrInvalidArgument) || errors.Is(err, oobkit.ErrUnsupported) {
		err = c.ws.Delete(ctx, schema.EtherFilter, wsman.Sel("InstanceID", id))
	}
	return err
}

// RemoveAllPolicies removes every System Defense association, policy and
// filter: the device then allows all network traffic.
func (c *Client) RemoveAllPolicies(ctx context.Context) error {
	links, err := c.portPolicies(ctx)
	if err != nil {
		return err
	}
	for iface, pid := range links {
		if err := c.unlinkPort(ctx, iface, pid); err != nil {
			return err
		}
	}
	for _, uri := range []string{schema.DefensePolicy, schema.IPFilter, schema.EtherFilter} {
		list, err := c.enumerate(ctx, uri)
		if err != nil {
			return err
		}
		for _, in := range list {
			if err := c.ws.Delete(ctx, uri, wsman.Sel("InstanceID", in.Get("InstanceID"))); err != nil {
				return err
			}
		}
	}
	return nil
}

// ActivePolicies reads the policy active on each interface, decoded back
// into a filter.Policy.
func (c *Client) ActivePolicies(ctx context.Context) ([]ActivePolicy, error) {
	links, err := c.portPolicies(ctx)
	if err != nil {
		return nil, err
	}
	if len(links) == 0 {
		return nil, nil
	}
	all, err := c.devicePolicies(ctx)
	if err != nil {
		return nil, err
	}
	var out []ActivePolicy
	for _, iface := range []Interface{Wired, Wireless} {
		pid, ok := links[iface]
		if !ok {
			continue
		}
		dp, ok := all[pid]
		if !ok {
			return nil, protoErr("ActivePolicies", "the %v interface uses policy %s, which does not exist", iface, pid)
		}
		if dp.err != nil {
			return nil, dp.err
		}
		out = append(out, ActivePolicy{Interface: iface, InstanceID: pid, Policy: dp.policy, FilterHandles: dp.handles})
	}
	return out, nil
}

// devicePolicy is one AMT_SystemDefensePolicy decoded, or why it cannot be.
type devicePolicy struct {
	policy  *filter.Policy
	handles []string
	err     error
}

// devicePolicies decodes every System Defense policy on the device, active
// or not, by InstanceID.
func (c *Client) devicePolicies(ctx context.Context) (map[string]devicePolicy, error) {
	filters := map[string]filter.AMTInstance{}
	for _, uri := range []string{schema.IPFilter, schema.EtherFilter} {
		list, err := c.enumerate(ctx, uri)
		if err != nil {
			return nil, err
		}
		for _, in := range list {
			filters[in.Get("InstanceID")] = toAMTInstance(in)
		}
	}
	pols, err := c.enumerate(ctx, schema.DefensePolicy)
	if err != nil {
		return nil, err
	}
	out := map[string]devicePolicy{}
	for _, pol := range pols {
		pid := pol.Get("InstanceID")
		dp := devicePolicy{handles: pol.All(filter.PropFilterCreationHandles)}
		a := &filter.AMTPolicy{Policy: toAMTInstance(pol).Properties}
		for _, h := range dp.handles {
			f, ok := filters[h]
			if !ok {
				dp.err = protoErr("ActivePolicies", "policy %s lists filter %s, which does not exist", pid, h)
				break
			}
			a.Filters = append(a.Filters, f)
		}
		if dp.err == nil {
			if dp.policy, err = filter.FromAMT(a); err != nil {
				dp.err = &oobkit.Error{Protocol: oobkit.AMT, Op: "ActivePolicies", Class: oobkit.ErrProtocol, Message: err.Error(), Err: err}
			}
		}
		out[pid] = dp
	}
	return out, nil
}

// samePolicy finds a policy on the device that is p exactly (compared in
// the canonical file format), so that applying p again links it instead of
// creating a second copy of its filters: the device's filter capacity
// (GlobalMaxSupportedFilters) need not hold two quarantines. A policy with
// a timeout is never reused, since the device does not report timeouts.
func (c *Client) samePolicy(ctx context.Context, p *filter.Policy) (string, []string, error) {
	if p.Timeout != 0 {
		return "", nil, nil
	}
	want, err := filter.Marshal(p)
	if err != nil {
		return "", nil, nil
	}
	all, err := c.devicePolicies(ctx)
	if err != nil {
		return "", nil, err
	}
	ids := make([]string, 0, len(all))
	for pid := range all {
		ids = append(ids, pid)
	}
	slices.Sort(ids)
	for _, pid := range ids {
		dp := all[pid]
		if dp.err != nil {
			continue
		}
		if got, err := filter.Marshal(dp.policy); err == nil && bytes.Equal(got, want) {
			return pid, dp.handles, nil
		}
	}
	return "", nil, nil
}

func toAMTInstance(in *wsman.Instance) filter.AMTInstance {
	props := map[string]string{}
	for _, p := range in.Props {
		if len(p.Values) > 0 {
			props[p.Name] = p.Values[0]
		}
	}
	return filter.AMTInstance{Class: in.Class, Properties: props}
}

// FilterStatistic is one filter's counters on an interface.
type FilterStatistic struct {
	Interface Interface
	// Filter is the filter's InstanceID and Rule its name (ElementName).
	Filter, Rule string
	// ReadCount is how many times the statistics were read; Matched how
	// many packets matched the filter.
	ReadCount, Matched int64
}

// FilterStatistics refreshes (UpdateStatistics) and reads
// AMT_ActiveFilterStatistics for the policies active on each interface.
func (c *Client) FilterStatistics(ctx context.Context) ([]FilterStatistic, error) {
	links, err := c.portPolicies(ctx)
	if err != nil {
		return nil, err
	}
	for iface, pid := range links {
		in := wsman.MethodInput(schema.DefensePolicy, "UpdateStatistics").
			SetEPR("NetworkInterface", iface.portEPR()).SetBool("ResetOnRead", false)
		if _, err := c.invoke(ctx, schema.DefensePolicy, "UpdateStatistics", wsman.Sel("InstanceID", pid), in, genericCodes); err != nil {
			return nil, err
		}
	}
	list, err := c.enumerate(ctx, schema.FilterStats)
	if err != nil {
		return nil, err
	}
	var out []FilterStatistic
	for _, in := range list {
		out = append(out, decodeFilterStatistic(in))
	}
	return out, nil
}

// decodeFilterStatistic reads one AMT_ActiveFilterStatistics. Its
// Dependent is an AMT_FilterInSystemDefensePolicy reference whose own
// Dependent selector is the filter's reference.
func decodeFilterStatistic(in *wsman.Instance) FilterStatistic {
	st := FilterStatistic{Interface: interfaceOf(in.EPR("Antecedent")), Rule: in.Get("ElementName")}
	if dep := in.EPR("Dependent"); dep != nil {
		for _, s := range dep.Selectors {
			if s.Name == "Dependent" && s.EPR != nil {
				st.Filter = s.EPR.Selectors.Get("InstanceID")
			}
		}
	}
	st.ReadCount, _ = in.Int("ReadCount")
	st.Matched, _ = in.Int("FilterMatched")
	return st
}

// checkDHCP enforces the RTSM guide's precondition: network filtering works
// only when the OS and AMT use DHCP.
func (c *Client) checkDHCP(ctx context.Context, ifaces []Interface) error {
	list, err := c.enumerate(ctx, schema.Ethernet)
	if err != nil {
		return err
	}
	for _, iface := range ifaces {
		want := schema.EthernetSettingsPrefix + strconv.Itoa(int(iface))
		found := false
		for _, in := range list {
			if in.Get("InstanceID") != want {
				continue
			}
			found = true
			if !in.Bool("DHCPEnabled") {
				return &oobkit.Error{Protocol: oobkit.AMT, Op: "ApplyPolicy", Class: oobkit.ErrInvalidState,
					Message: fmt.Sprintf("the %v interface uses a static address; System Defense filtering works only when the OS and AMT use DHCP (force to apply anyway)", iface)}
			}
		}
		if !found {
			return unsupported("ApplyPolicy", fmt.Sprintf("the device has no %v interface", iface))
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ExportPolicy reads back the System Defense policy active on iface and
// returns it as the filter model, ready for filter.Export to write in the
// policy file format (the active settings of the computer, which can be
// kept, edited and applied again). An interface with no policy allows all
// network traffic: ExportPolicy then returns filter.AllowAll(), what the
// guide calls "Allow all network traffic". The reference names no property
// that reports a policy's timeout (it is set with SetTimeout), so Timeout
// is zero.
func (c *Client) ExportPolicy(ctx context.Context, iface Interface) (*filter.Policy, error) {
	active, err := c.ActivePolicies(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range active {
		if a.Interface == iface {
			return a.Policy, nil
		}
	}
	return filter.AllowAll(), nil
}
