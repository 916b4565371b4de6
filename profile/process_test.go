//go:build unix

package profile

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// Environment of the helper processes: the test binary re-executed with
// -test.run naming one TestHelper function.
const (
	envHelper = "OOBKIT_PROFILE_HELPER" // "writer" or "crasher"
	envPath   = "OOBKIT_PROFILE_STORE"
	envID     = "OOBKIT_PROFILE_ID"
	envCount  = "OOBKIT_PROFILE_COUNT"
	envBlock  = "OOBKIT_PROFILE_BLOCK_ON" // file whose rename the crasher blocks before
	envReady  = "OOBKIT_PROFILE_READY"    // marker the crasher creates when blocked
)

func helperCommand(t *testing.T, test string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// TestHelperWriter is not a test on its own: it is the child process of
// TestTwoProcessesWriteConcurrently and returns at once otherwise.
func TestHelperWriter(t *testing.T) {
	if os.Getenv(envHelper) != "writer" {
		return
	}
	n, err := strconv.Atoi(os.Getenv(envCount))
	require.NoError(t, err)
	s, err := OpenFile(os.Getenv(envPath))
	require.NoError(t, err)
	writeMany(t, s, os.Getenv(envID), n)
}

func writeMany(t *testing.T, s Store, id string, n int) {
	ctx := context.Background()
	for i := range n {
		name := fmt.Sprintf("%s-%03d", id, i)
		require.NoError(t, s.Put(ctx, amtProfile(name, "pw-"+name)))
	}
}

// TestTwoProcessesWriteConcurrently has two child processes and this one
// write to the same store file at the same time; every update must survive.
func TestTwoProcessesWriteConcurrently(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "shared.store")
	s, err := OpenFile(path) // creates the key file the children will read
	require.NoError(t, err)

	const each = 30
	ids := []string{"proc-a", "proc-b"}
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for _, id := range ids {
		cmd := helperCommand(t, "TestHelperWriter", envHelper+"=writer", envPath+"="+path, envID+"="+id,
			envCount+"="+strconv.Itoa(each))
		out := &strings.Builder{}
		cmd.Stdout, cmd.Stderr = out, out
		require.NoError(t, cmd.Start())
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		writeMany(t, s, "parent", each)
	}()
	wg.Wait()
	for i, cmd := range cmds {
		require.NoError(t, cmd.Wait(), "child %s:\n%s", ids[i], outs[i])
		require.Contains(t, outs[i].String(), "--- PASS: TestHelperWriter", "the child really ran")
	}

	list, err := s.List(context.Background())
	require.NoError(t, err)
	assert.Len(t, list, 3*each+1, "every update of every process is there (plus the built-in default)")
	for _, id := range append(ids, "parent") {
		for i := range each {
			name := fmt.Sprintf("%s-%03d", id, i)
			p, err := s.Get(context.Background(), name)
			require.NoError(t, err, name)
			c, _ := p.Credential(oobkit.AMT)
			assert.Equal(t, "pw-"+name, c.Password.Reveal())
		}
	}
}

// TestHelperCrasher is the child of TestCrashBetweenWriteAndRename: it
// writes one profile and blocks just before renaming the file named by
// envBlock, waiting to be killed.
func TestHelperCrasher(t *testing.T) {
	if os.Getenv(envHelper) != "crasher" {
		return
	}
	block := os.Getenv(envBlock)
	testHookBeforeRename = func(path string) {
		if path != block {
			return
		}
		require.NoError(t, os.WriteFile(os.Getenv(envReady), nil, 0o600))
		time.Sleep(time.Minute) // killed long before this ends
	}
	s, err := OpenFile(os.Getenv(envPath))
	require.NoError(t, err)
	require.NoError(t, s.Put(context.Background(), amtProfile("victim", "never-stored")))
	t.Fatal("the parent should have killed this process")
}

// TestCrashBetweenWriteAndRename kills a writer (SIGKILL) after it wrote and
// synced the new file but before the rename, both for the backup and the
// store file itself. The store must stay readable with its previous
// content, the lock must not stay held, and the next write must succeed and
// clean up the orphaned temporary file.
func TestCrashBetweenWriteAndRename(t *testing.T) {
	for _, target := range []string{"store", "backup"} {
		t.Run(target, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			path := filepath.Join(dir, "crash.store")
			s, err := OpenFile(path)
			require.NoError(t, err)
			require.NoError(t, s.Put(ctx, amtProfile("survivor", "kept")))
			require.NoError(t, s.Put(ctx, amtProfile("survivor2", "kept2")))
			before := mustRead(t, path)
			block := path
			if target == "backup" {
				block = backupPath(path)
			}
			ready := filepath.Join(dir, "ready")
			cmd := helperCommand(t, "TestHelperCrasher", envHelper+"=crasher", envPath+"="+path,
				envBlock+"="+block, envReady+"="+ready)
			out := &strings.Builder{}
			cmd.Stdout, cmd.Stderr = out, out
			require.NoError(t, cmd.Start())
			deadline := time.Now().Add(30 * time.Second)
			for {
				if _, err := os.Stat(ready); err == nil {
					break
				}
				if time.Now().After(deadline) {
					_ = cmd.Process.Kill()
					_ = cmd.Wait()
					t.Fatalf("the child never reached the rename:\n%s", out)
				}
				time.Sleep(5 * time.Millisecond)
			}
			require.NoError(t, cmd.Process.Kill())
			require.Error(t, cmd.Wait(), "the child died by SIGKILL")

			temps := globPrefix(t, dir, tempPrefix(block))
			assert.Len(t, temps, 1, "the crash left the written, unrenamed file behind")
			assert.Equal(t, before, mustRead(t, path), "the store file is the old version")

			s2, err := OpenFile(path)
			require.NoError(t, err, "the store is readable after the crash")
			list, err := s2.List(ctx)
			require.NoError(t, err)
			assert.Equal(t, []string{DefaultName, "survivor", "survivor2"}, names(list))

			ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			require.NoError(t, s2.Put(ctx, amtProfile("after", "crash")), "the lock died with the process")
			assert.Empty(t, globPrefix(t, dir, tempPrefix(block)), "the orphan was removed")
			bak, err := decodeStore(mustRead(t, backupPath(path)), mustKey(t, path+".key"))
			require.NoError(t, err)
			assert.Contains(t, bak.profiles, "survivor2")
		})
	}
}

func globPrefix(t *testing.T, dir, prefix string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			out = append(out, e.Name())
		}
	}
	return out
}
