package adpassword

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/oobkit/oobkit"
)

// Protocol is the value of [oobkit.Error].Protocol in this package's errors.
const Protocol oobkit.Protocol = "ldap"

// Reason says why a reset or change failed, in terms an operator acts on.
// A Reason is itself an error: errors.Is(err, adpassword.ReasonHistory)
// tells a history violation from the others, and [Reason.Policy] groups the
// password-policy reasons.
type Reason string

// The reasons. Policy reasons (complexity, too short, history, minimum age,
// policy) wrap [oobkit.ErrInvalidArgument]: the new password must change.
// Credential and rights reasons wrap [oobkit.ErrAuth].
const (
	// ReasonComplexity: the new password lacks the character classes the
	// policy asks for.
	ReasonComplexity Reason = "complexity"
	// ReasonTooShort: the new password is shorter than the policy's minimum.
	ReasonTooShort Reason = "too-short"
	// ReasonHistory: the new password is one the account used recently.
	ReasonHistory Reason = "history"
	// ReasonMinAge: the password was changed too recently to change again
	// (minimum password age).
	ReasonMinAge Reason = "min-age"
	// ReasonPolicy: the password policy refused the new password and the
	// directory did not say which rule (Windows says only 0000052D).
	ReasonPolicy Reason = "policy"
	// ReasonWrongOldPassword: a change presented an old password that is
	// not the account's.
	ReasonWrongOldPassword Reason = "wrong-old-password"
	// ReasonBadCredentials: the directory refused the bind (wrong
	// administrator name or password).
	ReasonBadCredentials Reason = "bad-credentials"
	// ReasonAccountRestricted: the bind account may not sign in now
	// (disabled, locked out, expired, must change its password).
	ReasonAccountRestricted Reason = "account-restricted"
	// ReasonInsufficientRights: the bound account may not set this password.
	ReasonInsufficientRights Reason = "insufficient-rights"
	// ReasonNoSuchUser: no account has the name.
	ReasonNoSuchUser Reason = "no-such-user"
	// ReasonAmbiguousUser: more than one account has the name.
	ReasonAmbiguousUser Reason = "ambiguous-user"
	// ReasonPlaintext: the connection would not be encrypted; refused here
	// before any password left the process.
	ReasonPlaintext Reason = "plaintext-refused"
	// ReasonConfidentialityRequired: the directory refused the operation
	// on a connection it does not consider confidential.
	ReasonConfidentialityRequired Reason = "confidentiality-required"
	// ReasonCertificate: the directory's TLS certificate was rejected
	// (unknown authority, wrong name, pin mismatch).
	ReasonCertificate Reason = "certificate"
	// ReasonUnreachable: the directory did not answer.
	ReasonUnreachable Reason = "unreachable"
	// ReasonDirectory: any other refusal; the directory's code and message
	// say what.
	ReasonDirectory Reason = "directory"
)

var reasonText = map[Reason]string{
	ReasonComplexity:              "the new password does not meet the complexity requirements",
	ReasonTooShort:                "the new password is shorter than the minimum password length",
	ReasonHistory:                 "the new password is in the account's password history",
	ReasonMinAge:                  "the password is younger than the minimum password age",
	ReasonPolicy:                  "the new password does not satisfy the password policy",
	ReasonWrongOldPassword:        "the old password is wrong",
	ReasonBadCredentials:          "the directory refused the bind credentials",
	ReasonAccountRestricted:       "the bind account may not sign in now",
	ReasonInsufficientRights:      "the bound account may not set this password",
	ReasonNoSuchUser:              "no such user",
	ReasonAmbiguousUser:           "more than one account has this name",
	ReasonPlaintext:               "refusing to send a password over an unencrypted connection",
	ReasonConfidentialityRequired: "the directory requires a confidential connection",
	ReasonCertificate:             "the directory's TLS certificate was rejected",
	ReasonUnreachable:             "the directory did not answer",
	ReasonDirectory:               "the directory refused the operation",
}

// Error returns the reason's explanation.
func (r Reason) Error() string {
	if s, ok := reasonText[r]; ok {
		return s
	}
	return string(r)
}

// Policy reports whether r is a password-policy refusal (complexity, too
// short, history, minimum age, or an unspecified policy rule).
func (r Reason) Policy() bool {
	switch r {
	case ReasonComplexity, ReasonTooShort, ReasonHistory, ReasonMinAge, ReasonPolicy:
		return true
	}
	return false
}

