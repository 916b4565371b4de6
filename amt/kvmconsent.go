package amt

import "context"

// ConsentGranted reports whether a redirection may start without asking
// the user: IPS_OptInService requires no consent, or the user has given it
// (OptInState "received" or "in session"). With [Client.StartConsent] and
// [Client.SendConsentCode] it makes the Client a redirect.Consenter.
func (c *Client) ConsentGranted(ctx context.Context) (bool, error) {
	cs, err := c.Consent(ctx)
	if err != nil {
		return false, err
	}
	return cs.Granted(), nil
}
