package redirect

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/kerberos"
	"github.com/oobkit/oobkit/redirect/internal/wire"
)

// WithKerberosCache makes a Kerberos credential (cred.Auth
// oobkit.AuthKerberos) take its tickets from cache instead of the
// process-wide kerberos.Default.
func WithKerberosCache(cache *kerberos.Cache) Option { return func(c *config) { c.krb = cache } }

// kerberosSPNs are the service principals of the redirection port:
// HTTP/<fqdn>:16994 (16995 over TLS), then HTTP/<fqdn>, unless
// cred.Kerberos.SPN names one (see kerberos.AMTSPNs).
func (c *Client) kerberosSPNs() []string {
	if k := c.cred.Kerberos; k != nil && k.SPN != "" {
		return []string{k.SPN}
	}
	return kerberos.AMTSPNs(c.target.Address, c.target.Port(oobkit.Redirection, c.cred.TLS.Enabled))
}

// kerberosAuth sends AuthenticateSession type 2 whose data is the
// Kerberos token, the SPNEGO initial token an HTTP Negotiate header would
// carry (reference §2.4: "data = the Kerberos ticket"; MeshCommander's
// redirection code sends the ticket as the message's data, behind its
// length). The reply's status says whether the device accepted it; a
// refusal may carry the device's KRB-ERROR token, which names the reason.
func (c *Client) kerberosAuth(ctx context.Context, s *conn) error {
	cache := c.cfg.krb
	if cache == nil {
		cache = kerberos.Default
	}
	spns := c.kerberosSPNs()
	var tok []byte
	var spn string
	var err error
	for _, spn = range spns {
		tok, err = cache.Token(ctx, c.cred, spn)
		if err == nil || kerberos.ReasonOf(err) != kerberos.ReasonUnknownSPN {
			break
		}
	}
	if err != nil {
		class := oobkit.ErrAuth
		switch {
		case errors.Is(err, oobkit.ErrUnreachable):
			class = oobkit.ErrUnreachable
		case errors.Is(err, oobkit.ErrInvalidArgument):
			class = oobkit.ErrInvalidArgument
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return classErr(authOp, err, "getting a Kerberos ticket", err)
		}
		return classErr(authOp, class, "getting a Kerberos ticket for "+strings.Join(spns, " or "), err)
	}
	c.stepDeadline(ctx, s.nc)
	if err := s.write(wire.Auth(wire.OpAuthenticate, 0, wire.AuthKerberos, tok)); err != nil {
		return ioErr(authOp, err)
	}
	f, err := s.expect(authOp, wire.OpAuthenticateReply)
	if err != nil {
		return err
	}
	status, _, data := wire.AuthFields(f.Raw)
	switch status {
	case wire.AuthStatusOK:
		return nil
	case wire.AuthStatusUnsupported:
		return withCode(classErr(authOp, oobkit.ErrUnsupported, "the device does not take Kerberos", nil), status)
	}
	ke := kerberos.ParseRejection(data, c.cred.Username, spn)
	return withCode(classErr(authOp, oobkit.ErrAuth, fmt.Sprintf("the device refused the Kerberos ticket of %q", c.cred.Username), ke), status)
}
