package tasks

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/activity"
	"github.com/oobkit/oobkit/internal/panics"
	"github.com/oobkit/oobkit/profile"
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

	// task holds the job's task-specified credentials, tried first.
	task *profile.Profile
	// stepTask holds the running step's own task-specified credentials
	// ([Step].Credentials), which replace task for the protocols they
	// cover.
	stepTask *profile.Profile
	// refusedCreds holds, per account realm, the credentials the computer
	// refused in this job: never offered again (account lockout).
	refusedCreds map[oobkit.Protocol][]oobkit.Credential
	offered      []oobkit.Credential // every credential dialed, to redact from a panic's text
	// attempts logs every credential offered since the last takeAttempts.
	attempts []CredentialAttempt
	// op, job and step name what Use runs, for the activity log.
	op, job, step string
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

// Session opens a one-to-one session on target t, for tools that work on
// one computer (a SOL terminal, an IDE-R session, a single command): its
// clients take credentials from the Connector's source in the same order as
// a job's, teach it what worked, never offer a refused credential twice, and
// (with [Connector.SetActivity]) log every operation like a job's. protocols
// lists the protocols t may have, in preference order; none means every
// registered one. Close it when done.
func (c *Connector) Session(t oobkit.Target, protocols ...oobkit.Protocol) *Session {
	if len(protocols) == 0 {
		protocols = c.Protocols()
	}
	return newSession(t, c, protocols)
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
// credential is tried: the job's task-specified credentials first, then the
// [Credentials] source's in its order. Every outcome is reported to the
// source, so it learns which credential works on this computer, and logged
// for the step's result ([StepResult].Credentials). A credential the
// computer refused is never offered to it again in the same job, by this
// protocol or one checking the same accounts (AMT and redirection), so a
// job cannot lock an account out.
func (s *Session) Use(ctx context.Context, p oobkit.Protocol, fn func(oobkit.Client) error) error {
	return s.UseAs(ctx, p, s.op, fn)
}

// UseAs is [Session.Use] naming the operation for the activity log (see
// [Connector.SetActivity]); a job's steps are named after their task kind.
func (s *Session) UseAs(ctx context.Context, p oobkit.Protocol, op string, fn func(oobkit.Client) error) error {
	sink := s.conn.activitySink()
	if sink == nil {
		_, err := s.use(ctx, p, fn)
		return err
	}
	start := time.Now()
	used, err := s.use(ctx, p, fn)
	if used == nil { // nothing reached the computer: no operation to log
		return err
	}
	rec := activity.NewRecord(start, s.target, p, op, err)
	rec.Operator, rec.Job, rec.Step = activity.Operator(ctx), s.job, s.step
	if used.Source != "" || used.Name != "" {
		rec.Credential = used.Source + ":" + used.Name
	}
	_ = sink.Append(ctx, rec) // a sink keeps its own failures
	return err
}

// use is UseAs without the activity log; used is the last credential that
// reached the computer (nil when none did).
func (s *Session) use(ctx context.Context, p oobkit.Protocol, fn func(oobkit.Client) error) (used *NamedCredential, _ error) {
	if err := s.dead[p]; err != nil {
		return nil, err
	}
	d, ok := s.conn.dialer(p)
	if !ok {
		return nil, errNoDialer(p)
	}
	if sc := s.clients[p]; sc != nil {
		err := call(p, fn, sc.client)
		if pe := panics.Of(err); pe != nil { // its state is suspect: not used again
			pe.Redact(s.secrets()...)
			_ = sc.client.Close()
			delete(s.clients, p)
			return &sc.cred, err
		}
		s.report(p, sc, err)
		used = &sc.cred
		if !errors.Is(err, oobkit.ErrAuth) {
			return used, err
		}
		_ = sc.client.Close()
		delete(s.clients, p)
	}
	cands, err := s.conn.candidates(ctx, s.target, p)
	if err != nil {
		return used, err
	}
	cands = mergeCandidates(taskCandidates(s.taskFor(p), p), cands)
	if len(cands) == 0 {
		return used, errNoCredential(p)
	}
	lastErr := errNoCredential(p)
	for _, cand := range cands {
		if s.refused(p, cand) {
			s.attempts = append(s.attempts, attemptOf(p, cand, CredentialNotRetried))
			lastErr = errRefusedBefore(p)
			continue
		}
		if err := ctx.Err(); err != nil {
			return used, err
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
		used = &cand
		if err != nil {
			s.conn.failed(s.target, p, cand, err)
			if errors.Is(err, oobkit.ErrAuth) {
				s.refuse(p, cand)
				lastErr = err
				continue
			}
			s.attempts = append(s.attempts, attemptOf(p, cand, CredentialFailed))
			s.markDead(p, err)
			return used, err
		}
		sc := &sessionClient{client: c, cred: cand}
		err = call(p, fn, c)
		if pe := panics.Of(err); pe != nil {
			pe.Redact(s.secrets()...)
			_ = c.Close()
			return used, err
		}
		s.report(p, sc, err)
		if errors.Is(err, oobkit.ErrAuth) {
			_ = c.Close()
			lastErr = err
			continue
		}
		if !sc.proven && connectionFailure(err) {
			s.attempts = append(s.attempts, attemptOf(p, cand, CredentialFailed))
		}
		s.clients[p] = sc
		s.markDead(p, err)
		return used, err
	}
	return used, lastErr
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
		s.attempts = append(s.attempts, attemptOf(p, sc.cred, CredentialAccepted))
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

// refuse records that the computer refused c: it is not offered again to
// the protocol's account realm in this session (one target, one job run).
func (s *Session) refuse(p oobkit.Protocol, c NamedCredential) {
	s.attempts = append(s.attempts, attemptOf(p, c, CredentialRefused))
	if !s.refused(p, c) {
		s.refusedCreds[accountRealm(p)] = append(s.refusedCreds[accountRealm(p)], c.Credential)
	}
}

func (s *Session) refused(p oobkit.Protocol, c NamedCredential) bool {
	for _, r := range s.refusedCreds[accountRealm(p)] {
		if sameIdentity(r, c.Credential) {
			return true
		}
	}
	return false
}

// takeAttempts returns the credential attempts logged since the last call.
func (s *Session) takeAttempts() []CredentialAttempt {
	a := s.attempts
	s.attempts = nil
	return a
}

// CredentialSource returns where the credential protocol p accepted in this
// session came from (task, explicit, default, runtime…), or "".
func (s *Session) CredentialSource(p oobkit.Protocol) string {
	sc := s.clients[p]
	if sc == nil || !sc.proven {
		return ""
	}
	return sc.cred.Source
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
