package tasks

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// Every built-in kind has its output type registered, a pointer to a
// struct named after the task ("power" → *PowerOutput).
func TestEveryKindHasAnOutputType(t *testing.T) {
	for _, k := range Kinds() {
		v, ok := NewOutput(k)
		require.True(t, ok, "kind %q has no output type", k)
		rt := reflect.TypeOf(v)
		require.Equal(t, reflect.Pointer, rt.Kind(), k)
		task, err := newTaskOfKind(k)
		require.NoError(t, err)
		name := reflect.TypeOf(task).Elem().Name()
		assert.Equal(t, name[:len(name)-len("Task")]+"Output", rt.Elem().Name(), k)
	}
	_, ok := NewOutput("no-such-kind")
	assert.False(t, ok)
}

// A report whose outputs crossed JetStream as JSON reads back typed (moved
// from oobctl's typedOutputs).
func TestDecodeOutputs(t *testing.T) {
	typed := &PowerStateOutput{State: oobkit.PowerS0}
	raw, err := json.Marshal(typed)
	require.NoError(t, err)
	rep := &Report{Results: []Result{{Steps: []StepResult{
		{Task: "powerstate", Output: json.RawMessage(raw)},
		{Task: "custom", Output: json.RawMessage(`{"a":1}`)},
		{Task: "power", Output: json.RawMessage("null")},
		{Task: "powerstate", Output: typed},
		{Task: "inventory", Output: json.RawMessage(`"not an object"`)},
		{Task: "powerstate", Output: map[string]any{"state": "S0"}}, // a report read back from a file
	}}}}
	rep.DecodeOutputs()
	steps := rep.Results[0].Steps
	assert.Equal(t, typed, steps[0].Output)
	assert.Equal(t, json.RawMessage(`{"a":1}`), steps[1].Output, "unknown kind stays JSON")
	assert.Equal(t, json.RawMessage("null"), steps[2].Output)
	assert.Same(t, typed, steps[3].Output, "typed output untouched")
	assert.Equal(t, json.RawMessage(`"not an object"`), steps[4].Output, "undecodable stays JSON")
	assert.Equal(t, typed, steps[5].Output)
}

func TestRegisterOutputReplaces(t *testing.T) {
	type custom struct{ N int }
	RegisterOutput("test-custom", func() any { return &custom{} })
	t.Cleanup(func() {
		kindsMu.Lock()
		delete(outputs, "test-custom")
		kindsMu.Unlock()
	})
	rep := &Report{Results: []Result{{Steps: []StepResult{{Task: "test-custom", Output: json.RawMessage(`{"N":3}`)}}}}}
	rep.DecodeOutputs()
	assert.Equal(t, &custom{N: 3}, rep.Results[0].Steps[0].Output)
}
