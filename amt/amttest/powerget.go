package amttest

import (
	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/internal/wsmantest"

	"github.com/oobkit/oobkit/amt/internal/schema"
)

// getAssociatedPower serves a Get of CIM_AssociatedPowerManagementService.
// The firmware answers it without selectors (the class has one instance) or
// with the instance's keys, its two references ServiceProvided and
// UserOfService; other selectors are InvalidSelectors (DSP0226 §7.1), and so
// is a Get without selectors under Config.PowerGetNeedsKeys.
func (d *Device) getAssociatedPower(r *wsmantest.Request) (*etree.Element, error) {
	if len(r.Selectors) == 0 && d.cfg.PowerGetNeedsKeys {
		return nil, wsmantest.Fault("InvalidSelectors", "a Get of CIM_AssociatedPowerManagementService needs its keys")
	}
	if len(r.Selectors) > 0 {
		ok := len(r.Selectors) == 2
		for _, s := range r.Selectors {
			switch {
			case s.EPR == nil:
				ok = false
			case s.Name == "ServiceProvided":
				ok = ok && s.EPR.ResourceURI == schema.PowerService && s.EPR.Selectors.Get("Name") == schema.PowerServiceName
			case s.Name != "UserOfService":
				ok = false
			}
		}
		if !ok {
			return nil, wsmantest.Fault("InvalidSelectors", "the selectors name no CIM_AssociatedPowerManagementService")
		}
	}
	return d.associatedPower()[0], nil
}
