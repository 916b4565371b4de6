package profile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// testHookBeforeRename, when set by a test, runs after a new file has been
// written and synced and before it is renamed into place: the window a
// crash test kills the process in.
var testHookBeforeRename func(path string)

// tempPrefix is the name prefix of the temporary files written beside path.
func tempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// writeAtomic replaces path with data so that a reader, or a process that
// crashes at any point, sees either the old content or the new, never a mix:
// the data goes to a temporary file in the same directory (mode 0600),
// is synced, renamed over path, and the directory is synced.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPrefix(path)+"*")
	if err != nil {
		return fmt.Errorf("profile: writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	_, werr := tmp.Write(data)
	cherr := tmp.Chmod(0o600)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, cherr, serr, cerr); err != nil {
		return fmt.Errorf("profile: writing %s: %w", path, err)
	}
	if testHookBeforeRename != nil {
		testHookBeforeRename(path)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("profile: replacing %s: %w", path, err)
	}
	return syncDir(dir)
}

// syncDir makes a rename or link in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("profile: syncing %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("profile: syncing %s: %w", dir, err)
	}
	return nil
}

// removeStaleTemps deletes temporary files a crashed writer left beside
// path. Call it only while holding the store's exclusive lock: no live
// writer has a temporary file then.
func removeStaleTemps(path string) {
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return
	}
	prefixes := []string{tempPrefix(path), tempPrefix(backupPath(path))}
	for _, e := range entries {
		for _, p := range prefixes {
			if strings.HasPrefix(e.Name(), p) {
				_ = os.Remove(filepath.Join(filepath.Dir(path), e.Name()))
			}
		}
	}
}

// backupPath is where the last good version of a store file is kept.
func backupPath(path string) string { return path + ".bak" }
