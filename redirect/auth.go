package redirect

import (
	"context"
	"fmt"
	"slices"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/digest"
	"github.com/oobkit/oobkit/redirect/internal/wire"
)

const authOp = "authenticate"

// authenticate queries the device's authentication types and uses digest
// (type 4) when offered, else user/password (type 1) when the caller opted
// in (reference §2.4).
func (c *Client) authenticate(ctx context.Context, s *conn) error {
	c.stepDeadline(ctx, s.nc)
	if err := s.write(wire.Auth(wire.OpAuthenticate, 0, wire.AuthQuery, nil)); err != nil {
		return ioErr(authOp, err)
	}
	f, err := s.expect(authOp, wire.OpAuthenticateReply)
	if err != nil {
		return err
	}
	_, _, offered := wire.AuthFields(f.Raw)
	switch {
	case c.cred.Auth == oobkit.AuthKerberos && slices.Contains(offered, wire.AuthKerberos):
		return c.kerberosAuth(ctx, s)
	case c.cred.Auth == oobkit.AuthKerberos:
		return classErr(authOp, oobkit.ErrUnsupported, fmt.Sprintf("the device offers no Kerberos authentication (offered %v)", offered), nil)
	case slices.Contains(offered, wire.AuthDigest):
		return c.digestAuth(ctx, s)
	case slices.Contains(offered, wire.AuthPassword) && c.cfg.legacy:
		return c.legacyAuth(ctx, s)
	case slices.Contains(offered, wire.AuthPassword):
		return classErr(authOp, oobkit.ErrUnsupported,
			"the device offers only legacy user/password authentication; opt in with WithLegacyAuth", nil)
	}
	return classErr(authOp, oobkit.ErrUnsupported, fmt.Sprintf("no supported authentication type among %v", offered), nil)
}

// legacyAuth sends type 1: lp(user) lp(password), in clear text.
func (c *Client) legacyAuth(ctx context.Context, s *conn) error {
	c.stepDeadline(ctx, s.nc)
	data := wire.LP(nil, c.cred.Username, c.cred.Password.Reveal())
	if err := s.write(wire.Auth(wire.OpAuthenticate, 0, wire.AuthPassword, data)); err != nil {
		return ioErr(authOp, err)
	}
	return c.authResult(s)
}

// digestAuth runs the two round trips of type 4: an empty request that
// fetches realm, nonce and qop, then the computed answer.
func (c *Client) digestAuth(ctx context.Context, s *conn) error {
	c.stepDeadline(ctx, s.nc)
	empty := wire.DigestFields{User: c.cred.Username, URI: wire.DigestURI}
	if err := s.write(wire.Auth(wire.OpAuthenticate, 0, wire.AuthDigest, empty.Pack())); err != nil {
		return ioErr(authOp, err)
	}
	f, err := s.expect(authOp, wire.OpAuthenticateReply)
	if err != nil {
		return err
	}
	status, typ, data := wire.AuthFields(f.Raw)
	if status == wire.AuthStatusOK {
		return nil // the device needs no digest on this channel
	}
	if typ != wire.AuthDigest {
		return withCode(classErr(authOp, oobkit.ErrProtocol, "expected a digest challenge", nil), status)
	}
	fields, err := wire.SplitLP(data)
	if err != nil {
		return err
	}
	if len(fields) < 2 {
		return protoErr(authOp, "digest challenge without realm and nonce")
	}
	ch := digest.Challenge{Realm: fields[0], Nonce: fields[1]}
	qop := ""
	if len(fields) > 2 && fields[2] != "" {
		ch.Qop = []string{fields[2]}
		qop = ch.ChooseQop(false)
		if qop == "" {
			return classErr(authOp, oobkit.ErrUnsupported, fmt.Sprintf("unsupported digest qop %q", fields[2]), nil)
		}
	}
	r, err := ch.Respond(c.cred.Username, c.cred.Password.Reveal(),
		digest.Request{Method: wire.DigestMethod, URI: wire.DigestURI}, qop, 1, "")
	if err != nil {
		return classErr(authOp, oobkit.ErrUnsupported, "computing the digest", err)
	}
	answer := wire.DigestFields{User: r.Username, Realm: r.Realm, Nonce: r.Nonce, URI: r.URI,
		CNonce: r.CNonce, NC: r.NC, Response: r.Response, Qop: r.Qop}
	c.stepDeadline(ctx, s.nc)
	if err := s.write(wire.Auth(wire.OpAuthenticate, 0, wire.AuthDigest, answer.Pack())); err != nil {
		return ioErr(authOp, err)
	}
	return c.authResult(s)
}

// authResult reads the final AuthenticateSessionReply.
func (c *Client) authResult(s *conn) error {
	f, err := s.expect(authOp, wire.OpAuthenticateReply)
	if err != nil {
		return err
	}
	status, _, _ := wire.AuthFields(f.Raw)
	switch status {
	case wire.AuthStatusOK:
		return nil
	case wire.AuthStatusUnsupported:
		return withCode(classErr(authOp, oobkit.ErrUnsupported, "authentication type not supported by the device", nil), status)
	}
	return withCode(classErr(authOp, oobkit.ErrAuth, "the device refused user "+fmt.Sprintf("%q", c.cred.Username), nil), status)
}
