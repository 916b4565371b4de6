package profile

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oobkit/oobkit"
)

// Source says where a [Candidate] came from.
type Source string

// The sources of candidates, in the order [Runtime.ResolveTask] yields them.
const (
	SourceTask     Source = "task"     // the credentials a job or task specifies for itself
	SourceExplicit Source = "explicit" // the profile chosen for the run
	SourceDefault  Source = "default"  // the store's default profile
	SourceRuntime  Source = "runtime"  // a credential that worked on this computer before
)

// Origin says how the runtime profile came to know a credential: the field
// notes' list of what the runtime profile holds.
type Origin string

// Origins of runtime-profile entries.
const (
	// OriginOneToOne: the credential worked in a one-to-one session
	// (a terminal, an IDE-R session, a single-computer command).
	OriginOneToOne Origin = "one-to-one"
	// OriginTask: the credential worked in a task of a job over many
	// computers.
	OriginTask Origin = "task"
	// OriginProvisioning: the password the provisioning server set on the
	// computer, imported with [Runtime.AddProvisioned] or
	// [Runtime.ImportProvisioning].
	OriginProvisioning Origin = "provisioning"
)

// Valid reports whether o is one of the known origins.
func (o Origin) Valid() bool {
	return o == OriginOneToOne || o == OriginTask || o == OriginProvisioning
}

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
	// Origin, for a runtime candidate, says how the runtime profile
	// learned it; "" for the other sources.
	Origin Origin
	// LastSuccess, for a runtime candidate, is when it last worked.
	LastSuccess time.Time
}

// Credential returns the candidate's credential.
func (c Candidate) Credential() oobkit.Credential { return c.Settings.Credential }

