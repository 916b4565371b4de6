package profile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/oobkit/oobkit"
)

// Source says where a [Candidate] came from.
type Source string

// The sources of candidates, in the order [Runtime.Resolve] yields them.
const (
	SourceExplicit Source = "explicit" // the profile the task names
	SourceDefault  Source = "default"  // the store's default profile
	SourceRuntime  Source = "runtime"  // the credential that last worked on this computer
)

// Candidate is one credential to try on one computer with one protocol,
// with the settings of the profile it came from. Printing it never shows a
// secret.
type Candidate struct {
	// Source says why the candidate is on the list.
	Source Source
	// Profile names the profile the credential came from.
	Profile string
	// Protocol is the protocol the settings are for.
	Protocol oobkit.Protocol
	// Settings are the credential, port, timeout and retries to use.
	Settings Settings
}

// Credential returns the candidate's credential.
func (c Candidate) Credential() oobkit.Credential { return c.Settings.Credential }

// Entry is what the runtime profile knows about one computer and protocol:
// the settings that last worked and when.
type Entry struct {
	// Target is the computer's key: its address, lower-cased.
	Target string
	// Protocol the entry is for.
	Protocol oobkit.Protocol
	// Profile names the profile the credential came from.
	Profile string
	// Settings that worked.
	Settings Settings
	// LastSuccess is when they last worked; the entry expires a TTL later.
	LastSuccess time.Time
	// LastFailure is when they last failed for a reason other than the
	// credential (unreachable, busy…); zero if never.
	LastFailure time.Time
	// Failures counts such failures since the last success.
	Failures int
}

type entryKey struct {
	target string
	proto  oobkit.Protocol
}

// DefaultTTL is how long the runtime profile remembers a credential after
// it last worked, unless [WithTTL] says otherwise.
const DefaultTTL = 7 * 24 * time.Hour

// ErrNoCandidate is wrapped by [Runtime.Resolve] when no profile offers a
// credential for the protocol. Such errors also wrap
// [oobkit.ErrInvalidArgument].
var ErrNoCandidate = errors.New("no credential for this protocol")

// Runtime is the runtime profile: per computer and protocol, the credential
// that last worked, learned from the successes callers report. It resolves
// the credentials to try, in order, and is safe for concurrent use.
type Runtime struct {
	store Store
	now   func() time.Time
	ttl   time.Duration

	mu      sync.Mutex
	entries map[entryKey]Entry
}

// RuntimeOption configures [NewRuntime].
type RuntimeOption func(*Runtime)

// WithClock replaces time.Now, for tests and simulations.
func WithClock(now func() time.Time) RuntimeOption { return func(r *Runtime) { r.now = now } }

// WithTTL sets how long an entry lives after its last success; 0 or less
// keeps entries forever.
func WithTTL(d time.Duration) RuntimeOption { return func(r *Runtime) { r.ttl = d } }

// NewRuntime returns an empty runtime profile whose default profile comes
// from store (nil: no default candidate).
func NewRuntime(store Store, opts ...RuntimeOption) *Runtime {
	r := &Runtime{store: store, now: time.Now, ttl: DefaultTTL, entries: make(map[entryKey]Entry)}
	for _, o := range opts {
		o(r)
	}
	return r
}

func keyOf(t oobkit.Target, p oobkit.Protocol) (entryKey, error) {
	if !p.Valid() {
		_, err := oobkit.ParseProtocol(string(p))
		return entryKey{}, err
	}
	addr := strings.ToLower(strings.TrimSpace(t.Address))
	if addr == "" {
		return entryKey{}, fmt.Errorf("%w: target %q has no address", oobkit.ErrInvalidArgument, t.Name)
	}
	return entryKey{target: addr, proto: p}, nil
}

