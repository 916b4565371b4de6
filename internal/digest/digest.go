// Package digest implements HTTP Digest access authentication (RFC 7616,
// with the RFC 2617/2069 forms real devices still use) for both sides of a
// connection: the client state that answers challenges and reuses a nonce
// with an incrementing nonce count, and the server checks the test
// simulators use.
//
// It serves two transports without duplication: HTTP (WS-Management on AMT,
// DASH) through [Client.Authorize] and the Authorization header, and the AMT
// redirection protocol, whose AuthenticateSession message carries the same
// fields in binary form, through [Challenge.Respond] and the fields of
// [Response]. The redirection digest uses method "POST" and URI
// "/RedirectionService" (amtterm's redir.c, https://www.kraxel.org/cgit/amtterm/,
// and MeshCommander's amt-redir-ws-0.1.0.js,
// https://github.com/Ylianst/MeshCommander).
package digest

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// Algorithm is a digest algorithm token (RFC 7616 §3.3).
type Algorithm string

// Algorithms.
const (
	MD5        Algorithm = "MD5"
	MD5Sess    Algorithm = "MD5-sess"
	SHA256     Algorithm = "SHA-256"
	SHA256Sess Algorithm = "SHA-256-sess"
)

// Quality-of-protection tokens.
const (
	QopAuth    = "auth"
	QopAuthInt = "auth-int"
)

// ErrBadChallenge means a WWW-Authenticate value could not be understood.
var ErrBadChallenge = errors.New("digest: malformed challenge")

// ErrUnsupportedAlgorithm means the challenge names an algorithm this package
// does not implement.
var ErrUnsupportedAlgorithm = errors.New("digest: unsupported algorithm")

// ErrRealmMismatch means the challenge's realm differs from the pinned one.
var ErrRealmMismatch = errors.New("digest: realm does not match the pinned realm")

func (a Algorithm) newHash() (func() hash.Hash, bool) {
	switch strings.ToUpper(string(a)) {
	case "", "MD5", "MD5-SESS":
		return md5.New, true
	case "SHA-256", "SHA-256-SESS":
		return sha256.New, true
	}
	return nil, false
}

func (a Algorithm) session() bool { return strings.HasSuffix(strings.ToUpper(string(a)), "-SESS") }

// supported reports whether a is implemented.
func (a Algorithm) supported() bool { _, ok := a.newHash(); return ok }

// strength orders algorithms: SHA-256 is preferred over MD5 (RFC 7616 §3.7).
func (a Algorithm) strength() int {
	if strings.HasPrefix(strings.ToUpper(string(a)), "SHA-256") {
		return 2
	}
	if a.supported() {
		return 1
	}
	return 0
}

// Challenge is one parsed "Digest" challenge.
type Challenge struct {
	Realm     string
	Nonce     string
	Opaque    string
	Algorithm Algorithm
	// Qop lists the offered qop tokens in the server's order; empty means the
	// RFC 2069 form without qop.
	Qop    []string
	Stale  bool
	Domain string
	// UserHash is RFC 7616 §3.4.4 username hashing; this package does not
	// hash usernames and answers such challenges with the plain name.
	UserHash bool
}

// ChooseQop picks the qop to answer with: auth when offered (what every AMT
// firmware accepts and needs no body hash), auth-int when it is the only
// choice, "" for the RFC 2069 form. preferAuthInt reverses the preference.
func (c *Challenge) ChooseQop(preferAuthInt bool) string {
	has := func(q string) bool {
		for _, x := range c.Qop {
			if strings.EqualFold(x, q) {
				return true
			}
		}
		return false
	}
	switch {
	case preferAuthInt && has(QopAuthInt):
		return QopAuthInt
	case has(QopAuth):
		return QopAuth
	case has(QopAuthInt):
		return QopAuthInt
	}
	return ""
}

// Request is what is being authorized.
type Request struct {
	Method string
	URI    string
	// Body is hashed for qop=auth-int.
	Body []byte
}

// Response holds every field of a digest answer. HTTP sends it as an
// Authorization header ([Response.Header]); the AMT redirection protocol packs
// the same fields into its binary AuthenticateSession message.
type Response struct {
	Username  string
	Realm     string
	Nonce     string
	URI       string
	Algorithm Algorithm
	Qop       string
	NC        string // 8 hex digits, "" when Qop is ""
	CNonce    string
	Response  string
	Opaque    string
}

