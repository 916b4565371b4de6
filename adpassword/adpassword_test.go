package adpassword

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// The unicodePwd value is the quoted password in UTF-16LE ([MS-ADTS]
// 3.1.1.3.1.5.1).
func TestEncodePassword(t *testing.T) {
	b, err := EncodePassword(oobkit.NewSecret("Ab1"))
	require.NoError(t, err)
	assert.Equal(t, []byte{'"', 0, 'A', 0, 'b', 0, '1', 0, '"', 0}, b)

	// Outside the BMP: a surrogate pair, little-endian.
	b, err = EncodePassword(oobkit.NewSecret("é😀"))
	require.NoError(t, err)
	assert.Equal(t, "2200e9003dd800de2200", hex.EncodeToString(b))

	_, err = EncodePassword(oobkit.Secret{})
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	_, err = EncodePassword(oobkit.NewSecret("bad\xffutf8"))
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.NotContains(t, err.Error(), "bad")
}

// Directory messages, each with the reason and class it maps to: Samba's
// texts (dsdb's check_password_restrictions) name the rule, Windows' say
// only 0000052D.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		code  uint16
		msg   string
		want  Reason
		class error
	}{
		{19, "0000052D: Constraint violation - check_password_restrictions: the password does not meet the complexity criteria!", ReasonComplexity, oobkit.ErrInvalidArgument},
		{19, "0000052D: Constraint violation - check_password_restrictions: the password is too short. It should be equal or longer than 7 characters!", ReasonTooShort, oobkit.ErrInvalidArgument},
		{19, "0000052D: Constraint violation - check_password_restrictions: the password was already used (in history)!", ReasonHistory, oobkit.ErrInvalidArgument},
		{19, "0000052D: Constraint violation - check_password_restrictions: password is too young to change!", ReasonMinAge, oobkit.ErrInvalidArgument},
		{19, "0000052D: AtrErr: DSID-03191083, #1:\n\t0: 0000052D: DSID-03191083, problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 9005a (unicodePwd)\n", ReasonPolicy, oobkit.ErrInvalidArgument},
		{53, "0000052D: SvcErr: DSID-031A12D2, problem 5003 (WILL_NOT_PERFORM), data 0\n", ReasonPolicy, oobkit.ErrInvalidArgument},
		{19, "00000056: Constraint violation - The old password specified doesn't match!", ReasonWrongOldPassword, oobkit.ErrAuth},
		{19, "00000056: AtrErr: DSID-03190F80, #1:\n\t0: 00000056: DSID-03190F80, problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 9005a (unicodePwd)\n", ReasonWrongOldPassword, oobkit.ErrAuth},
		{49, "80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data 52e, v4563", ReasonBadCredentials, oobkit.ErrAuth},
		{49, "80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data 775, v4563", ReasonAccountRestricted, oobkit.ErrAuth},
		{49, "80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data 533, v4563", ReasonAccountRestricted, oobkit.ErrAuth},
		{49, "", ReasonBadCredentials, oobkit.ErrAuth},
		{50, "00000005: SecErr: DSID-03152857, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0\n", ReasonInsufficientRights, oobkit.ErrAuth},
		{53, "00000005: SecErr: DSID-03152857, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0\n", ReasonInsufficientRights, oobkit.ErrAuth},
		{32, "0000208D: NameErr: DSID-03100241, problem 2001 (NO_OBJECT), data 0, best match of:", ReasonNoSuchUser, oobkit.ErrInvalidArgument},
		{13, "", ReasonConfidentialityRequired, oobkit.ErrInvalidArgument},
		{8, "BindSimple: Transport encryption required.", ReasonConfidentialityRequired, oobkit.ErrInvalidArgument},
		{80, "something else", ReasonDirectory, oobkit.ErrDevice},
	} {
		got := Classify(tc.code, tc.msg)
		assert.Equal(t, tc.want, got, "%d %q", tc.code, tc.msg)
		assert.ErrorIs(t, got.class(), tc.class, "%d %q", tc.code, tc.msg)
	}
	for _, r := range []Reason{ReasonComplexity, ReasonTooShort, ReasonHistory, ReasonMinAge, ReasonPolicy} {
		assert.True(t, r.Policy(), r)
	}
	assert.False(t, ReasonWrongOldPassword.Policy())
}

