package profile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"
)

// FileStore is a [Store] kept in one encrypted file.
//
// The file holds every profile, secrets included, encrypted with
// AES-256-GCM; it is written with mode 0600 by writing a temporary file,
// syncing it and renaming it into place, so a crash leaves either the old or
// the new version. Before each replacement the previous good version is kept
// as <file>.bak. Every operation takes an flock(2) lock on <file>.lock and
// re-reads the file under it, so goroutines and separate processes sharing
// the file never lose each other's updates.
//
// A file that cannot be decrypted or parsed is refused with an error wrapping
// [ErrCorrupt] and is never written over; [RecoverFile] sets it aside and
// restores the last good copy.
type FileStore struct {
	path string
	key  Key
	mu   sync.RWMutex // orders this process's goroutines; flock orders processes

	// The last file content decoded for a read, and its state: a read that
	// finds the same bytes skips decryption and parsing. The state is never
	// modified once cached (update decodes its own copy).
	cacheMu  sync.Mutex
	cacheRaw []byte
	cacheSt  *state
}

type fileConfig struct {
	key     Key
	keyFile string
}

// FileOption configures [OpenFile] and [RecoverFile].
type FileOption func(*fileConfig)

// WithKey encrypts the store with k instead of a key file.
func WithKey(k Key) FileOption { return func(c *fileConfig) { c.key = k } }

// WithKeyFile reads the key from path, creating it (mode 0600) with a fresh
// random key when absent. The default is the store's path plus ".key".
func WithKeyFile(path string) FileOption { return func(c *fileConfig) { c.keyFile = path } }

func resolveKey(path string, opts []FileOption) (Key, error) {
	c := fileConfig{keyFile: path + ".key"}
	for _, o := range opts {
		o(&c)
	}
	if !c.key.IsZero() {
		return c.key, nil
	}
	return LoadOrCreateKeyFile(c.keyFile)
}

// OpenFile opens the store kept at path; the file need not exist yet (it is
// created by the first write). An existing file that cannot be read is
// refused with an error wrapping [ErrCorrupt].
func OpenFile(path string, opts ...FileOption) (*FileStore, error) {
	key, err := resolveKey(path, opts)
	if err != nil {
		return nil, err
	}
	s := &FileStore{path: path, key: key}
	if _, err := s.read(context.Background()); err != nil {
		return nil, err
	}
	return s, nil
}

// Path returns the store file's path.
func (s *FileStore) Path() string { return s.path }

// List implements [Store].
func (s *FileStore) List(ctx context.Context) ([]Profile, error) {
	st, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	return st.list(), nil
}

// Get implements [Store].
func (s *FileStore) Get(ctx context.Context, name string) (Profile, error) {
	st, err := s.read(ctx)
	if err != nil {
		return Profile{}, err
	}
	return st.get(name)
}

// Default implements [Store].
func (s *FileStore) Default(ctx context.Context) (Profile, error) {
	st, err := s.read(ctx)
	if err != nil {
		return Profile{}, err
	}
	return st.defaultProfile(), nil
}

// Put implements [Store].
func (s *FileStore) Put(ctx context.Context, p Profile) error {
	return s.update(ctx, func(st *state) error { return st.put(p) })
}

// Delete implements [Store].
func (s *FileStore) Delete(ctx context.Context, name string) error {
	return s.update(ctx, func(st *state) error { return st.delete(name) })
}

// SetDefault implements [Store].
func (s *FileStore) SetDefault(ctx context.Context, name string) error {
	return s.update(ctx, func(st *state) error { return st.setDefault(name) })
}

// read loads the store under a shared lock.
func (s *FileStore) read(ctx context.Context) (*state, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	l, err := lockFile(ctx, s.path+".lock", false)
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	raw, err := readStoreBytes(s.path)
	if err != nil || raw == nil {
		return newState(), err
	}
	s.cacheMu.Lock()
	if s.cacheSt != nil && bytes.Equal(raw, s.cacheRaw) {
		st := s.cacheSt
		s.cacheMu.Unlock()
		return st, nil
	}
	s.cacheMu.Unlock()
	st, err := decodeStoreFile(s.path, raw, s.key)
	if err != nil {
		return nil, err
	}
	s.cacheMu.Lock()
	s.cacheRaw, s.cacheSt = raw, st
	s.cacheMu.Unlock()
	return st, nil
}

