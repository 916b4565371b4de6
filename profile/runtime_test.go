package profile

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// fakeClock is an injectable clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type resolved struct {
	source   Source
	profile  string
	password string
}

func summarize(cs []Candidate) []resolved {
	out := make([]resolved, len(cs))
	for i, c := range cs {
		out[i] = resolved{c.Source, c.Profile, c.Credential().Password.Reveal()}
	}
	return out
}

// newRuntimeWithDefault returns a runtime whose store's default profile
// enables AMT with password defPassword ("" leaves the built-in default).
func newRuntimeWithDefault(t *testing.T, defPassword string, opts ...RuntimeOption) *Runtime {
	t.Helper()
	s := NewMemoryStore()
	if defPassword != "" {
		require.NoError(t, s.Put(context.Background(), amtProfile("site", defPassword)))
		require.NoError(t, s.SetDefault(context.Background(), "site"))
	}
	return NewRuntime(s, opts...)
}

var host = oobkit.Target{Name: "pc-1", Address: "10.0.0.5"}

func TestResolveOrder(t *testing.T) {
	ctx := context.Background()
	explicit := amtProfile("task", "task-pw")
	tests := []struct {
		name     string
		def      string   // default profile's AMT password, "" for the built-in
		learned  string   // password the runtime learned for host, "" for none
		explicit *Profile // nil for none
		want     []resolved
	}{
		{"all three", "def-pw", "learned-pw", &explicit, []resolved{
			{SourceExplicit, "task", "task-pw"}, {SourceDefault, "site", "def-pw"}, {SourceRuntime, "learned", "learned-pw"}}},
		{"no explicit", "def-pw", "learned-pw", nil, []resolved{
			{SourceDefault, "site", "def-pw"}, {SourceRuntime, "learned", "learned-pw"}}},
		{"built-in default enables nothing", "", "learned-pw", &explicit, []resolved{
			{SourceExplicit, "task", "task-pw"}, {SourceRuntime, "learned", "learned-pw"}}},
		{"learned equals default: once", "def-pw", "def-pw", &explicit, []resolved{
			{SourceExplicit, "task", "task-pw"}, {SourceDefault, "site", "def-pw"}}},
		{"explicit equals default: once", "task-pw", "", &explicit, []resolved{
			{SourceExplicit, "task", "task-pw"}}},
		{"only runtime", "", "learned-pw", nil, []resolved{{SourceRuntime, "learned", "learned-pw"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := newRuntimeWithDefault(t, tt.def)
			if tt.learned != "" {
				learned := amtProfile("learned", tt.learned)
				s, _ := learned.Settings(oobkit.AMT)
				rt.Succeeded(host, Candidate{Source: SourceExplicit, Profile: "learned", Protocol: oobkit.AMT, Settings: s})
			}
			got, err := rt.Resolve(ctx, host, oobkit.AMT, tt.explicit)
			require.NoError(t, err)
			assert.Equal(t, tt.want, summarize(got))
			for _, c := range got {
				assert.Equal(t, oobkit.AMT, c.Protocol)
			}
		})
	}
}

func TestResolveRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	rt := newRuntimeWithDefault(t, "")
	invalid := Profile{Name: "broken", Protocols: map[oobkit.Protocol]Settings{oobkit.AMT: {Enabled: true}}}
	amtOnly := amtProfile("amt-only", "pw")
	tests := []struct {
		name     string
		target   oobkit.Target
		proto    oobkit.Protocol
		explicit *Profile
		class    error
		text     string
	}{
		{"unknown protocol", host, "telnet", nil, oobkit.ErrInvalidArgument, `unknown protocol "telnet"`},
		{"no address", oobkit.Target{Name: "x"}, oobkit.AMT, nil, oobkit.ErrInvalidArgument, "no address"},
		{"explicit without credential", host, oobkit.AMT, &invalid, oobkit.ErrInvalidArgument, "enabled without a credential"},
		{"nothing enables ipmi", host, oobkit.IPMI, &amtOnly, ErrNoCandidate, "no profile enables ipmi for pc-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rt.Resolve(ctx, tt.target, tt.proto, tt.explicit)
			require.Error(t, err)
			assert.Nil(t, got)
			assert.ErrorIs(t, err, tt.class)
			assert.Contains(t, err.Error(), tt.text)
		})
	}
}

