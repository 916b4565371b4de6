package kerberos

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/krberror"
	"github.com/jcmturner/gokrb5/v8/messages"

	"github.com/oobkit/oobkit"
)

// Reason says why a Kerberos sign-in failed, so that an operator can tell
// a wrong password from a clock to fix or an SPN to register.
type Reason string

// The reasons a sign-in fails. The KDC's and the service's error codes
// (RFC 4120 §7.5.9) map onto them as [Classify] documents.
const (
	// ReasonClockSkew: the client's and the KDC's or service's clocks differ
	// by more than the allowed skew (KRB_AP_ERR_SKEW 37; KRB_AP_ERR_TKT_NYV
	// 33, a ticket not yet valid to a service whose clock is behind).
	ReasonClockSkew Reason = "clock-skew"
	// ReasonWrongRealm: the realm is not the KDC's, or no KDC is known for it
	// (KDC_ERR_WRONG_REALM, 68, or no KDC configured).
	ReasonWrongRealm Reason = "wrong-realm"
	// ReasonExpired: a ticket expired (KRB_AP_ERR_TKT_EXPIRED, 32) and could
	// not be renewed, e.g. a credential cache's ticket without a password.
	ReasonExpired Reason = "ticket-expired"
	// ReasonUnknownSPN: the KDC knows no service principal of that name
	// (KDC_ERR_S_PRINCIPAL_UNKNOWN, 7).
	ReasonUnknownSPN Reason = "unknown-spn"
	// ReasonWrongPassword: pre-authentication failed or the reply could not
	// be decrypted with the user's key (KDC_ERR_PREAUTH_FAILED, 24).
	ReasonWrongPassword Reason = "wrong-password"
	// ReasonUnknownPrincipal: the KDC knows no such user
	// (KDC_ERR_C_PRINCIPAL_UNKNOWN, 6).
	ReasonUnknownPrincipal Reason = "unknown-principal"
	// ReasonRevoked: the account is disabled, locked or its password expired
	// (KDC_ERR_CLIENT_REVOKED 18, KDC_ERR_KEY_EXPIRED 23).
	ReasonRevoked Reason = "account-revoked"
	// ReasonServiceKey: the service could not decrypt the ticket: its keytab
	// does not hold the key the KDC used (KRB_AP_ERR_MODIFIED 41,
	// KRB_AP_ERR_BADKEYVER 44, KRB_AP_ERR_NOKEY 45).
	ReasonServiceKey Reason = "service-key"
	// ReasonKDCUnreachable: no KDC answered.
	ReasonKDCUnreachable Reason = "kdc-unreachable"
	// ReasonRejected: the service refused the ticket without saying why.
	ReasonRejected Reason = "rejected"
	// ReasonNoCredential: the credential names no key source (no password,
	// keytab or credential cache) or one that cannot be read.
	ReasonNoCredential Reason = "no-credential"
	// ReasonOther: any other Kerberos failure; Code says which.
	ReasonOther Reason = "other"
)

// Error is a failed Kerberos sign-in. It wraps [oobkit.ErrAuth] (a
// missing credential or an unreachable KDC wrap ErrInvalidArgument and
// ErrUnreachable), so errors.Is(err, oobkit.ErrAuth) holds whichever
// protocol carried the ticket; Reason tells the cases apart.
type Error struct {
	// Reason is the classified cause.
	Reason Reason
	// Code is the Kerberos error code (RFC 4120 §7.5.9), 0 if none.
	Code int32
	// Principal is the user principal, SPN the service principal.
	Principal, SPN string
	// Stage is "as" (getting the TGT), "tgs" (the service ticket), "ap"
	// (the service checking the ticket) or "config".
	Stage string
	// Err is the underlying error, if any.
	Err error
}

