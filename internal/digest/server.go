package digest

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// ErrUnauthorized is returned by [Server.Check] for a wrong credential.
var ErrUnauthorized = errors.New("digest: unauthorized")

// ErrStale is returned by [Server.Check] when the credential is right but the
// nonce expired or its count did not increase: answer with stale=true.
var ErrStale = errors.New("digest: stale nonce")

// Server issues challenges and checks answers, as a device does. Simulators
// in this project use it; it is safe for concurrent use.
type Server struct {
	// Realm is sent in every challenge.
	Realm string
	// Algorithm is MD5 (the AMT default) unless set.
	Algorithm Algorithm
	// Qop is the qop list offered, e.g. "auth-int, auth" (AMT 16) or "auth".
	// Empty offers the RFC 2069 form.
	Qop string
	// NonceTTL is how long a nonce stays fresh; 0 means 5 minutes.
	NonceTTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu     sync.Mutex
	nonces map[string]*nonceState
}

type nonceState struct {
	issued time.Time
	lastNC uint64
}

// maxNonces bounds the server's memory; the oldest nonces are forgotten.
const maxNonces = 4096

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Challenge returns a WWW-Authenticate value with a fresh nonce.
func (s *Server) Challenge(stale bool) string {
	c := s.NewChallenge(stale)
	v := fmt.Sprintf(`Digest realm=%s, nonce=%s`, quote(c.Realm), quote(c.Nonce))
	if s.Qop != "" {
		v += `, qop=` + quote(s.Qop)
	}
	if s.Algorithm != "" {
		v += ", algorithm=" + string(s.Algorithm)
	}
	if stale {
		v += ", stale=true"
	}
	return v
}

// NewChallenge issues a fresh nonce and returns it as a Challenge (for
// transports that send the fields in binary).
func (s *Server) NewChallenge(stale bool) Challenge {
	nonce := NewNonce(16)
	s.mu.Lock()
	if s.nonces == nil {
		s.nonces = map[string]*nonceState{}
	}
	if len(s.nonces) >= maxNonces {
		var oldestK string
		var oldest time.Time
		for k, v := range s.nonces {
			if oldestK == "" || v.issued.Before(oldest) {
				oldestK, oldest = k, v.issued
			}
		}
		delete(s.nonces, oldestK)
	}
	s.nonces[nonce] = &nonceState{issued: s.now()}
	s.mu.Unlock()
	c := Challenge{Realm: s.Realm, Nonce: nonce, Algorithm: s.Algorithm, Stale: stale}
	if s.Qop != "" {
		c2, _ := challengeFromParams(map[string]string{"realm": s.Realm, "nonce": nonce, "qop": s.Qop})
		c.Qop = c2.Qop
	}
	return c
}

// Check verifies an answer for req given the user's password (looked up by
// the caller from r.Username). It returns nil, ErrUnauthorized, or ErrStale.
// Nonce counts must strictly increase per nonce, so a replayed answer is
// refused.
func (s *Server) Check(r Response, req Request, password string) error {
	if r.Realm != s.Realm || r.Response == "" {
		// An empty response is never accepted (CVE-2017-5689).
		return ErrUnauthorized
	}
	alg := r.Algorithm
	if alg == "" {
		alg = s.Algorithm
	}
	newHash, ok := alg.newHash()
	if !ok || (s.Algorithm != "" && alg != s.Algorithm) {
		return ErrUnauthorized
	}
	if r.Qop != "" && !s.offers(r.Qop) || r.Qop == "" && s.Qop != "" {
		return ErrUnauthorized
	}
	want := compute(newHash, alg.session(), password, r, Request{Method: req.Method, URI: r.URI, Body: req.Body})
	if !constantTimeEqual(want, r.Response) {
		return ErrUnauthorized
	}
	if req.URI != "" && r.URI != req.URI {
		return ErrUnauthorized
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.nonces[r.Nonce]
	ttl := s.NonceTTL
	if ttl == 0 {
		ttl = 5 * time.Minute
	}
	if !ok || s.now().Sub(st.issued) > ttl {
		delete(s.nonces, r.Nonce)
		return ErrStale
	}
	if r.Qop != "" {
		nc, err := strconv.ParseUint(r.NC, 16, 32)
		if err != nil || len(r.NC) != 8 {
			return ErrUnauthorized
		}
		if nc <= st.lastNC {
			return ErrStale
		}
		st.lastNC = nc
	}
	return nil
}

func (s *Server) offers(qop string) bool {
	c, _ := challengeFromParams(map[string]string{"realm": "x", "nonce": "x", "qop": s.Qop})
	for _, q := range c.Qop {
		if q == qop {
			return true
		}
	}
	return false
}

// Expire forgets every nonce, so the next answer is refused as stale (used by
// simulators to exercise stale=true handling).
func (s *Server) Expire() {
	s.mu.Lock()
	s.nonces = nil
	s.mu.Unlock()
}
