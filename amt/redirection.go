package amt

import (
	"context"

	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
)

// AMT_RedirectionService.EnabledState values (go-wsman-messages
// amt/redirection/decoder.go).
const (
	redirNone    = 32768 // IDE-R and SOL disabled
	redirIDER    = 32769 // IDE-R enabled, SOL disabled
	redirSOL     = 32770 // SOL enabled, IDE-R disabled
	redirIDERSOL = 32771 // both enabled
)

// CIM_KVMRedirectionSAP EnabledState values.
const (
	kvmEnabled        = 2
	kvmDisabled       = 3
	kvmEnabledOffline = 6
)

// RedirectionSettings are the redirection features of a device.
type RedirectionSettings struct {
	SOL      bool `json:"sol"`
	IDER     bool `json:"ider"`
	KVM      bool `json:"kvm"`
	Listener bool `json:"listener"` // the redirection port 16994/16995 accepts sessions
}

// RedirectionSettings reads AMT_RedirectionService and, where present,
// CIM_KVMRedirectionSAP.
func (c *Client) RedirectionSettings(ctx context.Context) (RedirectionSettings, error) {
	rs, err := c.get(ctx, schema.Redirection, wsman.Sel("Name", schema.RedirectionName))
	if err != nil {
		return RedirectionSettings{}, err
	}
	s := decodeRedirection(rs)
	kvms, err := c.enumerate(ctx, schema.KVMSAP)
	if err != nil && !isUnsupported(err) {
		return s, err
	}
	if len(kvms) > 0 {
		s.KVM = decodeKVM(kvms[0])
	}
	return s, nil
}

func decodeRedirection(in *wsman.Instance) RedirectionSettings {
	st, _ := in.Int("EnabledState")
	return RedirectionSettings{
		IDER:     st == redirIDER || st == redirIDERSOL,
		SOL:      st == redirSOL || st == redirIDERSOL,
		Listener: in.Bool("ListenerEnabled"),
	}
}

// decodeKVM: enabled when EnabledState is 2 or 6 "enabled but offline"
// (MeshCommander; go-wsman-messages cim/kvm).
func decodeKVM(in *wsman.Instance) bool {
	st, _ := in.Int("EnabledState")
	return st == kvmEnabled || st == kvmEnabledOffline
}

// SetRedirection applies s in MeshCommander's order: the SOL/IDE-R state,
// the KVM access point, then the listener (Put AMT_RedirectionService).
func (c *Client) SetRedirection(ctx context.Context, s RedirectionSettings) error {
	state := int64(redirNone)
	if s.IDER {
		state++
	}
	if s.SOL {
		state += 2
	}
	in := wsman.MethodInput(schema.Redirection, "RequestStateChange").SetInt("RequestedState", state)
	if _, err := c.invoke(ctx, schema.Redirection, "RequestStateChange", wsman.Sel("Name", schema.RedirectionName), in, stateChangeCodes); err != nil {
		return err
	}
	kvms, err := c.enumerate(ctx, schema.KVMSAP)
	switch {
	case err != nil && !isUnsupported(err):
		return err
	case len(kvms) > 0:
		want := int64(kvmDisabled)
		if s.KVM {
			want = kvmEnabled
		}
		in := wsman.MethodInput(schema.KVMSAP, "RequestStateChange").SetInt("RequestedState", want)
		if _, err := c.invoke(ctx, schema.KVMSAP, "RequestStateChange", kvmSelectors(kvms[0]), in, stateChangeCodes); err != nil {
			return err
		}
	case s.KVM:
		return unsupported("SetRedirection", "the device has no KVM (CIM_KVMRedirectionSAP)")
	}
	rs, err := c.get(ctx, schema.Redirection, wsman.Sel("Name", schema.RedirectionName))
	if err != nil {
		return err
	}
	rs.SetBool("ListenerEnabled", s.Listener)
	rs.Delete("AccessLog")
	_, err = c.ws.Put(ctx, schema.Redirection, wsman.Sel("Name", schema.RedirectionName), rs)
	return err
}

func kvmSelectors(in *wsman.Instance) wsman.Selectors {
	name := in.Get("Name")
	if name == "" {
		name = schema.KVMSAPName
	}
	return wsman.Selectors{
		{Name: "CreationClassName", Value: "CIM_KVMRedirectionSAP"}, {Name: "Name", Value: name},
		{Name: "SystemCreationClassName", Value: "CIM_ComputerSystem"}, {Name: "SystemName", Value: "ManagedSystem"},
	}
}