// Header formats r as an Authorization header value.
func (r Response) Header() string {
	var b strings.Builder
	b.Grow(160 + len(r.Username) + len(r.Realm) + len(r.Nonce) + len(r.URI) + len(r.CNonce) + len(r.Response) + len(r.Opaque))
	b.WriteString("Digest username=")
	writeQuoted(&b, r.Username)
	b.WriteString(", realm=")
	writeQuoted(&b, r.Realm)
	b.WriteString(", nonce=")
	writeQuoted(&b, r.Nonce)
	b.WriteString(", uri=")
	writeQuoted(&b, r.URI)
	if r.Algorithm != "" {
		b.WriteString(", algorithm=")
		b.WriteString(string(r.Algorithm))
	}
	if r.Qop != "" {
		b.WriteString(", qop=")
		b.WriteString(r.Qop)
		b.WriteString(", nc=")
		b.WriteString(r.NC)
		b.WriteString(", cnonce=")
		writeQuoted(&b, r.CNonce)
	}
	b.WriteString(", response=")
	writeQuoted(&b, r.Response)
	if r.Opaque != "" {
		b.WriteString(", opaque=")
		writeQuoted(&b, r.Opaque)
	}
	return b.String()
}

// writeQuoted writes s as a quoted-string (RFC 7230 §3.2.6), as quote
// returns it, without building the string first.
func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	if strings.ContainsAny(s, `\"`) {
		_, _ = quoteEscaper.WriteString(b, s)
	} else {
		b.WriteString(s)
	}
	b.WriteByte('"')
}

// Respond computes the answer to c for user/password and request, with nonce
// count nc and client nonce cnonce ("" picks a random one). qop must be one
// the challenge offered, or "" for the RFC 2069 form.
func (c *Challenge) Respond(user, password string, req Request, qop string, nc uint32, cnonce string) (Response, error) {
	newHash, ok := c.Algorithm.newHash()
	if !ok {
		return Response{}, fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, c.Algorithm)
	}
	if qop != "" && cnonce == "" {
		cnonce = NewNonce(16)
	}
	r := Response{
		Username: user, Realm: c.Realm, Nonce: c.Nonce, URI: req.URI,
		Algorithm: c.Algorithm, Qop: qop, CNonce: cnonce, Opaque: c.Opaque,
	}
	if qop != "" {
		r.NC = fmt.Sprintf("%08x", nc)
	} else {
		r.CNonce = ""
	}
	r.Response = compute(newHash, c.Algorithm.session(), password, r, req)
	return r, nil
}

// compute returns the response digest for r (RFC 7616 §3.4.1–3.4.3).
func compute(newHash func() hash.Hash, sess bool, password string, r Response, req Request) string {
	// One hash and one scratch buffer for the whole computation: the parts
	// are joined into scratch and hashed in one Write.
	x := newHash()
	var scratch []byte
	var sum [64]byte
	defer func() { clear(scratch) }() // it held the password
	h := func(parts ...string) string {
		scratch = scratch[:0]
		for i, p := range parts {
			if i > 0 {
				scratch = append(scratch, ':')
			}
			scratch = append(scratch, p...)
		}
		x.Reset()
		x.Write(scratch)
		return hex.EncodeToString(x.Sum(sum[:0]))
	}
	ha1 := h(r.Username, r.Realm, password)
	if sess {
		ha1 = h(ha1, r.Nonce, r.CNonce)
	}
	var ha2 string
	if r.Qop == QopAuthInt {
		bh := newHash()
		bh.Write(req.Body)
		ha2 = h(req.Method, r.URI, hex.EncodeToString(bh.Sum(nil)))
	} else {
		ha2 = h(req.Method, r.URI)
	}
	if r.Qop == "" {
		return h(ha1, r.Nonce, ha2)
	}
	return h(ha1, r.Nonce, r.NC, r.CNonce, r.Qop, ha2)
}

// NewNonce returns n random bytes as hex.
func NewNonce(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("digest: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// constantTimeEqual compares two strings in constant time.
func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// quoteEscaper escapes a quoted-string's backslashes and quotes; built once,
// as quote runs on every request.
var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

func quote(s string) string {
	return `"` + quoteEscaper.Replace(s) + `"`
}
