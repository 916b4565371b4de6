package dash

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// Boot roles of CIM_BootService.SetBootConfigRole (DSP1012).
const (
	RoleIsNext          = 0 // persistent: the configuration is used at every boot
	RoleIsNextSingleUse = 1 // one-time: used at the next boot only
)

// BootSource is one boot source the computer offers (CIM_BootSourceSetting).
type BootSource struct {
	InstanceID string // the key SetBootSource takes
	// StructuredBootString is "<org>:<type>:<n>", e.g. "CIM:Network:1",
	// "CIM:Hard-Disk:1", "CIM:CD/DVD:1".
	StructuredBootString string
	BIOSBootString       string // the BIOS's own name for the device
	BootString           string // a vendor string, when the computer gives one
	ElementName          string // a display name, "PXE boot (NIC 1)"
	// Order is the source's place in the current boot order (1 first),
	// 0 when it is not in the order or the computer does not say.
	Order int
	// Remote is true for a source that boots a redirected (remote) image.
	Remote bool
}

// Type returns the middle part of the structured boot string
// ("Network", "Hard-Disk", "CD/DVD"…).
func (s BootSource) Type() string {
	parts := strings.Split(s.StructuredBootString, ":")
	if len(parts) >= 2 {
		return parts[1]
	}
	return ""
}

// isRemote recognises a boot source for a redirected image. DSP1012 has no
// type for it; computers that offer one (USB/media redirection, DSP1077 and
// DSP1086) name it in the structured or readable boot string, which is
// matched for "redirect" or "remote".
func isRemote(s BootSource) bool {
	t := strings.ToLower(s.StructuredBootString + " " + s.BootString + " " + s.ElementName)
	return strings.Contains(t, "redirect") || strings.Contains(t, "remote")
}

// BootSources lists the boot sources, in the current boot order first (when
// the computer reports CIM_OrderedComponent), then the rest.
func (c *Client) BootSources(ctx context.Context) ([]BootSource, error) {
	items, err := c.enumerate(ctx, "CIM_BootSourceSetting", false)
	if err != nil {
		return nil, err
	}
	order, err := c.bootOrder(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]BootSource, 0, len(items))
	for _, in := range items {
		s := BootSource{InstanceID: in.Get("InstanceID"), StructuredBootString: in.Get("StructuredBootString"),
			BIOSBootString: in.Get("BIOSBootString"), BootString: in.Get("BootString"), ElementName: in.Get("ElementName")}
		s.Order = order[s.InstanceID]
		s.Remote = isRemote(s)
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Order, out[j].Order
		if a == 0 || b == 0 {
			return a != 0 && b == 0
		}
		return a < b
	})
	return out, nil
}

// bootOrder reads CIM_OrderedComponent: boot source InstanceID → sequence.
// A computer without the association yields an empty map.
func (c *Client) bootOrder(ctx context.Context) (map[string]int, error) {
	items, err := c.enumerate(ctx, "CIM_OrderedComponent", true)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, in := range items {
		part := in.EPR("PartComponent")
		seq, _ := in.Int("AssignedSequence")
		if part != nil && seq > 0 {
			out[part.Selectors.Get("InstanceID")] = int(seq)
		}
	}
	return out, nil
}

// SetBootSource makes the source with InstanceID id the first boot source
// (ChangeBootOrder on the boot configuration), keeping the other ordered
// sources after it, and then makes that configuration the next one, once
// (SetBootConfigRole IsNextSingleUse) or for every boot (IsNext) when
// persistent.
func (c *Client) SetBootSource(ctx context.Context, id string, persistent bool) error {
	if err := c.requireProfile(ctx, "SetBootSource", ProfileBootControl); err != nil {
		return err
	}
	sources, err := c.BootSources(ctx)
	if err != nil {
		return err
	}
	return c.setBootSource(ctx, sources, id, persistent)
}

