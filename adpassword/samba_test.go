package adpassword

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/sambatest"
	"github.com/oobkit/oobkit/internal/secretcheck"
)

// These tests run against the real Samba AD DC of scripts/samba.sh. The DC
// is shared with other test packages, so each test makes its own accounts
// and sets policy only through a password settings object on its own group.

func sambaConfig(dc *sambatest.DC) Config {
	return Config{Server: dc.LDAPS, TLS: oobkit.TLSSettings{CAFile: dc.CAFile}}
}

func admin(dc *sambatest.DC) oobkit.Credential {
	return oobkit.UserPassword(dc.AdminUser, dc.AdminPassword)
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// canBind reports whether account signs in with pw.
func canBind(t *testing.T, dc *sambatest.DC, account, pw string) bool {
	t.Helper()
	c, err := dial(testCtx(t), sambaConfig(dc))
	require.NoError(t, err)
	defer c.Close()
	err = c.bind(testCtx(t), c.bindName(account), oobkit.NewSecret(pw))
	if err != nil {
		require.ErrorIs(t, err, ReasonBadCredentials, "a refused bind, not another failure")
		return false
	}
	return true
}

// withPSO puts user in a group of its own with a password settings object
// built of opts (samba-tool domain passwordsettings pso create options),
// all removed when the test ends. Domain-wide settings are never touched.
func withPSO(t *testing.T, dc *sambatest.DC, user string, opts ...string) {
	t.Helper()
	group, pso := sambatest.Name("g"), sambatest.Name("pso")
	dc.Tool(t, "group", "add", group)
	t.Cleanup(func() { _, _ = dc.TryTool("group", "delete", group) })
	dc.Tool(t, "group", "addmembers", group, user)
	dc.Tool(t, append([]string{"domain", "passwordsettings", "pso", "create", pso, "1"}, opts...)...)
	t.Cleanup(func() { _, _ = dc.TryTool("domain", "passwordsettings", "pso", "delete", pso) })
	dc.Tool(t, "domain", "passwordsettings", "pso", "apply", pso, group)
}

// The guide: "You can reset a domain user password." An administrator sets
// a new password over LDAPS; the old one stops working, the new one signs
// in. The account is found by sAMAccountName, DOMAIN\name and
// userPrincipalName.
func TestSambaReset(t *testing.T) {
	dc := sambatest.Start(t)
	t.Parallel()
	user := sambatest.Name("rst")
	dc.AddUser(t, user, "Initial-Pw-1")

	for i, account := range []string{user, dc.Domain + `\` + user, user + "@" + strings.ToLower(dc.Realm)} {
		pw := "Reset-Pw-" + string(rune('A'+i)) + "9x"
		require.NoError(t, Reset(testCtx(t), sambaConfig(dc), admin(dc), account, oobkit.NewSecret(pw)), account)
		assert.True(t, canBind(t, dc, user, pw), account)
	}
	assert.False(t, canBind(t, dc, user, "Initial-Pw-1"))

	// One bound connection, the DN it found.
	c, err := Dial(testCtx(t), sambaConfig(dc), admin(dc))
	require.NoError(t, err)
	dn, err := c.Reset(testCtx(t), user, oobkit.NewSecret("Reset-Pw-Z9x"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(dn, "CN="+user+","), dn)
	assert.True(t, strings.HasSuffix(dn, dc.BaseDN), dn)

	// Nothing reachable from the connection holds a password in clear (or
	// in its unicodePwd form) once the bytes went out. The walk runs after
	// Close; under the race detector it leaves out the library's
	// connection, whose ended goroutines wrote it without a
	// synchronisation the detector sees.
	require.NoError(t, c.Close())
	enc, err := EncodePassword(oobkit.NewSecret("Reset-Pw-Z9x"))
	require.NoError(t, err)
	var skip []reflect.Type
	if raceEnabled {
		skip = append(skip, reflect.TypeFor[ldap.Conn]())
	}
	for _, secret := range []string{dc.AdminPassword, "Reset-Pw-Z9x", string(enc)} {
		res := secretcheck.Find(c, secret, skip...)
		assert.True(t, res.Complete)
		assert.Empty(t, res.Paths)
	}
}

// StartTLS on 389 is as good as LDAPS.
func TestSambaResetStartTLS(t *testing.T) {
	dc := sambatest.Start(t)
	t.Parallel()
	user := sambatest.Name("stls")
	dc.AddUser(t, user, "Initial-Pw-1")
	cfg := Config{Server: "ldap://" + dc.LDAP, StartTLS: true, TLS: oobkit.TLSSettings{CAFile: dc.CAFile}}
	require.NoError(t, Reset(testCtx(t), cfg, admin(dc), user, oobkit.NewSecret("Start-Tls-Pw-2")))
	assert.True(t, canBind(t, dc, user, "Start-Tls-Pw-2"))
}

// A user changes their own password with the old one; a wrong old password
// is said as such, whether the bind refuses it (a password the account never
// had: 49, data 52e) or the modify does (the previous password, which Samba
// still accepts for a bind during its "old password allowed period", but
// not as the value to delete: 19, 00000056).
func TestSambaChange(t *testing.T) {
	dc := sambatest.Start(t)
	t.Parallel()
	user := sambatest.Name("chg")
	dc.AddUser(t, user, "Initial-Pw-1")

	require.NoError(t, Change(testCtx(t), sambaConfig(dc), user, oobkit.NewSecret("Initial-Pw-1"), oobkit.NewSecret("Changed-Pw-2")))
	assert.True(t, canBind(t, dc, user, "Changed-Pw-2"))

	for _, tc := range []struct{ old, code string }{{"Never-Was-Pw-9", "49"}, {"Initial-Pw-1", "19"}} {
		err := Change(testCtx(t), sambaConfig(dc), user, oobkit.NewSecret(tc.old), oobkit.NewSecret("Changed-Pw-3"))
		require.Error(t, err)
		assert.ErrorIs(t, err, ReasonWrongOldPassword, "%v", err)
		assert.ErrorIs(t, err, oobkit.ErrAuth)
		assert.Equal(t, tc.code, strings.SplitN(oobkit.DeviceCode(err), "/", 2)[0], "%v", err)
		assert.NotContains(t, err.Error(), tc.old)
		assert.NotContains(t, err.Error(), "Changed-Pw-3")
	}
	assert.True(t, canBind(t, dc, user, "Changed-Pw-2"))
	assert.False(t, canBind(t, dc, user, "Changed-Pw-3"))
}

// The policy's refusals come back as the directory says them, each with its
// reason: complexity, length, history, minimum age.
func TestSambaPolicyViolations(t *testing.T) {
	dc := sambatest.Start(t)
	t.Parallel()

	t.Run("complexity", func(t *testing.T) {
		t.Parallel()
		user := sambatest.Name("cpx")
		dc.AddUser(t, user, "Initial-Pw-1")
		withPSO(t, dc, user, "--complexity=on", "--min-pwd-length=7", "--min-pwd-age=0", "--history-length=0")
		err := Reset(testCtx(t), sambaConfig(dc), admin(dc), user, oobkit.NewSecret("alllowercaseletters"))
		assertPolicy(t, err, ReasonComplexity, "complexity")
		assert.True(t, canBind(t, dc, user, "Initial-Pw-1"), "a refused reset leaves the password as it was")
	})
	t.Run("too short", func(t *testing.T) {
		t.Parallel()
		user := sambatest.Name("shrt")
		dc.AddUser(t, user, "Initial-Pw-1")
		withPSO(t, dc, user, "--complexity=off", "--min-pwd-length=12", "--min-pwd-age=0", "--history-length=0")
		err := Reset(testCtx(t), sambaConfig(dc), admin(dc), user, oobkit.NewSecret("Short-1"))
		assertPolicy(t, err, ReasonTooShort, "too short")
	})
	t.Run("history", func(t *testing.T) {
		t.Parallel()
		user := sambatest.Name("hist")
		dc.AddUser(t, user, "Initial-Pw-1")
		withPSO(t, dc, user, "--complexity=on", "--history-length=5", "--min-pwd-age=0")
		require.NoError(t, Change(testCtx(t), sambaConfig(dc), user, oobkit.NewSecret("Initial-Pw-1"), oobkit.NewSecret("Second-Pw-2")))
		err := Change(testCtx(t), sambaConfig(dc), user, oobkit.NewSecret("Second-Pw-2"), oobkit.NewSecret("Initial-Pw-1"))
		assertPolicy(t, err, ReasonHistory, "history")
		assert.True(t, canBind(t, dc, user, "Second-Pw-2"))
	})
	t.Run("minimum age", func(t *testing.T) {
		t.Parallel()
		user := sambatest.Name("age")
		dc.AddUser(t, user, "Initial-Pw-1")
		withPSO(t, dc, user, "--complexity=on", "--history-length=0", "--min-pwd-age=1")
		err := Change(testCtx(t), sambaConfig(dc), user, oobkit.NewSecret("Initial-Pw-1"), oobkit.NewSecret("Second-Pw-2"))
		assertPolicy(t, err, ReasonMinAge, "too young")
		// An administrator's reset is not bound by the minimum age.
		require.NoError(t, Reset(testCtx(t), sambaConfig(dc), admin(dc), user, oobkit.NewSecret("Third-Pw-3")))
	})
}

func assertPolicy(t *testing.T, err error, want Reason, text string) {
	t.Helper()
	require.Error(t, err)
	t.Log(err)
	assert.Equal(t, want, ReasonOf(err), "%v", err)
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.True(t, ReasonOf(err).Policy())
	var d *Error
	require.ErrorAs(t, err, &d)
	assert.Equal(t, uint32(0x52D), d.WinError, d.Message)
	assert.Contains(t, d.Message, text, "the directory's own words are kept")
	assert.Contains(t, d.Message, "0000052D")
	assert.Contains(t, err.Error(), d.Message)
}

// A wrong administrator password, an unknown user and a user without the
// right to reset others each end in their own reason.
func TestSambaRefusals(t *testing.T) {
	dc := sambatest.Start(t)
	t.Parallel()
	user := sambatest.Name("ref")
	dc.AddUser(t, user, "Initial-Pw-1")

	err := Reset(testCtx(t), sambaConfig(dc), oobkit.UserPassword(dc.AdminUser, "not-the-password"), user, oobkit.NewSecret("New-Pw-22x"))
	assert.ErrorIs(t, err, ReasonBadCredentials)
	assert.ErrorIs(t, err, oobkit.ErrAuth)
	assert.NotContains(t, err.Error(), "not-the-password")
	var d *Error
	require.ErrorAs(t, err, &d)
	assert.Equal(t, uint16(49), d.ResultCode)

	err = Reset(testCtx(t), sambaConfig(dc), admin(dc), sambatest.Name("nobody"), oobkit.NewSecret("New-Pw-22x"))
	assert.ErrorIs(t, err, ReasonNoSuchUser)
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)

	other := sambatest.Name("oth")
	dc.AddUser(t, other, "Other-Pw-1")
	err = Reset(testCtx(t), sambaConfig(dc), oobkit.UserPassword(user, "Initial-Pw-1"), other, oobkit.NewSecret("New-Pw-22x"))
	assert.ErrorIs(t, err, ReasonInsufficientRights, "%v", err)
	assert.ErrorIs(t, err, oobkit.ErrAuth)
	assert.True(t, canBind(t, dc, other, "Other-Pw-1"))
}

// dcPin returns the SHA-256 of the DC's LDAPS certificate.
func dcPin(t *testing.T, dc *sambatest.DC) string {
	pem, err := os.ReadFile(dc.CAFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem))
	c, err := tls.Dial("tcp", dc.LDAPS, &tls.Config{RootCAs: pool, ServerName: dc.IP})
	require.NoError(t, err)
	defer c.Close()
	sum := sha256.Sum256(c.ConnectionState().PeerCertificates[0].Raw)
	return hex.EncodeToString(sum[:])
}

// Certificate verification is on by default: the DC's certificate, from a
// private CA, fails against the system roots with a typed error, before any
// bind; its pin alone is accepted, a wrong pin is not; with the CA, the
// DC's name is verified.
func TestSambaCertificate(t *testing.T) {
	dc := sambatest.Start(t)
	t.Parallel()
	user := sambatest.Name("crt")
	dc.AddUser(t, user, "Initial-Pw-1")

	err := Reset(testCtx(t), Config{Server: dc.LDAPS}, admin(dc), user, oobkit.NewSecret("New-Pw-22x"))
	assert.ErrorIs(t, err, ReasonCertificate)
	assert.ErrorIs(t, err, oobkit.ErrAuth)
	err = Reset(testCtx(t), Config{Server: "ldap://" + dc.LDAP, StartTLS: true}, admin(dc), user, oobkit.NewSecret("New-Pw-22x"))
	assert.ErrorIs(t, err, ReasonCertificate, "StartTLS verifies too")

	pin := dcPin(t, dc)
	require.NoError(t, Reset(testCtx(t), Config{Server: dc.LDAPS, TLS: oobkit.TLSSettings{PinnedSHA256: pin}}, admin(dc), user, oobkit.NewSecret("Pinned-Pw-2")))
	assert.True(t, canBind(t, dc, user, "Pinned-Pw-2"))

	wrong := strings.Repeat("0", 64)
	err = Reset(testCtx(t), Config{Server: dc.LDAPS, TLS: oobkit.TLSSettings{PinnedSHA256: wrong}}, admin(dc), user, oobkit.NewSecret("New-Pw-22x"))
	assert.ErrorIs(t, err, ReasonCertificate)
	assert.Contains(t, err.Error(), pin, "the error names the certificate the DC presented")

	// The CA is trusted but the name checked is not the DC's.
	err = Reset(testCtx(t), Config{Server: dc.LDAPS, TLS: oobkit.TLSSettings{CAFile: dc.CAFile, ServerName: "not-the-dc.example"}}, admin(dc), user, oobkit.NewSecret("New-Pw-22x"))
	assert.ErrorIs(t, err, ReasonCertificate)
	// The DC's DNS name, verified while dialing its address.
	require.NoError(t, Reset(testCtx(t), Config{Server: dc.LDAPS, TLS: oobkit.TLSSettings{CAFile: dc.CAFile, ServerName: dc.Host}}, admin(dc), user, oobkit.NewSecret("Named-Pw-3")))
}
