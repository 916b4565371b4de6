package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/simfleet"
)

type listedSchedule struct {
	Name, Spec, Missed string
	Runs, Skipped      int64
	Targets            []struct{ Address string }
}

func listSchedules(t *testing.T, args ...string) []listedSchedule {
	t.Helper()
	res := oobctl(t, nil, append([]string{"--json", "schedule", "list"}, args...)...)
	require.Equal(t, exitOK, res.code, res.stderr)
	var rows []listedSchedule
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &rows), res.stdout)
	return rows
}

func writeStatusJob(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "status.yaml")
	require.NoError(t, os.WriteFile(path, []byte("name: status\nsteps: [{id: state, task: powerstate}]\n"), 0o600))
	return path
}

// TestScheduleCommand: schedules added to a file survive the process that
// added them; `schedule run --once` runs what is due — a missed one-shot
// once with run-once, not at all with skip — and a second run finds
// nothing left to do; remove deletes.
func TestScheduleCommand(t *testing.T) {
	_, targets := startFleet(t, simfleet.Config{AMT: 1})
	store := filepath.Join(t.TempDir(), "schedules.json")
	job := writeStatusJob(t)
	past := "at " + time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)

	res := oobctl(t, nil, "--targets-file", targets, "schedule", "add", "--file", store, "missed", past, job)
	require.Equal(t, exitOK, res.code, res.stderr)
	res = oobctl(t, nil, "--targets-file", targets, "schedule", "add", "--file", store, "--missed", "skip", "skipper", past, job)
	require.Equal(t, exitOK, res.code, res.stderr)
	res = oobctl(t, nil, "--targets-file", targets, "schedule", "add", "--file", store, "nightly", "0 2 * * *", job)
	require.Equal(t, exitOK, res.code, res.stderr)
	res = oobctl(t, nil, "--targets-file", targets, "schedule", "add", "--file", store, "nightly", "@daily", job)
	assert.Equal(t, exitSetup, res.code, "a name is taken once")
	res = oobctl(t, nil, "--targets-file", targets, "schedule", "add", "--file", store, "--missed", "maybe", "x", "@daily", job)
	assert.Equal(t, exitUsage, res.code)
	res = oobctl(t, nil, "schedule", "add", "--file", store, "x", "@daily", job)
	assert.Equal(t, exitUsage, res.code, "no computers")

	rows := listSchedules(t, "--file", store)
	require.Len(t, rows, 3)
	assert.Equal(t, []string{"missed", "nightly", "skipper"}, []string{rows[0].Name, rows[1].Name, rows[2].Name})
	assert.Equal(t, "skip", rows[2].Missed)
	require.Len(t, rows[0].Targets, 1)

	res = oobctl(t, nil, "--user", simfleet.User, "--json", "schedule", "run", "--once", "--file", store)
	require.Equal(t, exitOK, res.code, res.stderr)
	rep := decodeReport(t, res.stdout)
	require.Len(t, rep.Results, 1)
	assert.Equal(t, "ok", string(rep.Results[0].Status))
	assert.Contains(t, res.stderr, "schedule missed: occurrence")
	assert.NotContains(t, res.stderr, "schedule skipper")
	assert.NotContains(t, res.stderr, "schedule nightly")

	rows = listSchedules(t, "--file", store)
	byName := map[string]listedSchedule{}
	for _, r := range rows {
		byName[r.Name] = r
	}
	assert.Equal(t, int64(1), byName["missed"].Runs)
	assert.Equal(t, int64(0), byName["skipper"].Runs)
	assert.Equal(t, int64(1), byName["skipper"].Skipped)
	assert.Equal(t, int64(0), byName["nightly"].Runs)

	res = oobctl(t, nil, "--user", simfleet.User, "schedule", "run", "--once", "--file", store)
	require.Equal(t, exitOK, res.code, res.stderr)
	assert.Empty(t, res.stdout, "nothing due any more")

	res = oobctl(t, nil, "schedule", "remove", "--file", store, "missed")
	require.Equal(t, exitOK, res.code, res.stderr)
	res = oobctl(t, nil, "schedule", "remove", "--file", store, "missed")
	assert.Equal(t, exitSetup, res.code)
	assert.Len(t, listSchedules(t, "--file", store), 2)

	res = oobctl(t, nil, "schedule", "list")
	assert.Equal(t, exitUsage, res.code, "no store named")
	res = oobctl(t, nil, "schedule", "frobnicate", "--file", store)
	assert.Equal(t, exitUsage, res.code)
}

// TestScheduleCommandOverNATS: with --nats the schedules live in the
// JetStream key-value bucket, and an occurrence is dispatched to the
// workers.
func TestScheduleCommandOverNATS(t *testing.T) {
	_, targets := startFleet(t, simfleet.Config{AMT: 1})
	url := startNATS(t)
	startWorkers(t, url, 1)
	job := writeStatusJob(t)
	past := "at " + time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	res := oobctl(t, nil, "--nats", url, "--targets-file", targets, "schedule", "add", "once", past, job)
	require.Equal(t, exitOK, res.code, res.stderr)
	rows := listSchedules(t, "--nats", url)
	require.Len(t, rows, 1)
	assert.Equal(t, "once", rows[0].Name)

	res = oobctl(t, nil, "--nats", url, "--operator", "carol", "--json", "schedule", "run", "--once")
	require.Equal(t, exitOK, res.code, res.stderr)
	rep := decodeReport(t, res.stdout)
	require.Len(t, rep.Results, 1)
	assert.Equal(t, "ok", string(rep.Results[0].Status), rep.Results[0].Error)

	// The worker logged the operation under the operator who dispatched
	// it, not under its own name.
	res = oobctl(t, nil, "--nats", url, "--json", "activity")
	require.Equal(t, exitOK, res.code, res.stderr)
	var recs []struct{ Operator, Operation string }
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &recs), res.stdout)
	require.NotEmpty(t, recs)
	for _, r := range recs {
		assert.Equal(t, "carol", r.Operator, r.Operation)
	}
	rows = listSchedules(t, "--nats", url)
	require.Len(t, rows, 1)
	assert.Equal(t, int64(1), rows[0].Runs)

	res = oobctl(t, nil, "--nats", url, "schedule", "remove", "once")
	require.Equal(t, exitOK, res.code, res.stderr)
	assert.Empty(t, listSchedules(t, "--nats", url))
}
