package amt

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
)

// powerRead is how the client reads CIM_AssociatedPowerManagementService:
// the first read enumerates the class (one request when the firmware honours
// optimized enumeration, Enumerate + Pull when it does not) and learns the
// instance's keys; every later read is one Get with those keys as selectors
// (DSP0226 §7.1: a Get names the instance by its key properties; the keys
// of this association are its two references, ServiceProvided and
// UserOfService, CIM schema 2.x CIM_AssociatedPowerManagementService).
type powerRead struct {
	// sel holds the learned selectors; nil until the first enumeration.
	sel atomic.Pointer[wsman.Selectors]
	// noGet is set when the device declined a Get of the class: the client
	// enumerates from then on.
	noGet atomic.Bool
}

// associatedPower returns the CIM_AssociatedPowerManagementService instance
// with one request per call after the first. A device that declines the Get
// with the keys (ActionNotSupported, InvalidSelectors…) is asked once more
// with a Get without selectors, and uses that from then on if it answers;
// if it declines that too, it is enumerated from then on. Either way the
// fallback costs one or two extra requests once.
func (c *Client) associatedPower(ctx context.Context) (*wsman.Instance, error) {
	if sel := c.power.sel.Load(); sel != nil {
		in, err := c.get(ctx, schema.AssociatedPower, *sel)
		switch {
		case err == nil && in.Has("PowerState"):
			return in, nil
		case err != nil && !getDeclined(err):
			return nil, err
		}
		if len(*sel) > 0 {
			// AMT has one instance of the class and answers a Get without
			// selectors (go-wsman-messages reads it so); try that once.
			in, err := c.get(ctx, schema.AssociatedPower, nil)
			switch {
			case err == nil && in.Has("PowerState"):
				c.power.sel.Store(&wsman.Selectors{})
				return in, nil
			case err != nil && !getDeclined(err):
				return nil, err
			}
		}
		c.power.noGet.Store(true)
		c.power.sel.Store(nil)
	}
	in, err := c.first(ctx, schema.AssociatedPower)
	if err != nil {
		return nil, err
	}
	if !c.power.noGet.Load() {
		if sel := associationKeys(in, "ServiceProvided", "UserOfService"); sel != nil {
			c.power.sel.Store(&sel)
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
// returns nil unless every key is present as a reference.
func associationKeys(in *wsman.Instance, keys ...string) wsman.Selectors {
	sel := make(wsman.Selectors, 0, len(keys))
	for _, k := range keys {
		epr := in.EPR(k)
		if epr == nil || epr.ResourceURI == "" || len(epr.Selectors) == 0 {
			return nil
		}
		sel = append(sel, wsman.Selector{Name: k, EPR: epr})
	}
	return sel
}
