package redirect

import (
	"context"
	"fmt"
	"slices"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/redirect/rfb"
)

// Consenter is the user-consent half of AMT's IPS_OptInService, which
// *amt.Client implements (redirect uses package amt only through this
// interface). When consent is required, AMT shows a six-digit code on the
// computer's screen after StartConsent, and a remote session may start
// only once SendConsentCode has sent it back.
type Consenter interface {
	// ConsentGranted reports whether consent is not required or given.
	ConsentGranted(ctx context.Context) (bool, error)
	// StartConsent asks the device to display the code to its user.
	StartConsent(ctx context.Context) error
	// SendConsentCode sends the code the user read.
	SendConsentCode(ctx context.Context, code int) error
}

// KVMOptions configure [Client.OpenKVMSession].
type KVMOptions struct {
	// Consent, when set, is asked before the session: if consent is
	// required and not given, the session starts the consent request and
	// sends the code ConsentCode returns.
	Consent Consenter
	// ConsentCode asks the operator for the code the computer shows
	// (called after the request started). Nil with consent needed fails
	// the session with [oobkit.ErrAuth].
	ConsentCode func(ctx context.Context) (int, error)
	// Power and State run the viewer's power actions ([KVM.Power]); an
	// *amt.Client is both.
	Power oobkit.PowerController
	State oobkit.PowerStateReader
	// RFB configures the RFB client (pixel format, size limits).
	RFB rfb.Options
}

// KVM is a KVM session with the computer's screen: an RFB client
// ([rfb.Conn]: Screenshot, Frames, KeyEvent, Pointer…) over the
// redirection session, and the KVM viewer's power actions.
type KVM struct {
	*rfb.Conn
	power oobkit.PowerController
	state oobkit.PowerStateReader
}

// OpenKVMSession obtains user consent when it is required (the guide's
// "Running a KVM remote control session": the user at the computer reads
// the code aloud), starts the KVM redirection session and performs the RFB
// handshake. After authentication it takes two device round trips to the
// first frame: the KVM start, then the RFB handshake's ServerInit (the
// first Screenshot or Frames request is answered in the same stream).
//
// Errors: consent refused (a wrong code, or the device refusing the
// viewer) wraps [oobkit.ErrAuth]; see [Client.OpenKVM] and package rfb for
// the rest.
func (c *Client) OpenKVMSession(ctx context.Context, o KVMOptions) (*KVM, error) {
	if o.Consent != nil {
		if err := obtainConsent(ctx, o); err != nil {
			return nil, err
		}
	}
	nc, err := c.OpenKVM(ctx)
	if err != nil {
		return nil, err
	}
	conn, err := rfb.NewClient(ctx, nc, o.RFB)
	if err != nil {
		return nil, err
	}
	return &KVM{Conn: conn, power: o.Power, state: o.State}, nil
}

func obtainConsent(ctx context.Context, o KVMOptions) error {
	const op = "user consent"
	ok, err := o.Consent.ConsentGranted(ctx)
	if err != nil {
		return err
	}
	if ok {
		return nil
	}
	if o.ConsentCode == nil {
		return classErr(op, oobkit.ErrAuth, "user consent is required and no ConsentCode was given to ask for the code", nil)
	}
	if err := o.Consent.StartConsent(ctx); err != nil {
		return err
	}
	code, err := o.ConsentCode(ctx)
	if err != nil {
		return classErr(op, oobkit.ErrAuth, "no consent code", err)
	}
	if err := o.Consent.SendConsentCode(ctx, code); err != nil {
		return classErr(op, oobkit.ErrAuth, fmt.Sprintf("the device refused consent code %06d", code), err)
	}
	return nil
}

// PowerActions returns the computer's power state and the KVM viewer's
// power actions (Table 3-1) that Table C-3 allows in it: the guide's "List
// of applicable power actions is automatically detected according to
// current power state capabilities of the client computer."
func (k *KVM) PowerActions(ctx context.Context) (oobkit.PowerState, []oobkit.PowerAction, error) {
	if k.state == nil {
		return oobkit.PowerUnknown, nil, classErr("power actions", oobkit.ErrUnsupported, "the session has no power state reader (KVMOptions.State)", nil)
	}
	s, err := k.state.PowerState(ctx)
	if err != nil {
		return oobkit.PowerUnknown, nil, err
	}
	return s, oobkit.AvailableActions(s), nil
}

// Power runs one of the KVM viewer's power actions (Table 3-1) if Table
// C-3 allows it in the current state; otherwise it returns an error
// wrapping [oobkit.ErrInvalidState] and sends nothing. A context from
// [oobkit.WithPowerTableOverride] skips the check. Actions outside Table
// 3-1 wrap [oobkit.ErrInvalidArgument].
func (k *KVM) Power(ctx context.Context, a oobkit.PowerAction) error {
	const op = "power action"
	if !slices.Contains(oobkit.KVMViewerActions, a) {
		return classErr(op, oobkit.ErrInvalidArgument, fmt.Sprintf("%v is not a KVM viewer power action (Table 3-1)", a), nil)
	}
	if k.power == nil {
		return classErr(op, oobkit.ErrUnsupported, "the session has no power controller (KVMOptions.Power)", nil)
	}
	if k.state != nil && !oobkit.PowerTableOverridden(ctx) {
		s, err := k.state.PowerState(ctx)
		if err != nil {
			return err
		}
		if err := oobkit.Allowed(s, a); err != nil {
			return err
		}
	}
	return k.power.SetPower(ctx, a)
}
