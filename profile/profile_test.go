package profile

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

func TestValidate(t *testing.T) {
	withSettings := func(proto oobkit.Protocol, s Settings) Profile {
		return Profile{Name: "p", Protocols: map[oobkit.Protocol]Settings{proto: s}}
	}
	pw := oobkit.NewSecret("pw")
	tests := []struct {
		name    string
		p       Profile
		wantErr string // substring; "" means valid
	}{
		{"full profile", fullProfile("lab", "x"), ""},
		{"builtin", Builtin(), ""},
		{"no name", Profile{}, "needs a name"},
		{"control char in name", Profile{Name: "a\nb"}, "control character"},
		{"unknown protocol", withSettings("telnet", Settings{}), `unknown protocol "telnet"`},
		{"amt enabled without credential", withSettings(oobkit.AMT, Settings{Enabled: true}), "amt: enabled without a credential"},
		{"amt enabled without password", withSettings(oobkit.AMT, Settings{Enabled: true,
			Credential: oobkit.Credential{Username: "admin"}}), "needs a user name and a password"},
		{"amt disabled without credential", withSettings(oobkit.AMT, Settings{}), ""},
		{"ipmi anonymous user", withSettings(oobkit.IPMI, Settings{Enabled: true, Credential: oobkit.Credential{Password: pw}}), ""},
		{"ipmi no password", withSettings(oobkit.IPMI, Settings{Enabled: true, Credential: oobkit.Credential{Username: "u"}}), "a password is required"},
		{"snmp community", withSettings(oobkit.SNMP, Settings{Enabled: true, Credential: oobkit.Credential{Community: pw}}), ""},
		{"snmp no community", withSettings(oobkit.SNMP, Settings{Enabled: true}), "needs a community"},
		{"snmp v3 no usm", withSettings(oobkit.SNMP, Settings{Enabled: true, Credential: oobkit.Credential{Auth: oobkit.AuthUSM, Username: "u"}}), "needs a USM user"},
		{"snmp v3 priv without passphrase", withSettings(oobkit.SNMP, Settings{Enabled: true, Credential: oobkit.Credential{
			Auth: oobkit.AuthUSM, Username: "u", USM: &oobkit.USM{AuthProtocol: "SHA", AuthPassphrase: pw, PrivProtocol: "AES"}}}), "privacy passphrase"},
		{"snmp v3 bad auth protocol", withSettings(oobkit.SNMP, Settings{Enabled: true, Credential: oobkit.Credential{
			Auth: oobkit.AuthUSM, Username: "u", USM: &oobkit.USM{AuthProtocol: "CRC32"}}}), "unknown SNMP v3 authentication protocol"},
		{"community on amt", withSettings(oobkit.AMT, Settings{Credential: oobkit.Credential{Auth: oobkit.AuthCommunity}}), `"community" is not usable`},
		{"unknown auth kind", withSettings(oobkit.WMI, Settings{Credential: oobkit.Credential{Auth: "magic"}}), `"magic" is not usable`},
		{"kerberos without principal", withSettings(oobkit.WMI, Settings{Enabled: true, Credential: oobkit.Credential{Auth: oobkit.AuthKerberos}}), "Kerberos needs a user principal"},
		{"port out of range", withSettings(oobkit.IPMI, Settings{Port: 70000}), "port 70000"},
		{"negative timeout", withSettings(oobkit.IPMI, Settings{Timeout: -time.Second}), "timeout -1s is negative"},
		{"negative retries", withSettings(oobkit.IPMI, Settings{Retries: -1}), "retries -1"},
		{"bad pin", withSettings(oobkit.AMT, Settings{Credential: oobkit.Credential{TLS: oobkit.TLSSettings{PinnedSHA256: "zz"}}}), "64 hex digits"},
		{"pin and skip verify", withSettings(oobkit.AMT, Settings{Credential: oobkit.Credential{TLS: oobkit.TLSSettings{
			PinnedSHA256: repeatHex(32), InsecureSkipVerify: true}}}), "contradict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestProfileLookups(t *testing.T) {
	p := fullProfile("lab", "pw")

	cred, ok := p.Credential(oobkit.AMT)
	require.True(t, ok)
	assert.Equal(t, "admin", cred.Username)
	assert.Equal(t, "pw-amt", cred.Password.Reveal())

	_, ok = p.Credential(oobkit.WMI)
	assert.False(t, ok, "a disabled protocol offers no credential")
	s, ok := p.Settings(oobkit.WMI)
	assert.True(t, ok, "but its settings are there")
	assert.Equal(t, oobkit.AuthNTLM, s.Auth(oobkit.WMI))

	s, ok = p.Settings(oobkit.AMT)
	require.True(t, ok)
	assert.Equal(t, 16993, s.Port)
	assert.Equal(t, 20*time.Second, s.Timeout)
	assert.Equal(t, oobkit.AuthDigest, s.Auth(oobkit.AMT), "empty auth means the protocol default")

	assert.Equal(t, []oobkit.Protocol{oobkit.AMT, oobkit.DASH, oobkit.IPMI, oobkit.SNMP, oobkit.Redirection}, p.Enabled())

	err := p.Set("telnet", Settings{})
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "telnet")
}

func TestDefaultAuth(t *testing.T) {
	for _, proto := range oobkit.Protocols {
		require.NoError(t, authFits(proto, DefaultAuth(proto)), "%s", proto)
	}
	assert.Equal(t, oobkit.AuthKind(""), DefaultAuth("telnet"))
}

func TestCloneIsDeep(t *testing.T) {
	p := fullProfile("lab", "pw")
	c := p.Clone()
	s := c.Protocols[oobkit.SNMP]
	s.Credential.USM.AuthProtocol = "MD5"
	c.Protocols[oobkit.AMT] = Settings{}
	assert.Equal(t, "SHA256", p.Protocols[oobkit.SNMP].Credential.USM.AuthProtocol)
	assert.True(t, p.Protocols[oobkit.AMT].Enabled)

	got, _ := p.Settings(oobkit.SNMP)
	got.Credential.USM.ContextName = "changed"
	assert.Empty(t, p.Protocols[oobkit.SNMP].Credential.USM.ContextName, "Settings returns a copy")
}

func TestSameCredential(t *testing.T) {
	a := oobkit.UserPassword("admin", "one")
	assert.True(t, sameCredential(a, oobkit.UserPassword("admin", "one")))
	assert.False(t, sameCredential(a, oobkit.UserPassword("admin", "two")))
	assert.False(t, sameCredential(a, oobkit.UserPassword("root", "one")))
	b := a
	b.TLS.Enabled = true
	assert.False(t, sameCredential(a, b))
	u1 := oobkit.Credential{Auth: oobkit.AuthUSM, Username: "u", USM: &oobkit.USM{AuthProtocol: "SHA", AuthPassphrase: oobkit.NewSecret("x")}}
	u2 := u1
	u2.USM = &oobkit.USM{AuthProtocol: "SHA", AuthPassphrase: oobkit.NewSecret("y")}
	assert.False(t, sameCredential(u1, u2))
	assert.True(t, sameCredential(u1, cloneCredential(u1)))
	assert.False(t, sameCredential(u1, a))
}
