package main

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"gopkg.in/yaml.v3"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/profile"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// oobsim writes a targets file whose computers answer, and a profile
// document a store imports; it stops when its context ends.
func TestRunWritesUsableFiles(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errw syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--amt", "4", "--ipmi", "1", "--dash", "1", "--wmi", "1", "--faults", "--dir", dir}, &out, &errw)
	}()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "Interrupt") }, 10*time.Second, 10*time.Millisecond)

	data, err := os.ReadFile(dir + "/targets.yaml")
	require.NoError(t, err)
	var targets []oobkit.Target
	require.NoError(t, yaml.Unmarshal(data, &targets))
	require.Len(t, targets, 7)
	for _, tg := range targets {
		require.NoError(t, tg.Validate())
		assert.NotEmpty(t, tg.Labels["protocols"], tg.Name)
	}
	assert.Equal(t, "auth", targets[3].Labels["fault"])

	f, err := os.Open(dir + "/profile.yaml")
	require.NoError(t, err)
	defer f.Close()
	st := profile.NewMemoryStore()
	n, err := profile.Import(context.Background(), st, f, profile.YAML)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	p, err := st.Get(context.Background(), "oobsim")
	require.NoError(t, err)
	assert.Equal(t, []oobkit.Protocol{oobkit.AMT, oobkit.DASH, oobkit.IPMI, oobkit.WMI, oobkit.Redirection}, p.Enabled())

	cancel()
	require.NoError(t, <-done)
}

// TestStopRemovesFiles: when oobsim stops (Ctrl-C ends its context), its
// temporary directory, with the profile document holding the simulator's
// password, is gone; in a directory the user gave, the files it wrote are.
func TestStopRemovesFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	given := t.TempDir()
	for _, args := range [][]string{{}, {"--dir", given}} {
		ctx, cancel := context.WithCancel(context.Background())
		var out, errw syncBuffer
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, append([]string{"--amt", "1", "--ipmi", "0", "--dash", "0", "--wmi", "0"}, args...), &out, &errw)
		}()
		require.Eventually(t, func() bool { return strings.Contains(out.String(), "Interrupt") }, 10*time.Second, 10*time.Millisecond)
		cancel()
		require.NoError(t, <-done)
	}
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "the temporary directory is removed")
	left, err = os.ReadDir(given)
	require.NoError(t, err)
	assert.Empty(t, left, "the files written to --dir are removed")
}

func TestBadFlags(t *testing.T) {
	var out, errw syncBuffer
	err := run(context.Background(), []string{"--amt", "x"}, &out, &errw)
	require.ErrorIs(t, err, errUsage)
	err = run(context.Background(), []string{"--amt", "2", "--faults"}, &out, &errw)
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}
