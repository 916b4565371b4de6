package kerberos

import (
	"encoding/base64"
	"strings"

	"github.com/jcmturner/gokrb5/v8/spnego"
)

// maxTokenBytes bounds a server's Negotiate token this package will parse.
const maxTokenBytes = 64 << 10

// ParseRejection reads the Kerberos error a service sent back with its
// refusal: an HTTP 401's "WWW-Authenticate: Negotiate <token>" (RFC 4559
// §5) or the data of a redirection AuthenticateSessionReply, where the
// token is an SPNEGO NegTokenResp (RFC 4178 §4.2.2) whose responseToken,
// or a bare GSS-API token (RFC 4121 §4.1) that, carries a KRB-ERROR (token
// ID 03 00). It returns the *Error for principal and spn; an absent or
// unreadable token is ReasonRejected.
func ParseRejection(token []byte, principal, spn string) *Error {
	e := &Error{Reason: ReasonRejected, Stage: "ap", Principal: principal, SPN: spn}
	if len(token) == 0 || len(token) > maxTokenBytes {
		return e
	}
	inner := token
	var st spnego.SPNEGOToken
	if token[0] == 0xa1 {
		if err := st.Unmarshal(token); err != nil || !st.Resp {
			return e
		}
		inner = st.NegTokenResp.ResponseToken
		if len(inner) == 0 {
			return e
		}
	}
	var kt spnego.KRB5Token
	if err := kt.Unmarshal(inner); err != nil || !kt.IsKRBError() {
		return e
	}
	e.Code = kt.KRBError.ErrorCode
	e.Reason = reasonForCode(e.Code)
	return e
}

// NegotiateToken returns the token of the first "Negotiate" challenge
// among WWW-Authenticate values, nil if there is none or it has no token.
func NegotiateToken(values []string) []byte {
	for _, v := range values {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
		if !strings.EqualFold(scheme, "Negotiate") {
			continue
		}
		rest = strings.TrimSpace(rest)
		if rest == "" || len(rest) > maxTokenBytes*4/3+4 {
			return nil
		}
		b, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return nil
		}
		return b
	}
	return nil
}
