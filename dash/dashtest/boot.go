package dashtest

import (
	"slices"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// BootSource is a boot source of the simulated computer.
type BootSource struct {
	InstanceID           string
	StructuredBootString string
	ElementName          string
	// Order is the place in the initial boot order (1 first), 0 for none.
	Order int
}

// DefaultBootSources are a hard disk, the network, a CD/DVD drive and a
// redirected (remote) CD image, in that boot order, the remote one unordered.
func DefaultBootSources() []BootSource {
	return []BootSource{
		{InstanceID: "DASH:BootSource Hard-Disk 1", StructuredBootString: "CIM:Hard-Disk:1", ElementName: "SATA disk", Order: 1},
		{InstanceID: "DASH:BootSource Network 1", StructuredBootString: "CIM:Network:1", ElementName: "PXE IPv4", Order: 2},
		{InstanceID: "DASH:BootSource CD/DVD 1", StructuredBootString: "CIM:CD/DVD:1", ElementName: "DVD drive", Order: 3},
		{InstanceID: "DASH:BootSource CD/DVD 2", StructuredBootString: "CIM:CD/DVD:2", ElementName: "Redirected CD image (remote)"},
	}
}

const (
	bootConfigID = "DASH:BootConfigSetting 0"
	bootSvcName  = "Boot Service"
)

func (c *Computer) registerBoot() {
	c.serveList("CIM_BootSourceSetting", func() []*wsman.Instance {
		var out []*wsman.Instance
		for _, s := range c.sources {
			out = append(out, inst("CIM_BootSourceSetting").Set("InstanceID", s.InstanceID).
				Set("StructuredBootString", s.StructuredBootString).Set("ElementName", s.ElementName).
				Set("BootString", s.ElementName).Set("FailThroughSupported", "2"))
		}
		return out
	})
	c.serveList("CIM_BootConfigSetting", func() []*wsman.Instance {
		return []*wsman.Instance{inst("CIM_BootConfigSetting").Set("InstanceID", bootConfigID).Set("ElementName", "Boot configuration")}
	})
	c.serveList("CIM_OrderedComponent", func() []*wsman.Instance {
		c.mu.Lock()
		defer c.mu.Unlock()
		cfg := &wsman.EndpointReference{ResourceURI: uri("CIM_BootConfigSetting"), Selectors: wsman.Sel("InstanceID", bootConfigID)}
		var out []*wsman.Instance
		for _, s := range c.sources {
			seq := slices.Index(c.order, s.InstanceID) + 1
			out = append(out, inst("CIM_OrderedComponent").SetEPR("GroupComponent", cfg).
				SetEPR("PartComponent", &wsman.EndpointReference{ResourceURI: uri("CIM_BootSourceSetting"), Selectors: wsman.Sel("InstanceID", s.InstanceID)}).
				SetInt("AssignedSequence", int64(seq)))
		}
		return out
	})
	c.serveList("CIM_BootService", func() []*wsman.Instance {
		return []*wsman.Instance{c.service("CIM_BootService", bootSvcName)}
	})
	c.method("CIM_BootConfigSetting", "ChangeBootOrder", func(req *wsmantest.Request, in *wsman.Instance) (*etree.Element, error) {
		if err := checkSelectors(req, wsman.Sel("InstanceID", bootConfigID)); err != nil {
			return nil, err
		}
		return output("CIM_BootConfigSetting", "ChangeBootOrder", c.changeBootOrder(in)).Element(), nil
	})
	c.method("CIM_BootService", "SetBootConfigRole", func(req *wsmantest.Request, in *wsman.Instance) (*etree.Element, error) {
		if err := checkSelectors(req, c.serviceSelectors("CIM_BootService", bootSvcName)); err != nil {
			return nil, err
		}
		return output("CIM_BootService", "SetBootConfigRole", c.setBootConfigRole(in)).Element(), nil
	})
}

func (c *Computer) changeBootOrder(in *wsman.Instance) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rv, ok := c.injected("ChangeBootOrder"); ok {
		return rv
	}
	var order []string
	for _, p := range in.Props {
		if p.Name != "Source" {
			continue
		}
		if p.EPR == nil {
			return 5
		}
		id := p.EPR.Selectors.Get("InstanceID")
		if !slices.ContainsFunc(c.sources, func(s BootSource) bool { return s.InstanceID == id }) {
			return 4 // invalid reference
		}
		order = append(order, id)
	}
	c.order = order
	return 0
}

func (c *Computer) setBootConfigRole(in *wsman.Instance) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rv, ok := c.injected("SetBootConfigRole"); ok {
		return rv
	}
	ref := in.EPR("BootConfigSetting")
	if ref == nil || ref.Selectors.Get("InstanceID") != bootConfigID {
		return 4
	}
	switch in.Get("Role") {
	case "0":
		c.defOrder = append([]string(nil), c.order...)
		c.singleUse = false
	case "1":
		c.singleUse = true
	default:
		return 5
	}
	return 0
}

// BootOrder returns the InstanceIDs of the current boot order.
func (c *Computer) BootOrder() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.order...)
}

// PersistentBootOrder returns the order a single-use boot returns to.
func (c *Computer) PersistentBootOrder() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.defOrder...)
}

// SingleUse reports whether the boot configuration is set for the next boot only.
func (c *Computer) SingleUse() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.singleUse
}

// LastBootSource returns the InstanceID the computer last booted from.
func (c *Computer) LastBootSource() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastBoot
}
