package kerberos

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"testing"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/krberror"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// gokrb5Version is the gokrb5 whose error values TestClassifyGokrb5Errors
// pins; a new version must be checked against it (review of issue 22,
// item 20).
const gokrb5Version = "v8.4.4"

// refusingKDC answers every request on TCP (RFC 4120 §7.2.2: a 4-byte
// big-endian length, then the message) with a KRB-ERROR of code.
func refusingKDC(t *testing.T, code int32) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	kerr := messages.NewKRBError(types.NewPrincipalName(2, "krbtgt/EXAMPLE"), "EXAMPLE", code, "refused")
	msg, err := kerr.Marshal()
	require.NoError(t, err)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				var n [4]byte
				if _, err := io.ReadFull(c, n[:]); err != nil {
					return
				}
				if _, err := io.CopyN(io.Discard, c, int64(binary.BigEndian.Uint32(n[:]))); err != nil {
					return
				}
				binary.BigEndian.PutUint32(n[:], uint32(len(msg)))
				_, _ = c.Write(append(n[:], msg...))
			}()
		}
	}()
	return ln.Addr().String()
}

// loginErr is the error of a real gokrb5 sign-in of u@EXAMPLE against kdcs.
func loginErr(t *testing.T, password string, kdcs ...string) error {
	t.Helper()
	cred := oobkit.Credential{Username: "u@EXAMPLE", Kerberos: &oobkit.KerberosSettings{KDC: kdcs}}
	if len(kdcs) == 0 {
		cred.Kerberos.KDC = []string{"127.0.0.1:1"}
	}
	cfg, err := Config(cred)
	require.NoError(t, err)
	if len(kdcs) == 0 {
		cfg.Realms = nil // no KDC known for the realm
	}
	cl := client.NewWithPassword("u", "EXAMPLE", password, cfg, client.DisablePAFXFAST(true))
	defer cl.Destroy()
	err = cl.Login()
	require.Error(t, err)
	return err
}

// TestClassifyGokrb5Errors: the errors gokrb5 really returns, made by its
// own code, map to their reasons through its typed values: the KDC's
// KRB-ERROR codes (RFC 4120 §7.5.9) under the KDC_Error root cause, an
// unreachable KDC under Networking_Error, a reply that does not decrypt
// under Decrypting_Error.
func TestClassifyGokrb5Errors(t *testing.T) {
	mod, err := os.ReadFile("../go.mod") // tests run in the package's directory
	require.NoError(t, err)
	require.Contains(t, string(mod), "github.com/jcmturner/gokrb5/v8 "+gokrb5Version,
		"gokrb5 changed: check Classify against its errors, then update gokrb5Version")
	for code, want := range map[int32]Reason{
		errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN: ReasonUnknownPrincipal,
		errorcode.KDC_ERR_S_PRINCIPAL_UNKNOWN: ReasonUnknownSPN,
		errorcode.KDC_ERR_CLIENT_REVOKED:      ReasonRevoked,
		errorcode.KDC_ERR_KEY_EXPIRED:         ReasonRevoked,
		errorcode.KRB_AP_ERR_TKT_EXPIRED:      ReasonExpired,
		errorcode.KRB_AP_ERR_TKT_NYV:          ReasonClockSkew,
		errorcode.KRB_AP_ERR_SKEW:             ReasonClockSkew,
		errorcode.KRB_AP_ERR_MODIFIED:         ReasonServiceKey,
		errorcode.KRB_AP_ERR_BADKEYVER:        ReasonServiceKey,
		errorcode.KRB_AP_ERR_NOKEY:            ReasonServiceKey,
		errorcode.KRB_ERR_GENERIC:             ReasonOther,
	} {
		err := loginErr(t, "pw", refusingKDC(t, code))
		var kr krberror.Krberror
		require.ErrorAs(t, err, &kr, "code %d: %v", code, err)
		assert.Equal(t, krberror.KDCError, kr.RootCause, "code %d", code)
		e := Classify(err, "as", "u@EXAMPLE", "")
		assert.Equal(t, want, e.Reason, "code %d: %v", code, err)
		assert.Equal(t, code, e.Code, "code %d", code)
	}

	// KDC_ERR_PREAUTH_FAILED answers the second, pre-authenticated request
	// (a first answer of it makes gokrb5 try pre-authentication); wrapped
	// as ASExchange wraps the second answer.
	pf := krberror.Errorf(messages.NewKRBError(types.PrincipalName{}, "EXAMPLE", errorcode.KDC_ERR_PREAUTH_FAILED, ""),
		krberror.KDCError, "AS Exchange Error: kerberos error response from KDC")
	e := Classify(pf, "as", "", "")
	assert.Equal(t, ReasonWrongPassword, e.Reason, "%v", pf)
	assert.Equal(t, errorcode.KDC_ERR_PREAUTH_FAILED, e.Code)

	// A KRB-ERROR given as such (gokrb5's network layer returns one).
	kerr := messages.NewKRBError(types.PrincipalName{}, "EXAMPLE", errorcode.KDC_ERR_WRONG_REALM, "")
	assert.Equal(t, ReasonWrongRealm, Classify(kerr, "as", "", "").Reason)
	assert.Equal(t, ReasonWrongRealm, Classify(&kerr, "as", "", "").Reason)

	// Nobody listens: Networking_Error.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	err = loginErr(t, "pw", addr)
	var kr krberror.Krberror
	require.ErrorAs(t, err, &kr)
	assert.Equal(t, krberror.NetworkingError, kr.RootCause)
	assert.Equal(t, ReasonKDCUnreachable, Classify(err, "as", "", "").Reason, "%v", err)

	// No KDC for the realm: gokrb5 says so as a configuration error.
	err = loginErr(t, "pw")
	assert.Equal(t, ReasonWrongRealm, Classify(err, "as", "", "").Reason, "%v", err)

	// A reply that does not decrypt with the user's key, wrapped as
	// ASExchange wraps ASRep.Verify's failure.
	dec := krberror.Errorf(krberror.NewErrorf(krberror.DecryptingError, "error decrypting EncPart of AS_REP"),
		krberror.KRBMsgError, "AS Exchange Error: AS_REP is not valid or client password/keytab incorrect")
	assert.Equal(t, ReasonWrongPassword, Classify(dec, "as", "", "").Reason)

	// Wrapped further by a caller with %w, the typed value still decides.
	assert.Equal(t, ReasonWrongPassword, Classify(errors.Join(errors.New("x"), dec), "as", "", "").Reason)
}
