package tasks

import (
	"context"
	"errors"
	"slices"

	"github.com/oobkit/oobkit"
)

// Session holds the open clients of one target during one run of a job: one
// client per protocol, opened on first use with the first credential the
// target accepts, and closed by [Session.Close]. A protocol found unreachable
// or absent is remembered, so later tasks do not wait for it again.
//
// A Session is used by one goroutine at a time (the steps of one target run
// in order); it is not safe for concurrent use.
type Session struct {
	target    oobkit.Target
	conn      *Connector
	protocols []oobkit.Protocol
	clients   map[oobkit.Protocol]*sessionClient
	dead      map[oobkit.Protocol]error
}

type sessionClient struct {
	client oobkit.Client
	cred   int // index of the credential in use
	proven bool
}

func newSession(t oobkit.Target, conn *Connector, protocols []oobkit.Protocol) *Session {
	return &Session{
		target:    t,
		conn:      conn,
		protocols: protocols,
		clients:   map[oobkit.Protocol]*sessionClient{},
		dead:      map[oobkit.Protocol]error{},
	}
}

// Target returns the session's target.
func (s *Session) Target() oobkit.Target { return s.target }

// Protocols returns the protocols the target may have, in preference order.
func (s *Session) Protocols() []oobkit.Protocol { return slices.Clone(s.protocols) }

// forget clears the memory of dead protocols, before a retry.
func (s *Session) forget() { clear(s.dead) }

// Close closes every open client.
func (s *Session) Close() error {
	var errs []error
	for p, c := range s.clients {
		errs = append(errs, c.client.Close())
		delete(s.clients, p)
	}
	return errors.Join(errs...)
}

// Use runs fn with the client of protocol p. When the device refuses the
// credential (an error wrapping [oobkit.ErrAuth]), the next candidate
// credential is tried; the one that works is reported to the
// [Credentials] source.
func (s *Session) Use(ctx context.Context, p oobkit.Protocol, fn func(oobkit.Client) error) error {
	if err := s.dead[p]; err != nil {
		return err
	}
	d, ok := s.conn.dialer(p)
	if !ok {
		return errNoDialer(p)
	}
	cands := s.conn.candidates(s.target, p)
	start := 0
	if sc := s.clients[p]; sc != nil {
		err := fn(sc.client)
		if !errors.Is(err, oobkit.ErrAuth) {
			s.noteWorked(p, sc, cands, err)
			return err
		}
		_ = sc.client.Close()
		delete(s.clients, p)
		start = sc.cred + 1
	}
	if len(cands) == 0 {
		return errNoCredential(p)
	}
	lastErr := errNoCredential(p)
	for i := start; i < len(cands); i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		c, err := d(ctx, s.target, cands[i].Credential)
		if err != nil {
			if errors.Is(err, oobkit.ErrAuth) {
				lastErr = err
				continue
			}
			s.markDead(p, err)
			return err
		}
		err = fn(c)
		if errors.Is(err, oobkit.ErrAuth) {
			_ = c.Close()
			lastErr = err
			continue
		}
		sc := &sessionClient{client: c, cred: i}
		s.clients[p] = sc
		s.noteWorked(p, sc, cands, err)
		s.markDead(p, err)
		return err
	}
	return lastErr
}

func (s *Session) noteWorked(p oobkit.Protocol, sc *sessionClient, cands []NamedCredential, err error) {
	if err != nil || sc.proven || sc.cred >= len(cands) {
		return
	}
	sc.proven = true
	s.conn.worked(s.target, p, cands[sc.cred])
}

// markDead remembers p as absent when err says nothing answers there.
func (s *Session) markDead(p oobkit.Protocol, err error) {
	if errors.Is(err, oobkit.ErrUnreachable) || errors.Is(err, oobkit.ErrNotDetected) {
		s.dead[p] = err
	}
}

// CredentialName returns the name of the credential that protocol p accepted
// in this session, or "".
func (s *Session) CredentialName(p oobkit.Protocol) string {
	sc := s.clients[p]
	if sc == nil || !sc.proven {
		return ""
	}
	cands := s.conn.candidates(s.target, p)
	if sc.cred < len(cands) {
		return cands[sc.cred].Name
	}
	return ""
}