// tryAll plays the caller: it tries the candidates in order against a
// device that accepts only password accept, and reports every outcome.
func tryAll(t *testing.T, rt *Runtime, target oobkit.Target, explicit *Profile, accept string) (used []Source, ok bool) {
	t.Helper()
	cands, err := rt.Resolve(context.Background(), target, oobkit.AMT, explicit)
	require.NoError(t, err)
	for _, c := range cands {
		used = append(used, c.Source)
		if c.Credential().Password.Reveal() == accept {
			rt.Succeeded(target, c)
			return used, true
		}
		rt.Failed(target, c, &oobkit.Error{Protocol: oobkit.AMT, Op: "Get", Class: oobkit.ErrAuth})
	}
	return used, false
}

// TestFallbackAndLearning follows the RTSM story: a task with profile B
// works on a computer; a later task names profile A, which fails there, the
// default fails too, and the runtime profile's B succeeds.
func TestFallbackAndLearning(t *testing.T) {
	rt := newRuntimeWithDefault(t, "def-pw")
	a, b := amtProfile("A", "a-pw"), amtProfile("B", "b-pw")

	used, ok := tryAll(t, rt, host, &b, "b-pw")
	require.True(t, ok)
	assert.Equal(t, []Source{SourceExplicit}, used)
	e, known := rt.Known(host, oobkit.AMT)
	require.True(t, known, "success is learned")
	assert.Equal(t, "B", e.Profile)
	assert.Equal(t, "10.0.0.5", e.Target)

	used, ok = tryAll(t, rt, host, &a, "b-pw")
	require.True(t, ok)
	assert.Equal(t, []Source{SourceExplicit, SourceDefault, SourceRuntime}, used, "falls back to the runtime profile")

	// Another computer has learned nothing: A and the default fail, and
	// there is nothing else to try.
	other := oobkit.Target{Address: "10.0.0.6"}
	used, ok = tryAll(t, rt, other, &a, "b-pw")
	assert.False(t, ok)
	assert.Equal(t, []Source{SourceExplicit, SourceDefault}, used)

	// The target is keyed by its address, whatever its name or case.
	_, known = rt.Known(oobkit.Target{Name: "renamed", Address: "10.0.0.5"}, oobkit.AMT)
	assert.True(t, known)
	_, known = rt.Known(host, oobkit.IPMI)
	assert.False(t, known, "learning is per protocol")
}

func TestFailureHandling(t *testing.T) {
	learned := amtProfile("B", "b-pw")
	s, _ := learned.Settings(oobkit.AMT)
	c := Candidate{Source: SourceExplicit, Profile: "B", Protocol: oobkit.AMT, Settings: s}
	otherS, _ := amtProfile("A", "a-pw").Settings(oobkit.AMT)
	other := Candidate{Source: SourceExplicit, Profile: "A", Protocol: oobkit.AMT, Settings: otherS}
	unreachable := &oobkit.Error{Protocol: oobkit.AMT, Class: oobkit.ErrUnreachable}
	authErr := fmt.Errorf("wrapped: %w", &oobkit.Error{Protocol: oobkit.AMT, Class: oobkit.ErrAuth})

	clock := newFakeClock()
	rt := newRuntimeWithDefault(t, "", WithClock(clock.Now))
	rt.Succeeded(host, c)

	rt.Failed(host, other, authErr)
	_, known := rt.Known(host, oobkit.AMT)
	assert.True(t, known, "another credential failing says nothing about the learned one")

	clock.Advance(time.Minute)
	rt.Failed(host, c, unreachable)
	rt.Failed(host, c, unreachable)
	e, known := rt.Known(host, oobkit.AMT)
	require.True(t, known, "an unreachable computer does not disprove the credential")
	assert.Equal(t, 2, e.Failures)
	assert.Equal(t, clock.Now(), e.LastFailure)

	rt.Succeeded(host, c)
	e, _ = rt.Known(host, oobkit.AMT)
	assert.Zero(t, e.Failures, "success resets the count")

	rt.Failed(host, c, authErr)
	_, known = rt.Known(host, oobkit.AMT)
	assert.False(t, known, "a refused credential is forgotten at once")

	rt.Succeeded(host, c)
	rt.Forget(host, oobkit.AMT)
	assert.Zero(t, rt.Len())
}

