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
	"slices"
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
// under an exclusive flock on <path>.lock).
//
// Save merges rather than overwrites: under that same lock it reads the
// file as it is now — another process (a second oobctl run, say) may have
// saved since this Runtime loaded it — and learns its entries first, so
// that credentials learned by either run survive. For a credential both
// know, the latest success wins. Credentials this Runtime forgot on
// purpose (refused by the computer, [Runtime.Forget]) after they last
// worked stay forgotten. The merged entries stay in the Runtime too. A file
// that cannot be read with key (damaged, or another key's) is replaced, as
// before.
func (r *Runtime) Save(ctx context.Context, path string, key Key) error {
	l, err := lockFile(ctx, path+".lock", true)
	if err != nil {
		return err
	}
	defer l.Unlock()
	if data, err := readCapped(path); err == nil {
		if entries, err := decodeRuntime(data, key); err == nil {
			r.merge(entries)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}

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
	removeStaleTemps(path)
	return writeAtomic(path, data)
}

// merge learns entries read from a file: those unknown here (unless
// forgotten here since they last worked), and newer successes of known
// ones.
func (r *Runtime) merge(entries []Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range entries {
		k := entryKey{target: e.Target, proto: e.Protocol}
		if r.expired(e) || r.buried(k, e) {
			continue
		}
		list := r.entries[k]
		i := slices.IndexFunc(list, func(o Entry) bool { return sameCredential(o.Settings.Credential, e.Settings.Credential) })
		if i >= 0 && !e.LastSuccess.After(list[i].LastSuccess) {
			continue // this run's news is the latest
		}
		known := i >= 0
		r.learnLocked(k, e.Profile, e.Settings, e.Origin, e.LastSuccess)
		if known {
			continue
		}
		list = r.entries[k]
		for j := range list {
			if sameCredential(list[j].Settings.Credential, e.Settings.Credential) {
				list[j].Learned, list[j].LastFailure, list[j].Failures = e.Learned, e.LastFailure, e.Failures
			}
		}
	}
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
	l.Unlock()
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