// Entry is one credential the runtime profile knows for one computer and
// protocol: the settings that worked, where they came from and when they
// last worked.
type Entry struct {
	// Target is the computer's key: its address, lower-cased.
	Target string
	// Protocol the entry is for.
	Protocol oobkit.Protocol
	// Profile names the profile the credential came from.
	Profile string
	// Origin says how the credential was learned (one-to-one, task,
	// provisioning); a credential keeps the origin it was first learned by.
	Origin Origin
	// Settings that worked.
	Settings Settings
	// Learned is when the runtime profile first learned the credential.
	Learned time.Time
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

// DefaultMaxPerTarget is how many credentials the runtime profile keeps per
// computer and protocol, unless [WithMaxPerTarget] says otherwise.
const DefaultMaxPerTarget = 4

// DefaultMaxEntries bounds the whole runtime profile, unless
// [WithMaxEntries] says otherwise.
const DefaultMaxEntries = 200_000

// ErrNoCandidate is wrapped by [Runtime.Resolve] when no profile offers a
// credential for the protocol. Such errors also wrap
// [oobkit.ErrInvalidArgument].
var ErrNoCandidate = errors.New("no credential for this protocol")

// Runtime is the runtime profile: per computer and protocol, every
// credential known to work there — learned from the successes callers report
// (one-to-one sessions and tasks) and from the passwords provisioning set —
// with where each came from and when it last worked. It resolves the
// credentials to try, in order, and is safe for concurrent use.
//
// It is bounded: at most [DefaultMaxPerTarget] credentials per computer and
// protocol and [DefaultMaxEntries] in all (see [WithMaxPerTarget],
// [WithMaxEntries]). The eviction rule is the same at both levels: the
// credential that worked least recently goes first. Entries also expire a
// TTL after they last worked ([WithTTL]).
type Runtime struct {
	store        Store
	now          func() time.Time
	ttl          time.Duration
	maxPerTarget int
	maxEntries   int

	mu      sync.Mutex
	entries map[entryKey][]Entry // newest LastSuccess first
	count   int
	// forgotten lists what this Runtime dropped on purpose (a refused
	// credential, Forget), so that merging a file on Save does not bring
	// it back; see [Runtime.Save].
	forgotten []tombstone
}

// tombstone is a credential (nil: every credential) of a target and
// protocol forgotten at a time.
type tombstone struct {
	k    entryKey
	cred *oobkit.Credential
	at   time.Time
}

// buried reports whether e was forgotten after it last worked.
func (r *Runtime) buried(k entryKey, e Entry) bool {
	for _, t := range r.forgotten {
		if t.k == k && !t.at.Before(e.LastSuccess) && (t.cred == nil || sameCredential(*t.cred, e.Settings.Credential)) {
			return true
		}
	}
	return false
}

// maxTombstones bounds the forgotten list; the oldest go first.
const maxTombstones = 10_000

func (r *Runtime) buryLocked(k entryKey, cred *oobkit.Credential) {
	if cred != nil {
		c := cloneCredential(*cred)
		cred = &c
	}
	r.forgotten = append(r.forgotten, tombstone{k: k, cred: cred, at: r.now()})
	if len(r.forgotten) > maxTombstones {
		r.forgotten = slices.Delete(r.forgotten, 0, len(r.forgotten)-maxTombstones)
	}
}

// RuntimeOption configures [NewRuntime].
type RuntimeOption func(*Runtime)

// WithClock replaces time.Now, for tests and simulations.
func WithClock(now func() time.Time) RuntimeOption { return func(r *Runtime) { r.now = now } }

// WithTTL sets how long an entry lives after its last success; 0 or less
// keeps entries forever.
func WithTTL(d time.Duration) RuntimeOption { return func(r *Runtime) { r.ttl = d } }

// WithMaxPerTarget sets how many credentials are kept per computer and
// protocol (at least 1); past it the one that worked least recently is
// evicted.
func WithMaxPerTarget(n int) RuntimeOption { return func(r *Runtime) { r.maxPerTarget = max(1, n) } }

// WithMaxEntries bounds the number of entries in all (at least 1); past it
// the entries that worked least recently are evicted, a tenth of the bound
// at a time, so a full profile does not sort itself on every success.
func WithMaxEntries(n int) RuntimeOption { return func(r *Runtime) { r.maxEntries = max(1, n) } }

// NewRuntime returns an empty runtime profile whose default profile comes
// from store (nil: no default candidate).
func NewRuntime(store Store, opts ...RuntimeOption) *Runtime {
	r := &Runtime{store: store, now: time.Now, ttl: DefaultTTL, maxPerTarget: DefaultMaxPerTarget,
		maxEntries: DefaultMaxEntries, entries: make(map[entryKey][]Entry)}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Store returns the store the runtime profile takes its default profile
// from (nil for none); callers look task-specified profiles up in it.
func (r *Runtime) Store() Store { return r.store }

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

// Resolve is [Runtime.ResolveTask] without task-specified credentials.
func (r *Runtime) Resolve(ctx context.Context, target oobkit.Target, p oobkit.Protocol, explicit *Profile) ([]Candidate, error) {
	return r.ResolveTask(ctx, target, p, nil, explicit)
}

// ResolveTask returns the credentials to try on target with protocol p,
// best first: the task-specified profile's (when task is not nil and enables
// p), the explicitly chosen profile's, the store's default profile's, then
// every credential the runtime profile knows for this target and protocol,
// the one that worked most recently first (then, for AMT and redirection,
// those the other of the two learned: they check the same accounts) — each
// credential once. Each
// protocol resolves on its own: a profile that does not enable p adds
// nothing for p, and what failed with another protocol does not matter
// here. Try them in order and report the outcome of each with
// [Runtime.Succeeded] (or [Runtime.Learn]) or [Runtime.Failed].
//
// An unknown protocol, a target without an address or an invalid task or
// explicit profile is refused with an error wrapping
// [oobkit.ErrInvalidArgument]; an empty list is an error wrapping
// [ErrNoCandidate]. A store that cannot be read (for example [ErrCorrupt])
// fails the call rather than silently skipping the default profile.
func (r *Runtime) ResolveTask(ctx context.Context, target oobkit.Target, p oobkit.Protocol, task, explicit *Profile) ([]Candidate, error) {
	k, err := keyOf(target, p)
	if err != nil {
		return nil, err
	}
	var out []Candidate
	add := func(c Candidate) {
		for _, o := range out {
			if sameCredential(o.Settings.Credential, c.Settings.Credential) {
				return
			}
		}
		out = append(out, c)
	}
	for _, pr := range []struct {
		src Source
		p   *Profile
	}{{SourceTask, task}, {SourceExplicit, explicit}} {
		if pr.p == nil {
			continue
		}
		if err := pr.p.Validate(); err != nil {
			return nil, err
		}
		if s, ok := pr.p.Settings(p); ok && s.Enabled {
			add(Candidate{Source: pr.src, Profile: pr.p.Name, Protocol: p, Settings: s})
		}
	}
	if r.store != nil {
		def, err := r.store.Default(ctx)
		if err != nil {
			return nil, fmt.Errorf("profile: reading the default profile: %w", err)
		}
		if s, ok := def.Settings(p); ok && s.Enabled {
			add(Candidate{Source: SourceDefault, Profile: def.Name, Protocol: p, Settings: s})
		}
	}
	for _, e := range r.lookup(k) {
		add(Candidate{Source: SourceRuntime, Profile: e.Profile, Protocol: p, Settings: e.Settings,
			Origin: e.Origin, LastSuccess: e.LastSuccess})
	}
	if q, ok := sameAccounts(p); ok {
		for _, e := range r.lookup(entryKey{target: k.target, proto: q}) {
			s := e.Settings
			s.Port = 0 // the other protocol's port
			add(Candidate{Source: SourceRuntime, Profile: e.Profile, Protocol: p, Settings: s,
				Origin: e.Origin, LastSuccess: e.LastSuccess})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %w: no profile enables %s for %s", oobkit.ErrInvalidArgument, ErrNoCandidate, p, target)
	}
	return out, nil
}

// sameAccounts returns the protocol that checks the same accounts as p on a
// computer: AMT's web services and its redirection (SOL, IDE-R) share the
// Intel ME's users, so a credential that worked for a SOL session is offered
// to AMT tasks after AMT's own, and the other way round.
func sameAccounts(p oobkit.Protocol) (oobkit.Protocol, bool) {
	switch p {
	case oobkit.AMT:
		return oobkit.Redirection, true
	case oobkit.Redirection:
		return oobkit.AMT, true
	}
	return "", false
}

// Succeeded records that c worked on target in a task: [Runtime.Learn] with
// [OriginTask].
func (r *Runtime) Succeeded(target oobkit.Target, c Candidate) { r.Learn(target, c, OriginTask) }

// Learn records that c worked on target: the runtime profile now lists c's
// settings for target and c.Protocol, as the most recent success, with
// origin (kept from the first time when c was already known; an unknown
// origin counts as [OriginTask]). Past the bounds, the credential that
// worked least recently is evicted.
func (r *Runtime) Learn(target oobkit.Target, c Candidate, origin Origin) {
	k, err := keyOf(target, c.Protocol)
	if err != nil {
		return
	}
	if !origin.Valid() {
		origin = OriginTask
	}
	if c.Source == SourceRuntime && c.Origin.Valid() {
		origin = c.Origin // learned before (maybe through the other protocol of the same accounts)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.learnLocked(k, c.Profile, c.Settings, origin, r.now())
}

func (r *Runtime) learnLocked(k entryKey, prof string, s Settings, origin Origin, at time.Time) {
	s.Credential = cloneCredential(s.Credential)
	list := r.entries[k]
	e := Entry{Target: k.target, Protocol: k.proto, Profile: prof, Origin: origin, Settings: s, Learned: at, LastSuccess: at}
	if i := slices.IndexFunc(list, func(o Entry) bool { return sameCredential(o.Settings.Credential, s.Credential) }); i >= 0 {
		e.Origin, e.Learned = list[i].Origin, list[i].Learned
		if e.Profile == "" {
			e.Profile = list[i].Profile
		}
		list = slices.Delete(list, i, i+1)
		r.count--
	}
	list = append(list, e)
	sortNewestFirst(list)
	for len(list) > r.maxPerTarget {
		list = list[:len(list)-1]
		r.count--
	}
	r.entries[k] = list
	r.count++
	if r.count > r.maxEntries {
		r.evictLocked()
	}
}

func sortNewestFirst(list []Entry) {
	slices.SortStableFunc(list, func(a, b Entry) int { return b.LastSuccess.Compare(a.LastSuccess) })
}

// evictLocked drops the entries that worked least recently until the
// profile holds at most nine tenths of its bound.
func (r *Runtime) evictLocked() {
	r.pruneLocked()
	keep := r.maxEntries - r.maxEntries/10
	if r.count <= keep {
		return
	}
	type ref struct {
		k  entryKey
		at time.Time
	}
	all := make([]ref, 0, r.count)
	for k, list := range r.entries {
		for _, e := range list {
			all = append(all, ref{k, e.LastSuccess})
		}
	}
	slices.SortFunc(all, func(a, b ref) int { return a.at.Compare(b.at) })
	for _, x := range all[:r.count-keep] {
		list := r.entries[x.k]
		list = list[:len(list)-1] // the oldest of a list is its last
		if len(list) == 0 {
			delete(r.entries, x.k)
		} else {
			r.entries[x.k] = list
		}
		r.count--
	}
}

// AddProvisioned records the password a provisioning server set on target
// for protocol p (usually [oobkit.AMT]) at time at (zero: now), as a
// runtime-profile entry of origin [OriginProvisioning] and profile name
// "provisioning". It is offered after the explicit and default profiles like
// any runtime entry and is forgotten the first time the computer refuses it.
func (r *Runtime) AddProvisioned(target oobkit.Target, p oobkit.Protocol, s Settings, at time.Time) error {
	k, err := keyOf(target, p)
	if err != nil {
		return err
	}
	if s.Credential.Username == "" && s.Credential.Password.IsZero() && s.Credential.Community.IsZero() && s.Credential.USM == nil {
		return fmt.Errorf("%w: provisioned credential for %s has no user or secret", oobkit.ErrInvalidArgument, target)
	}
	s.Enabled = true
	if at.IsZero() {
		at = r.now()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.learnLocked(k, string(OriginProvisioning), s, OriginProvisioning, at)
	return nil
}

// Failed records that c failed on target with err. When err is an
// authentication failure ([oobkit.ErrAuth]) and the runtime profile knows c
// for this target and protocol, c is forgotten at once (the password was
// changed, or the account removed); other credentials of the computer stay.
// Other failures (unreachable, busy, timeouts) say nothing about the
// credential: they are counted in its entry, which is kept.
func (r *Runtime) Failed(target oobkit.Target, c Candidate, err error) {
	k, kerr := keyOf(target, c.Protocol)
	if kerr != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	list := r.entries[k]
	i := slices.IndexFunc(list, func(e Entry) bool { return sameCredential(e.Settings.Credential, c.Settings.Credential) })
	if i < 0 {
		return
	}
	if errors.Is(err, oobkit.ErrAuth) {
		r.buryLocked(k, &list[i].Settings.Credential)
		list = slices.Delete(list, i, i+1)
		r.count--
		if len(list) == 0 {
			delete(r.entries, k)
		} else {
			r.entries[k] = list
		}
		return
	}
	list[i].Failures++
	list[i].LastFailure = r.now()
}

// Known returns the unexpired entry for target and protocol p that worked
// most recently.
func (r *Runtime) Known(target oobkit.Target, p oobkit.Protocol) (Entry, bool) {
	list := r.Entries(target, p)
	if len(list) == 0 {
		return Entry{}, false
	}
	return list[0], true
}

// Entries returns every unexpired entry for target and protocol p, the one
// that worked most recently first.
func (r *Runtime) Entries(target oobkit.Target, p oobkit.Protocol) []Entry {
	k, err := keyOf(target, p)
	if err != nil {
		return nil
	}
	return r.lookup(k)
}

// List returns every unexpired entry, by target, then protocol, then most
// recent success first.
func (r *Runtime) List() []Entry {
	r.mu.Lock()
	r.pruneLocked()
	var out []Entry
	for _, list := range r.entries {
		for _, e := range list {
			e.Settings.Credential = cloneCredential(e.Settings.Credential)
			out = append(out, e)
		}
	}
	r.mu.Unlock()
	slices.SortStableFunc(out, func(a, b Entry) int {
		return cmp.Or(cmp.Compare(a.Target, b.Target), cmp.Compare(a.Protocol, b.Protocol), b.LastSuccess.Compare(a.LastSuccess))
	})
	return out
}

// Forget drops what the runtime profile knows about target and protocol p.
func (r *Runtime) Forget(target oobkit.Target, p oobkit.Protocol) {
	k, err := keyOf(target, p)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buryLocked(k, nil)
	r.count -= len(r.entries[k])
	delete(r.entries, k)
}

// Len returns the number of unexpired entries.
func (r *Runtime) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pruneLocked()
	return r.count
}

func (r *Runtime) lookup(k entryKey) []Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	list := r.entries[k]
	var out []Entry
	for _, e := range list {
		if r.expired(e) {
			continue
		}
		e.Settings.Credential = cloneCredential(e.Settings.Credential)
		out = append(out, e)
	}
	if len(out) != len(list) {
		r.count -= len(list) - len(out)
		if len(out) == 0 {
			delete(r.entries, k)
		} else {
			r.entries[k] = slices.Clone(out)
		}
	}
	return out
}

func (r *Runtime) expired(e Entry) bool {
	return r.ttl > 0 && !r.now().Before(e.LastSuccess.Add(r.ttl))
}

func (r *Runtime) pruneLocked() {
	if r.ttl <= 0 {
		return
	}
	for k, list := range r.entries {
		kept := slices.DeleteFunc(list, r.expired)
		r.count -= len(list) - len(kept)
		if len(kept) == 0 {
			delete(r.entries, k)
		} else {
			r.entries[k] = kept
		}
	}
}
