package kerberos_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/kerberos"
)

func TestSPNForms(t *testing.T) {
	assert.Equal(t, []string{"HTTP/amt1.corp.example:16992", "HTTP/amt1.corp.example"}, kerberos.AMTSPNs("AMT1.Corp.Example.", 16992))
	assert.Equal(t, []string{"HTTP/pc1.corp.example", "WSMAN/pc1.corp.example"}, kerberos.WinRMSPNs("PC1.corp.example"))
}

func TestPrincipal(t *testing.T) {
	u, r, err := kerberos.Principal(oobkit.Credential{Username: "alice@corp.example"})
	require.NoError(t, err)
	assert.Equal(t, []string{"alice", "CORP.EXAMPLE"}, []string{u, r})
	u, r, err = kerberos.Principal(oobkit.Credential{Username: `CORP\alice`, Kerberos: &oobkit.KerberosSettings{Realm: "corp.example"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"alice", "CORP.EXAMPLE"}, []string{u, r})
	_, _, err = kerberos.Principal(oobkit.Credential{Username: "alice"})
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}

// TestClassify: the KDC's codes (RFC 4120 §7.5.9) as gokrb5 reports them
// in text map to reasons, each an oobkit.ErrAuth.
func TestClassify(t *testing.T) {
	for code, want := range map[int]kerberos.Reason{
		37: kerberos.ReasonClockSkew, 33: kerberos.ReasonClockSkew, 68: kerberos.ReasonWrongRealm,
		32: kerberos.ReasonExpired, 7: kerberos.ReasonUnknownSPN, 24: kerberos.ReasonWrongPassword,
		6: kerberos.ReasonUnknownPrincipal, 18: kerberos.ReasonRevoked, 41: kerberos.ReasonServiceKey, 60: kerberos.ReasonOther,
	} {
		e := kerberos.Classify(fmt.Errorf("[Root cause: KDC_Error] KDC_Error: AS Exchange Error: kerberos error response from KDC: KRB Error: (%d) X", code), "as", "u@R", "")
		assert.Equal(t, want, e.Reason, "code %d", code)
		assert.Equal(t, int32(code), e.Code)
		assert.ErrorIs(t, e, oobkit.ErrAuth)
	}
	e := kerberos.Classify(errors.New("AS_REP is not valid or client password/keytab incorrect"), "as", "u@R", "")
	assert.Equal(t, kerberos.ReasonWrongPassword, e.Reason)
	e = kerberos.Classify(errors.New("[Root cause: Networking_Error] failed to communicate with KDC"), "as", "u@R", "")
	assert.Equal(t, kerberos.ReasonKDCUnreachable, e.Reason)
	assert.ErrorIs(t, e, oobkit.ErrUnreachable)
}

func TestNoKeySource(t *testing.T) {
	t.Setenv("KRB5CCNAME", "FILE:"+t.TempDir()+"/none")
	t.Setenv("KRB5_CONFIG", t.TempDir()+"/none.conf")
	c := kerberos.NewCache()
	defer c.Close()
	_, err := c.Token(context.Background(), oobkit.Credential{Username: "a@R", Kerberos: &oobkit.KerberosSettings{KDC: []string{"127.0.0.1:1"}}}, "HTTP/x")
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Equal(t, kerberos.ReasonNoCredential, kerberos.ReasonOf(err))
	_, err = c.Token(context.Background(), oobkit.Credential{Username: "a@R", Password: oobkit.NewSecret("p")}, "HTTP/x")
	assert.Equal(t, kerberos.ReasonNoCredential, kerberos.ReasonOf(err), "no KDC configured: %v", err)
}

func TestParseRejectionGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, {0xa1}, {0x60, 0x01}, []byte("NTLMSSP\x00")} {
		assert.Equal(t, kerberos.ReasonRejected, kerberos.ParseRejection(b, "u", "s").Reason)
	}
	assert.Nil(t, kerberos.NegotiateToken([]string{`Digest realm="x"`}))
	assert.Equal(t, []byte("ab"), kerberos.NegotiateToken([]string{"Negotiate YWI="}))
}

func FuzzParseRejection(f *testing.F) {
	f.Add([]byte{0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x02})
	f.Add([]byte{0x60, 0x10, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x03, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		e := kerberos.ParseRejection(b, "u", "s")
		if e == nil || !errors.Is(e, oobkit.ErrAuth) {
			t.Fatal("a rejection is always an auth error")
		}
	})
}
