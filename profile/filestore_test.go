package profile

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

func TestFileStoreModesAndKeyFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "profiles.store")
	s, err := OpenFile(path)
	require.NoError(t, err)
	require.NoError(t, s.Put(ctx, amtProfile("a", "one")))
	require.NoError(t, s.Put(ctx, amtProfile("b", "two")))

	for _, f := range []string{path, path + ".key", path + ".bak", path + ".lock"} {
		st, err := os.Stat(f)
		require.NoError(t, err, f)
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), f)
	}

	// A second opening finds the key file and reads the same profiles.
	s2, err := OpenFile(path)
	require.NoError(t, err)
	p, err := s2.Get(ctx, "b")
	require.NoError(t, err)
	c, _ := p.Credential(oobkit.AMT)
	assert.Equal(t, "two", c.Password.Reveal())

	// The backup holds the version before the last write.
	bak, err := decodeStore(mustRead(t, path+".bak"), mustKey(t, path+".key"))
	require.NoError(t, err)
	assert.Contains(t, bak.profiles, "a")
	assert.NotContains(t, bak.profiles, "b")

	// A key file others can read is refused.
	require.NoError(t, os.Chmod(path+".key", 0o644))
	_, err = OpenFile(path)
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "0600")
}

func TestKeyFileCreatedOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k")
	k1, err := LoadOrCreateKeyFile(path)
	require.NoError(t, err)
	k2, err := LoadOrCreateKeyFile(path)
	require.NoError(t, err)
	assert.Equal(t, *k1.b, *k2.b)
	require.NoError(t, os.WriteFile(path, []byte("not hex"), 0o600))
	_, err = LoadOrCreateKeyFile(path)
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	_, err = KeyFromBytes([]byte("short"))
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}

func TestFileStoreWrongKeyIsRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "profiles.store")
	s, err := OpenFile(path)
	require.NoError(t, err)
	require.NoError(t, s.Put(ctx, amtProfile("a", "one")))
	before := mustRead(t, path)

	other, err := NewKey()
	require.NoError(t, err)
	_, err = OpenFile(path, WithKey(other))
	require.ErrorIs(t, err, ErrCorrupt)
	assert.Contains(t, err.Error(), "another key")
	assert.Equal(t, before, mustRead(t, path), "a refused file is not touched")
}

// TestFileStoreCorruptFile damages the store in several ways: each is
// refused with a clear error, nothing is written over it, and RecoverFile
// brings back the last good version while keeping the damaged one.
func TestFileStoreCorruptFile(t *testing.T) {
	damages := []struct {
		name   string
		damage func([]byte) []byte
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)/2] }},
		{"bit flipped", func(b []byte) []byte {
			c := bytes.Clone(b)
			i := bytes.Index(c, []byte(`"ciphertext":"`)) + 20
			c[i] ^= 0x01
			return c
		}},
		{"empty", func([]byte) []byte { return []byte{} }},
		{"other json", func([]byte) []byte { return []byte(`{"format":"something-else"}`) }},
		{"garbage", func([]byte) []byte { return []byte("\x00\x01garbage") }},
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "profiles.store")
			s, err := OpenFile(path)
			require.NoError(t, err)
			require.NoError(t, s.Put(ctx, amtProfile("first", "one")))
			require.NoError(t, s.Put(ctx, amtProfile("second", "two")))
			good := mustRead(t, path)
			bad := d.damage(good)
			require.NoError(t, os.WriteFile(path, bad, 0o600))

			_, err = OpenFile(path)
			require.ErrorIs(t, err, ErrCorrupt)
			assert.Contains(t, err.Error(), path+".bak")
			for _, op := range []func() error{
				func() error { return s.Put(ctx, amtProfile("third", "3")) },
				func() error { _, err := s.List(ctx); return err },
				func() error { return s.SetDefault(ctx, "first") },
			} {
				assert.ErrorIs(t, op(), ErrCorrupt)
			}
			assert.Equal(t, bad, mustRead(t, path), "the damaged file is not overwritten")

			aside, err := RecoverFile(ctx, path)
			require.NoError(t, err)
			assert.Equal(t, bad, mustRead(t, aside), "the damaged file is kept aside")
			s, err = OpenFile(path)
			require.NoError(t, err)
			list, err := s.List(ctx)
			require.NoError(t, err)
			assert.Equal(t, []string{DefaultName, "first"}, names(list), "the last good copy is back")
		})
	}
}

func TestRecoverFileWithoutBackup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "profiles.store")
	_, err := OpenFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, []byte("junk"), 0o600))
	_, err = RecoverFile(context.Background(), path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no usable backup")
	assert.Equal(t, []byte("junk"), mustRead(t, path))
}

func TestFileStoreRemovesStaleTemps(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "profiles.store")
	s, err := OpenFile(path)
	require.NoError(t, err)
	stale := filepath.Join(dir, ".profiles.store.tmp-12345")
	require.NoError(t, os.WriteFile(stale, []byte("left by a crash"), 0o600))
	unrelated := filepath.Join(dir, ".other.tmp-1")
	require.NoError(t, os.WriteFile(unrelated, nil, 0o600))
	require.NoError(t, s.Put(ctx, amtProfile("a", "b")))
	assert.NoFileExists(t, stale)
	assert.FileExists(t, unrelated)
}

func TestFileStoreLockWaitHonoursContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "profiles.store")
	s, err := OpenFile(path)
	require.NoError(t, err)
	held, err := lockFile(context.Background(), path+".lock", true)
	require.NoError(t, err)
	defer held.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = s.Put(ctx, amtProfile("a", "b"))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, strings.Contains(err.Error(), "store lock"))
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func mustKey(t *testing.T, path string) Key {
	t.Helper()
	k, err := LoadOrCreateKeyFile(path)
	require.NoError(t, err)
	return k
}

// TestFileStoreSeesOtherWriters: a store that cached what it read still
// sees a write made through another opening of the same file.
func TestFileStoreSeesOtherWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "profiles.store")
	s1, err := OpenFile(path)
	require.NoError(t, err)
	s2, err := OpenFile(path)
	require.NoError(t, err)
	require.NoError(t, s1.Put(ctx, amtProfile("a", "one")))
	_, err = s1.Get(ctx, "a")
	require.NoError(t, err)
	require.NoError(t, s2.Put(ctx, amtProfile("a", "two")))
	p, err := s1.Get(ctx, "a")
	require.NoError(t, err)
	c, _ := p.Credential(oobkit.AMT)
	assert.Equal(t, "two", c.Password.Reveal())
	p.Protocols[oobkit.AMT] = Settings{}
	p, err = s1.Get(ctx, "a")
	require.NoError(t, err)
	assert.True(t, p.Protocols[oobkit.AMT].Enabled, "the cached state is not shared with callers")
}