// update applies fn under the exclusive lock to the state read from disk
// under that same lock, then writes the result: the read-modify-write that
// keeps concurrent writers from losing updates.
func (s *FileStore) update(ctx context.Context, fn func(*state) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := lockFile(ctx, s.path+".lock", true)
	if err != nil {
		return err
	}
	defer l.Unlock()
	removeStaleTemps(s.path)
	st, old, err := loadStoreFile(s.path, s.key)
	if err != nil {
		return err
	}
	if err := fn(st); err != nil {
		return err
	}
	data, err := encodeStore(st, s.key)
	if err != nil {
		return err
	}
	if old != nil {
		if err := writeAtomic(backupPath(s.path), old); err != nil {
			return err
		}
	}
	return writeAtomic(s.path, data)
}

// loadStoreFile reads and decodes path. A missing file is an empty store
// (old == nil). It returns the raw bytes so the caller can keep them as the
// backup.
func loadStoreFile(path string, key Key) (st *state, old []byte, err error) {
	old, err = readStoreBytes(path)
	if err != nil || old == nil {
		return newState(), nil, err
	}
	st, err = decodeStoreFile(path, old, key)
	if err != nil {
		return nil, nil, err
	}
	return st, old, nil
}

// readStoreBytes reads the store file through the size cap; a missing file
// gives nil and no error.
func readStoreBytes(path string) ([]byte, error) {
	raw, err := readCapped(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("profile: reading store %s: %w", path, err)
	}
	if raw == nil {
		raw = []byte{}
	}
	return raw, nil
}

// decodeStoreFile decodes the content of the store file at path, naming the
// file and its backup in the error.
func decodeStoreFile(path string, raw []byte, key Key) (*state, error) {
	st, err := decodeStore(raw, key)
	if err != nil {
		return nil, fmt.Errorf("profile: store file %s refused: %w; it was not modified, the last good copy is %s (see RecoverFile)",
			path, err, backupPath(path))
	}
	return st, nil
}

// encodeStore seals the state with its secrets.
func encodeStore(st *state, key Key) ([]byte, error) {
	pt, err := json.Marshal(st.document())
	if err != nil {
		return nil, err
	}
	return seal(key, kindStore, pt)
}

// decodeStore opens a sealed store file and checks every profile in it. Any
// failure wraps [ErrCorrupt].
func decodeStore(data []byte, key Key) (*state, error) {
	pt, err := unseal(key, kindStore, data)
	if err != nil {
		return nil, err
	}
	return decodeStoreDocument(pt)
}

// decodeStoreDocument parses the decrypted store document.
func decodeStoreDocument(pt []byte) (*state, error) {
	dec := json.NewDecoder(bytes.NewReader(pt))
	dec.DisallowUnknownFields()
	var d wireDocument
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%w: the decrypted content is not a profile document", ErrCorrupt)
	}
	st, err := stateFromDocument(d)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return st, nil
}

// RecoverFile repairs a store file that [OpenFile] refused: it checks that
// <path>.bak decrypts and parses, renames the damaged file to
// <path>.corrupt-<unix nanoseconds> (nothing is deleted) and puts a copy of
// the backup in its place. It returns the name the damaged file was moved
// to. It takes the same lock as the store, so it is safe while other
// processes use the file.
func RecoverFile(ctx context.Context, path string, opts ...FileOption) (string, error) {
	key, err := resolveKey(path, opts)
	if err != nil {
		return "", err
	}
	l, err := lockFile(ctx, path+".lock", true)
	if err != nil {
		return "", err
	}
	defer l.Unlock()
	bak, err := readCapped(backupPath(path))
	if err != nil {
		return "", fmt.Errorf("profile: no usable backup: %w", err)
	}
	if _, err := decodeStore(bak, key); err != nil {
		return "", fmt.Errorf("profile: the backup %s is unusable too: %w", backupPath(path), err)
	}
	aside := fmt.Sprintf("%s.corrupt-%d", path, time.Now().UnixNano())
	if err := os.Rename(path, aside); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("profile: setting the damaged store aside: %w", err)
	}
	if err := writeAtomic(path, bak); err != nil {
		return "", err
	}
	return aside, nil
}
