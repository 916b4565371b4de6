package tasks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/filter"
)

// Network filter policies a [NetworkFilterTask] applies.
const (
	FilterRemediation = "remediation" // filter.DefaultRemediation: quarantine
	FilterLimitPing   = "limit-ping"  // filter.LimitPing
	FilterAllowAll    = "allow-all"   // filter.AllowAll
	FilterCustom      = "custom"      // a policy file (filter's XML format)
	FilterRemove      = "remove"      // remove every System Defense policy
	FilterStatus      = "status"      // read back the policy active on each interface; change nothing
	FilterExport      = "export"      // read back the active policy in the filter file format; change nothing
)

// PolicyApplier is what a client needs for a [NetworkFilterTask]: AMT
// System Defense (package amt's Client implements it).
type PolicyApplier interface {
	ApplyPolicy(ctx context.Context, p *filter.Policy, opts amt.ApplyOptions) (*amt.ActivePolicy, error)
	RemoveAllPolicies(ctx context.Context) error
}

// PolicyReader is what a client needs for a [NetworkFilterTask] with policy
// status: AMT System Defense read back (package amt's Client implements it).
type PolicyReader interface {
	ActivePolicies(ctx context.Context) ([]amt.ActivePolicy, error)
}

// PolicyExporter is what a client needs for a [NetworkFilterTask] with
// policy export (package amt's Client implements it).
type PolicyExporter interface {
	ExportPolicy(ctx context.Context, iface amt.Interface) (*filter.Policy, error)
}

// NetworkFilterTask applies a System Defense network-filter policy through
// AMT: the RTSM default remediation (quarantine) policy, limit PING, allow
// all, a custom policy file, or removes every policy. Before anything is
// sent, the policy is verified (filter.CheckApply): it must validate, must
// not drop all traffic of a direction, and must keep the flows the
// management server needs (filter.RequiredFlows: ARP, DHCP, DNS, the
// server's HTTP and tickle ports). A policy that fails is refused, with the
// blocking rule named and class invalid-argument, unless Force is set.
//
// The remediation policy keeps the ports of the RTSM guide's Table C-2
// (filter.TableC2) open in both directions to any peer; AddPorts and
// RemovePorts edit that list (the defaults included), TaskServer opens the
// task server's 50120-50124, NotificationServerOnly narrows the
// Notification Server's ports to the management server.
//
// Policy status changes nothing: it reads back the policy active on each
// interface (NetworkFilterOutput.Status), so a job can check a quarantine
// took hold, or that a computer is no longer filtered. Policy export
// changes nothing either: it reads back the policy active on the first of
// Interfaces (wired by default) and returns it in the filter file format
// (NetworkFilterOutput.Export), the computer's active settings to keep,
// edit or apply elsewhere.
type NetworkFilterTask struct {
	// Policy is remediation (the default), limit-ping, allow-all, custom,
	// remove, status or export.
	Policy string `json:"policy,omitempty"`
	// ManagementServer is the address the filtered computer must still
	// reach; required for remediation, and for verifying the required flows
	// of any other policy.
	ManagementServer string `json:"managementServer,omitempty"`
	// HTTPPort and TicklePort are the management server's ports (defaults
	// 80 and 52028).
	HTTPPort   uint16 `json:"httpPort,omitempty"`
	TicklePort uint16 `json:"ticklePort,omitempty"`
	// AddPorts and RemovePorts edit the remediation policy's list of kept
	// ports (filter.ParseKeptPort: "50120-50124/tcp", "137/udp",
	// "2054/ethernet"); an added port needs its transport, a removed one
	// without a transport loses its whole row. Removed first.
	AddPorts    []string `json:"addPorts,omitempty"`
	RemovePorts []string `json:"removePorts,omitempty"`
	// TaskServer, an IP address, keeps the task server's ports 50120-50124
	// (TCP) open between it and the computer (remediation only).
	TaskServer string `json:"taskServer,omitempty"`
	// NotificationServerOnly narrows the Notification Server's HTTP and
	// tickle ports to ManagementServer (remediation only); by default they
	// are open to any peer, as Table C-2 names none.
	NotificationServerOnly bool `json:"notificationServerOnly,omitempty"`
	// AntiSpoofing is off, event, count, count-event or on; it overrides the
	// policy's mode (a custom file's included).
	AntiSpoofing string `json:"antiSpoofing,omitempty"`
	// PingRate is limit-ping's packets per second (default 10).
	PingRate uint32 `json:"pingRate,omitempty"`
	// File is the custom policy file; XML is the same content inline (for
	// jobs run where the file is not, such as remote workers).
	File string `json:"file,omitempty"`
	XML  string `json:"xml,omitempty"`
	// Name and Timeout override the policy's name and its lifetime on the
	// device (0: none).
	Name    string   `json:"name,omitempty"`
	Timeout Duration `json:"timeout,omitempty"`
	// Interfaces are wired and/or wireless; empty means wired.
	Interfaces []string `json:"interfaces,omitempty"`
	// Force applies a policy that fails verification, and skips AMT's DHCP
	// precondition.
	Force bool `json:"force,omitempty"`
}

