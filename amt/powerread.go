package amt

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
)

// powerRead is how the client reads CIM_AssociatedPowerManagementService.
// AMT has one instance of the class and answers a Get without selectors, so
// the first read is one such Get (go-wsman-messages reads the class so:
// AssociatedPowerManagementService.Get is base.WSManService.Get, which is
// getBySelector(nil), and message.Base.Get(nil) sends an empty SelectorSet;
// https://github.com/device-management-toolkit/go-wsman-messages/blob/b455ed389365ee9ef9e5d5cf4331c2c487f6b8ce/pkg/wsman/base/wsmanservice.go#L27
// and .../internal/message/base.go#L37). A device that declines it is
// enumerated once (one request when the firmware honours optimized
// enumeration, Enumerate + Pull when it does not) and the instance's keys are
// learned; later reads are one Get with those keys as selectors (DSP0226
// §7.1: a Get names the instance by its key properties; the keys of this
// association are its two references, ServiceProvided and UserOfService, CIM
// schema 2.x CIM_AssociatedPowerManagementService). A device that declines
// that Get too is enumerated from then on.
type powerRead struct {
	// sel holds the selectors a Get uses: nil until a Get has been
	// answered or keys learned, empty for the Get without selectors.
	sel atomic.Pointer[wsman.Selectors]
	// noBare is set when the device declined the Get without selectors.
	noBare atomic.Bool
	// noGet is set when the device declined the Get with the keys too: the
	// client enumerates from then on.
	noGet atomic.Bool
}

// noSelectors is the Get without selectors.
var noSelectors = wsman.Selectors{}

// associatedPower returns the CIM_AssociatedPowerManagementService instance
// with one request per call, the first included, on a device that answers a
// Get without selectors (AMT does). A device that declines it
// (ActionNotSupported, InvalidSelectors…) costs the enumeration once more
// and is then read with a Get with the keys it taught; one that declines
// that too costs one request more once and is enumerated from then on.
func (c *Client) associatedPower(ctx context.Context) (*wsman.Instance, error) {
	if !c.power.noGet.Load() {
		sel := c.power.sel.Load()
		if sel == nil && !c.power.noBare.Load() {
			sel = &noSelectors
		}
		if sel != nil {
			in, err := c.get(ctx, schema.AssociatedPower, *sel)
			switch {
			case err == nil && in.Has("PowerState"):
				c.power.sel.Store(sel)
				return in, nil
			case err != nil && !getDeclined(err):
				return nil, err
			}
			c.power.sel.Store(nil)
			if len(*sel) == 0 {
				c.power.noBare.Store(true)
			} else {
				c.power.noGet.Store(true)
			}
		}
	}
	in, err := c.first(ctx, schema.AssociatedPower)
	if err != nil {
		return nil, err
	}
	if !c.power.noGet.Load() {
		if sel := associationKeys(in, "ServiceProvided", "UserOfService"); sel != nil {
			c.power.sel.Store(&sel)
		} else {
			c.power.noGet.Store(true)
		}
	}
	return in, nil
}

// getDeclined tells a device that does not serve a Get of the class (or not
// with these selectors) from a failure of the exchange itself.
func getDeclined(err error) bool {
	var oe *oobkit.Error
	if !errors.As(err, &oe) {
		return false
	}
	return oe.Class == oobkit.ErrUnsupported || oe.Class == oobkit.ErrInvalidArgument
}

// associationKeys returns the selectors that name an association instance:
// its reference-valued key properties, each an endpoint reference. It
// returns nil unless every key is present as a reference. The selectors are
// copies: kept for the client's life, they must not pin the reply they were
// parsed from (its strings may share the reply's buffer).
func associationKeys(in *wsman.Instance, keys ...string) wsman.Selectors {
	sel := make(wsman.Selectors, 0, len(keys))
	for _, k := range keys {
		epr := in.EPR(k)
		if epr == nil || epr.ResourceURI == "" || len(epr.Selectors) == 0 {
			return nil
		}
		sel = append(sel, wsman.Selector{Name: k, EPR: cloneEPR(epr)})
	}
	return sel
}

// cloneEPR copies an endpoint reference, its strings included.
func cloneEPR(e *wsman.EndpointReference) *wsman.EndpointReference {
	if e == nil {
		return nil
	}
	c := &wsman.EndpointReference{
		Address:     strings.Clone(e.Address),
		ResourceURI: strings.Clone(e.ResourceURI),
		Identifier:  strings.Clone(e.Identifier),
		Selectors:   make(wsman.Selectors, len(e.Selectors)),
	}
	for i, s := range e.Selectors {
		c.Selectors[i] = wsman.Selector{Name: strings.Clone(s.Name), Value: strings.Clone(s.Value), EPR: cloneEPR(s.EPR)}
	}
	return c
}
