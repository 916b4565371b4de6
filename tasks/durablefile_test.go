//go:build unix

package tasks

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Environment of the helper process of TestFileSchedulesTwoProcesses.
const (
	envSchedHelper = "OOBKIT_SCHED_HELPER" // the owner name
	envSchedStore  = "OOBKIT_SCHED_STORE"
	envSchedOut    = "OOBKIT_SCHED_OUT"
	envSchedTicks  = "OOBKIT_SCHED_TICKS"
)

var schedBase = time.Date(2024, 5, 1, 1, 0, 0, 0, time.UTC)

// tickThrough runs a scheduler over its own store on path through ticks
// minutes of a fake clock, recording each occurrence it runs.
func tickThrough(t *testing.T, path, owner string, ticks int, ran func(string)) {
	t.Helper()
	ctx := context.Background()
	clock := &fakeClock{now: schedBase}
	run := func(_ context.Context, rec ScheduleRecord, at time.Time) error {
		ran(rec.Name + " " + at.UTC().Format("15:04"))
		return nil
	}
	// The two fake clocks drift apart (each scheduler ticks at its own
	// pace), so the lease outlives any drift: no occurrence is taken over
	// from a live holder, and any second run would be a lost update.
	d := NewDurableScheduler(NewFileScheduleStore(path), run, DurableOptions{Owner: owner, Clock: clock, Poll: time.Hour, Lease: 24 * time.Hour})
	for i := 1; i <= ticks; i++ {
		clock.set(schedBase.Add(time.Duration(i) * time.Minute))
		_, err := d.Tick(ctx)
		require.NoError(t, err)
		d.Wait()
	}
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// addEveryMinute creates the store file with one schedule due every minute.
func addEveryMinute(t *testing.T, path string) {
	t.Helper()
	d := NewDurableScheduler(NewFileScheduleStore(path), nil, DurableOptions{Clock: &fakeClock{now: schedBase}})
	require.NoError(t, d.Add(context.Background(), ScheduleRecord{Name: "minutely", Spec: "* * * * *"}))
}

// checkOnce asserts that no occurrence ran twice and that the store counted
// every run.
func checkOnce(t *testing.T, path string, ran []string) {
	t.Helper()
	occ := map[string][]string{}
	for _, r := range ran {
		owner, what, _ := strings.Cut(r, ": ")
		occ[what] = append(occ[what], owner)
	}
	for what, owners := range occ {
		assert.Len(t, owners, 1, "%s ran on %v", what, owners)
	}
	rec := getRecord(t, NewFileScheduleStore(path), "minutely")
	assert.Equal(t, int64(len(ran)), rec.Runs, "every run claimed in the store")
	assert.Zero(t, rec.Takeovers)
	assert.NotEmpty(t, ran)
}

// TestFileSchedulesTwoStoresOneFile: two schedulers, each with its own
// store on the same file (so only the flock orders them, as between two
// processes), tick through the same occurrences at once: each occurrence
// runs on one of them only.
func TestFileSchedulesTwoStoresOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "schedules.json")
	addEveryMinute(t, path)
	var mu sync.Mutex
	var ran []string
	var wg sync.WaitGroup
	for _, owner := range []string{"a", "b"} {
		wg.Go(func() {
			tickThrough(t, path, owner, 60, func(s string) {
				mu.Lock()
				ran = append(ran, owner+": "+s)
				mu.Unlock()
			})
		})
	}
	wg.Wait()
	checkOnce(t, path, ran)
}

// TestHelperScheduler is not a test on its own: it is the child process of
// TestFileSchedulesTwoProcesses and returns at once otherwise.
func TestHelperScheduler(t *testing.T) {
	owner := os.Getenv(envSchedHelper)
	if owner == "" {
		return
	}
	n, err := strconv.Atoi(os.Getenv(envSchedTicks))
	require.NoError(t, err)
	out, err := os.OpenFile(os.Getenv(envSchedOut), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	require.NoError(t, err)
	defer out.Close()
	tickThrough(t, os.Getenv(envSchedStore), owner, n, func(s string) {
		_, err := fmt.Fprintf(out, "%s: %s\n", owner, s)
		require.NoError(t, err)
	})
}

// TestFileSchedulesTwoProcesses: two processes share a schedule file and
// tick through the same occurrences at once; each occurrence runs in one
// process only, and the file counts every run.
func TestFileSchedulesTwoProcesses(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "schedules.json")
	addEveryMinute(t, path)
	var cmds []*exec.Cmd
	for _, owner := range []string{"p1", "p2"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperScheduler$", "-test.count=1")
		cmd.Env = append(os.Environ(), envSchedHelper+"="+owner, envSchedStore+"="+path,
			envSchedOut+"="+filepath.Join(dir, owner+".out"), envSchedTicks+"=120")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		require.NoError(t, cmd.Start())
		cmds = append(cmds, cmd)
	}
	for _, c := range cmds {
		require.NoError(t, c.Wait())
	}
	var ran []string
	for _, owner := range []string{"p1", "p2"} {
		b, err := os.ReadFile(filepath.Join(dir, owner+".out"))
		if !os.IsNotExist(err) {
			require.NoError(t, err)
		}
		ran = append(ran, strings.Split(strings.TrimSpace(string(b)), "\n")...)
	}
	ran = slices.DeleteFunc(ran, func(s string) bool { return s == "" })
	checkOnce(t, path, ran)
}
