package wsman

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/kerberos"
)

// WithKerberosCache makes a Kerberos client take its tickets from cache
// instead of kerberos.Default (tests, or a fleet run that wants its own
// counts).
func WithKerberosCache(cache *kerberos.Cache) Option {
	return func(c *config) error { c.krbCache = cache; return nil }
}

// krbAuth signs requests with HTTP Negotiate (RFC 4559) carrying a
// Kerberos ticket for the device's service principal.
type krbAuth struct {
	cache *kerberos.Cache
	cred  oobkit.Credential
	mu    sync.Mutex
	spns  []string // candidates, most specific first; spns[0] once one worked
}

// newKrbAuth derives the service principals of u for protocol: AMT's
// HTTP/<fqdn>:<port> then HTTP/<fqdn>, WinRM's HTTP/<fqdn> then
// WSMAN/<fqdn> (see package kerberos). cred.Kerberos.SPN, when set, is the
// only one.
func newKrbAuth(cache *kerberos.Cache, protocol oobkit.Protocol, u *url.URL, cred oobkit.Credential) *krbAuth {
	if cache == nil {
		cache = kerberos.Default
	}
	a := &krbAuth{cache: cache, cred: cred}
	if cred.Kerberos != nil && cred.Kerberos.SPN != "" {
		a.spns = []string{cred.Kerberos.SPN}
		return a
	}
	host, port := kerberos.SPNHost(u.Host)
	if port == 0 {
		port = 16992
		if u.Scheme == "https" {
			port = 16993
		}
	}
	if protocol == oobkit.WMI {
		a.spns = kerberos.WinRMSPNs(host)
	} else {
		a.spns = kerberos.AMTSPNs(host, port)
	}
	return a
}

// header returns the Authorization value, trying the next SPN form when
// the KDC knows the current one not.
func (a *krbAuth) header(ctx context.Context) (string, error) {
	a.mu.Lock()
	spns := a.spns
	a.mu.Unlock()
	var first error
	for i, spn := range spns {
		h, err := a.cache.Negotiate(ctx, a.cred, spn)
		if err == nil {
			if i > 0 {
				a.mu.Lock()
				a.spns = promote(spns, i)
				a.mu.Unlock()
			}
			return h, nil
		}
		if first == nil {
			first = err
		}
		if kerberos.ReasonOf(err) != kerberos.ReasonUnknownSPN {
			return "", err
		}
	}
	return "", first
}

// promote returns a new list of spns with spns[i] first and every other
// candidate kept, in its order (a later request may need them: the SPN that
// worked can be removed from the directory).
func promote(spns []string, i int) []string {
	out := make([]string, 0, len(spns))
	out = append(out, spns[i])
	out = append(out, spns[:i]...)
	return append(out, spns[i+1:]...)
}

// spn returns the service principal in use.
func (a *krbAuth) spn() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.spns[0]
}

// krbError wraps a Kerberos failure as the client's error.
func (c *Client) krbError(op string, err error) error {
	class := oobkit.ErrAuth
	switch {
	case errors.Is(err, oobkit.ErrUnreachable):
		class = oobkit.ErrUnreachable
	case errors.Is(err, oobkit.ErrInvalidArgument):
		class = oobkit.ErrInvalidArgument
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return c.netError(op, err, nil)
	}
	return &oobkit.Error{Protocol: c.protocol, Op: op, Class: class, Err: err}
}

// krbRefused reads why the device refused the ticket from its 401's
// Negotiate token.
func (c *Client) krbRefused(op string, hdr http.Header) error {
	e := kerberos.ParseRejection(kerberos.NegotiateToken(hdr.Values("WWW-Authenticate")), c.user, c.krb.spn())
	return &oobkit.Error{Protocol: c.protocol, Op: op, Class: oobkit.ErrAuth, DeviceCode: "401", Err: e}
}