func TestParseDiagnostic(t *testing.T) {
	assert.Equal(t, Diagnostic{WinError: 0x52d}, ParseDiagnostic("0000052D: Constraint violation - x"))
	assert.Equal(t, Diagnostic{WinError: 0x80090308, Data: "52e"}, ParseDiagnostic("80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data 52e, v4563"))
	assert.Equal(t, Diagnostic{}, ParseDiagnostic("nothing here"))
	assert.Equal(t, Diagnostic{}, ParseDiagnostic("0000052X: not hex"))
	assert.Equal(t, Diagnostic{}, ParseDiagnostic(strings.Repeat("x", 5000)+"0000052D: late, data 52e"))
}

// The error a caller sees keeps the directory's message and code, the class
// and the reason, and says each once.
func TestErrorShape(t *testing.T) {
	msg := "0000052D: Constraint violation - check_password_restrictions: the password was already used (in history)!"
	err := fromLDAP("change password of alice", ldap.NewError(19, errors.New(msg)))
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.ErrorIs(t, err, ReasonHistory)
	assert.Equal(t, ReasonHistory, ReasonOf(err))
	assert.Equal(t, "19/0000052D", oobkit.DeviceCode(err))
	assert.Equal(t, "ldap: change password of alice: invalid argument (code 19/0000052D): "+msg+
		": the new password is in the account's password history", err.Error())
	var d *Error
	require.ErrorAs(t, err, &d)
	assert.Equal(t, msg, d.Message)
	assert.Equal(t, uint16(19), d.ResultCode)
}

func FuzzParseDiagnostic(f *testing.F) {
	for _, s := range []string{
		"0000052D: Constraint violation - check_password_restrictions: the password was already used (in history)!",
		"80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data 52e, v4563",
		"00000056: Constraint violation - The old password specified doesn't match!",
		", data ", "", "ffffffff:", "0000052D:, data zz",
	} {
		f.Add(uint16(19), s)
	}
	f.Fuzz(func(t *testing.T, code uint16, msg string) {
		d := ParseDiagnostic(msg)
		assert.LessOrEqual(t, len(d.Data), 8)
		r := Classify(code, msg)
		_, known := reasonText[r]
		assert.True(t, known, "unknown reason %q", r)
		if d.WinError == winPasswordRestriction {
			assert.True(t, r.Policy())
		}
		err := fromLDAP("op", ldap.NewError(code, errors.New(msg)))
		assert.NotEmpty(t, err.Error())
		assert.NotNil(t, ReasonOf(err))
	})
}

// Plaintext LDAP is refused before anything is dialed, so no password
// leaves the process.
func TestPlaintextRefusedBeforeDial(t *testing.T) {
	var dials atomic.Int32
	cfg := Config{Server: "ldap://dc1.example.com", DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return nil, errors.New("dialed")
	}}
	admin := oobkit.UserPassword("Administrator", "admin-secret")
	ctx := context.Background()
	for _, err := range []error{
		Reset(ctx, cfg, admin, "alice", oobkit.NewSecret("N3w-secret!")),
		Change(ctx, cfg, "alice", oobkit.NewSecret("old-secret"), oobkit.NewSecret("N3w-secret!")),
		func() error { _, err := Dial(ctx, cfg, admin); return err }(),
	} {
		assert.ErrorIs(t, err, ReasonPlaintext)
		assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
		assert.NotContains(t, err.Error(), "secret")
	}
	assert.Zero(t, dials.Load())
}

func TestParseServer(t *testing.T) {
	for _, tc := range []struct {
		server   string
		startTLS bool
		addr     string
		ldaps    bool
	}{
		{"dc1.example.com", false, "dc1.example.com:636", true},
		{"dc1.example.com:1636", false, "dc1.example.com:1636", true},
		{"ldaps://dc1.example.com", false, "dc1.example.com:636", true},
		{"LDAPS://10.0.0.1:3269/", false, "10.0.0.1:3269", true},
		{"ldap://dc1.example.com", true, "dc1.example.com:389", false},
		{"ldap://[::1]:10389", true, "[::1]:10389", false},
		{"[::1]", false, "[::1]:636", true},
	} {
		e, err := Config{Server: tc.server, StartTLS: tc.startTLS}.parseServer()
		require.NoError(t, err, tc.server)
		assert.Equal(t, tc.addr, e.addr, tc.server)
		assert.Equal(t, tc.ldaps, e.ldaps, tc.server)
	}
	for _, bad := range []Config{{}, {Server: "http://dc1"}, {Server: "ldaps://dc1", StartTLS: true}, {Server: "dc1:0"}, {Server: "ldaps://dc1/x"}} {
		_, err := bad.parseServer()
		assert.ErrorIs(t, err, oobkit.ErrInvalidArgument, bad.Server)
	}
}

