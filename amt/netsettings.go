package amt

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
)

// NetworkSettings is one AMT_EthernetPortSettings: the Intel AMT network
// settings of the wired (port 0) or wireless (port 1) interface (RTSM
// guide Table A-6, "Intel AMT Network Settings"). Property names are the
// Intel AMT SDK's (AMT_EthernetPortSettings,
// https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/).
type NetworkSettings struct {
	Interface  Interface `json:"interface"`
	InstanceID string    `json:"instanceID"`
	MAC        string    `json:"mac"`
	LinkUp     bool      `json:"linkUp"`
	// DHCP: AMT takes its address from DHCP (DHCPEnabled).
	DHCP bool `json:"dhcp"`
	// IP, SubnetMask, Gateway, PrimaryDNS and SecondaryDNS are the IPv4
	// settings (the static ones when DHCP is false).
	IP           string `json:"ip,omitempty"`
	SubnetMask   string `json:"subnetMask,omitempty"`
	Gateway      string `json:"gateway,omitempty"`
	PrimaryDNS   string `json:"primaryDNS,omitempty"`
	SecondaryDNS string `json:"secondaryDNS,omitempty"`
	// SharedMAC, SharedDynamicIP and SharedStaticIP: AMT shares the host's
	// MAC / DHCP address / static address.
	SharedMAC       bool `json:"sharedMAC"`
	SharedDynamicIP bool `json:"sharedDynamicIP"`
	SharedStaticIP  bool `json:"sharedStaticIP"`
	// IPSync: AMT follows the host OS's static address (IpSyncEnabled).
	IPSync bool `json:"ipSync"`
	// LinkPolicy lists the power states in which the interface is up
	// (1 S0 on AC, 14 Sx on AC, 16 S0 on battery, 224 Sx on battery).
	LinkPolicy []int `json:"linkPolicy,omitempty"`
}

// NetworkSettings reads the Intel AMT network settings of every interface.
func (c *Client) NetworkSettings(ctx context.Context) ([]NetworkSettings, error) {
	list, err := c.enumerate(ctx, schema.Ethernet)
	if err != nil {
		return nil, err
	}
	out := make([]NetworkSettings, 0, len(list))
	for _, in := range list {
		out = append(out, decodeNetworkSettings(in))
	}
	return out, nil
}

func decodeNetworkSettings(in *wsman.Instance) NetworkSettings {
	id := in.Get("InstanceID")
	n := NetworkSettings{InstanceID: id, MAC: in.Get("MACAddress"), LinkUp: in.Bool("LinkIsUp"), DHCP: in.Bool("DHCPEnabled"),
		IP: in.Get("IPAddress"), SubnetMask: in.Get("SubnetMask"), Gateway: in.Get("DefaultGateway"),
		PrimaryDNS: in.Get("PrimaryDNS"), SecondaryDNS: in.Get("SecondaryDNS"), SharedMAC: in.Bool("SharedMAC"),
		SharedDynamicIP: in.Bool("SharedDynamicIP"), SharedStaticIP: in.Bool("SharedStaticIp"), IPSync: in.Bool("IpSyncEnabled")}
	if strings.HasSuffix(id, " 1") || in.Get("PhysicalConnectionType") == "3" {
		n.Interface = Wireless
	}
	for _, v := range in.Ints("LinkPolicy") {
		n.LinkPolicy = append(n.LinkPolicy, int(v))
	}
	return n
}

// NetworkChange is a change of one interface's Intel AMT network settings.
// Nil fields keep their value.
type NetworkChange struct {
	// Interface to change (Wired or Wireless).
	Interface Interface
	// DHCP switches between DHCP (true) and the static settings below
	// (false). The wireless interface takes DHCP only.
	DHCP *bool
	// IP, SubnetMask, Gateway, PrimaryDNS, SecondaryDNS are the static IPv4
	// settings (IP and SubnetMask are required when DHCP is false).
	IP, SubnetMask, Gateway, PrimaryDNS, SecondaryDNS *string
	// LinkPolicy sets the power states in which the interface is up
	// (1 S0 AC, 14 Sx AC, 16 S0 DC, 224 Sx DC); an empty non-nil slice
	// turns the interface's link off in every state.
	LinkPolicy []int
	// Force applies a change that would cut the management station off
	// from the computer.
	Force bool
}

