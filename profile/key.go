package profile

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/oobkit/oobkit"
)

// KeySize is the length of an encryption key: AES-256.
const KeySize = 32

// Key encrypts a store file or a runtime-profile file (AES-256-GCM). Like
// [oobkit.Secret] it never prints: every fmt verb shows [oobkit.Redacted].
// The zero Key is unset.
type Key struct {
	b *[KeySize]byte
}

// NewKey returns a fresh random key.
func NewKey() (Key, error) {
	var b [KeySize]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Key{}, fmt.Errorf("profile: generating a key: %w", err)
	}
	return Key{b: &b}, nil
}

// KeyFromBytes returns a key holding a copy of b, which must be [KeySize]
// bytes long.
func KeyFromBytes(b []byte) (Key, error) {
	if len(b) != KeySize {
		return Key{}, fmt.Errorf("%w: a profile key is %d bytes, got %d", oobkit.ErrInvalidArgument, KeySize, len(b))
	}
	var k [KeySize]byte
	copy(k[:], b)
	return Key{b: &k}, nil
}

// IsZero reports whether the key is unset.
func (k Key) IsZero() bool { return k.b == nil }

// String redacts.
func (k Key) String() string { return oobkit.Redacted }

// GoString redacts.
func (k Key) GoString() string { return "profile.Key(" + oobkit.Redacted + ")" }

// Format redacts for every verb.
func (k Key) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, k.GoString())
		return
	}
	_, _ = io.WriteString(f, k.String())
}

// LoadOrCreateKeyFile reads the key stored at path (64 hex digits), or, when
// the file does not exist, creates it with a fresh key and mode 0600. Two
// processes racing to create it end up with the same key: the file appears
// atomically (hard link of a complete temporary file) and the loser reads
// the winner's. A key file readable by group or others is refused.
func LoadOrCreateKeyFile(path string) (Key, error) {
	k, err := readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	k, err = NewKey()
	if err != nil {
		return Key{}, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return Key{}, fmt.Errorf("profile: creating key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := io.WriteString(tmp, hex.EncodeToString(k.b[:])+"\n")
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return Key{}, fmt.Errorf("profile: writing key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKeyFile(path)
		}
		return Key{}, fmt.Errorf("profile: creating key file: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return Key{}, err
	}
	return k, nil
}

func readKeyFile(path string) (Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return Key{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Key{}, fmt.Errorf("profile: key file: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return Key{}, fmt.Errorf("%w: key file %s is accessible by group or others (mode %v); make it 0600",
			oobkit.ErrInvalidArgument, path, st.Mode().Perm())
	}
	raw, err := io.ReadAll(io.LimitReader(f, 4*KeySize))
	if err != nil {
		return Key{}, fmt.Errorf("profile: reading key file: %w", err)
	}
	b, err := hex.DecodeString(string(bytes.TrimSpace(raw)))
	if err != nil || len(b) != KeySize {
		return Key{}, fmt.Errorf("%w: key file %s must hold %d hex digits", oobkit.ErrInvalidArgument, path, 2*KeySize)
	}
	return KeyFromBytes(b)
}