func (c *Client) setBootSource(ctx context.Context, sources []BootSource, id string, persistent bool) error {
	found := false
	refs := []*wsman.EndpointReference{}
	for _, s := range sources {
		if s.InstanceID == id {
			found = true
			refs = append([]*wsman.EndpointReference{sourceRef(s.InstanceID)}, refs...)
		} else if s.Order > 0 {
			refs = append(refs, sourceRef(s.InstanceID))
		}
	}
	if !found {
		return errorf("SetBootSource", oobkit.ErrInvalidArgument, "", "the computer has no boot source %q", id)
	}
	cfg, err := c.first(ctx, "CIM_BootConfigSetting")
	if err != nil {
		return err
	}
	cfgSel := wsman.Sel("InstanceID", cfg.Get("InstanceID"))
	const orderOp = "ChangeBootOrder"
	in := wsman.MethodInput(uri("CIM_BootConfigSetting"), orderOp)
	for _, r := range refs {
		in.Props = append(in.Props, wsman.Property{Name: "Source", EPR: r})
	}
	out, err := c.ws.Invoke(ctx, uri("CIM_BootConfigSetting"), orderOp, cfgSel, in)
	if err != nil {
		return err
	}
	if err := checkReturn(orderOp, out, bootReturnCodes); err != nil {
		return err
	}
	svc, err := c.first(ctx, "CIM_BootService")
	if err != nil {
		return err
	}
	role := RoleIsNextSingleUse
	if persistent {
		role = RoleIsNext
	}
	const roleOp = "SetBootConfigRole"
	rin := wsman.MethodInput(uri("CIM_BootService"), roleOp).
		SetEPR("BootConfigSetting", &wsman.EndpointReference{ResourceURI: uri("CIM_BootConfigSetting"), Selectors: cfgSel}).
		Set("Role", strconv.Itoa(role))
	sel := epr("CIM_BootService", svc, "SystemCreationClassName", "SystemName", "CreationClassName", "Name").Selectors
	out, err = c.ws.Invoke(ctx, uri("CIM_BootService"), roleOp, sel, rin)
	if err != nil {
		return err
	}
	return checkReturn(roleOp, out, bootReturnCodes)
}

func sourceRef(id string) *wsman.EndpointReference {
	return &wsman.EndpointReference{ResourceURI: uri("CIM_BootSourceSetting"), Selectors: wsman.Sel("InstanceID", id)}
}

// bootTypes maps oobkit boot devices to DSP1012 structured boot string types.
var bootTypes = map[oobkit.BootDevice][]string{
	oobkit.BootPXE:       {"Network"},
	oobkit.BootHardDrive: {"Hard-Disk"},
	oobkit.BootCD:        {"CD/DVD"},
	oobkit.BootFloppy:    {"Floppy", "USB"},
}

// SetNextBoot sets the device the computer boots from: once, or at every
// boot when opts.Persistent. BootIDERCD and BootIDERFloppy pick a boot
// source for a redirected (remote) image, where the computer offers one.
// DASH Boot Control has none of the AMT boot options (keyboard lock, SOL,
// BIOS pause…), no EFI selector and no "clear the override" request, so
// those are ErrUnsupported.
func (c *Client) SetNextBoot(ctx context.Context, opts oobkit.BootOptions) error {
	const op = "SetNextBoot"
	if opts.LockKeyboard || opts.DisablePowerButton || opts.BypassPassword || opts.ProgressEvents || opts.SOL ||
		opts.EnterBIOS || opts.EFI {
		return errorf(op, oobkit.ErrUnsupported, "", "DASH Boot Control has no boot options beyond the device")
	}
	switch opts.Device {
	case oobkit.BootNone:
		return errorf(op, oobkit.ErrUnsupported, "", "DASH Boot Control cannot clear a boot override")
	case oobkit.BootBIOSSetup:
		return errorf(op, oobkit.ErrUnsupported, "", "DASH Boot Control cannot boot into BIOS setup")
	}
	if err := c.requireProfile(ctx, op, ProfileBootControl); err != nil {
		return err
	}
	sources, err := c.BootSources(ctx)
	if err != nil {
		return err
	}
	s, ok := pickSource(sources, opts.Device)
	if !ok {
		return errorf(op, oobkit.ErrUnsupported, "", "the computer offers no boot source for %v", opts.Device)
	}
	return c.setBootSource(ctx, sources, s.InstanceID, opts.Persistent)
}

func pickSource(sources []BootSource, d oobkit.BootDevice) (BootSource, bool) {
	if d == oobkit.BootIDERCD || d == oobkit.BootIDERFloppy {
		want := "cd"
		if d == oobkit.BootIDERFloppy {
			want = "floppy"
		}
		for _, s := range sources {
			t := strings.ToLower(s.StructuredBootString + " " + s.BootString + " " + s.ElementName)
			if s.Remote && (strings.Contains(t, want) || (want == "cd" && strings.Contains(t, "dvd"))) {
				return s, true
			}
		}
		return BootSource{}, false
	}
	for _, typ := range bootTypes[d] {
		for _, s := range sources {
			if !s.Remote && strings.EqualFold(s.Type(), typ) {
				return s, true
			}
		}
	}
	return BootSource{}, false
}
