package digest

import (
	"fmt"
	"sync"

	"github.com/oobkit/oobkit"
)

// Client holds the digest state for one server: the last challenge and the
// nonce count. After the first 401 it answers every request from the cached
// challenge with nc+1, so a steady stream of requests costs no extra round
// trip until the server says the nonce is stale. It is safe for concurrent use.
type Client struct {
	user          string
	password      oobkit.Secret // revealed only to compute a response
	pinnedRealm   string
	preferAuthInt bool

	mu        sync.Mutex
	challenge *Challenge
	nc        uint32
}

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithPinnedRealm makes the client refuse challenges whose realm differs
// (AMT realms are "Digest:" + 32 hex digits, unique per device, so pinning
// detects a different device answering at the address).
func WithPinnedRealm(realm string) ClientOption { return func(c *Client) { c.pinnedRealm = realm } }

// WithAuthInt prefers qop=auth-int (body integrity) when the server offers it.
func WithAuthInt() ClientOption { return func(c *Client) { c.preferAuthInt = true } }

// NewClient returns digest state for user and password. The password stays
// an [oobkit.Secret]: it is revealed only while a response hash is computed.
func NewClient(user string, password oobkit.Secret, opts ...ClientOption) *Client {
	c := &Client{user: user, password: password}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Ready reports whether a challenge is cached, so Authorize can answer
// without a 401 round trip.
func (c *Client) Ready() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.challenge != nil
}

// Challenged records the WWW-Authenticate values of a 401 response. It
// returns stale=true when the server only refused the nonce (retry with the
// new one, the credential is fine) and an error when no usable challenge is
// present or the realm is not the pinned one.
func (c *Client) Challenged(values ...string) (stale bool, err error) {
	cs, err := ParseChallenges(values...)
	if err != nil {
		return false, err
	}
	if len(cs) == 0 {
		return false, fmt.Errorf("%w: no Digest challenge", ErrBadChallenge)
	}
	best, ok := Best(cs)
	if !ok {
		return false, fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, cs[0].Algorithm)
	}
	if c.pinnedRealm != "" && best.Realm != c.pinnedRealm {
		return false, fmt.Errorf("%w: got %q", ErrRealmMismatch, best.Realm)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.challenge = &best
	c.nc = 0
	return best.Stale, nil
}

// Authorize returns the Authorization header value for req from the cached
// challenge, incrementing the nonce count. It returns "" when no challenge
// has been seen yet (send the request without credentials to get one).
func (c *Client) Authorize(req Request) (string, error) {
	r, ok, err := c.Respond(req)
	if err != nil || !ok {
		return "", err
	}
	return r.Header(), nil
}

// Respond is Authorize returning the response fields, for transports that do
// not use HTTP headers (the AMT redirection protocol).
func (c *Client) Respond(req Request) (Response, bool, error) {
	c.mu.Lock()
	ch := c.challenge
	if ch == nil {
		c.mu.Unlock()
		return Response{}, false, nil
	}
	c.nc++
	nc := c.nc
	c.mu.Unlock()
	r, err := ch.Respond(c.user, c.password.Reveal(), req, ch.ChooseQop(c.preferAuthInt), nc, "")
	if err != nil {
		return Response{}, false, err
	}
	return r, true, nil
}

// Reset forgets the cached challenge (after the server rejected the
// credential outright).
func (c *Client) Reset() {
	c.mu.Lock()
	c.challenge = nil
	c.nc = 0
	c.mu.Unlock()
}
