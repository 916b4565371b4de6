// Package krbservice is the service side of Kerberos for the simulators
// (amttest, wmitest, redirecttest): it checks a client's SPNEGO or bare
// Kerberos GSS-API token against the service's keytab, as the AMT firmware
// or the Windows WinRM service does, and builds the refusal token that
// tells the client why. It uses gokrb5's service-side packages only, never
// an oobkit client package.
package krbservice

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/asn1tools"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/jcmturner/gokrb5/v8/types"
)

// MaxTokenBytes bounds a client token the service will parse.
const MaxTokenBytes = 64 << 10

// DefaultMaxSkew is Kerberos' customary allowed clock difference
// (RFC 4120 §1.6 "5 minutes").
const DefaultMaxSkew = 5 * time.Minute

// Verifier checks client tokens with a keytab. Offset moves the service's
// clock (to test clock skew and expired tickets). Safe for concurrent use.
type Verifier struct {
	kt      *keytab.Keytab
	mu      sync.Mutex
	offset  time.Duration
	maxSkew time.Duration
	counts  map[string]int
	seen    map[string]time.Time // authenticators seen, until when
	queue   []seenEntry          // the same, oldest expiry first
	maxSeen int
}

// seenEntry is one authenticator of the replay cache and when it expires.
type seenEntry struct {
	key string
	exp time.Time
}

// MaxReplayEntries bounds a verifier's replay cache. When it is full of
// authenticators still inside their window, Verify refuses new ones
// (KRB_ERR_GENERIC) rather than forget any: forgetting would let a replay
// through.
const MaxReplayEntries = 1 << 16

// New returns a verifier for the keys in the keytab file at path.
func New(path string) (*Verifier, error) {
	kt, err := keytab.Load(path)
	if err != nil {
		return nil, fmt.Errorf("krbservice: keytab %s: %w", path, err)
	}
	return &Verifier{kt: kt, maxSkew: DefaultMaxSkew, counts: map[string]int{}, seen: map[string]time.Time{}, maxSeen: MaxReplayEntries}, nil
}

// SetClockOffset makes the service's clock run d ahead (negative: behind).
func (v *Verifier) SetClockOffset(d time.Duration) {
	v.mu.Lock()
	v.offset = d
	v.mu.Unlock()
}

// Accepted returns how many tokens of each client principal were accepted.
func (v *Verifier) Accepted() map[string]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make(map[string]int, len(v.counts))
	for k, n := range v.counts {
		out[k] = n
	}
	return out
}

// Refusal is a token the service refused; Code is the Kerberos error
// (RFC 4120 §7.5.9) and Token the NegTokenResp to send back.
type Refusal struct {
	Code  int32
	Text  string
	Token []byte
}

// Error names the Kerberos error code and the service's reason.
func (r *Refusal) Error() string {
	return fmt.Sprintf("krbservice: refused (%s): %s", errorcode.Lookup(r.Code), r.Text)
}

