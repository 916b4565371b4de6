package profile

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// TestKerberosSettingsRoundTrip: a Kerberos credential's settings survive
// the wire format; the keytab's content is a secret, left out unless the
// secrets are asked for.
func TestKerberosSettingsRoundTrip(t *testing.T) {
	k := &oobkit.KerberosSettings{Realm: "CORP.EXAMPLE", KDC: []string{"dc1:88"}, Keytab: "/etc/ops.keytab",
		KeytabData: oobkit.NewSecret("BQIAAAB-keytab-canary"), CCache: "/tmp/cc", SPN: "HTTP/amt1:16992"}
	s := Settings{Enabled: true, Credential: oobkit.Credential{Auth: oobkit.AuthKerberos, Username: "ops", Kerberos: k}}
	require.NoError(t, credentialComplete(s.Credential, oobkit.AuthKerberos))

	w := settingsToWire(s, false)
	b, err := json.Marshal(w)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "keytab-canary")
	back, err := settingsFromWire("p", oobkit.AMT, w)
	require.NoError(t, err)
	assert.Equal(t, k.Keytab, back.Credential.Kerberos.Keytab)
	assert.True(t, back.Credential.Kerberos.KeytabData.IsZero())

	back, err = settingsFromWire("p", oobkit.AMT, settingsToWire(s, true))
	require.NoError(t, err)
	assert.True(t, k.KeytabData.Equal(back.Credential.Kerberos.KeytabData))
	assert.Equal(t, k.KDC, back.Credential.Kerberos.KDC)

	s.Credential.Kerberos = nil
	assert.ErrorContains(t, credentialComplete(s.Credential, oobkit.AuthKerberos), "user@REALM")
}
