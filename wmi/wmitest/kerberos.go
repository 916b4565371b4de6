package wmitest

import (
	"strings"
	"time"

	"github.com/oobkit/oobkit/internal/krbservice"
)

type krbState struct {
	v      *krbservice.Verifier
	admins map[string]bool
}

// EnableKerberos makes WinRM accept domain users' Kerberos tickets
// ("Authorization: Negotiate" with a Kerberos token, as WinRM's
// Auth/Kerberos setting does) for the service principals whose keys are in
// the keytab at path (HTTP/<fqdn>, WSMAN/<fqdn>). admins are the user
// principals ("user@REALM") that are administrators of the computer, as
// members of Domain Admins are; other domain users are signed in but
// denied access, as Windows does. NTLM and Basic keep working as
// configured. Call it before the computer serves.
func (c *Computer) EnableKerberos(keytab string, admins ...string) (KerberosService, error) {
	v, err := krbservice.New(keytab)
	if err != nil {
		return nil, err
	}
	st := &krbState{v: v, admins: map[string]bool{}}
	for _, a := range admins {
		st.admins[strings.ToLower(a)] = true
	}
	c.mu.Lock()
	c.krb = st
	c.mu.Unlock()
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