// Resolve returns the credentials to try on target with protocol p, best
// first: the explicit profile's (when explicit is not nil and enables p),
// then the store's default profile's, then the one that last worked on this
// target (the runtime entry), each credential once. Try them in order and
// report the outcome of each with [Runtime.Succeeded] or [Runtime.Failed].
//
// An unknown protocol, a target without an address or an invalid explicit
// profile is refused with an error wrapping [oobkit.ErrInvalidArgument]; an
// empty list is an error wrapping [ErrNoCandidate]. A store that cannot be
// read (for example [ErrCorrupt]) fails the call rather than silently
// skipping the default profile.
func (r *Runtime) Resolve(ctx context.Context, target oobkit.Target, p oobkit.Protocol, explicit *Profile) ([]Candidate, error) {
	k, err := keyOf(target, p)
	if err != nil {
		return nil, err
	}
	var out []Candidate
	add := func(src Source, prof string, s Settings) {
		for _, c := range out {
			if sameCredential(c.Settings.Credential, s.Credential) {
				return
			}
		}
		out = append(out, Candidate{Source: src, Profile: prof, Protocol: p, Settings: s})
	}
	if explicit != nil {
		if err := explicit.Validate(); err != nil {
			return nil, err
		}
		if s, ok := explicit.Settings(p); ok && s.Enabled {
			add(SourceExplicit, explicit.Name, s)
		}
	}
	if r.store != nil {
		def, err := r.store.Default(ctx)
		if err != nil {
			return nil, fmt.Errorf("profile: reading the default profile: %w", err)
		}
		if s, ok := def.Settings(p); ok && s.Enabled {
			add(SourceDefault, def.Name, s)
		}
	}
	if e, ok := r.lookup(k); ok {
		add(SourceRuntime, e.Profile, e.Settings)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %w: no profile enables %s for %s", oobkit.ErrInvalidArgument, ErrNoCandidate, p, target)
	}
	return out, nil
}

// Succeeded records that c worked on target: the runtime profile now
// remembers c's settings for target and c.Protocol, replacing what it knew.
func (r *Runtime) Succeeded(target oobkit.Target, c Candidate) {
	k, err := keyOf(target, c.Protocol)
	if err != nil {
		return
	}
	s := c.Settings
	s.Credential = cloneCredential(s.Credential)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries[k] = Entry{Target: k.target, Protocol: k.proto, Profile: c.Profile, Settings: s, LastSuccess: r.now()}
}

// Failed records that c failed on target with err. When err is an
// authentication failure ([oobkit.ErrAuth]) and c is the credential the
// runtime profile remembers, it is forgotten at once. Other failures
// (unreachable, busy, timeouts) say nothing about the credential: they are
// counted in the entry, which is kept.
func (r *Runtime) Failed(target oobkit.Target, c Candidate, err error) {
	k, kerr := keyOf(target, c.Protocol)
	if kerr != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.entries[k]
	if !ok || !sameCredential(e.Settings.Credential, c.Settings.Credential) {
		return
	}
	if errors.Is(err, oobkit.ErrAuth) {
		delete(r.entries, k)
		return
	}
	e.Failures++
	e.LastFailure = r.now()
	r.entries[k] = e
}

// Known returns the unexpired entry for target and protocol p.
func (r *Runtime) Known(target oobkit.Target, p oobkit.Protocol) (Entry, bool) {
	k, err := keyOf(target, p)
	if err != nil {
		return Entry{}, false
	}
	return r.lookup(k)
}

// Forget drops what the runtime profile knows about target and protocol p.
func (r *Runtime) Forget(target oobkit.Target, p oobkit.Protocol) {
	k, err := keyOf(target, p)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.entries, k)
}

// Len returns the number of unexpired entries.
func (r *Runtime) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pruneLocked()
	return len(r.entries)
}

func (r *Runtime) lookup(k entryKey) (Entry, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.entries[k]
	if !ok {
		return Entry{}, false
	}
	if r.expired(e) {
		delete(r.entries, k)
		return Entry{}, false
	}
	e.Settings.Credential = cloneCredential(e.Settings.Credential)
	return e, true
}

func (r *Runtime) expired(e Entry) bool {
	return r.ttl > 0 && !r.now().Before(e.LastSuccess.Add(r.ttl))
}

func (r *Runtime) pruneLocked() {
	for k, e := range r.entries {
		if r.expired(e) {
			delete(r.entries, k)
		}
	}
}