func TestExpiry(t *testing.T) {
	clock := newFakeClock()
	rt := newRuntimeWithDefault(t, "", WithClock(clock.Now), WithTTL(time.Hour))
	s, _ := amtProfile("B", "b-pw").Settings(oobkit.AMT)
	rt.Succeeded(host, Candidate{Profile: "B", Protocol: oobkit.AMT, Settings: s})
	second := oobkit.Target{Address: "10.0.0.7"}

	clock.Advance(40 * time.Minute)
	rt.Succeeded(second, Candidate{Profile: "B", Protocol: oobkit.AMT, Settings: s})
	cands, err := rt.Resolve(context.Background(), host, oobkit.AMT, nil)
	require.NoError(t, err)
	assert.Len(t, cands, 1)
	assert.Equal(t, 2, rt.Len())

	clock.Advance(20 * time.Minute) // host's entry is now exactly one hour old
	_, err = rt.Resolve(context.Background(), host, oobkit.AMT, nil)
	require.ErrorIs(t, err, ErrNoCandidate, "the expired entry is no longer offered")
	assert.Equal(t, 1, rt.Len(), "the younger entry lives on")

	clock.Advance(time.Hour)
	assert.Zero(t, rt.Len())

	forever := newRuntimeWithDefault(t, "", WithClock(clock.Now), WithTTL(0))
	forever.Succeeded(host, Candidate{Profile: "B", Protocol: oobkit.AMT, Settings: s})
	clock.Advance(10 * 365 * 24 * time.Hour)
	assert.Equal(t, 1, forever.Len())
}

func TestRuntimeConcurrentUse(t *testing.T) {
	rt := newRuntimeWithDefault(t, "def-pw")
	s, _ := amtProfile("B", "b-pw").Settings(oobkit.AMT)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			target := oobkit.Target{Address: fmt.Sprintf("10.1.0.%d", i)}
			for range 50 {
				cands, err := rt.Resolve(context.Background(), target, oobkit.AMT, nil)
				if err != nil {
					t.Error(err)
					return
				}
				rt.Succeeded(target, Candidate{Profile: "B", Protocol: oobkit.AMT, Settings: s})
				rt.Failed(target, cands[0], context.DeadlineExceeded)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 16, rt.Len())
}

func TestRuntimePersistence(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock()
	path := filepath.Join(t.TempDir(), "runtime.profile")
	key, err := NewKey()
	require.NoError(t, err)

	rt := newRuntimeWithDefault(t, "", WithClock(clock.Now), WithTTL(time.Hour))
	full := fullProfile("lab", "persist")
	for _, proto := range full.Enabled() {
		s, _ := full.Settings(proto)
		rt.Succeeded(host, Candidate{Profile: "lab", Protocol: proto, Settings: s})
	}
	old := oobkit.Target{Address: "10.0.0.9"}
	clock.Advance(-50 * time.Minute)
	s, _ := full.Settings(oobkit.AMT)
	rt.Succeeded(old, Candidate{Profile: "lab", Protocol: oobkit.AMT, Settings: s})
	clock.Advance(50 * time.Minute)
	rt.Failed(old, Candidate{Protocol: oobkit.AMT, Settings: s}, context.DeadlineExceeded)
	require.NoError(t, rt.Save(ctx, path, key))
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	loaded := newRuntimeWithDefault(t, "", WithClock(clock.Now), WithTTL(time.Hour))
	require.NoError(t, loaded.Load(ctx, path, key))
	assert.Equal(t, len(full.Enabled())+1, loaded.Len())
	for _, proto := range full.Enabled() {
		want, _ := rt.Known(host, proto)
		got, ok := loaded.Known(host, proto)
		require.True(t, ok, proto)
		assert.Equal(t, want.LastSuccess, got.LastSuccess)
		assert.Equal(t, want.Profile, got.Profile)
		assert.True(t, sameCredential(want.Settings.Credential, got.Settings.Credential), proto)
		assert.Equal(t, want.Settings.Port, got.Settings.Port)
		assert.Equal(t, want.Settings.Timeout, got.Settings.Timeout)
	}
	e, ok := loaded.Known(old, oobkit.AMT)
	require.True(t, ok)
	assert.Equal(t, 1, e.Failures)

	clock.Advance(15 * time.Minute) // the old entry expires after loading
	fresh := newRuntimeWithDefault(t, "", WithClock(clock.Now), WithTTL(time.Hour))
	require.NoError(t, fresh.Load(ctx, path, key))
	_, ok = fresh.Known(old, oobkit.AMT)
	assert.False(t, ok, "expired entries are not loaded")

	// A missing file is a first run; a wrong key or a store file is refused
	// and leaves the entries alone.
	require.NoError(t, fresh.Load(ctx, filepath.Join(t.TempDir(), "absent"), key))
	other, err := NewKey()
	require.NoError(t, err)
	err = fresh.Load(ctx, path, other)
	require.ErrorIs(t, err, ErrCorrupt)
	storePath := filepath.Join(t.TempDir(), "s.store")
	fs, err := OpenFile(storePath, WithKey(key))
	require.NoError(t, err)
	require.NoError(t, fs.Put(ctx, amtProfile("x", "y")))
	err = fresh.Load(ctx, storePath, key)
	require.ErrorIs(t, err, ErrCorrupt)
	assert.Contains(t, err.Error(), `"store" data`)
	assert.Equal(t, len(full.Enabled()), fresh.Len())
}
