package profile

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

func amtCandidate(prof, password string) Candidate {
	s, _ := amtProfile(prof, password).Settings(oobkit.AMT)
	return Candidate{Profile: prof, Protocol: oobkit.AMT, Settings: s}
}

// TestRuntimeKeepsEveryGoodCredential: the field notes, "Authentication
// Methods": "Runtime Profile - The Runtime profile contains he following
// information: All known good credentials used to connect via RTSM to a
// system; The Intel SCS AMT password sent to systems when provisioning
// occurs; Previously successfully used credentials from past RTSM sessions;
// Previously successfully used credentials from a Task that succeeded".
func TestRuntimeKeepsEveryGoodCredential(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock()
	rt := newRuntimeWithDefault(t, "def-pw", WithClock(clock.Now))

	require.NoError(t, rt.AddProvisioned(host, oobkit.AMT, Settings{Credential: oobkit.UserPassword("admin", "scs-pw")}, time.Time{}))
	clock.Advance(time.Minute)
	rt.Learn(host, amtCandidate("lab", "rtsm-pw"), OriginOneToOne)
	clock.Advance(time.Minute)
	rt.Learn(host, amtCandidate("job", "task-pw"), OriginTask)
	clock.Advance(time.Minute)

	entries := rt.Entries(host, oobkit.AMT)
	require.Len(t, entries, 3)
	var origins []Origin
	for _, e := range entries {
		origins = append(origins, e.Origin)
	}
	assert.Equal(t, []Origin{OriginTask, OriginOneToOne, OriginProvisioning}, origins, "newest first, each with its origin")
	assert.Equal(t, clock.Now().Add(-time.Minute), entries[0].LastSuccess)

	// Tried newest-first after the explicit and default profiles.
	explicit := amtProfile("chosen", "chosen-pw")
	cands, err := rt.Resolve(ctx, host, oobkit.AMT, &explicit)
	require.NoError(t, err)
	assert.Equal(t, []resolved{
		{SourceExplicit, "chosen", "chosen-pw"}, {SourceDefault, "site", "def-pw"},
		{SourceRuntime, "job", "task-pw"}, {SourceRuntime, "lab", "rtsm-pw"}, {SourceRuntime, "provisioning", "scs-pw"},
	}, summarize(cands))

	// The provisioning password works: it becomes the most recent, keeping
	// its origin and when it was first learned.
	first := entries[2].Learned
	rt.Succeeded(host, cands[4])
	e, ok := rt.Known(host, oobkit.AMT)
	require.True(t, ok)
	assert.Equal(t, OriginProvisioning, e.Origin)
	assert.Equal(t, first, e.Learned)
	assert.Equal(t, clock.Now(), e.LastSuccess)

	// A refused credential goes; the others stay.
	rt.Failed(host, cands[3], &oobkit.Error{Protocol: oobkit.AMT, Class: oobkit.ErrAuth})
	assert.Len(t, rt.Entries(host, oobkit.AMT), 2)
	assert.Equal(t, 2, rt.Len())
}

// TestRuntimeTaskSpecifiedFirst: the field notes: "Task-specified
// Credentials - When a user setups up a job or task, the user can specify
// specific credentials to be used when executing AMT-related functions
// through the profile interface." They come before the chosen profile, the
// default and the runtime profile, and each protocol resolves on its own.
func TestRuntimeTaskSpecifiedFirst(t *testing.T) {
	ctx := context.Background()
	rt := newRuntimeWithDefault(t, "def-pw")
	rt.Succeeded(host, amtCandidate("old", "old-pw"))
	task := amtProfile("task", "task-pw")
	chosen := amtProfile("chosen", "chosen-pw")
	cands, err := rt.ResolveTask(ctx, host, oobkit.AMT, &task, &chosen)
	require.NoError(t, err)
	assert.Equal(t, []resolved{
		{SourceTask, "task", "task-pw"}, {SourceExplicit, "chosen", "chosen-pw"},
		{SourceDefault, "site", "def-pw"}, {SourceRuntime, "old", "old-pw"},
	}, summarize(cands))

	// An AMT-only task profile adds nothing to IPMI.
	_, err = rt.ResolveTask(ctx, host, oobkit.IPMI, &task, nil)
	require.ErrorIs(t, err, ErrNoCandidate)
}