// NetworkFilterOutput is what a [NetworkFilterTask] returns.
type NetworkFilterOutput struct {
	// Policy is the name of the policy applied ("" after remove).
	Policy string `json:"policy,omitempty"`
	// Interfaces are the interfaces filtered.
	Interfaces []string `json:"interfaces,omitempty"`
	// Rules counts the policy's rules.
	Rules int `json:"rules,omitempty"`
	// InstanceID is the device's AMT_SystemDefensePolicy instance.
	InstanceID string `json:"instanceID,omitempty"`
	// Removed says every policy was removed.
	Removed bool `json:"removed,omitempty"`
	// Overridden lists the verification failures Force overrode.
	Overridden []string `json:"overridden,omitempty"`
	// Status is set by policy status: what is active on the device.
	Status *FilterState `json:"status,omitempty"`
	// Export is set by policy export: the policy active on Interfaces[0]
	// in the filter file format (filter.Export); an unfiltered interface
	// exports filter.AllowAll.
	Export string `json:"export,omitempty"`
}

// FilterState is the System Defense state of one computer, as read back by
// a [NetworkFilterTask] with policy status.
type FilterState struct {
	// Active lists the policy active on each interface; empty when the
	// computer is not filtered.
	Active []ActiveFilter `json:"active"`
}

// ActiveFilter is one policy active on one network interface.
type ActiveFilter struct {
	// Interface is wired or wireless.
	Interface string `json:"interface"`
	// Policy is the policy's name as read back from the device.
	Policy string `json:"policy"`
	// Rules counts the policy's rules.
	Rules int `json:"rules"`
	// InstanceID is the device's AMT_SystemDefensePolicy instance.
	InstanceID string `json:"instanceID"`
}

// Kind returns "filter".
func (t *NetworkFilterTask) Kind() string { return "filter" }

// Validate checks the options and, for all but remove and status, builds
// and verifies the policy, so a job that would be refused on every computer
// fails before it starts.
func (t *NetworkFilterTask) Validate() error {
	if _, err := t.interfaces(); err != nil {
		return err
	}
	if name := t.policyName(); name == FilterRemove || name == FilterStatus || name == FilterExport {
		if len(t.Interfaces) > 1 && name == FilterExport {
			return invalidf("export reads one interface, not %d", len(t.Interfaces))
		}
		return nil
	}
	_, _, _, err := t.verified()
	return err
}

func (t *NetworkFilterTask) policyName() string {
	if t.Policy == "" {
		return FilterRemediation
	}
	return t.Policy
}

func invalidf(format string, a ...any) error {
	return &oobkit.Error{Op: "filter", Class: oobkit.ErrInvalidArgument, Message: fmt.Sprintf(format, a...)}
}

func (t *NetworkFilterTask) interfaces() ([]amt.Interface, error) {
	var out []amt.Interface
	for _, name := range t.Interfaces {
		switch name {
		case "wired":
			out = append(out, amt.Wired)
		case "wireless":
			out = append(out, amt.Wireless)
		default:
			return nil, invalidf("unknown interface %q (want wired or wireless)", name)
		}
	}
	return out, nil
}