// NetworkChangeRefusedError is SetNetworkSettings' refusal of a change that
// would cut the management station off from the computer: it would change
// the address, DHCP or link of the interface the station reaches AMT
// through. It wraps [oobkit.ErrInvalidArgument]; Force applies the change
// anyway.
type NetworkChangeRefusedError struct {
	// Interface is the interface the station is connected through.
	Interface Interface
	// Reasons say what would cut the station off.
	Reasons []string
}

// Error names the interface and every reason.
func (e *NetworkChangeRefusedError) Error() string {
	return fmt.Sprintf("change refused: it would cut the management station off from the computer's %v interface (%s); force to apply anyway",
		e.Interface, strings.Join(e.Reasons, "; "))
}

// Unwrap returns oobkit.ErrInvalidArgument.
func (e *NetworkChangeRefusedError) Unwrap() error { return oobkit.ErrInvalidArgument }

// SetNetworkSettings changes one interface's Intel AMT network settings
// (Get, change, Put of AMT_EthernetPortSettings) and returns what the
// device holds afterwards.
//
// A change that would cut the management station off is refused with a
// *NetworkChangeRefusedError unless ch.Force: switching DHCP, changing the
// address, mask or gateway, or taking the link down in the working state
// (S0 on AC) of the interface the station is connected through. That
// interface is the one whose address is the target's; when no interface
// has the target's address (a host name that does not resolve to one, a
// tunnel, NAT) every interface whose link is up is taken to be it, since a
// wrong guess costs a desk-side visit. The firmware itself does not refuse:
// it does not know where the station is.
func (c *Client) SetNetworkSettings(ctx context.Context, ch NetworkChange) (*NetworkSettings, error) {
	const op = "SetNetworkSettings"
	if ch.Interface != Wired && ch.Interface != Wireless {
		return nil, argErr(op, "no interface %d", int(ch.Interface))
	}
	if err := checkChange(ch); err != nil {
		return nil, err
	}
	list, err := c.enumerate(ctx, schema.Ethernet)
	if err != nil {
		return nil, err
	}
	id := schema.EthernetSettingsPrefix + strconv.Itoa(int(ch.Interface))
	var cur *wsman.Instance
	var all []NetworkSettings
	for _, in := range list {
		all = append(all, decodeNetworkSettings(in))
		if in.Get("InstanceID") == id {
			cur = in
		}
	}
	if cur == nil {
		return nil, unsupported(op, fmt.Sprintf("the device has no %v interface", ch.Interface))
	}
	before := decodeNetworkSettings(cur)
	after := applyChange(before, ch)
	if after.Interface == Wireless && !after.DHCP {
		return nil, argErr(op, "the wireless interface takes its address from DHCP only")
	}
	if !after.DHCP {
		if a, err := netip.ParseAddr(after.IP); err != nil || !a.Is4() {
			return nil, argErr(op, "a static configuration needs an IPv4 address, not %q", after.IP)
		}
		if !validMask(after.SubnetMask) {
			return nil, argErr(op, "a static configuration needs an IPv4 subnet mask, not %q", after.SubnetMask)
		}
	}
	if !ch.Force {
		if reasons := cutsOff(before, after); len(reasons) > 0 && c.stationPath(ctx, all)[ch.Interface] {
			refused := &NetworkChangeRefusedError{Interface: ch.Interface, Reasons: reasons}
			return nil, &oobkit.Error{Protocol: oobkit.AMT, Op: op, Class: oobkit.ErrInvalidArgument, Message: refused.Error(), Err: refused}
		}
	}
	cur.Set("DHCPEnabled", b2s(after.DHCP))
	if !after.DHCP {
		for _, kv := range [][2]string{{"IPAddress", after.IP}, {"SubnetMask", after.SubnetMask}, {"DefaultGateway", after.Gateway},
			{"PrimaryDNS", after.PrimaryDNS}, {"SecondaryDNS", after.SecondaryDNS}} {
			if kv[1] == "" {
				cur.Delete(kv[0])
			} else {
				cur.Set(kv[0], kv[1])
			}
		}
	}
	if ch.LinkPolicy != nil {
		vals := make([]string, 0, len(ch.LinkPolicy))
		for _, v := range ch.LinkPolicy {
			vals = append(vals, strconv.Itoa(v))
		}
		if len(vals) == 0 {
			cur.Delete("LinkPolicy")
			cur.Set("LinkPolicy", "")
		} else {
			cur.Set("LinkPolicy", vals...)
		}
	}
	out, err := c.ws.Put(ctx, schema.Ethernet, wsman.Sel("InstanceID", id), cur)
	if err != nil {
		return nil, err
	}
	got := decodeNetworkSettings(out)
	return &got, nil
}

