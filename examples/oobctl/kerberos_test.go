package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oobkit/oobkit"
)

// TestKDCFlagMakesKerberosCredentials: --kdc turns --user's AMT, WMI and
// redirection credentials into Kerberos ones asking that KDC (port 88 by
// default); DASH and IPMI keep the password.
func TestKDCFlagMakesKerberosCredentials(t *testing.T) {
	creds := userCredentials("op@CORP.EXAMPLE", "pw", oobkit.TLSSettings{Enabled: true}, false)
	kerberosCredentials(creds, "dc1.corp.example")
	for _, p := range []oobkit.Protocol{oobkit.AMT, oobkit.WMI, oobkit.Redirection} {
		c := creds[p][0].Credential
		assert.Equal(t, oobkit.AuthKerberos, c.Auth, p)
		assert.Equal(t, []string{"dc1.corp.example:88"}, c.Kerberos.KDC, p)
	}
	assert.NotEqual(t, oobkit.AuthKerberos, creds[oobkit.DASH][0].Credential.Auth)
	assert.NotEqual(t, oobkit.AuthKerberos, creds[oobkit.IPMI][0].Credential.Auth)
}
