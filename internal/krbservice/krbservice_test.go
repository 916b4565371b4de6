package krbservice

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"time"
)

func newVerifier(t testing.TB) *Verifier {
	kt := keytab.New()
	require.NoError(t, kt.AddEntry("HTTP/amt1.example:16992", "EXAMPLE", "service-secret", time.Now(), 1, etypeID.AES256_CTS_HMAC_SHA1_96))
	b, err := kt.Marshal()
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "svc.keytab")
	require.NoError(t, os.WriteFile(p, b, 0o600))
	v, err := New(p)
	require.NoError(t, err)
	return v
}

// TestRefusalToken: a refused token is answered with a NegTokenResp
// carrying a KRB-ERROR; the header names the Negotiate scheme.
func TestRefusalToken(t *testing.T) {
	v := newVerifier(t)
	_, err := v.Verify([]byte("not a token"))
	var r *Refusal
	require.ErrorAs(t, err, &r)
	assert.NotEmpty(t, r.Token)
	assert.Contains(t, Header(err), "Negotiate ")
	assert.False(t, IsKerberos([]byte("NTLMSSP\x00\x01\x00\x00\x00")))
	assert.Nil(t, FromHeader("Basic abc"))
}

func FuzzVerify(f *testing.F) {
	v := newVerifier(f)
	f.Add([]byte{0x60, 0x10, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00})
	f.Add([]byte{0xa0, 0x03, 0x30, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := v.Verify(b); err == nil {
			t.Fatal("a token not issued by a KDC was accepted")
		}
	})
}
