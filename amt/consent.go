package amt

import (
	"context"
	"fmt"

	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
)

// Consent policy values of IPS_OptInService.OptInRequired.
const (
	ConsentNone = 0          // no consent needed
	ConsentKVM  = 1          // consent for KVM only
	ConsentAll  = 4294967295 // consent for every redirection and boot control
)

// Consent states of IPS_OptInService.OptInState.
const (
	ConsentNotStarted = 0
	ConsentRequested  = 1
	ConsentDisplayed  = 2
	ConsentReceived   = 3
	ConsentInSession  = 4
)

// Consent is the user-consent status of a device.
type Consent struct {
	// Required is ConsentNone, ConsentKVM or ConsentAll.
	Required int64
	// State is one of the Consent* states.
	State int
	// CanModifyPolicy says whether Required can be changed remotely.
	CanModifyPolicy bool
}

// Granted reports whether consent is not needed or has been given.
func (c Consent) Granted() bool {
	return c.Required == ConsentNone || c.State == ConsentReceived || c.State == ConsentInSession
}

// Consent reads IPS_OptInService.
func (c *Client) Consent(ctx context.Context) (Consent, error) {
	in, err := c.get(ctx, schema.OptIn, wsman.Sel("Name", schema.OptInName))
	if err != nil {
		return Consent{}, err
	}
	return decodeConsent(in), nil
}

func decodeConsent(in *wsman.Instance) Consent {
	req, _ := in.Int("OptInRequired")
	st, _ := in.Int("OptInState")
	mod, _ := in.Int("CanModifyOptInPolicy")
	return Consent{Required: req, State: int(st), CanModifyPolicy: mod == 1}
}

// SetConsentRequired changes OptInRequired (ConsentNone, ConsentKVM,
// ConsentAll); AMT allows it only in admin control mode.
func (c *Client) SetConsentRequired(ctx context.Context, required int64) error {
	if required != ConsentNone && required != ConsentKVM && required != ConsentAll {
		return argErr("SetConsentRequired", "consent policy %d is not 0, 1 or 4294967295", required)
	}
	in, err := c.get(ctx, schema.OptIn, wsman.Sel("Name", schema.OptInName))
	if err != nil {
		return err
	}
	in.SetInt("OptInRequired", required)
	_, err = c.ws.Put(ctx, schema.OptIn, wsman.Sel("Name", schema.OptInName), in)
	return err
}

// StartConsent asks the device to display a six-digit code to its user.
func (c *Client) StartConsent(ctx context.Context) error {
	_, err := c.invoke(ctx, schema.OptIn, "StartOptIn", wsman.Sel("Name", schema.OptInName), nil, optInCodes)
	return err
}

// SendConsentCode sends the code the user read from the screen.
func (c *Client) SendConsentCode(ctx context.Context, code int) error {
	if code < 0 || code > 999999 {
		return argErr("SendOptInCode", "the consent code has six digits")
	}
	in := wsman.MethodInput(schema.OptIn, "SendOptInCode").Set("OptInCode", fmt.Sprint(code))
	_, err := c.invoke(ctx, schema.OptIn, "SendOptInCode", wsman.Sel("Name", schema.OptInName), in, optInCodes)
	return err
}

// CancelConsent ends a consent request or session.
func (c *Client) CancelConsent(ctx context.Context) error {
	_, err := c.invoke(ctx, schema.OptIn, "CancelOptIn", wsman.Sel("Name", schema.OptInName), nil, optInCodes)
	return err
}
