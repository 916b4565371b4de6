package jetstream

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/tasks"
)

func TestResultKeys(t *testing.T) {
	tests := []struct {
		job, key string
		index    int
		ok       bool
	}{
		{"abc", "abc.0", 0, true},
		{"abc", "abc.999", 999, true},
		{"abc", "abd.1", 0, false},
		{"abc", "abc.-1", 0, false},
		{"abc", "abc.x", 0, false},
		{"abc", "abc.1.2", 0, false},
		{"abc", "abc", 0, false},
	}
	for _, tc := range tests {
		i, ok := parseResultKey(tc.job, tc.key)
		assert.Equal(t, tc.ok, ok, tc.key)
		if tc.ok {
			assert.Equal(t, tc.index, i, tc.key)
			assert.Equal(t, tc.key, resultKey(tc.job, i))
		}
	}
}

func TestSiteTokens(t *testing.T) {
	tests := []struct {
		site string
		ok   bool
	}{
		{"paris", true}, {"dc-2_east", true}, {"", false}, {"a.b", false}, {"*", false}, {">", false},
		{"a b", false}, {"été", false}, {string(make([]byte, 65)), false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.ok, checkSite(tc.site) == nil, "%q", tc.site)
	}
	n := Names{}.withDefaults()
	assert.Equal(t, "oobkit.work.paris.j1", n.workSubject("paris", "j1"))
	assert.Equal(t, "oobkit.work.paris.>", n.siteFilter("paris"))
	assert.Equal(t, "oobkit.work.*.j1", n.jobFilter("j1"))
	assert.Equal(t, "$KV.oobkit_results.j1.>", n.kvJobSubject("j1"))
}

// TestJobCrossesTheWire: a job marshaled by the dispatcher is what a worker
// parses, steps, ids and parameters included.
func TestJobCrossesTheWire(t *testing.T) {
	job := &tasks.Job{Name: "maint", OnError: tasks.Continue, Timeout: tasks.Duration(90e9), Steps: []tasks.Step{
		{ID: "on", Task: &tasks.PowerTask{Action: oobkit.ActionOn}},
		{Task: &tasks.InventoryTask{}},
		{Task: &tasks.PowerTask{Restore: "on"}},
	}}
	require.NoError(t, job.Validate())
	b, err := json.Marshal(job)
	require.NoError(t, err)
	got, err := tasks.ParseJob(b)
	require.NoError(t, err)
	b2, err := json.Marshal(got)
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(b2))
}

func TestDecodeOutput(t *testing.T) {
	typed := tasks.Result{Steps: []tasks.StepResult{{ID: "s", Output: &tasks.PowerStateOutput{State: oobkit.PowerS0}}}}
	b, err := json.Marshal(typed)
	require.NoError(t, err)
	wire, err := decodeResult(b)
	require.NoError(t, err)
	require.IsType(t, json.RawMessage{}, wire.Steps[0].Output)
	for _, res := range []tasks.Result{typed, wire} {
		var out tasks.PowerStateOutput
		ok, err := DecodeOutput(&res, "s", &out)
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, oobkit.PowerS0, out.State)
		ok, err = DecodeOutput(&res, "missing", &out)
		assert.NoError(t, err)
		assert.False(t, ok)
	}
	b2, err := json.Marshal(wire)
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(b2), "a wire result marshals as the worker's did")

	// Every output of a collected report typed at once, by its task kind.
	wire.Steps[0].Task = "powerstate"
	rep := &tasks.Report{Results: []tasks.Result{wire}}
	rep.DecodeOutputs()
	assert.Equal(t, &tasks.PowerStateOutput{State: oobkit.PowerS0}, rep.Results[0].Steps[0].Output)
}

// FuzzDecodeResult: results come from the network (any writer of the
// bucket); decoding never panics and what decodes marshals again.
func FuzzDecodeResult(f *testing.F) {
	f.Add([]byte(`{"target":"a","status":"ok","steps":[{"id":"0","output":{"state":"S0"}}]}`))
	f.Add([]byte(`{"steps":[{"output":null},{"output":[1,2]}]}`))
	f.Add([]byte(`{"steps":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := decodeResult(data)
		if err != nil {
			return
		}
		_, err = json.Marshal(res)
		require.NoError(t, err)
		for _, st := range res.Steps {
			var v any
			_, _ = DecodeOutput(&res, st.ID, &v)
		}
	})
}

// FuzzWorkItem: work items come from the network; reading one and its job
// never panics.
func FuzzWorkItem(f *testing.F) {
	job, _ := json.Marshal(statusJob())
	item, _ := json.Marshal(workItem{JobID: "j1", Index: 3, Job: job, Target: oobkit.Target{Address: "192.0.2.1"}})
	f.Add(item)
	f.Add([]byte(`{"jobId":"j","index":-1,"job":"x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var it workItem
		if json.Unmarshal(data, &it) != nil || !validToken(it.JobID) {
			return
		}
		_ = resultKey(it.JobID, it.Index)
		if j, err := tasks.ParseJob(it.Job); err == nil {
			_ = canceledResult(it.Target, j, nil)
		}
	})
}