// class is the oobkit error class of r.
func (r Reason) class() error {
	switch {
	case r.Policy():
		return oobkit.ErrInvalidArgument
	}
	switch r {
	case ReasonWrongOldPassword, ReasonBadCredentials, ReasonAccountRestricted, ReasonInsufficientRights, ReasonCertificate:
		return oobkit.ErrAuth
	case ReasonNoSuchUser, ReasonAmbiguousUser, ReasonPlaintext, ReasonConfidentialityRequired:
		return oobkit.ErrInvalidArgument
	case ReasonUnreachable:
		return oobkit.ErrUnreachable
	}
	return oobkit.ErrDevice
}

// ReasonOf returns the reason carried by err, or "" when err is nil or not
// one of this package's.
func ReasonOf(err error) Reason {
	var d *Error
	if errors.As(err, &d) {
		return d.Reason
	}
	var r Reason
	if errors.As(err, &r) {
		return r
	}
	return ""
}

// Error is the detail of a failure: the reason and what the directory said.
// It is the cause (Err) of the [*oobkit.Error] this package returns, so
// errors.As(err, &detail) finds it, errors.Is(err, oobkit.ErrAuth) matches
// the class and errors.Is(err, adpassword.ReasonHistory) the reason.
type Error struct {
	// Reason is why the operation failed.
	Reason Reason
	// ResultCode is the LDAP result code (RFC 4511 §4.1.9; 19 constraint
	// violation, 49 invalid credentials, 50 insufficient access rights…);
	// 0 when the failure was found on this side.
	ResultCode uint16
	// WinError is the Windows error code that leads an Active Directory
	// diagnostic message ("0000052D: …" is 0x52D,
	// ERROR_PASSWORD_RESTRICTION); 0 when there is none.
	WinError uint32
	// Data is the "data" field of an Active Directory bind failure ("52e":
	// bad password, "775": locked out); "" when there is none.
	Data string
	// Message is the directory's diagnostic message, verbatim.
	Message string

	cause error // the caller's context error, when it ended the operation
}

// Error returns the reason's explanation.
func (e *Error) Error() string { return e.Reason.Error() }

// Unwrap returns the reason and, when the caller's context ended the
// operation, its error (context.Canceled or context.DeadlineExceeded).
func (e *Error) Unwrap() []error {
	if e.cause != nil {
		return []error{e.Reason, e.cause}
	}
	return []error{e.Reason}
}

// unreachable is the error of a connection that failed or was ended by
// ctx; err, if any, says how.
func unreachable(ctx context.Context, op string, err error) error {
	d := &Error{Reason: ReasonUnreachable, cause: ctx.Err()}
	if err != nil {
		d.Message = err.Error()
	} else if d.cause != nil {
		d.Message = d.cause.Error()
	}
	return wrap(op, d)
}

// deviceCode is the code reports carry: the LDAP result code, then the
// Windows error and the bind data code when the directory gave them
// ("19/0000052D", "49/80090308/52e").
func (e *Error) deviceCode() string {
	if e.ResultCode == 0 {
		return ""
	}
	s := strconv.Itoa(int(e.ResultCode))
	if e.WinError != 0 {
		s += fmt.Sprintf("/%08X", e.WinError)
	}
	if e.Data != "" {
		s += "/" + e.Data
	}
	return s
}

// wrap returns the error this package hands out for d: an [*oobkit.Error]
// with the class of d's reason, the directory's code and message, and d as
// the cause.
func wrap(op string, d *Error) error {
	return &oobkit.Error{Protocol: Protocol, Op: op, Class: d.Reason.class(), DeviceCode: d.deviceCode(), Message: d.Message, Err: d}
}

// Limits of [ParseDiagnostic]: a directory's message is a line or two; more
// is not read.
const maxDiagnostic = 4096

// Diagnostic is what [ParseDiagnostic] reads from a directory's message.
type Diagnostic struct {
	// WinError is the leading hexadecimal Windows error code ("0000052D:").
	WinError uint32
	// Data is the value of the ", data XXX," field of a bind failure.
	Data string
}

