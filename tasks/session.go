package tasks

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/panics"
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

	// declared says the protocols are the target's own (its labels, a
	// discovery), not every protocol the connector has: then a protocol
	// that does not answer is news, not a sign it is absent.
	declared bool

	refusedCreds map[oobkit.Protocol][]oobkit.Credential
	offered      []oobkit.Credential // every credential dialed, to redact from a panic's text
}

type sessionClient struct {
	client oobkit.Client
	cred   NamedCredential
	proven bool // the credential has worked at least once
}

func newSession(t oobkit.Target, conn *Connector, protocols []oobkit.Protocol) *Session {
	return &Session{
		target:    t,
		conn:      conn,
		protocols: protocols,
		clients:   map[oobkit.Protocol]*sessionClient{},
		dead:      map[oobkit.Protocol]error{},

		refusedCreds: map[oobkit.Protocol][]oobkit.Credential{},
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
// credential is tried; every outcome is reported to the [Credentials]
// source, so it learns which credential works on this computer.
func (s *Session) Use(ctx context.Context, p oobkit.Protocol, fn func(oobkit.Client) error) error {
	if err := s.dead[p]; err != nil {
		return err
	}
	d, ok := s.conn.dialer(p)
	if !ok {
		return errNoDialer(p)
	}
	if sc := s.clients[p]; sc != nil {
		err := call(p, fn, sc.client)
		if pe := panics.Of(err); pe != nil { // its state is suspect: not used again
			pe.Redact(s.secrets()...)
			_ = sc.client.Close()
			delete(s.clients, p)
			return err
		}
		s.report(p, sc, err)
		if !errors.Is(err, oobkit.ErrAuth) {
			return err
		}
		_ = sc.client.Close()
		delete(s.clients, p)
	}
	cands, err := s.conn.candidates(ctx, s.target, p)
	if err != nil {
		return err
	}
	if len(cands) == 0 {
		return errNoCredential(p)
	}
	lastErr := errNoCredential(p)
	for _, cand := range cands {
		if s.refused(p, cand) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		t := s.target
		if cand.Port > 0 {
			t.Ports = maps.Clone(t.Ports)
			if t.Ports == nil {
				t.Ports = map[oobkit.Protocol]int{}
			}
			t.Ports[p] = cand.Port
		}
		s.offered = append(s.offered, cand.Credential)
		c, err := dial(ctx, p, d, t, cand.Credential)
		if pe := panics.Of(err); pe != nil {
			pe.Redact(s.secrets()...)
		}
		if err != nil {
			s.conn.failed(s.target, p, cand, err)
			if errors.Is(err, oobkit.ErrAuth) {
				s.refuse(p, cand)
				lastErr = err
				continue
			}
			s.markDead(p, err)
			return err
		}
		sc := &sessionClient{client: c, cred: cand}
		err = call(p, fn, c)
		if pe := panics.Of(err); pe != nil {
			pe.Redact(s.secrets()...)
			_ = c.Close()
			return err
		}
		s.report(p, sc, err)
		if errors.Is(err, oobkit.ErrAuth) {
			_ = c.Close()
			s.refuse(p, cand)
			lastErr = err
			continue
		}
		s.clients[p] = sc
		s.markDead(p, err)
		return err
	}
	return lastErr
}

// dial runs a dialer; a panic becomes an error of class [oobkit.ErrInternal].
func dial(ctx context.Context, p oobkit.Protocol, d Dialer, t oobkit.Target, cred oobkit.Credential) (c oobkit.Client, err error) {
	defer func() {
		if v := recover(); v != nil {
			c, err = nil, withProtocol(p, panics.New("connect", v))
		}
	}()
	c, err = d(ctx, t, cred)
	if err == nil && c == nil {
		err = &oobkit.Error{Protocol: p, Op: "connect", Class: oobkit.ErrInternal, Message: "the dialer returned neither a client nor an error"}
	}
	return c, err
}

// call runs fn on a client; a panic (in the client or in fn) becomes an
// error of class [oobkit.ErrInternal], so the session stays consistent:
// the client is closed, not leaked.
func call(p oobkit.Protocol, fn func(oobkit.Client) error, c oobkit.Client) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = withProtocol(p, panics.New("call", v))
		}
	}()
	return fn(c)
}

func withProtocol(p oobkit.Protocol, err error) error {
	if e, ok := err.(*oobkit.Error); ok {
		e.Protocol = p
	}
	return err
}

// secrets returns the plain text of every secret of the credentials this
// session dialed with, to redact them from a panic's text before it is
// logged or reported.
func (s *Session) secrets() []string {
	var out []string
	for _, c := range s.offered {
		out = append(out, c.Password.Reveal(), c.Community.Reveal())
		if c.USM != nil {
			out = append(out, c.USM.AuthPassphrase.Reveal(), c.USM.PrivPassphrase.Reveal())
		}
	}
	return out
}

// report tells the credential source how a call went: the first success, and
// every failure.
func (s *Session) report(p oobkit.Protocol, sc *sessionClient, err error) {
	switch {
	case err == nil && !sc.proven:
		sc.proven = true
		s.conn.succeeded(s.target, p, sc.cred)
	case connectionFailure(err):
		s.conn.failed(s.target, p, sc.cred, err)
		if errors.Is(err, oobkit.ErrAuth) {
			s.refuse(p, sc.cred)
		}
	}
}

// connectionFailure reports whether err says something about reaching the
// device with this credential (refused, unreachable, busy, garbled, timed
// out), as opposed to the device declining an operation.
func connectionFailure(err error) bool {
	for _, c := range []error{oobkit.ErrAuth, oobkit.ErrUnreachable, oobkit.ErrBusy, oobkit.ErrProtocol, context.DeadlineExceeded} {
		if errors.Is(err, c) {
			return true
		}
	}
	return false
}

// refused credentials are not offered again to the same protocol in this
// session.
func (s *Session) refuse(p oobkit.Protocol, c NamedCredential) {
	s.refusedCreds[p] = append(s.refusedCreds[p], c.Credential)
}

func (s *Session) refused(p oobkit.Protocol, c NamedCredential) bool {
	for _, r := range s.refusedCreds[p] {
		if r.Username == c.Credential.Username && r.Password.Equal(c.Credential.Password) &&
			r.Community.Equal(c.Credential.Community) && r.Auth == c.Credential.Auth {
			return true
		}
	}
	return false
}

// markDead remembers p as absent when err says nothing answers there.
func (s *Session) markDead(p oobkit.Protocol, err error) {
	if errors.Is(err, oobkit.ErrUnreachable) || errors.Is(err, oobkit.ErrNotDetected) {
		s.dead[p] = err
	}
}

// CredentialName returns the name of the profile whose credential protocol
// p accepted in this session, or "".
func (s *Session) CredentialName(p oobkit.Protocol) string {
	sc := s.clients[p]
	if sc == nil || !sc.proven {
		return ""
	}
	return sc.cred.Name
}
