package profile

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

func amtCand(pw string) Candidate {
	return Candidate{Profile: "p-" + pw, Protocol: oobkit.AMT,
		Settings: Settings{Enabled: true, Credential: oobkit.UserPassword("admin", pw)}}
}

// passwords returns the AMT passwords a fresh Runtime loads for target.
func passwords(t *testing.T, path string, key Key, clock *fakeClock, target oobkit.Target) []string {
	t.Helper()
	rt := NewRuntime(nil, WithClock(clock.Now))
	require.NoError(t, rt.Load(context.Background(), path, key))
	var out []string
	for _, e := range rt.Entries(target, oobkit.AMT) {
		out = append(out, e.Settings.Credential.Password.Reveal())
	}
	return out
}

// TestRuntimeSaveMerges: two runs (oobctl invocations) load the same
// runtime-profile file, learn different credentials and save one after the
// other: both credentials survive, the latest success of a credential both
// know wins, and a credential one run saw refused stays forgotten.
func TestRuntimeSaveMerges(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock()
	path := filepath.Join(t.TempDir(), "runtime.profile")
	key, err := NewKey()
	require.NoError(t, err)
	pc1, pc2, pc3 := oobkit.Target{Address: "10.0.0.1"}, oobkit.Target{Address: "10.0.0.2"}, oobkit.Target{Address: "10.0.0.3"}

	// Both runs start from a file that knows pc3's "shared" and "stale".
	seed := NewRuntime(nil, WithClock(clock.Now))
	seed.Succeeded(pc3, amtCand("stale"))
	clock.Advance(time.Minute)
	seed.Succeeded(pc3, amtCand("shared"))
	require.NoError(t, seed.Save(ctx, path, key))

	a := NewRuntime(nil, WithClock(clock.Now))
	b := NewRuntime(nil, WithClock(clock.Now))
	require.NoError(t, a.Load(ctx, path, key))
	require.NoError(t, b.Load(ctx, path, key))

	clock.Advance(time.Minute)
	a.Succeeded(pc1, amtCand("a-pw"))
	a.Failed(pc3, amtCand("stale"), oobkit.ErrAuth) // refused: forgotten
	clock.Advance(time.Minute)
	b.Succeeded(pc2, amtCand("b-pw"))
	b.Succeeded(pc3, amtCand("shared"))
	bShared, _ := b.Known(pc3, oobkit.AMT)

	require.NoError(t, b.Save(ctx, path, key)) // b first: still holds "stale"
	require.NoError(t, a.Save(ctx, path, key)) // a last: last writer, no longer wins alone

	assert.Equal(t, []string{"a-pw"}, passwords(t, path, key, clock, pc1))
	assert.Equal(t, []string{"b-pw"}, passwords(t, path, key, clock, pc2), "the other run's credential survives")
	assert.Equal(t, []string{"shared"}, passwords(t, path, key, clock, pc3), "the refused credential stays forgotten")
	rt := NewRuntime(nil, WithClock(clock.Now))
	require.NoError(t, rt.Load(ctx, path, key))
	got, ok := rt.Known(pc3, oobkit.AMT)
	require.True(t, ok)
	assert.Equal(t, bShared.LastSuccess, got.LastSuccess, "the latest success wins")
	// The saving Runtime holds the merged entries too.
	_, ok = a.Known(pc2, oobkit.AMT)
	assert.True(t, ok)

	// Forget also survives a merge with a file that still has the entry.
	c := NewRuntime(nil, WithClock(clock.Now))
	require.NoError(t, c.Load(ctx, path, key))
	clock.Advance(time.Minute)
	c.Forget(pc1, oobkit.AMT)
	require.NoError(t, c.Save(ctx, path, key))
	assert.Empty(t, passwords(t, path, key, clock, pc1))
}

// TestRuntimeConcurrentSaves: many runs saving at once, each under the
// file's lock, lose none of each other's credentials.
func TestRuntimeConcurrentSaves(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock()
	path := filepath.Join(t.TempDir(), "runtime.profile")
	key, err := NewKey()
	require.NoError(t, err)
	const runs = 8
	var wg sync.WaitGroup
	for i := range runs {
		wg.Go(func() {
			rt := NewRuntime(nil, WithClock(clock.Now))
			if err := rt.Load(ctx, path, key); !assert.NoError(t, err) {
				return
			}
			rt.Succeeded(oobkit.Target{Address: fmt.Sprintf("10.1.0.%d", i)}, amtCand(fmt.Sprint("pw-", i)))
			assert.NoError(t, rt.Save(ctx, path, key))
		})
	}
	wg.Wait()
	for i := range runs {
		assert.Equal(t, []string{fmt.Sprint("pw-", i)}, passwords(t, path, key, clock, oobkit.Target{Address: fmt.Sprintf("10.1.0.%d", i)}))
	}
}
