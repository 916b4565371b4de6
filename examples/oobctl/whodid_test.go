package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/profile"
	"github.com/oobkit/oobkit/simfleet"
	"github.com/oobkit/oobkit/tasks"
)

// TestSOLTeachesLaterTaskAndActivityLog: the field notes, "Authentication
// Troubleshooting" step 11: "try rerunning with the Runtime Profile. This
// contains all known good authentication attempts to the system from either
// Task Server or RTSM." A one-to-one SOL session with a chosen profile
// teaches oobctl's runtime profile (kept in <store>.runtime), a later power
// command with no profile chosen uses it, the report grid says so, and the
// activity log shows both operations, who ran them and with which protocol.
func TestSOLTeachesLaterTaskAndActivityLog(t *testing.T) {
	f, _ := startFleet(t, simfleet.Config{AMT: 1})
	c := f.Computers[0]
	targets := writeTargets(t, c.Target)
	dir := t.TempDir()
	store, logPath := filepath.Join(dir, "profiles"), filepath.Join(dir, "activity.jsonl")
	st, err := profile.OpenFile(store)
	require.NoError(t, err)
	redir := profile.Profile{Name: "redir"}
	require.NoError(t, redir.Enable(oobkit.Redirection, oobkit.UserPassword(simfleet.User, simfleet.Password)))
	require.NoError(t, st.Put(context.Background(), redir))

	res := oobctl(t, strings.NewReader("hello\r\n"), "--targets-file", targets, "--profile-store", store, "--profile", "redir",
		"--activity-log", logPath, "--operator", "alice", "sol", "--quiet", "500ms")
	require.Equal(t, exitOK, res.code, res.stderr)

	res = oobctl(t, nil, "--profile-store", store, "--json", "profile", "runtime")
	require.Equal(t, exitOK, res.code, res.stderr)
	var rows []struct{ Target, Protocol, Profile, Origin string }
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &rows), res.stdout)
	require.Len(t, rows, 1)
	assert.Equal(t, "redirection", rows[0].Protocol)
	assert.Equal(t, "one-to-one", rows[0].Origin)
	assert.NotContains(t, res.stdout, simfleet.Password)

	res = oobctl(t, nil, "--targets-file", targets, "--profile-store", store, "--protocols", "amt",
		"--activity-log", logPath, "--operator", "bob", "--json", "power", "status")
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	report := filepath.Join(dir, "report.json")
	require.NoError(t, os.WriteFile(report, []byte(res.stdout), 0o600))

	res = oobctl(t, nil, "job", "show", report)
	require.Equal(t, exitOK, res.code, res.stderr)
	assert.Regexp(t, `STATUS +CODE +CLASS +DEVICE +STEP +PROTOCOL +CREDENTIAL`, res.stdout)
	assert.Regexp(t, `ok +0 +ok +- +- +amt +runtime:redir`, res.stdout)

	res = oobctl(t, nil, "--activity-log", logPath, "--json", "activity")
	require.Equal(t, exitOK, res.code, res.stderr)
	var recs []struct{ Operator, Protocol, Operation, Outcome, Credential string }
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &recs), res.stdout)
	require.Len(t, recs, 2)
	assert.Equal(t, []string{"alice", "redirection", "sol", "ok", "explicit:redir"},
		[]string{recs[0].Operator, recs[0].Protocol, recs[0].Operation, recs[0].Outcome, recs[0].Credential})
	assert.Equal(t, []string{"bob", "amt", "powerstate", "ok", "runtime:redir"},
		[]string{recs[1].Operator, recs[1].Protocol, recs[1].Operation, recs[1].Outcome, recs[1].Credential})
	res = oobctl(t, nil, "--activity-log", logPath, "activity", "--operator-is", "bob", "--protocol", "amt", "--since", "1h")
	require.Equal(t, exitOK, res.code, res.stderr)
	assert.Contains(t, res.stdout, "powerstate")
	assert.NotContains(t, res.stdout, "sol")
	raw, err := os.ReadFile(logPath)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), simfleet.Password)

	res = oobctl(t, nil, "--activity-log", logPath, "activity", "purge", "--max-age", "720h")
	require.Equal(t, exitOK, res.code, res.stderr)
	assert.Contains(t, res.stdout, "purged 0 segment")
}

// TestJobShowFailed: the field notes, "Determining Cause of Failure":
// "Task Server's actual failure code is buried deep in a series of status
// windows" and "Now you'll get a grid with the status of the Task, including
// the status and return code, if present." job show prints that grid from a
// saved report in one look, --failed only the failures.
func TestJobShowFailed(t *testing.T) {
	rep := tasks.Report{Job: "wake", Started: time.Now(), Finished: time.Now(), Results: []tasks.Result{
		{Target: "pc-1", Address: "10.0.0.1", Status: tasks.StatusOK, Class: "ok", Protocol: oobkit.AMT},
		{Target: "pc-2", Address: "10.0.0.2", Status: tasks.StatusFailed, Code: oobkit.ReturnCode(oobkit.ErrAuth), Class: "auth",
			DeviceCode: "401", Step: "on", Protocol: "", Error: "amt: connect: refused",
			Credentials: []tasks.CredentialAttempt{{Protocol: oobkit.AMT, Source: "task", Profile: "ops", Outcome: tasks.CredentialRefused},
				{Protocol: oobkit.AMT, Source: "default", Profile: "site", Outcome: tasks.CredentialRefused}}},
		{Target: "pc-3", Address: "10.0.0.3", Status: tasks.StatusSkipped, Code: oobkit.ReturnCode(oobkit.ErrUnreachable), Class: "unreachable"},
	}}
	b, err := json.Marshal(rep)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "report.json")
	require.NoError(t, os.WriteFile(path, b, 0o600))

	res := oobctl(t, nil, "job", "show", path, "--failed")
	require.Equal(t, exitOK, res.code, res.stderr)
	assert.NotContains(t, res.stdout, "pc-1")
	assert.Regexp(t, `pc-2 +10\.0\.0\.2 +failed +\d+ +auth +401 +on +- +refused task:ops,default:site +amt: connect: refused`, res.stdout)
	assert.Regexp(t, `pc-3 +10\.0\.0\.3 +skipped +\d+ +unreachable`, res.stdout)

	res = oobctl(t, nil, "job", "show", path)
	assert.Contains(t, res.stdout, "pc-1")
	res = oobctl(t, nil, "job", "show", filepath.Join(t.TempDir(), "absent.json"))
	assert.Equal(t, exitSetup, res.code)
}
