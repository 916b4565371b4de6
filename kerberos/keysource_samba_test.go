package kerberos_test

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/krbservice"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/kerberos"
)

// TestKeytabCredential: a user's keys exported to a keytab sign in without
// a password.
func TestKeytabCredential(t *testing.T) {
	f := newFixture(t)
	kt := filepath.Join(t.TempDir(), "user.keytab")
	f.dc.Tool(t, "domain", "exportkeytab", kt, "--principal="+f.dc.UPN(f.user))
	c := f.cred()
	c.Password = oobkit.Secret{}
	c.Kerberos.Keytab = kt
	tok, err := f.cache.Token(ctx(t), c, f.spn)
	require.NoError(t, err)
	v, err := krbservice.New(f.keytab)
	require.NoError(t, err)
	who, err := v.Verify(tok)
	require.NoError(t, err)
	assert.Equal(t, f.dc.UPN(f.user), who)
}

// kinit fills an MIT credential cache for the fixture's user with the
// system's kinit (Debian package krb5-user).
func kinit(t *testing.T, f *fixture) string {
	peer.Require(t, "kinit", "krb5-user")
	cc := filepath.Join(t.TempDir(), "cc")
	cmd := exec.Command("kinit", "-c", "FILE:"+cc, f.dc.UPN(f.user))
	cmd.Env = append(os.Environ(), "KRB5_CONFIG="+f.dc.Krb5Conf)
	cmd.Stdin = strings.NewReader(f.password + "\n")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "kinit: %s", out)
	return cc
}

// TestCCacheCredential: a credential cache kinit filled signs in with no
// AS exchange of ours; one whose TGT has expired is ReasonExpired.
func TestCCacheCredential(t *testing.T) {
	f := newFixture(t)
	cc := kinit(t, f)
	c := f.cred()
	c.Password = oobkit.Secret{}
	c.Kerberos.CCache = cc
	tok, err := f.cache.Token(ctx(t), c, f.spn)
	require.NoError(t, err)
	v, err := krbservice.New(f.keytab)
	require.NoError(t, err)
	_, err = v.Verify(tok)
	require.NoError(t, err)
	assert.Equal(t, int64(0), f.cache.Stats().AS)

	raw, err := os.ReadFile(cc)
	require.NoError(t, err)
	expired := filepath.Join(t.TempDir(), "expired")
	require.NoError(t, os.WriteFile(expired, expireCCache(t, raw), 0o600))
	c.Kerberos.CCache = expired
	_, err = kerberos.NewCache().Token(ctx(t), c, f.spn)
	require.Error(t, err)
	assert.ErrorIs(t, err, oobkit.ErrAuth)
	assert.Equal(t, kerberos.ReasonExpired, kerberos.ReasonOf(err), "%v", err)
}

// expireCCache sets every credential's end time in an MIT credential cache
// (format 0x0504, https://web.mit.edu/kerberos/krb5-devel/doc/formats/ccache_file_format.html)
// to one second after the epoch.
func expireCCache(t *testing.T, b []byte) []byte {
	out := append([]byte(nil), b...)
	p := 0
	u16 := func() int { v := int(binary.BigEndian.Uint16(out[p:])); p += 2; return v }
	u32 := func() int { v := int(binary.BigEndian.Uint32(out[p:])); p += 4; return v }
	octets := func() { n := u32(); p += n }
	principal := func() {
		p += 4 // name type
		n := u32()
		octets() // realm
		for range n {
			octets()
		}
	}
	require.Equal(t, 0x0504, u16(), "ccache version")
	p += u16() // header
	principal()
	for p < len(out) {
		principal() // client
		principal() // server
		p += 2      // key enctype
		octets()    // key
		p += 8      // authtime, starttime
		binary.BigEndian.PutUint32(out[p:], 1)
		p += 8 // endtime, renew till
		p++    // is_skey
		p += 4 // flags
		for range u32() {
			p += 2
			octets()
		}
		for range u32() {
			p += 2
			octets()
		}
		octets() // ticket
		octets() // second ticket
	}
	return out
}
