package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/simfleet"
	"github.com/oobkit/oobkit/tasks"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
// demoApp returns an app for calling runDemo directly: no input, output
// to buffers, no environment, a one-minute deadline per computer.
func demoApp() *app {
	a := &app{stdin: strings.NewReader(""), stdout: &syncBuffer{}, stderr: &syncBuffer{}, getenv: func(string) string { return "" }}
	a.opt.concurrency, a.opt.timeout = 64, time.Minute
	return a
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

// cli is one oobctl invocation's outcome.
type cli struct {
	code           int
	stdout, stderr string
}

// oobctl runs oobctl in-process with OOBKIT_PASSWORD set to the simulated
// fleet's password.
func oobctl(t *testing.T, stdin io.Reader, args ...string) cli {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return oobctlCtx(ctx, stdin, args...)
}

func oobctlCtx(ctx context.Context, stdin io.Reader, args ...string) cli {
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var out, errw syncBuffer
	env := func(k string) string {
		if k == "OOBKIT_PASSWORD" {
			return simfleet.Password
		}
		return ""
	}
	code := run(ctx, args, stdin, &out, &errw, env)
	return cli{code: code, stdout: out.String(), stderr: errw.String()}
}

// startFleet starts a simulated fleet and writes its targets file.
func startFleet(t *testing.T, cfg simfleet.Config) (*simfleet.Fleet, string) {
	t.Helper()
	f, err := simfleet.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, f.Close()) })
	data, err := yaml.Marshal(f.Targets())
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "targets.yaml")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return f, path
}

// decodeReport parses a --json report.
func decodeReport(t *testing.T, out string) *tasks.Report {
	t.Helper()
	var raw struct {
		Results []struct {
			Target, Status, Class, Step, Protocol string
			Steps                                 []struct {
				ID, Status string
				Output     json.RawMessage
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &raw), out)
	rep := &tasks.Report{}
	for _, r := range raw.Results {
		res := tasks.Result{Target: r.Target, Status: tasks.Status(r.Status), Class: r.Class, Step: r.Step, Protocol: oobkit.Protocol(r.Protocol)}
		for _, s := range r.Steps {
			res.Steps = append(res.Steps, tasks.StepResult{ID: s.ID, Status: tasks.Status(s.Status), Output: s.Output})
		}
		rep.Results = append(rep.Results, res)
	}
	return rep
}

// stepOutput decodes the output of step id of a decoded result into v.
func stepOutput(t *testing.T, r tasks.Result, id string, v any) {
	t.Helper()
	for _, s := range r.Steps {
		if s.ID == id {
			require.NoError(t, json.Unmarshal(s.Output.(json.RawMessage), v))
			return
		}
	}
	t.Fatalf("%s: no step %q", r.Target, id)
}