// ParseDiagnostic reads the leading Windows error code of an Active
// Directory (or Samba) diagnostic message, "0000052D: Constraint violation
// - …", and the data field of a bind failure, "80090308: LdapErr:
// DSID-0C09041C, comment: AcceptSecurityContext error, data 52e, v4563".
// Only the first 4 KiB of msg are read. A message without them gives the
// zero Diagnostic.
func ParseDiagnostic(msg string) Diagnostic {
	if len(msg) > maxDiagnostic {
		msg = msg[:maxDiagnostic]
	}
	var d Diagnostic
	if len(msg) >= 9 && msg[8] == ':' {
		if v, err := strconv.ParseUint(msg[:8], 16, 32); err == nil {
			d.WinError = uint32(v)
		}
	}
	if i := strings.Index(msg, ", data "); i >= 0 {
		rest := msg[i+len(", data "):]
		n := 0
		for n < len(rest) && n < 8 && isHex(rest[n]) {
			n++
		}
		d.Data = strings.ToLower(rest[:n])
	}
	return d
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// Windows error codes an Active Directory password diagnostic leads with
// (https://learn.microsoft.com/en-us/windows/win32/debug/system-error-codes).
const (
	winAccessDenied        = 0x5   // ERROR_ACCESS_DENIED
	winInvalidPassword     = 0x56  // ERROR_INVALID_PASSWORD: the old password is wrong
	winPasswordRestriction = 0x52D // ERROR_PASSWORD_RESTRICTION: policy
	winWrongPassword       = 0x56B // ERROR_WRONG_PASSWORD
	winNoSuchUser          = 0x525 // ERROR_NO_SUCH_USER
)

// bindData classifies the data field of an AD invalid-credentials (49)
// answer: the sub-status of the logon failure.
func bindData(data string) Reason {
	switch data {
	case "525": // user not found: AD says it as a bad bind
		return ReasonBadCredentials
	case "530", "531", "532", "533", "701", "773", "775":
		// not permitted now / at this workstation, password expired,
		// disabled, account expired, must reset password, locked out
		return ReasonAccountRestricted
	}
	return ReasonBadCredentials
}

// policyText classifies a password-restriction message by its words:
// Samba says which rule failed (dsdb's check_password_restrictions),
// Windows does not.
func policyText(msg string) Reason {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "complexity"):
		return ReasonComplexity
	case strings.Contains(m, "too short"):
		return ReasonTooShort
	case strings.Contains(m, "history") || strings.Contains(m, "already used"):
		return ReasonHistory
	case strings.Contains(m, "too young"):
		return ReasonMinAge
	}
	return ReasonPolicy
}

// Classify maps an LDAP result code and the directory's diagnostic message
// to a [Reason]. It knows Active Directory's and Samba's texts:
//
//   - 19 constraint violation or 53 unwilling to perform with 0000052D:
//     the password policy, with Samba's words telling complexity, length,
//     history ("already used (in history)") and minimum age ("too young to
//     change") apart;
//   - 0000056 (and 0000056B) on a modify: the old password is wrong;
//   - 49 invalid credentials: bad credentials, or a restricted account by
//     the data field (775 locked out, 533 disabled…);
//   - 50 insufficient access rights, 32 no such object, 13
//     confidentiality required.
func Classify(resultCode uint16, msg string) Reason {
	d := ParseDiagnostic(msg)
	switch {
	case d.WinError == winPasswordRestriction:
		return policyText(msg)
	case d.WinError == winInvalidPassword || d.WinError == winWrongPassword:
		return ReasonWrongOldPassword
	}
	switch resultCode {
	case ldap.LDAPResultInvalidCredentials:
		return bindData(d.Data)
	case ldap.LDAPResultInsufficientAccessRights:
		return ReasonInsufficientRights
	case ldap.LDAPResultNoSuchObject:
		return ReasonNoSuchUser
	case ldap.LDAPResultConfidentialityRequired, ldap.LDAPResultStrongAuthRequired:
		return ReasonConfidentialityRequired
	case ldap.LDAPResultConstraintViolation:
		if strings.Contains(strings.ToLower(msg), "password") {
			return policyText(msg)
		}
	case ldap.LDAPResultUnwillingToPerform:
		if d.WinError == winAccessDenied {
			return ReasonInsufficientRights
		}
	case ldap.ErrorNetwork:
		return ReasonUnreachable
	}
	if d.WinError == winNoSuchUser {
		return ReasonNoSuchUser
	}
	return ReasonDirectory
}

// fromLDAP turns an error of the LDAP library into this package's error.
func fromLDAP(op string, err error) error {
	var le *ldap.Error
	if !errors.As(err, &le) {
		return &oobkit.Error{Protocol: Protocol, Op: op, Class: oobkit.ErrUnreachable, Err: err}
	}
	msg := ""
	if le.Err != nil {
		msg = le.Err.Error()
	}
	switch {
	case le.ResultCode == ldap.ErrorNetwork: // the library's own code: the connection failed
		return &oobkit.Error{Protocol: Protocol, Op: op, Class: oobkit.ErrUnreachable, Err: &Error{Reason: ReasonUnreachable, Message: msg}}
	case le.ResultCode > ldap.ErrorNetwork: // the library could not read the answer
		return &oobkit.Error{Protocol: Protocol, Op: op, Class: oobkit.ErrProtocol, Err: &Error{Reason: ReasonDirectory, Message: msg}}
	}
	d := ParseDiagnostic(msg)
	return wrap(op, &Error{Reason: Classify(le.ResultCode, msg), ResultCode: le.ResultCode, WinError: d.WinError, Data: d.Data, Message: msg})
}