// Error says what failed, for whom and why, never a secret.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("kerberos")
	if e.Stage != "" {
		b.WriteString(" " + e.Stage)
	}
	fmt.Fprintf(&b, ": %s", e.Reason)
	if e.Principal != "" {
		fmt.Fprintf(&b, " (principal %s", e.Principal)
		if e.SPN != "" {
			fmt.Fprintf(&b, ", service %s", e.SPN)
		}
		b.WriteString(")")
	} else if e.SPN != "" {
		fmt.Fprintf(&b, " (service %s)", e.SPN)
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, ": %s", errorcode.Lookup(e.Code))
	}
	if e.Err != nil && e.Code == 0 {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the oobkit class and the cause.
func (e *Error) Unwrap() []error {
	class := oobkit.ErrAuth
	switch e.Reason {
	case ReasonKDCUnreachable:
		class = oobkit.ErrUnreachable
	case ReasonNoCredential:
		class = oobkit.ErrInvalidArgument
	}
	if e.Err == nil {
		return []error{class}
	}
	return []error{class, e.Err}
}

// ReasonOf returns the Reason of the *Error in err's chain, "" if none.
func ReasonOf(err error) Reason {
	var ke *Error
	if errors.As(err, &ke) {
		return ke.Reason
	}
	return ""
}

// reasonForCode maps a Kerberos error code to a Reason.
func reasonForCode(code int32) Reason {
	switch code {
	case errorcode.KRB_AP_ERR_SKEW, errorcode.KRB_AP_ERR_TKT_NYV:
		// A ticket "not yet valid" to the service is the service's clock
		// running behind the KDC's.
		return ReasonClockSkew
	case errorcode.KDC_ERR_WRONG_REALM:
		return ReasonWrongRealm
	case errorcode.KRB_AP_ERR_TKT_EXPIRED:
		return ReasonExpired
	case errorcode.KDC_ERR_S_PRINCIPAL_UNKNOWN:
		return ReasonUnknownSPN
	case errorcode.KDC_ERR_PREAUTH_FAILED, errorcode.KRB_AP_ERR_BAD_INTEGRITY:
		return ReasonWrongPassword
	case errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN:
		return ReasonUnknownPrincipal
	case errorcode.KDC_ERR_CLIENT_REVOKED, errorcode.KDC_ERR_KEY_EXPIRED:
		return ReasonRevoked
	case errorcode.KRB_AP_ERR_MODIFIED, errorcode.KRB_AP_ERR_BADKEYVER, errorcode.KRB_AP_ERR_NOKEY:
		return ReasonServiceKey
	}
	return ReasonOther
}

// gokrb5 (v8.4.4) wraps the KDC's KRB-ERROR into a krberror.Krberror
// whose root cause is krberror.KDCError, keeping the KRB-ERROR only as the
// text of its Error method ("KRB Error: (24) KDC_ERR_PREAUTH_FAILED …",
// messages.KRBError.Error and errorcode.Lookup); the code is read back from
// that text, which TestClassifyGokrb5Errors pins.
var krbCode = regexp.MustCompile(`KRB Error: \((\d+)\)`)

// Classify turns an error of the gokrb5 client into an *Error for
// principal and spn at stage. Typed values decide first: a
// messages.KRBError in the chain gives its code; a krberror.Krberror its
// root cause (KDC_Error: the KDC's code, read from the wrapped KRB-ERROR's
// text; Decrypting_Error: the reply did not decrypt with the user's key, a
// wrong password or keytab; Networking_Error: no KDC answered, unless none
// is configured for the realm); a net.Error an unreachable KDC. Only
// errors gokrb5 makes with errors.New or fmt.Errorf("%v"), which carry
// nothing typed, are told apart by their text.
func Classify(err error, stage, principal, spn string) *Error {
	if err == nil {
		return nil
	}
	var ke *Error
	if errors.As(err, &ke) {
		return ke
	}
	e := &Error{Stage: stage, Principal: principal, SPN: spn, Err: err}
	var kerr messages.KRBError
	var kerrp *messages.KRBError
	switch {
	case errors.As(err, &kerr):
		e.Code, e.Reason = kerr.ErrorCode, reasonForCode(kerr.ErrorCode)
		return e
	case errors.As(err, &kerrp) && kerrp != nil:
		e.Code, e.Reason = kerrp.ErrorCode, reasonForCode(kerrp.ErrorCode)
		return e
	}
	msg := err.Error()
	var kr krberror.Krberror
	if errors.As(err, &kr) {
		switch kr.RootCause {
		case krberror.KDCError:
			if code, ok := codeIn(msg); ok {
				e.Code, e.Reason = code, reasonForCode(code)
				return e
			}
			e.Reason = ReasonOther
			return e
		case krberror.DecryptingError:
			e.Reason = ReasonWrongPassword
			return e
		case krberror.NetworkingError:
			// gokrb5 reports "no KDC configured for the realm" as a failure
			// to send, its cause flattened to text (client/network.go).
			if strings.Contains(msg, "no KDCs defined") {
				e.Reason = ReasonWrongRealm
			} else {
				e.Reason = ReasonKDCUnreachable
			}
			return e
		}
	}
	var ne net.Error
	if errors.As(err, &ne) {
		e.Reason = ReasonKDCUnreachable
		return e
	}
	// Last resort: text of errors gokrb5 does not type.
	if code, ok := codeIn(msg); ok {
		e.Code, e.Reason = code, reasonForCode(code)
		return e
	}
	switch {
	case strings.Contains(msg, "client password/keytab incorrect"), strings.Contains(msg, "Decrypting_Error"):
		e.Reason = ReasonWrongPassword
	case strings.Contains(msg, "no KDCs defined"), strings.Contains(msg, "error getting KDCs"),
		strings.Contains(msg, "does not have any defined KDCs"):
		e.Reason = ReasonWrongRealm
	case strings.Contains(msg, "Networking_Error"), strings.Contains(msg, "communication error with KDC"),
		strings.Contains(msg, "failed to communicate with KDC"):
		e.Reason = ReasonKDCUnreachable
	case strings.Contains(msg, "no user credentials available"), strings.Contains(msg, "TGT not found in CCache"):
		e.Reason = ReasonExpired
	default:
		e.Reason = ReasonOther
	}
	return e
}

// codeIn returns the innermost (last) "KRB Error: (N)" code of msg: the
// KDC's.
func codeIn(msg string) (int32, bool) {
	m := krbCode.FindAllStringSubmatch(msg, -1)
	if len(m) == 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(m[len(m)-1][1], 10, 32)
	return int32(n), err == nil
}
