package dash

import (
	"context"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// Registered profile names (DSP1033 RegisteredName of DMTF profiles).
const (
	ProfileBaseDesktop     = "Base Desktop and Mobile"
	ProfilePowerState      = "Power State Management"
	ProfileBootControl     = "Boot Control"
	ProfileBIOSManagement  = "BIOS Management"
	ProfileIndications     = "Indications"
	ProfileSoftwareInv     = "Software Inventory"
	ProfileProfileRegistry = "Profile Registration"
)

// Profile is one registered profile (CIM_RegisteredProfile, DSP1033): a
// feature set the computer implements.
type Profile struct {
	InstanceID string // the CIM_RegisteredProfile key
	// Organization is "DMTF" for DMTF profiles, else the
	// OtherRegisteredOrganization (a vendor).
	Organization string
	Name         string // RegisteredName, e.g. "BIOS Management"
	Version      string // RegisteredVersion, e.g. "1.0.0"
}

// Profiles lists the computer's registered profiles (enumerating
// CIM_RegisteredProfile) and remembers them for [Client.HasProfile].
func (c *Client) Profiles(ctx context.Context) ([]Profile, error) {
	// Registered profiles live in the interop namespace (DSP1033 §7; DSP0227
	// §7.4 names it with the __cimnamespace selector).
	items, err := c.ws.Enumerate(ctx, uri("CIM_RegisteredProfile"), wsman.EnumerateOptions{Selectors: wsman.Sel("__cimnamespace", "interop")})
	if err != nil {
		return nil, err
	}
	out := make([]Profile, 0, len(items))
	for _, in := range items {
		org := "DMTF"
		if in.Get("RegisteredOrganization") != "2" {
			org = in.Get("OtherRegisteredOrganization")
			if org == "" {
				org = "Other"
			}
		}
		out = append(out, Profile{InstanceID: in.Get("InstanceID"), Organization: org,
			Name: in.Get("RegisteredName"), Version: in.Get("RegisteredVersion")})
	}
	c.mu.Lock()
	c.profiles = out
	c.mu.Unlock()
	return out, nil
}

// HasProfile reports whether the computer registers the DMTF profile name
// (case-insensitive). It reads the profiles once and remembers them.
func (c *Client) HasProfile(ctx context.Context, name string) (bool, error) {
	c.mu.Lock()
	ps := c.profiles
	c.mu.Unlock()
	if ps == nil {
		var err error
		if ps, err = c.Profiles(ctx); err != nil {
			return false, err
		}
	}
	for _, p := range ps {
		if strings.EqualFold(p.Name, name) {
			return true, nil
		}
	}
	return false, nil
}

// requireProfile returns an ErrUnsupported error when the computer does not
// register profile name.
func (c *Client) requireProfile(ctx context.Context, op, name string) error {
	ok, err := c.HasProfile(ctx, name)
	if err != nil {
		return err
	}
	if !ok {
		return errorf(op, oobkit.ErrUnsupported, "", "the computer does not implement the %s profile", name)
	}
	return nil
}