// build returns the policy to apply and the flows it must keep.
func (t *NetworkFilterTask) build() (*filter.Policy, []filter.Flow, error) {
	var mgmt netip.Addr
	if t.ManagementServer != "" {
		a, err := netip.ParseAddr(t.ManagementServer)
		if err != nil {
			return nil, nil, invalidf("management server %q is not an IP address", t.ManagementServer)
		}
		mgmt = a
	}
	var p *filter.Policy
	switch t.policyName() {
	case FilterRemediation:
		if !mgmt.IsValid() {
			return nil, nil, invalidf("the remediation policy needs managementServer")
		}
		opts, err := t.RemediationOptions(mgmt)
		if err != nil {
			return nil, nil, err
		}
		if p, err = filter.DefaultRemediation(mgmt, opts); err != nil {
			return nil, nil, invalidArgument("", err)
		}
	case FilterLimitPing:
		p = filter.LimitPing(t.PingRate)
	case FilterAllowAll:
		p = filter.AllowAll()
	case FilterCustom:
		data, err := t.customPolicy()
		if err != nil {
			return nil, nil, err
		}
		if p, err = filter.Read(bytes.NewReader(data)); err != nil {
			return nil, nil, invalidArgument("policy file", err)
		}
	default:
		return nil, nil, invalidf("unknown policy %q (want remediation, limit-ping, allow-all, custom, remove, status or export)", t.Policy)
	}
	if t.policyName() != FilterRemediation && (len(t.AddPorts)+len(t.RemovePorts) > 0 || t.TaskServer != "" || t.NotificationServerOnly) {
		return nil, nil, invalidf("addPorts, removePorts, taskServer and notificationServerOnly edit the remediation policy, not %s", t.policyName())
	}
	if t.AntiSpoofing != "" {
		mode, err := filter.ParseAntiSpoofing(t.AntiSpoofing)
		if err != nil {
			return nil, nil, invalidArgument("", err)
		}
		p.AntiSpoofing = mode
	}
	if t.Name != "" {
		p.Name = t.Name
	}
	if t.Timeout > 0 {
		p.Timeout = time.Duration(t.Timeout)
	}
	var flows []filter.Flow
	if mgmt.IsValid() {
		flows = filter.RequiredFlows(mgmt, filter.FlowPorts{HTTP: t.HTTPPort, Tickle: t.TicklePort})
	}
	return p, flows, nil
}

// BuildPolicy returns the policy the task applies (remediation with its
// port edits, limit-ping, allow-all or custom), built as Run builds it,
// without verifying it or contacting anything. Not for remove, status and
// export.
func (t *NetworkFilterTask) BuildPolicy() (*filter.Policy, error) {
	p, _, err := t.build()
	return p, err
}

// RemediationOptions turns the task's remediation settings (ports, port
// edits, task server, narrowing) into filter options for the management
// server mgmt.
func (t *NetworkFilterTask) RemediationOptions(mgmt netip.Addr) (filter.RemediationOptions, error) {
	opts := filter.RemediationOptions{HTTPPort: t.HTTPPort, TicklePort: t.TicklePort, NotificationServerOnly: t.NotificationServerOnly}
	if t.TaskServer != "" {
		a, err := netip.ParseAddr(t.TaskServer)
		if err != nil {
			return opts, invalidf("task server %q is not an IP address", t.TaskServer)
		}
		opts.TaskServer = a
	}
	list := opts.List(mgmt)
	for _, spec := range t.RemovePorts {
		k, err := filter.ParseKeptPort(spec)
		if err != nil {
			return opts, invalidf("remove port %q: %v", spec, err)
		}
		have := k.Transport
		if have == 0 {
			have = filter.TransportTCP
			if !list.Has(k.Port, have) {
				have = filter.TransportUDP
			}
			if !list.Has(k.Port, have) {
				have = filter.TransportEthernet
			}
		}
		if !list.Has(k.Port, have) {
			return opts, invalidf("remove port %q: the list does not keep it", spec)
		}
		opts.Remove = append(opts.Remove, k)
	}
	for _, spec := range t.AddPorts {
		k, err := filter.ParseKeptPort(spec)
		if err != nil {
			return opts, invalidf("add port %q: %v", spec, err)
		}
		if k.Transport == 0 {
			return opts, invalidf("add port %q: say which transport (/tcp, /udp, /tcp+udp or /ethernet)", spec)
		}
		opts.Add = append(opts.Add, k)
	}
	return opts, nil
}

func (t *NetworkFilterTask) customPolicy() ([]byte, error) {
	switch {
	case t.File != "" && t.XML != "":
		return nil, invalidf("give the custom policy as file or xml, not both")
	case t.XML != "":
		return []byte(t.XML), nil
	case t.File != "":
		fi, err := os.Stat(t.File)
		if err != nil {
			return nil, invalidArgument("policy file", err)
		}
		if fi.Size() > filter.MaxFileSize {
			return nil, invalidf("policy file %s is larger than %d bytes", t.File, filter.MaxFileSize)
		}
		data, err := os.ReadFile(t.File)
		if err != nil {
			return nil, invalidArgument("policy file", err)
		}
		return data, nil
	default:
		return nil, invalidf("the custom policy needs file or xml")
	}
}