// tlsListener serves TLS with a fresh self-signed certificate on loopback;
// each connection is closed after its handshake.
func tlsListener(t *testing.T) (addr string, pin string) {
	t.Helper()
	cert, leaf, err := wsmantest.SelfSigned("127.0.0.1")
	require.NoError(t, err)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.(*tls.Conn).Handshake()
			_ = c.Close()
		}
	}()
	sum := sha256.Sum256(leaf.Raw)
	return ln.Addr().String(), hex.EncodeToString(sum[:])
}

// Verification is on by default: a self-signed directory certificate fails
// against the system roots, a wrong pin fails, and the right pin passes the
// handshake (this listener then hangs up, so the RootDSE read fails
// unreachable, not on the certificate).
func TestCertificateVerification(t *testing.T) {
	addr, pin := tlsListener(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin := oobkit.UserPassword("Administrator", "admin-secret")

	_, err := Dial(ctx, Config{Server: addr}, admin)
	assert.ErrorIs(t, err, ReasonCertificate)
	assert.ErrorIs(t, err, oobkit.ErrAuth)

	wrong := strings.Repeat("ab", 32)
	_, err = Dial(ctx, Config{Server: addr, TLS: oobkit.TLSSettings{PinnedSHA256: wrong}}, admin)
	assert.ErrorIs(t, err, ReasonCertificate)
	assert.Contains(t, err.Error(), wrong)

	_, err = Dial(ctx, Config{Server: addr, TLS: oobkit.TLSSettings{PinnedSHA256: pin}}, admin)
	require.Error(t, err)
	assert.NotErrorIs(t, err, ReasonCertificate)
	assert.ErrorIs(t, err, oobkit.ErrUnreachable)
}

// Nothing listening: unreachable.
func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	err = Reset(context.Background(), Config{Server: addr}, oobkit.UserPassword("a", "b"), "alice", oobkit.NewSecret("N3w-secret!"))
	assert.ErrorIs(t, err, oobkit.ErrUnreachable)
	assert.ErrorIs(t, err, ReasonUnreachable)
}

// A directory that stops answering: the caller's context ends the wait,
// whether it stalls in the TLS handshake or after it (the RootDSE read).
func TestContextEndsAStalledDirectory(t *testing.T) {
	for _, handshake := range []bool{false, true} {
		cert, leaf, err := wsmantest.SelfSigned("127.0.0.1")
		require.NoError(t, err)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		t.Cleanup(func() { _ = ln.Close() })
		stalled := make(chan net.Conn, 1)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if handshake {
				tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
				if tc.Handshake() != nil {
					return
				}
			}
			stalled <- c // and never answer
		}()
		sum := sha256.Sum256(leaf.Raw)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := Dial(ctx, Config{Server: ln.Addr().String(), TLS: oobkit.TLSSettings{PinnedSHA256: hex.EncodeToString(sum[:])}},
				oobkit.UserPassword("Administrator", "admin-secret"))
			done <- err
		}()
		c := <-stalled
		cancel()
		err = <-done
		_ = c.Close()
		assert.ErrorIs(t, err, context.Canceled, "handshake done: %v", handshake)
		assert.ErrorIs(t, err, oobkit.ErrUnreachable)
	}
}

// A directory that answers without end: the read stops at MaxResponse and
// the operation fails as a protocol error, not by filling memory.
func TestResponseSizeCapped(t *testing.T) {
	cert, leaf, err := wsmantest.SelfSigned("127.0.0.1")
	require.NoError(t, err)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		// An LDAPMessage SEQUENCE that says it is 100 MB long, holding an
		// OCTET STRING as long, then its bytes without end.
		if _, err := c.Write([]byte{0x30, 0x84, 0x05, 0xf5, 0xe1, 0x00, 0x04, 0x84, 0x05, 0xf5, 0xe0, 0xf0}); err != nil {
			return
		}
		chunk := bytes.Repeat([]byte("a"), 64<<10)
		for {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}()
	sum := sha256.Sum256(leaf.Raw)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = Dial(ctx, Config{Server: ln.Addr().String(), TLS: oobkit.TLSSettings{PinnedSHA256: hex.EncodeToString(sum[:])}},
		oobkit.UserPassword("Administrator", "admin-secret"))
	assert.ErrorIs(t, err, oobkit.ErrProtocol)
	assert.ErrorIs(t, err, errResponseTooLarge)
}