// checkChange refuses malformed input before anything is sent.
func checkChange(ch NetworkChange) error {
	for name, p := range map[string]*string{"IP": ch.IP, "Gateway": ch.Gateway, "PrimaryDNS": ch.PrimaryDNS, "SecondaryDNS": ch.SecondaryDNS} {
		if p == nil || *p == "" {
			continue
		}
		if a, err := netip.ParseAddr(*p); err != nil || !a.Is4() {
			return argErr("SetNetworkSettings", "%s %q is not an IPv4 address", name, *p)
		}
	}
	if ch.SubnetMask != nil && *ch.SubnetMask != "" && !validMask(*ch.SubnetMask) {
		return argErr("SetNetworkSettings", "subnet mask %q is not an IPv4 mask", *ch.SubnetMask)
	}
	for _, v := range ch.LinkPolicy {
		if v != 1 && v != 14 && v != 16 && v != 224 {
			return argErr("SetNetworkSettings", "link policy %d is none of 1, 14, 16, 224", v)
		}
	}
	return nil
}

// validMask reports an IPv4 netmask (contiguous ones).
func validMask(s string) bool {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return false
	}
	b := a.As4()
	_, bits := net.IPMask(b[:]).Size()
	return bits == 32
}

func applyChange(n NetworkSettings, ch NetworkChange) NetworkSettings {
	if ch.DHCP != nil {
		n.DHCP = *ch.DHCP
	}
	set := func(dst *string, p *string) {
		if p != nil {
			*dst = *p
		}
	}
	set(&n.IP, ch.IP)
	set(&n.SubnetMask, ch.SubnetMask)
	set(&n.Gateway, ch.Gateway)
	set(&n.PrimaryDNS, ch.PrimaryDNS)
	set(&n.SecondaryDNS, ch.SecondaryDNS)
	if ch.LinkPolicy != nil {
		n.LinkPolicy = slices.Clone(ch.LinkPolicy)
	}
	return n
}

// cutsOff lists what in the change from before to after would cut a
// station connected through the interface off.
func cutsOff(before, after NetworkSettings) []string {
	var r []string
	switch {
	case before.DHCP && !after.DHCP:
		r = append(r, "DHCP would be turned off for the static address "+after.IP)
	case !before.DHCP && after.DHCP:
		r = append(r, "DHCP would replace the static address "+before.IP)
	case !after.DHCP:
		if after.IP != before.IP {
			r = append(r, fmt.Sprintf("the address would change from %s to %s", before.IP, after.IP))
		}
		if after.SubnetMask != before.SubnetMask {
			r = append(r, fmt.Sprintf("the subnet mask would change from %s to %s", before.SubnetMask, after.SubnetMask))
		}
		if after.Gateway != before.Gateway {
			r = append(r, fmt.Sprintf("the default gateway would change from %s to %s", before.Gateway, after.Gateway))
		}
	}
	if after.LinkPolicy != nil && !slices.Contains(after.LinkPolicy, 1) && (before.LinkPolicy == nil || slices.Contains(before.LinkPolicy, 1)) {
		r = append(r, "the link would be down in the working state (S0 on AC)")
	}
	return r
}

// stationPath says which interfaces the management station reaches AMT
// through: the one whose address is the target's, or, when none is, every
// interface whose link is up.
func (c *Client) stationPath(ctx context.Context, all []NetworkSettings) map[Interface]bool {
	targets := map[netip.Addr]bool{}
	host := c.target.Address
	if a, err := netip.ParseAddr(host); err == nil {
		targets[a.Unmap()] = true
	} else if addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host); err == nil {
		for _, a := range addrs {
			targets[a.Unmap()] = true
		}
	}
	path := map[Interface]bool{}
	for _, n := range all {
		if a, err := netip.ParseAddr(n.IP); err == nil && targets[a.Unmap()] {
			path[n.Interface] = true
		}
	}
	if len(path) == 0 {
		for _, n := range all {
			if n.LinkUp {
				path[n.Interface] = true
			}
		}
	}
	return path
}
