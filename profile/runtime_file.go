package profile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/oobkit/oobkit"
)

// runtimeDocument is the plaintext of a runtime-profile file.
type runtimeDocument struct {
	Format  string         `json:"format"`
	Version int            `json:"version"`
	Entries []runtimeEntry `json:"entries"`
}

type runtimeEntry struct {
	Target      string       `json:"target"`
	Protocol    string       `json:"protocol"`
	Profile     string       `json:"profile,omitempty"`
	Settings    wireSettings `json:"settings"`
	LastSuccess time.Time    `json:"lastSuccess"`
	LastFailure time.Time    `json:"lastFailure,omitzero"`
	Failures    int          `json:"failures,omitempty"`
}

const runtimeFormat = "oobkit-runtime-profile"

// Save writes the unexpired entries to path, encrypted with key like a
// store file (AES-256-GCM, mode 0600, temporary file + fsync + rename,
// under an flock on <path>.lock). It replaces the file's content: a
// runtime-profile file belongs to one Runtime at a time.
func (r *Runtime) Save(ctx context.Context, path string, key Key) error {
	r.mu.Lock()
	r.pruneLocked()
	doc := runtimeDocument{Format: runtimeFormat, Version: documentVersion, Entries: make([]runtimeEntry, 0, len(r.entries))}
	for _, e := range r.entries {
		doc.Entries = append(doc.Entries, runtimeEntry{Target: e.Target, Protocol: string(e.Protocol), Profile: e.Profile,
			Settings: settingsToWire(e.Settings, true), LastSuccess: e.LastSuccess, LastFailure: e.LastFailure, Failures: e.Failures})
	}
	r.mu.Unlock()

	pt, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	data, err := seal(key, kindRuntime, pt)
	if err != nil {
		return err
	}
	l, err := lockFile(ctx, path+".lock", true)
	if err != nil {
		return err
	}
	defer l.unlock()
	removeStaleTemps(path)
	return writeAtomic(path, data)
}

// Load replaces the runtime profile's entries with those saved at path,
// skipping expired ones. A missing file loads nothing and is not an error
// (the first run). A damaged file, or one sealed with another key, is
// refused with an error wrapping [ErrCorrupt] and the entries are left as
// they were.
func (r *Runtime) Load(ctx context.Context, path string, key Key) error {
	l, err := lockFile(ctx, path+".lock", false)
	if err != nil {
		return err
	}
	data, err := readCapped(path)
	l.unlock()
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	entries, err := decodeRuntime(data, key)
	if err != nil {
		return fmt.Errorf("profile: runtime profile %s refused: %w", path, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries = entries
	r.pruneLocked()
	return nil
}

func readCapped(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxSealedSize+1))
}

// decodeRuntime opens and parses a runtime-profile file. Failures wrap
// [ErrCorrupt].
func decodeRuntime(data []byte, key Key) (map[entryKey]Entry, error) {
	pt, err := unseal(key, kindRuntime, data)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(pt))
	dec.DisallowUnknownFields()
	var doc runtimeDocument
	if err := dec.Decode(&doc); err != nil || doc.Format != runtimeFormat || doc.Version != documentVersion {
		return nil, fmt.Errorf("%w: the decrypted content is not a runtime profile", ErrCorrupt)
	}
	out := make(map[entryKey]Entry, len(doc.Entries))
	for _, re := range doc.Entries {
		proto, err := oobkit.ParseProtocol(re.Protocol)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		s, err := settingsFromWire(re.Profile, proto, re.Settings)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		k, err := keyOf(oobkit.Target{Address: re.Target}, proto)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		out[k] = Entry{Target: k.target, Protocol: proto, Profile: re.Profile, Settings: s,
			LastSuccess: re.LastSuccess, LastFailure: re.LastFailure, Failures: re.Failures}
	}
	return out, nil
}
