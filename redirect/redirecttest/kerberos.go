package redirecttest

import (
	"errors"
	"time"

	"github.com/oobkit/oobkit/internal/krbservice"
	"github.com/oobkit/oobkit/redirect/internal/wire"
)

// EnableKerberos makes the device offer and accept AuthenticateSession
// type 2 (Kerberos, reference §2.4) with tickets for the service
// principals whose keys are in the keytab at path (HTTP/<fqdn>:16994 and
// the like). The returned verifier moves the device's Kerberos clock and
// counts accepted sign-ins.
func (s *Server) EnableKerberos(keytab string) (KerberosService, error) {
	v, err := krbservice.New(keytab)
	if err != nil {
		return nil, err
	}
	s.krb.Store(v)
	return v, nil
}

// kerberosAuth checks a type-2 message's token. Accepted: status 0.
// Refused: status 1 (FAILURE) with the refusal token (an SPNEGO
// NegTokenResp holding the KRB-ERROR) as data, so that the client can say
// why; real firmware's refusal data is not documented, the status is.
func (s *Server) kerberosAuth(c *devConn, token []byte) error {
	_, err := s.krb.Load().Verify(token)
	if err == nil {
		return c.write(wire.Auth(wire.OpAuthenticateReply, wire.AuthStatusOK, wire.AuthKerberos, nil))
	}
	s.authFailures.Add(1)
	var r *krbservice.Refusal
	var data []byte
	if errors.As(err, &r) {
		data = r.Token
	}
	_ = c.write(wire.Auth(wire.OpAuthenticateReply, wire.AuthStatusFailure, wire.AuthKerberos, data))
	return errAuth
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
