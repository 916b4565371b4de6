package activity

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultMaxSize is the size past which a [FileLog] rotates its file.
const DefaultMaxSize = 16 << 20

// segmentLayout names rotated segments: <path>.<UTC time>, sortable as text.
const segmentLayout = "20060102T150405.000000000Z"

// FileLog appends records as JSON lines to a file and rotates it by size:
// once the file reaches MaxSize it is renamed <path>.<UTC time of the
// rotation> and a new file is started. Each record is one write to a file
// opened for appending, so several processes may share the log (a record is
// never split; a rotation by one process leaves another's records in the
// segment it renamed). It is safe for concurrent use.
type FileLog struct {
	path    string
	maxSize int64
	now     func() time.Time

	mu   sync.Mutex
	f    *os.File
	size int64
	err  error
}

// FileOption configures [OpenFile].
type FileOption func(*FileLog)

// WithMaxSize sets the rotation size in bytes (default [DefaultMaxSize]).
func WithMaxSize(n int64) FileOption {
	return func(l *FileLog) {
		if n > 0 {
			l.maxSize = n
		}
	}
}

// WithFileClock replaces time.Now for segment names, for tests.
func WithFileClock(now func() time.Time) FileOption { return func(l *FileLog) { l.now = now } }

// OpenFile opens (creating it, mode 0600) the activity log at path.
func OpenFile(path string, opts ...FileOption) (*FileLog, error) {
	l := &FileLog{path: path, maxSize: DefaultMaxSize, now: time.Now}
	for _, o := range opts {
		o(l)
	}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *FileLog) open() error {
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("activity: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("activity: %w", err)
	}
	l.f, l.size = f, st.Size()
	return nil
}

// Path returns the log's current file.
func (l *FileLog) Path() string { return l.path }

// Append writes r as one line, rotating first when the file is full. The
// first error is kept (see [FileLog.Err]) and returned by every later call,
// so a full disk is noticed.
func (l *FileLog) Append(_ context.Context, r Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	if l.f == nil {
		return errors.New("activity: log closed")
	}
	if st, err := os.Stat(l.path); err != nil || !os.SameFile(st, mustStat(l.f)) {
		// Another process rotated (or purged) the file: follow it.
		l.f.Close()
		if l.err = l.open(); l.err != nil {
			return l.err
		}
	} else {
		l.size = max(l.size, st.Size())
	}
	if l.size > 0 && l.size+int64(len(b)) > l.maxSize {
		if l.err = l.rotate(); l.err != nil {
			return l.err
		}
	}
	n, err := l.f.Write(b)
	l.size += int64(n)
	l.err = err
	return err
}

func mustStat(f *os.File) fs.FileInfo {
	st, err := f.Stat()
	if err != nil {
		return nil
	}
	return st
}

func (l *FileLog) rotate() error {
	l.f.Close()
	seg := l.path + "." + l.now().UTC().Format(segmentLayout)
	for i := 0; ; i++ { // two rotations in the same nanosecond: add a suffix that still sorts after
		name := seg
		if i > 0 {
			name = fmt.Sprintf("%s-%d", seg, i)
		}
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			seg = name
			break
		}
	}
	if err := os.Rename(l.path, seg); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("activity: rotating: %w", err)
	}
	return l.open()
}

// Err returns the first write error, if any.
func (l *FileLog) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Close closes the file.
func (l *FileLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// Query returns the log's records that pass f, oldest first.
func (l *FileLog) Query(f Filter) ([]Record, error) { return Query(l.path, f) }

// Segments returns the files of the log at path, oldest first: the rotated
// segments, then the current file (when it exists).
func Segments(path string) ([]string, error) {
	matches, err := filepath.Glob(globEscape(path) + ".*")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range matches {
		suffix := strings.TrimPrefix(m, path+".")
		stamp, _, _ := strings.Cut(suffix, "-")
		if _, err := time.Parse(segmentLayout, stamp); err == nil {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(segmentKey(a, path), segmentKey(b, path)) })
	if _, err := os.Stat(path); err == nil {
		out = append(out, path)
	}
	return out, nil
}

// segmentKey sorts "<stamp>" before "<stamp>-1" before "<stamp>-2"…
func segmentKey(name, path string) string {
	stamp, n, _ := strings.Cut(strings.TrimPrefix(name, path+"."), "-")
	return fmt.Sprintf("%s-%08s", stamp, n)
}

func globEscape(s string) string {
	r := strings.NewReplacer(`*`, `\*`, `?`, `\?`, `[`, `\[`, `\`, `\\`)
	return r.Replace(s)
}

// Query reads the activity log at path (its rotated segments and its
// current file) and returns the records that pass f, oldest first. A line
// that is not a record (a torn write after a crash) is skipped.
func Query(path string, f Filter) ([]Record, error) {
	segs, err := Segments(path)
	if err != nil {
		return nil, err
	}
	var out []Record
	for _, s := range segs {
		if err := readSegment(s, func(r Record) {
			if f.Match(r) {
				out = append(out, r)
			}
		}); err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(out, func(a, b Record) int { return a.Time.Compare(b.Time) })
	return limit(out, f.Limit), nil
}

func readSegment(path string, fn func(Record)) error {
	fh, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) { // purged or rotated meanwhile
		return nil
	}
	if err != nil {
		return fmt.Errorf("activity: %w", err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var r Record
		if json.Unmarshal(sc.Bytes(), &r) == nil {
			fn(r)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("activity: reading %s: %w", path, err)
	}
	return nil
}

// PurgePolicy says how much of an activity log to keep: the RTCI "Purge
// Policy" of the field notes, "used to configure how often and how much
// residual data RTCI purges. For large environments this will help keep the
// database size down to improve performance."
type PurgePolicy struct {
	// MaxAge removes rotated segments whose newest record is older than
	// MaxAge (0: no age limit).
	MaxAge time.Duration
	// MaxTotal removes the oldest rotated segments until the log's files
	// add up to at most MaxTotal bytes (0: no size limit). The current file
	// is never removed; rotate it by size ([WithMaxSize]).
	MaxTotal int64
}

// PurgeStats says what [Purge] removed.
type PurgeStats struct {
	// Segments and Bytes count the removed files and their size.
	Segments int
	Bytes    int64
}

// Purge applies p to the log at path as of now: a rotated segment goes
// once its newest record (its last modification) is older than MaxAge, then
// the oldest segments go while the log is larger than MaxTotal. Run it on a
// schedule (a [time.Ticker], or tasks.Scheduler).
func Purge(path string, p PurgePolicy, now time.Time) (PurgeStats, error) {
	segs, err := Segments(path)
	if err != nil {
		return PurgeStats{}, err
	}
	type seg struct {
		name string
		size int64
		mod  time.Time
	}
	var list []seg
	var total int64
	for _, s := range segs {
		st, err := os.Stat(s)
		if err != nil {
			continue
		}
		list = append(list, seg{s, st.Size(), st.ModTime()})
		total += st.Size()
	}
	var stats PurgeStats
	var errs []error
	for i, s := range list {
		if s.name == path {
			break
		}
		old := p.MaxAge > 0 && now.Sub(s.mod) > p.MaxAge
		big := p.MaxTotal > 0 && total > p.MaxTotal
		if !old && !big {
			continue
		}
		if err := os.Remove(s.name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		total -= s.size
		stats.Segments++
		stats.Bytes += s.size
		list[i].name = ""
	}
	return stats, errors.Join(errs...)
}