// Verify checks token, an SPNEGO NegTokenInit (RFC 4178) or a bare
// Kerberos GSS-API initial token (RFC 4121 §4.1) holding an AP-REQ, and
// returns the client principal ("user@REALM"). A refused token returns a
// *Refusal.
//
// The order of the checks is RFC 4120 §3.2.3's, as gokrb5's
// messages.APReq.Verify runs it (done here with the service's own, movable
// clock): the ticket is decrypted with the
// service's key (KRB_AP_ERR_MODIFIED when the keytab holds no key that
// opens it), the ticket's times are checked (KRB_AP_ERR_TKT_EXPIRED,
// KRB_AP_ERR_TKT_NYV), then the authenticator's time against the
// service's clock (KRB_AP_ERR_SKEW).
func (v *Verifier) Verify(token []byte) (string, error) {
	if len(token) == 0 || len(token) > MaxTokenBytes {
		return "", v.refuse(errorcode.KRB_ERR_GENERIC, "empty or oversize token")
	}
	apreq, err := apReq(token)
	if err != nil {
		return "", v.refuse(errorcode.KRB_ERR_GENERIC, err.Error())
	}
	v.mu.Lock()
	offset, skew := v.offset, v.maxSkew
	v.mu.Unlock()
	// Decrypt with the keytab, then check times against the (moved) clock.
	if err := apreq.Ticket.DecryptEncPart(v.kt, &apreq.Ticket.SName); err != nil {
		return "", v.refuse(errorcode.KRB_AP_ERR_MODIFIED, "the service's keytab does not open the ticket")
	}
	now := time.Now().UTC().Add(offset)
	enc := apreq.Ticket.DecryptedEncPart
	if now.Sub(enc.EndTime) > skew {
		return "", v.refuse(errorcode.KRB_AP_ERR_TKT_EXPIRED, "ticket expired at "+enc.EndTime.Format(time.RFC3339))
	}
	start := enc.StartTime
	if start.IsZero() {
		start = enc.AuthTime
	}
	if start.Sub(now) > skew {
		return "", v.refuse(errorcode.KRB_AP_ERR_TKT_NYV, "ticket not yet valid")
	}
	if err := apreq.DecryptAuthenticator(enc.Key); err != nil {
		return "", v.refuse(errorcode.KRB_AP_ERR_BAD_INTEGRITY, "could not decrypt the authenticator")
	}
	ct := apreq.Authenticator.CTime.Add(time.Duration(apreq.Authenticator.Cusec) * time.Microsecond)
	if d := now.Sub(ct); d > skew || -d > skew {
		return "", v.refuse(errorcode.KRB_AP_ERR_SKEW, fmt.Sprintf("clock skew %s is more than %s", d.Round(time.Second), skew))
	}
	if !apreq.Authenticator.CName.Equal(enc.CName) {
		return "", v.refuse(errorcode.KRB_AP_ERR_BADMATCH, "the authenticator's client is not the ticket's")
	}
	switch v.replayed(enc.CName.PrincipalNameString()+"@"+enc.CRealm, ct, now, skew) {
	case replayYes:
		return "", v.refuse(errorcode.KRB_AP_ERR_REPEAT, "replay detected")
	case replayFull:
		return "", v.refuse(errorcode.KRB_ERR_GENERIC, "the replay cache is full")
	}
	return v.accept(enc.CName.PrincipalNameString() + "@" + enc.CRealm), nil
}

// The answers of replayed.
const (
	replayNo   = iota // first use, remembered
	replayYes         // seen before
	replayFull        // the cache is full; not remembered
)

// replayed remembers authenticators for twice the allowed skew (RFC 4120
// §3.2.3: "the server MUST utilize a replay cache"); a second use of one is
// a replay. Expired entries leave from the front of a queue ordered by
// expiry (every entry lives 2*skew from the service's now, which only moves
// forward, except when a test moves the clock back: then the queue is
// re-sorted), so each Verify costs amortised O(1). When the cache is full it
// answers replayFull instead of forgetting entries still in their window.
// The service's own cache, not gokrb5's process-wide one, whose cleanup
// goroutine never ends.
func (v *Verifier) replayed(client string, ct, now time.Time, skew time.Duration) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	for len(v.queue) > 0 && now.After(v.queue[0].exp) {
		delete(v.seen, v.queue[0].key)
		v.queue[0] = seenEntry{}
		v.queue = v.queue[1:]
	}
	key := client + "|" + ct.UTC().Format(time.RFC3339Nano)
	if _, ok := v.seen[key]; ok {
		return replayYes
	}
	if len(v.seen) >= v.maxSeen {
		return replayFull
	}
	exp := now.Add(2 * skew)
	if n := len(v.queue); n > 0 && exp.Before(v.queue[n-1].exp) {
		// The clock was moved back: keep the queue ordered.
		i := sort.Search(n, func(i int) bool { return v.queue[i].exp.After(exp) })
		v.queue = append(v.queue, seenEntry{})
		copy(v.queue[i+1:], v.queue[i:])
		v.queue[i] = seenEntry{key, exp}
	} else {
		v.queue = append(v.queue, seenEntry{key, exp})
	}
	v.seen[key] = exp
	return replayNo
}

func (v *Verifier) accept(p string) string {
	v.mu.Lock()
	v.counts[p]++
	v.mu.Unlock()
	return p
}

