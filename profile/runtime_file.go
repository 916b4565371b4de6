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
	Origin      string       `json:"origin,omitempty"`
	Settings    wireSettings `json:"settings"`
	Learned     time.Time    `json:"learned,omitzero"`
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
	doc := runtimeDocument{Format: runtimeFormat, Version: documentVersion, Entries: make([]runtimeEntry, 0, r.count)}
	for _, list := range r.entries {
		for _, e := range list {
			doc.Entries = append(doc.Entries, runtimeEntry{Target: e.Target, Protocol: string(e.Protocol), Profile: e.Profile,
				Origin: string(e.Origin), Settings: settingsToWire(e.Settings, true), Learned: e.Learned,
				LastSuccess: e.LastSuccess, LastFailure: e.LastFailure, Failures: e.Failures})
		}
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
	r.entries = make(map[entryKey][]Entry, len(entries))
	r.count = 0
	for _, e := range entries {
		k := entryKey{target: e.Target, proto: e.Protocol}
		at := e.LastSuccess
		r.learnLocked(k, e.Profile, e.Settings, e.Origin, at)
		list := r.entries[k]
		for i := range list {
			if sameCredential(list[i].Settings.Credential, e.Settings.Credential) {
				list[i].Learned, list[i].LastFailure, list[i].Failures = e.Learned, e.LastFailure, e.Failures
			}
		}
	}
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
func decodeRuntime(data []byte, key Key) ([]Entry, error) {
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
	out := make([]Entry, 0, len(doc.Entries))
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
		origin := Origin(re.Origin)
		if !origin.Valid() { // files written before origins were kept
			origin = OriginTask
		}
		learned := re.Learned
		if learned.IsZero() {
			learned = re.LastSuccess
		}
		out = append(out, Entry{Target: k.target, Protocol: proto, Profile: re.Profile, Origin: origin, Settings: s,
			Learned: learned, LastSuccess: re.LastSuccess, LastFailure: re.LastFailure, Failures: re.Failures})
	}
	return out, nil
}
