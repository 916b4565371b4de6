package kerberos

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// WaitGoroutines waits until the process runs at most n goroutines, or
// fails the test when its deadline (or one minute) passes first. It is a
// condition wait: it polls the count, yielding between polls, and asserts
// nothing about how long the goroutines took to end.
func WaitGoroutines(t testing.TB, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	if tt, ok := t.(*testing.T); ok {
		if d, ok := tt.Deadline(); ok && d.Before(deadline) {
			deadline = d.Add(-5 * time.Second)
		}
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines still run, want at most %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		<-tick.C
	}
}

// fillKDC takes every KDC slot of c, as callers stuck at a slow KDC would,
// and returns the function that gives them back.
func fillKDC(c *Cache) func() {
	for range MaxKDCConcurrency {
		c.kdcSem <- struct{}{}
	}
	return func() {
		for range MaxKDCConcurrency {
			<-c.kdcSem
		}
	}
}

// TestAtKDCGivesUpOnContext: a caller whose context has ended does not
// queue for a KDC slot (review of issue 22, item 3: it blocked on the slot
// without looking at its context).
func TestAtKDCGivesUpOnContext(t *testing.T) {
	c := NewCache()
	defer fillKDC(c)()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := c.atKDC(ctx, func() error { called = true; return nil })
	assert.ErrorIs(t, err, context.Canceled)
	assert.False(t, called)
}

// TestTokenLeavesNoGoroutineBehind: when Token returns because its context
// ended while every KDC slot was taken, the goroutine doing the exchange
// ends too instead of waiting for a slot (it piled up behind the eight).
func TestTokenLeavesNoGoroutineBehind(t *testing.T) {
	c := NewCache()
	defer c.Close()
	base := runtime.NumGoroutine()
	release := fillKDC(c)
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cred := oobkit.Credential{Username: "u@EXAMPLE", Password: oobkit.NewSecret("pw"),
		Kerberos: &oobkit.KerberosSettings{KDC: []string{"127.0.0.1:1"}}}
	_, err := c.Token(ctx, cred, "HTTP/a.example")
	assert.ErrorIs(t, err, context.Canceled)
	WaitGoroutines(t, base)
	assert.Zero(t, c.Stats().AS, "no AS exchange was made")
}

// badCred is a credential whose keytab does not exist: signing in fails
// before any KDC is asked, but leaves the cache an entry.
func badCred(t *testing.T, user string) oobkit.Credential {
	return oobkit.Credential{Username: user + "@EXAMPLE",
		Kerberos: &oobkit.KerberosSettings{KDC: []string{"127.0.0.1:1"}, Keytab: filepath.Join(t.TempDir(), "none")}}
}

// TestCacheEvicts: the cache keeps at most its bound of clients, the least
// recently used leaving first, and drops those idle past the TTL (review of
// issue 22, item 4: it kept every credential ever seen).
func TestCacheEvicts(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	c := NewCache(WithMaxClients(2), WithIdleTTL(time.Minute))
	defer c.Close()
	c.now = func() time.Time { return now }
	ctx := context.Background()
	a, b, d := badCred(t, "a"), badCred(t, "b"), badCred(t, "d")
	for _, cr := range []oobkit.Credential{a, b, a, d} {
		_, err := c.Token(ctx, cr, "HTTP/x")
		require.Equal(t, ReasonNoCredential, ReasonOf(err), "%v", err)
	}
	assert.Equal(t, 2, c.Len())
	ka, _ := cacheKey(a)
	kb, _ := cacheKey(b)
	c.mu.Lock()
	_, hasA := c.clients[ka]
	_, hasB := c.clients[kb]
	armed := c.timer != nil
	c.mu.Unlock()
	assert.True(t, hasA, "a was used after b")
	assert.False(t, hasB, "b was the least recently used")
	assert.True(t, armed, "a sweep is due when the oldest goes idle")

	now = now.Add(59 * time.Second)
	c.sweep()
	assert.Equal(t, 2, c.Len(), "not idle yet")
	now = now.Add(time.Minute)
	c.sweep()
	assert.Equal(t, 0, c.Len(), "idle past the TTL")
	c.mu.Lock()
	assert.Nil(t, c.timer, "nothing left to sweep")
	assert.Zero(t, c.lru.Len())
	c.mu.Unlock()

	_, _ = c.Token(ctx, a, "HTTP/x")
	c.Forget(a)
	assert.Equal(t, 0, c.Len())
}
