package krbservice

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"time"
)

func newVerifier(t testing.TB) *Verifier {
	kt := keytab.New()
	require.NoError(t, kt.AddEntry("HTTP/amt1.example:16992", "EXAMPLE", "service-secret", time.Now(), 1, etypeID.AES256_CTS_HMAC_SHA1_96))
	b, err := kt.Marshal()
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "svc.keytab")
	require.NoError(t, os.WriteFile(p, b, 0o600))
	v, err := New(p)
	require.NoError(t, err)
	return v
}

// TestRefusalToken: a refused token is answered with a NegTokenResp
// carrying a KRB-ERROR; the header names the Negotiate scheme.
func TestRefusalToken(t *testing.T) {
	v := newVerifier(t)
	_, err := v.Verify([]byte("not a token"))
	var r *Refusal
	require.ErrorAs(t, err, &r)
	assert.NotEmpty(t, r.Token)
	assert.Contains(t, Header(err), "Negotiate ")
	assert.False(t, IsKerberos([]byte("NTLMSSP\x00\x01\x00\x00\x00")))
	assert.Nil(t, FromHeader("Basic abc"))
}

func FuzzVerify(f *testing.F) {
	v := newVerifier(f)
	f.Add([]byte{0x60, 0x10, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00})
	f.Add([]byte{0xa0, 0x03, 0x30, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := v.Verify(b); err == nil {
			t.Fatal("a token not issued by a KDC was accepted")
		}
	})
}

// TestReplayCacheFullRefuses: a full replay cache refuses new
// authenticators and still knows every one inside its window (review of
// issue 22, item 7: it used to empty itself past 65,536 entries, letting
// replays through).
func TestReplayCacheFullRefuses(t *testing.T) {
	v := newVerifier(t)
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	skew := DefaultMaxSkew
	for i := 0; i < MaxReplayEntries; i++ {
		require.Equal(t, replayNo, v.replayed("u@R", now.Add(time.Duration(i)*time.Microsecond), now, skew))
	}
	assert.Equal(t, replayFull, v.replayed("u@R", now.Add(-time.Second), now, skew))
	assert.Equal(t, replayYes, v.replayed("u@R", now, now, skew), "the first authenticator is still a replay")
	// Past the window every entry expires, and the cache takes new ones.
	later := now.Add(2*skew + time.Second)
	assert.Equal(t, replayNo, v.replayed("u@R", later, later, skew))
	assert.Len(t, v.seen, 1)
	assert.Len(t, v.queue, 1)
}

// TestReplayCacheExpiresFromFront: Verify drops only the expired entries
// at the front of the expiry queue, without sweeping the rest; an entry
// made while the clock was moved back keeps the queue ordered.
func TestReplayCacheExpiresFromFront(t *testing.T) {
	v := newVerifier(t)
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	skew := time.Minute
	require.Equal(t, replayNo, v.replayed("a@R", now, now, skew))
	require.Equal(t, replayNo, v.replayed("b@R", now, now.Add(time.Minute), skew))
	require.Equal(t, replayNo, v.replayed("c@R", now, now.Add(-time.Minute), skew)) // clock moved back
	for i := 1; i < len(v.queue); i++ {
		assert.False(t, v.queue[i].exp.Before(v.queue[i-1].exp), "queue ordered by expiry")
	}
	assert.Equal(t, "c@R|"+now.Format(time.RFC3339Nano), v.queue[0].key)
	// At now+2m30s, c (expires now+1m) and a (now+2m) are gone, b (now+3m) stays.
	at := now.Add(2*time.Minute + 30*time.Second)
	require.Equal(t, replayNo, v.replayed("d@R", at, at, skew))
	assert.Len(t, v.seen, 2)
	assert.Equal(t, replayYes, v.replayed("b@R", now, at, skew))
	assert.Equal(t, replayNo, v.replayed("a@R", now, at, skew), "a expired")
}

// BenchmarkReplayed: one more authenticator with a full window of live
// ones costs the same whatever the cache holds (it swept the whole map).
func BenchmarkReplayed(b *testing.B) {
	v := newVerifier(b)
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for i := 0; i < MaxReplayEntries/2; i++ {
		v.replayed("u@R", now.Add(time.Duration(i)*time.Microsecond), now, DefaultMaxSkew)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		at := now.Add(time.Duration(i) * time.Nanosecond)
		if v.replayed("v@R", at, at, DefaultMaxSkew) == replayFull {
			b.Fatal("full")
		}
	}
}
