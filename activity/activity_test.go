package activity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func rec(i int, computer string, p oobkit.Protocol, operator string) Record {
	return Record{Time: t0.Add(time.Duration(i) * time.Minute), Operator: operator, Computer: computer, Address: "10.0.0." + computer[len(computer)-1:],
		Protocol: p, Operation: "power", Outcome: OK, Class: "ok"}
}

// TestRotationAndQuery: records survive rotation, in order, and the filters
// select by computer, operator, protocol and time — "what operations have
// been run, one which computers, by whom, and utilizing what technology".
func TestRotationAndQuery(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "activity.jsonl")
	clock := t0
	l, err := OpenFile(path, WithMaxSize(600), WithFileClock(func() time.Time { clock = clock.Add(time.Second); return clock }))
	require.NoError(t, err)
	var all []Record
	for i := range 40 {
		r := rec(i, fmt.Sprintf("pc-%d", i%3), []oobkit.Protocol{oobkit.AMT, oobkit.WMI}[i%2], []string{"alice", "bob"}[i%2])
		all = append(all, r)
		require.NoError(t, l.Append(ctx, r))
	}
	require.NoError(t, l.Close())
	segs, err := Segments(path)
	require.NoError(t, err)
	assert.Greater(t, len(segs), 5, "rotated by size")
	assert.Equal(t, path, segs[len(segs)-1], "the current file last")
	for _, s := range segs {
		st, err := os.Stat(s)
		require.NoError(t, err)
		assert.LessOrEqual(t, st.Size(), int64(600))
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	}

	got, err := Query(path, Filter{})
	require.NoError(t, err)
	require.Len(t, got, 40)
	for i := range got {
		assert.True(t, got[i].Time.Equal(all[i].Time), "in order across segments")
	}
	count := func(f Filter) int {
		rs, err := Query(path, f)
		require.NoError(t, err)
		for _, r := range rs {
			assert.True(t, f.Match(r))
		}
		return len(rs)
	}
	assert.Equal(t, 14, count(Filter{Computer: "PC-0"}), "computer by name, any case")
	assert.Equal(t, 14, count(Filter{Computer: "10.0.0.0"}), "or by address")
	assert.Equal(t, 20, count(Filter{Operator: "bob"}))
	assert.Equal(t, 20, count(Filter{Protocol: oobkit.WMI}))
	assert.Equal(t, 10, count(Filter{Since: t0.Add(10 * time.Minute), Until: t0.Add(20 * time.Minute)}))
	assert.Equal(t, 10, count(Filter{Protocol: oobkit.AMT, Operator: "alice", Since: t0.Add(20 * time.Minute)}))
	assert.Zero(t, count(Filter{Protocol: oobkit.AMT, Operator: "bob"}), "bob only ran WMI")
	last, err := Query(path, Filter{Limit: 3})
	require.NoError(t, err)
	assert.Equal(t, all[37:], last, "the limit keeps the most recent")
}

// TestPurge: the field notes, RTCI "Purge Policy": "This page is used to
// configure how often and how much residual data RTCI purges. For large
// environments this will help keep the database size down to improve
// performance." Segments go by age, then by total size, oldest first; the
// current file stays.
func TestPurge(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "activity.jsonl")
	l, err := OpenFile(path, WithMaxSize(300))
	require.NoError(t, err)
	for i := range 30 {
		require.NoError(t, l.Append(ctx, rec(i, "pc-1", oobkit.AMT, "alice")))
	}
	require.NoError(t, l.Close())
	segs, err := Segments(path)
	require.NoError(t, err)
	require.Greater(t, len(segs), 4)
	now := time.Now()
	// Age the three oldest segments by 40 days.
	for _, s := range segs[:3] {
		require.NoError(t, os.Chtimes(s, now.Add(-40*24*time.Hour), now.Add(-40*24*time.Hour)))
	}
	st, err := Purge(path, PurgePolicy{MaxAge: 30 * 24 * time.Hour}, now)
	require.NoError(t, err)
	assert.Equal(t, 3, st.Segments)
	left, err := Segments(path)
	require.NoError(t, err)
	assert.Equal(t, segs[3:], left)

	var total int64
	for _, s := range left {
		fi, _ := os.Stat(s)
		total += fi.Size()
	}
	cur, _ := os.Stat(path)
	st, err = Purge(path, PurgePolicy{MaxTotal: cur.Size() + 300}, now)
	require.NoError(t, err)
	assert.Positive(t, st.Segments)
	left, err = Segments(path)
	require.NoError(t, err)
	var after int64
	for _, s := range left {
		fi, _ := os.Stat(s)
		after += fi.Size()
	}
	assert.LessOrEqual(t, after, cur.Size()+300)
	assert.Equal(t, total-st.Bytes, after)
	assert.Equal(t, path, left[len(left)-1], "the current file is never purged")
	recs, err := Query(path, Filter{})
	require.NoError(t, err)
	assert.Equal(t, t0.Add(29*time.Minute), recs[len(recs)-1].Time, "the newest records survive")
}

// TestSharedFileAcrossLogs: two logs on one file (two processes) rotate
// without losing records.
func TestSharedFileAcrossLogs(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "activity.jsonl")
	a, err := OpenFile(path, WithMaxSize(500))
	require.NoError(t, err)
	b, err := OpenFile(path, WithMaxSize(500))
	require.NoError(t, err)
	var wg sync.WaitGroup
	for _, l := range []*FileLog{a, b} {
		wg.Go(func() {
			for i := range 50 {
				assert.NoError(t, l.Append(ctx, rec(i, "pc-1", oobkit.AMT, "x")))
			}
		})
	}
	wg.Wait()
	require.NoError(t, a.Close())
	require.NoError(t, b.Close())
	got, err := Query(path, Filter{})
	require.NoError(t, err)
	assert.Len(t, got, 100)
}

func TestSlogAndMulti(t *testing.T) {
	var buf bytes.Buffer
	var seen []Record
	s := Multi(Slog(slog.New(slog.NewJSONHandler(&buf, nil))), nil, Func(func(_ context.Context, r Record) error {
		seen = append(seen, r)
		return errors.New("full")
	}))
	err := &oobkit.Error{Protocol: oobkit.WMI, Class: oobkit.ErrAuth, DeviceCode: "401", Message: "password canary-77 refused"}
	r := NewRecord(t0, oobkit.Target{Name: "pc-9", Address: "10.0.0.9"}, oobkit.WMI, "inventory", err)
	r.Operator = "carol"
	require.ErrorContains(t, s.Append(context.Background(), r), "full")
	assert.Len(t, seen, 1)
	assert.Equal(t, Failed, r.Outcome)
	assert.Equal(t, "auth", r.Class)
	assert.Equal(t, "401", r.DeviceCode)
	out := buf.String()
	for _, want := range []string{`"level":"WARN"`, `"msg":"activity"`, `"operator":"carol"`, `"protocol":"wmi"`, `"class":"auth"`} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "canary-77", "no error text, so nothing a device said")
	assert.Equal(t, "carol", Operator(WithOperator(context.Background(), "carol")))
}