// TestRuntimeEviction checks both bounds and the rule: the credential that
// worked least recently goes first.
func TestRuntimeEviction(t *testing.T) {
	clock := newFakeClock()
	rt := newRuntimeWithDefault(t, "", WithClock(clock.Now), WithMaxPerTarget(2), WithMaxEntries(10))
	for _, pw := range []string{"a", "b", "c"} {
		rt.Succeeded(host, amtCandidate(pw, pw))
		clock.Advance(time.Second)
	}
	var got []string
	for _, e := range rt.Entries(host, oobkit.AMT) {
		got = append(got, e.Profile)
	}
	assert.Equal(t, []string{"c", "b"}, got, "per computer: the oldest success is evicted")

	// "b" works again and becomes the newest; a new credential evicts "c".
	rt.Succeeded(host, amtCandidate("b", "b"))
	clock.Advance(time.Second)
	rt.Succeeded(host, amtCandidate("d", "d"))
	got = nil
	for _, e := range rt.Entries(host, oobkit.AMT) {
		got = append(got, e.Profile)
	}
	assert.Equal(t, []string{"d", "b"}, got)

	// Globally: 10 entries at most; the 11th success evicts the oldest tenth
	// and more down to nine.
	for i := range 9 {
		clock.Advance(time.Second)
		rt.Succeeded(oobkit.Target{Address: "10.9.0." + string(rune('a'+i))}, amtCandidate("x", "x"))
	}
	assert.LessOrEqual(t, rt.Len(), 10)
	assert.GreaterOrEqual(t, rt.Len(), 9)
	// The newest survives, the oldest (host's "b") is gone.
	_, ok := rt.Known(oobkit.Target{Address: "10.9.0.i"}, oobkit.AMT)
	assert.True(t, ok)
	for _, e := range rt.Entries(host, oobkit.AMT) {
		assert.NotEqual(t, "b", e.Profile, "the least recently successful entry is evicted first")
	}
}

// TestImportProvisioning reads a provisioning export and keeps its secrets
// out of errors.
func TestImportProvisioning(t *testing.T) {
	ctx := context.Background()
	rt := newRuntimeWithDefault(t, "", WithTTL(0))
	doc := `
- address: 10.0.0.5
  password: "` + canary + `-scs"
- address: 10.0.0.6
  user: operator
  password: other
  time: 2024-04-01T00:00:00Z
`
	n, err := rt.ImportProvisioning(strings.NewReader(doc), YAML)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	cands, err := rt.Resolve(ctx, host, oobkit.AMT, nil)
	require.NoError(t, err)
	require.Len(t, cands, 1)
	assert.Equal(t, OriginProvisioning, cands[0].Origin)
	assert.Equal(t, "admin", cands[0].Credential().Username)
	assert.Equal(t, canary+"-scs", cands[0].Credential().Password.Reveal())

	for _, bad := range []string{
		`[{"address": "10.0.0.7"}]`,
		`[{"address": "", "password": "` + canary + `"}]`,
		`[{"address": "10.0.0.7", "password": "` + canary + `", "protocol": "telnet"}]`,
		`[{"address": "10.0.0.7", "password": "` + canary + `", "colour": "red"}]`,
	} {
		_, err := rt.ImportProvisioning(strings.NewReader(bad), JSON)
		require.ErrorIs(t, err, oobkit.ErrInvalidArgument, bad)
		assert.NotContains(t, err.Error(), canary)
	}
	assert.Equal(t, 2, rt.Len(), "a refused import adds nothing")
}

// TestRuntimePersistenceKeepsOrigins: the store stays encrypted and keeps
// every credential with its origin.
func TestRuntimePersistenceKeepsOrigins(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock()
	path := filepath.Join(t.TempDir(), "runtime.profile")
	key, err := NewKey()
	require.NoError(t, err)
	rt := newRuntimeWithDefault(t, "", WithClock(clock.Now))
	require.NoError(t, rt.AddProvisioned(host, oobkit.AMT, Settings{Credential: oobkit.UserPassword("admin", "scs")}, time.Time{}))
	clock.Advance(time.Minute)
	rt.Learn(host, amtCandidate("lab", canary), OriginOneToOne)
	require.NoError(t, rt.Save(ctx, path, key))

	loaded := newRuntimeWithDefault(t, "", WithClock(clock.Now))
	require.NoError(t, loaded.Load(ctx, path, key))
	assert.Equal(t, rt.Entries(host, oobkit.AMT), loaded.Entries(host, oobkit.AMT))
	assert.Equal(t, rt.List(), loaded.List())
}
