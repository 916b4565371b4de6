package dashtest

import (
	"slices"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

const pmsName = "Power Management Service"

// available lists the DMTF states requestable from state s (DSP1027).
func (c *Computer) available(s int) []int {
	switch s {
	case 2:
		out := []int{4, 5, 6, 7, 8, 9, 10, 11}
		if c.cfg.GracefulPower {
			out = append(out, 12, 13, 14, 15, 16)
		}
		return out
	default: // off, asleep, hibernating
		return []int{2}
	}
}

// supported lists every DMTF state the computer knows.
func (c *Computer) supported() []int {
	out := []int{2, 4, 5, 6, 7, 8, 9, 10, 11}
	if c.cfg.GracefulPower {
		out = append(out, 12, 13, 14, 15, 16)
	}
	return out
}

func (c *Computer) registerPower() {
	c.serveList("CIM_AssociatedPowerManagementService", func() []*wsman.Instance {
		c.mu.Lock()
		defer c.mu.Unlock()
		in := inst("CIM_AssociatedPowerManagementService").
			SetEPR("ServiceProvided", &wsman.EndpointReference{ResourceURI: uri("CIM_PowerManagementService"),
				Selectors: c.serviceSelectors("CIM_PowerManagementService", pmsName)}).
			SetEPR("UserOfService", c.systemRef()).
			SetInt("PowerState", int64(c.power)).SetInt("RequestedPowerState", int64(c.requested))
		var av []string
		for _, s := range c.available(c.power) {
			av = append(av, itoa(s))
		}
		return []*wsman.Instance{in.Set("AvailableRequestedPowerStates", av...)}
	})
	c.serveList("CIM_PowerManagementService", func() []*wsman.Instance {
		return []*wsman.Instance{c.service("CIM_PowerManagementService", pmsName)}
	})
	c.method("CIM_PowerManagementService", "RequestPowerStateChange", func(req *wsmantest.Request, in *wsman.Instance) (*etree.Element, error) {
		if err := checkSelectors(req, c.serviceSelectors("CIM_PowerManagementService", pmsName)); err != nil {
			return nil, err
		}
		want, ok := in.Int("PowerState")
		me := in.EPR("ManagedElement")
		if !ok || me == nil || me.Selectors.Get("Name") != c.cfg.Name {
			return output("CIM_PowerManagementService", "RequestPowerStateChange", 5).Element(), nil
		}
		return output("CIM_PowerManagementService", "RequestPowerStateChange", c.requestPower(int(want))).Element(), nil
	})
}

// requestPower performs a RequestPowerStateChange and returns its ReturnValue.
func (c *Computer) requestPower(want int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rv, ok := c.injected("RequestPowerStateChange"); ok {
		return rv
	}
	if !slices.Contains(c.supported(), want) {
		return 1
	}
	if !slices.Contains(c.available(c.power), want) {
		return 4097
	}
	c.requested = want
	switch want {
	case 2, 5, 9, 10, 14, 15, 16: // on, cycle, reset: the computer boots
		c.power = 2
		c.bootLocked()
	case 6, 13:
		c.power = 6
	case 8, 12:
		c.power = 8
	case 4, 7:
		c.power = want
	case 11: // NMI: stays on
	}
	return 0
}

// PowerState returns the DMTF power state.
func (c *Computer) PowerState() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.power
}

// SetPowerState sets the DMTF power state directly (a local button press).
func (c *Computer) SetPowerState(s int) {
	c.mu.Lock()
	c.power = s
	c.mu.Unlock()
}

// Boots counts the boots so far (power on, reset, cycle).
func (c *Computer) Boots() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.boots
}

// bootLocked simulates a boot: it boots the first source, returns a
// single-use order to the persistent one and applies pending BIOS values.
func (c *Computer) bootLocked() {
	c.boots++
	c.lastBoot = ""
	if len(c.order) > 0 {
		c.lastBoot = c.order[0]
	}
	if c.singleUse {
		c.order = append([]string(nil), c.defOrder...)
		c.singleUse = false
	}
	for _, a := range c.attrs {
		if a.pending != nil {
			a.Value = *a.pending
			a.pending = nil
		}
	}
}
