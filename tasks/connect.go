package tasks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/activity"
)

// Dialer opens a client of one protocol for a target with a credential. A
// protocol package is plugged in with a one-line adapter, for example:
//
//	conn.Register(oobkit.IPMI, func(ctx context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
//		return ipmi.New(t, c)
//	})
//
// A Dialer may connect at once or lazily; an authentication failure may come
// from the Dialer or from the first call on the client (both are handled).
type Dialer func(ctx context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error)

// NamedCredential is one credential a [Credentials] source offers, with
// where it came from, for reports. Neither field but Credential is secret,
// and Credential redacts itself.
type NamedCredential struct {
	// Name is the profile the credential came from ("default", "lab"…).
	Name string
	// Source says why it is offered ("explicit", "default", "runtime").
	Source string
	// Credential is what the protocol presents.
	Credential oobkit.Credential
	// Port, when not 0, overrides the protocol's port for this credential's
	// profile.
	Port int

	ref any // the source's own handle, handed back to Succeeded/Failed
}

// Credentials supplies, for a target and protocol, the credentials to try in
// order (explicit task profile, default profile, runtime profile of
// known-good credentials…) and learns which one worked. [ProfileCredentials]
// adapts package profile's runtime profile; [StaticCredentials] is a fixed
// list.
type Credentials interface {
	// Candidates returns the credentials to try, first choice first. An empty
	// list means the protocol is not configured for the target.
	Candidates(ctx context.Context, t oobkit.Target, p oobkit.Protocol) ([]NamedCredential, error)
	// Succeeded records that cred was accepted by protocol p on target t.
	Succeeded(t oobkit.Target, p oobkit.Protocol, cred NamedCredential)
	// Failed records that cred failed on target t with err (an auth failure
	// or any other).
	Failed(t oobkit.Target, p oobkit.Protocol, cred NamedCredential, err error)
}

// StaticCredentials is a fixed list of credentials per protocol, tried in
// order for every target. It learns nothing; it is for tests and simple tools.
type StaticCredentials map[oobkit.Protocol][]NamedCredential

// Candidates returns the list for p.
func (s StaticCredentials) Candidates(_ context.Context, _ oobkit.Target, p oobkit.Protocol) ([]NamedCredential, error) {
	return s[p], nil
}

// Succeeded does nothing.
func (s StaticCredentials) Succeeded(oobkit.Target, oobkit.Protocol, NamedCredential) {}

// Failed does nothing.
func (s StaticCredentials) Failed(oobkit.Target, oobkit.Protocol, NamedCredential, error) {}

// Connector knows how to reach every protocol: a [Dialer] per protocol, the
// preference order among them, and where credentials come from. It is safe
// for concurrent use; register dialers before running jobs.
type Connector struct {
	mu      sync.RWMutex
	dialers map[oobkit.Protocol]Dialer
	order   []oobkit.Protocol
	creds   Credentials
	sink    activity.Sink
}

// SetActivity makes every operation of every session of the Connector —
// a job's steps ([Runner]) and one-to-one sessions ([Connector.Session])
// alike — append one [activity.Record] to sink: when, the operator the
// context names ([activity.WithOperator]), the computer, the protocol, the
// operation (a step's task kind, or the name [Session.UseAs] gives), the
// outcome and error class, and where the credential came from; never a
// secret. An operation that never reached the computer (a protocol already
// found absent, no credential to offer) is not logged. nil turns it off.
func (c *Connector) SetActivity(sink activity.Sink) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sink = sink
}

func (c *Connector) activitySink() activity.Sink {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.sink
}

// NewConnector returns a Connector that takes credentials from creds.
func NewConnector(creds Credentials) *Connector {
	return &Connector{dialers: map[oobkit.Protocol]Dialer{}, creds: creds}
}

// Register adds (or replaces) the dialer of protocol p. Protocols are
// preferred in the order of [oobkit.Protocols] unless [Connector.SetOrder]
// says otherwise.
func (c *Connector) Register(p oobkit.Protocol, d Dialer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dialers[p] = d
}

// SetOrder sets the preference order among registered protocols. Registered
// protocols missing from order come after it, in the order of [oobkit.Protocols].
func (c *Connector) SetOrder(order ...oobkit.Protocol) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order = slices.Clone(order)
}

// Protocols returns the registered protocols in preference order.
func (c *Connector) Protocols() []oobkit.Protocol {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []oobkit.Protocol
	for _, p := range append(slices.Clone(c.order), oobkit.Protocols...) {
		if _, ok := c.dialers[p]; ok && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func (c *Connector) dialer(p oobkit.Protocol) (Dialer, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, ok := c.dialers[p]
	return d, ok
}

func (c *Connector) candidates(ctx context.Context, t oobkit.Target, p oobkit.Protocol) ([]NamedCredential, error) {
	if c.creds == nil {
		return nil, nil
	}
	return c.creds.Candidates(ctx, t, p)
}

func (c *Connector) succeeded(t oobkit.Target, p oobkit.Protocol, nc NamedCredential) {
	if c.creds != nil {
		c.creds.Succeeded(t, p, nc)
	}
}

func (c *Connector) failed(t oobkit.Target, p oobkit.Protocol, nc NamedCredential, err error) {
	if c.creds != nil {
		c.creds.Failed(t, p, nc, err)
	}
}

// msgNoCredential is the message of [errNoCredential].
const msgNoCredential = "no credential configured"

// errNoCredential says a protocol has no credential for a target; it counts
// as an authentication failure so protocol choice moves on, and tells least
// of all errors (nothing was asked of the device: see [Env.Each]).
func errNoCredential(p oobkit.Protocol) error {
	return &oobkit.Error{Protocol: p, Op: "connect", Class: oobkit.ErrAuth, Message: msgNoCredential}
}

// isNoCredential reports whether err is [errNoCredential]'s.
func isNoCredential(err error) bool {
	var oe *oobkit.Error
	return errors.As(err, &oe) && oe.Op == "connect" && oe.Message == msgNoCredential && oe.Err == nil
}

// errRefusedBefore says every credential left for p was refused earlier in
// the job; it is an authentication failure.
func errRefusedBefore(p oobkit.Protocol) error {
	return &oobkit.Error{Protocol: p, Op: "connect", Class: oobkit.ErrAuth,
		Message: "every credential left was refused earlier in this job; not offered again (account lockout)"}
}

func errNoDialer(p oobkit.Protocol) error {
	return &oobkit.Error{Protocol: p, Op: "connect", Class: oobkit.ErrUnsupported, Err: &clientLacksError{fmt.Sprintf("no dialer registered for %s", p)}}
}