// verified builds the policy and verifies it; with Force, a verification
// failure is returned as overridden instead of as an error (a policy that
// does not validate is refused even then).
func (t *NetworkFilterTask) verified() (p *filter.Policy, flows []filter.Flow, overridden []string, err error) {
	p, flows, err = t.build()
	if err != nil {
		return nil, nil, nil, err
	}
	if err := filter.CheckApply(p, flows, false); err != nil {
		if !t.Force {
			return nil, nil, nil, err
		}
		if err := filter.CheckApply(p, flows, true); err != nil {
			return nil, nil, nil, err
		}
		var refused *filter.RefusedError
		if errors.As(err, &refused) {
			for _, f := range refused.Failures {
				overridden = append(overridden, f.String())
			}
			for _, f := range refused.Findings {
				overridden = append(overridden, f.String())
			}
		}
	}
	return p, flows, overridden, nil
}

// Run verifies the policy, then applies it (or removes every policy, or
// reads back what is active) through AMT.
func (t *NetworkFilterTask) Run(ctx context.Context, env *Env) (any, error) {
	ifaces, err := t.interfaces()
	if err != nil {
		return nil, err
	}
	out := &NetworkFilterOutput{}
	switch t.policyName() {
	case FilterStatus:
		state, err := readFilterState(ctx, env)
		if err != nil {
			return nil, err
		}
		out.Status = state
		return out, nil
	case FilterExport:
		iface := amt.Wired
		if len(ifaces) > 0 {
			iface = ifaces[0]
		}
		_, err := env.First(ctx, env.Only(oobkit.AMT), func(c oobkit.Client) error {
			pe, err := Capability[PolicyExporter](c, "System Defense")
			if err != nil {
				return err
			}
			p, err := pe.ExportPolicy(ctx, iface)
			if err != nil {
				return err
			}
			var b bytes.Buffer
			if err := filter.Export(&b, p); err != nil {
				return err
			}
			out.Policy, out.Rules, out.Export = p.Name, len(p.Rules), b.String()
			out.Interfaces = []string{iface.String()}
			return nil
		})
		if err != nil {
			return nil, err
		}
		return out, nil
	case FilterRemove:
		_, err := env.First(ctx, env.Only(oobkit.AMT), func(c oobkit.Client) error {
			pa, err := Capability[PolicyApplier](c, "System Defense")
			if err != nil {
				return err
			}
			return pa.RemoveAllPolicies(ctx)
		})
		out.Removed = err == nil
		return out, err
	}
	p, flows, overridden, err := t.verified()
	if err != nil {
		return nil, err
	}
	opts := amt.ApplyOptions{Interfaces: ifaces, Flows: flows, Force: t.Force}
	_, err = env.First(ctx, env.Only(oobkit.AMT), func(c oobkit.Client) error {
		pa, err := Capability[PolicyApplier](c, "System Defense")
		if err != nil {
			return err
		}
		active, err := pa.ApplyPolicy(ctx, p, opts)
		if err != nil {
			return err
		}
		out.Policy, out.Rules, out.InstanceID = p.Name, len(p.Rules), active.InstanceID
		return nil
	})
	if err != nil {
		return out, err
	}
	out.Overridden = overridden
	if len(ifaces) == 0 {
		ifaces = []amt.Interface{amt.Wired}
	}
	for _, i := range ifaces {
		out.Interfaces = append(out.Interfaces, i.String())
	}
	return out, nil
}

// readFilterState reads the policy active on each interface through AMT.
func readFilterState(ctx context.Context, env *Env) (*FilterState, error) {
	state := &FilterState{Active: []ActiveFilter{}}
	_, err := env.First(ctx, env.Only(oobkit.AMT), func(c oobkit.Client) error {
		pr, err := Capability[PolicyReader](c, "System Defense")
		if err != nil {
			return err
		}
		active, err := pr.ActivePolicies(ctx)
		if err != nil {
			return err
		}
		state.Active = state.Active[:0]
		for _, p := range active {
			a := ActiveFilter{Interface: p.Interface.String(), InstanceID: p.InstanceID}
			if p.Policy != nil {
				a.Policy, a.Rules = p.Policy.Name, len(p.Policy.Rules)
			}
			state.Active = append(state.Active, a)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return state, nil
}
