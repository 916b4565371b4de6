package amttest

import (
	"net/http"
	"time"

	"github.com/oobkit/oobkit/internal/digest"
	"github.com/oobkit/oobkit/internal/krbservice"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// EnableKerberos makes the device accept Kerberos users as AMT with Active
// Directory integration does: a request with "Authorization: Negotiate"
// carrying a ticket for one of the device's service principals
// (HTTP/<fqdn>:16992 and the like, whose keys are in the keytab at path)
// is checked against that keytab; the digest admin still signs in as
// before. A 401 offers both schemes. Call it before the device serves.
// The returned verifier moves the device's Kerberos clock
// (SetClockOffset) and counts accepted sign-ins.
func (d *Device) EnableKerberos(keytab string) (KerberosService, error) {
	v, err := krbservice.New(keytab)
	if err != nil {
		return nil, err
	}
	srv := d.srv
	srv.Mode = wsmantest.AuthCustom
	srv.Authenticator = func(w http.ResponseWriter, r *http.Request, body []byte) (string, bool) {
		if user, ok, handled := v.ServeNegotiate(w, r); handled {
			return user, ok
		}
		resp, err := digest.ParseAuthorization(r.Header.Get("Authorization"))
		if err == nil {
			if resp.Username != srv.Username {
				err = digest.ErrUnauthorized
			} else {
				err = srv.Digest.Check(resp, digest.Request{Method: r.Method, URI: r.URL.RequestURI(), Body: body}, srv.Password)
			}
		}
		if err == nil {
			return resp.Username, true
		}
		w.Header().Add("WWW-Authenticate", srv.Digest.Challenge(err == digest.ErrStale))
		w.Header().Add("WWW-Authenticate", "Negotiate")
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusUnauthorized)
		return "", false
	}
	return v, nil
}

// KerberosService is the simulated service's Kerberos side, returned by
// EnableKerberos.
type KerberosService interface {
	// SetClockOffset moves the service's clock d ahead (negative: behind),
	// to test clock skew and expired tickets.
	SetClockOffset(d time.Duration)
	// Accepted counts the accepted sign-ins per client principal.
	Accepted() map[string]int
}