// apReq extracts the AP-REQ of an SPNEGO or bare Kerberos token.
func apReq(token []byte) (messages.APReq, error) {
	mech := token
	var st spnego.SPNEGOToken
	if err := st.Unmarshal(token); err == nil && st.Init {
		mech = st.NegTokenInit.MechTokenBytes
	}
	var kt spnego.KRB5Token
	if err := kt.Unmarshal(mech); err != nil {
		return messages.APReq{}, err
	}
	if !kt.IsAPReq() {
		return messages.APReq{}, errors.New("the token holds no AP-REQ")
	}
	return kt.APReq, nil
}

// refuseErr turns gokrb5's verification error into a refusal.
func (v *Verifier) refuseErr(err error) *Refusal {
	var ke messages.KRBError
	if errors.As(err, &ke) {
		return v.refuse(ke.ErrorCode, ke.EText)
	}
	if err != nil && strings.Contains(err.Error(), "Decrypting_Error") {
		return v.refuse(errorcode.KRB_AP_ERR_MODIFIED, "the service's keytab does not open the ticket")
	}
	text := "refused"
	if err != nil {
		text = err.Error()
	}
	return v.refuse(errorcode.KRB_ERR_GENERIC, text)
}

// refuse builds the refusal: a NegTokenResp (negState reject) whose
// responseToken is a Kerberos GSS-API token with token ID 03 00 carrying
// the KRB-ERROR (RFC 4121 §4.1, RFC 4178 §4.2.2), as Windows' HTTP.sys
// answers a ticket it cannot accept.
func (v *Verifier) refuse(code int32, text string) *Refusal {
	r := &Refusal{Code: code, Text: text}
	kerr := messages.NewKRBError(types.PrincipalName{}, "", code, text)
	kb, err := kerr.Marshal()
	if err != nil {
		return r
	}
	oid, _ := asn1.Marshal(gssapi.OIDKRB5.OID())
	inner := append(append(oid, 0x03, 0x00), kb...)
	inner = asn1tools.AddASNAppTag(inner, 0)
	resp := spnego.NegTokenResp{NegState: asn1.Enumerated(2), SupportedMech: gssapi.OIDKRB5.OID(), ResponseToken: inner}
	if b, err := resp.Marshal(); err == nil {
		r.Token = b
	}
	return r
}

// Header returns the WWW-Authenticate value of a refusal: "Negotiate
// <token>", or a bare "Negotiate" challenge when err is not a *Refusal.
func Header(err error) string {
	var r *Refusal
	if errors.As(err, &r) && len(r.Token) > 0 {
		return "Negotiate " + base64.StdEncoding.EncodeToString(r.Token)
	}
	return "Negotiate"
}

// FromHeader returns the token of an "Authorization: Negotiate <token>"
// value, nil if the value is not one.
func FromHeader(v string) []byte {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !strings.EqualFold(scheme, "Negotiate") || len(rest) > MaxTokenBytes*4/3+4 {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
	if err != nil {
		return nil
	}
	return b
}

// IsKerberos reports whether an "Authorization: Negotiate" token carries
// Kerberos rather than NTLM (raw NTLMSSP, or wrapped in SPNEGO with NTLM's
// mechanism only).
func IsKerberos(token []byte) bool {
	if len(token) == 0 || strings.HasPrefix(string(token), "NTLMSSP\x00") {
		return false
	}
	_, err := apReq(token)
	return err == nil
}

// ServeNegotiate checks an HTTP request's "Authorization: Negotiate"
// Kerberos token. It returns handled false when the request carries none
// (no header, another scheme, or NTLM inside Negotiate), leaving the
// request to the caller's other schemes. Otherwise it returns the client
// principal, or writes the 401 with the refusal token (RFC 4559 §5) and
// returns ok false.
func (v *Verifier) ServeNegotiate(w http.ResponseWriter, r *http.Request) (user string, ok, handled bool) {
	token := FromHeader(r.Header.Get("Authorization"))
	if !IsKerberos(token) {
		return "", false, false
	}
	user, err := v.Verify(token)
	if err != nil {
		w.Header().Set("WWW-Authenticate", Header(err))
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusUnauthorized)
		return "", false, true
	}
	return user, true, true
}
