package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// TestResultErrSurvivesJSON: a Result read back from JSON (a saved report,
// or one collected over tasks/jetstream) gives an Err with the same text,
// class, return code and device code as the Result the runner returned.
func TestResultErrSurvivesJSON(t *testing.T) {
	job := &Job{Name: "status", Steps: []Step{{ID: "s", Task: &PowerStateTask{}}, {Task: &PowerStateTask{}}}}
	tg := oobkit.Target{Name: "pc-1", Address: "192.0.2.1"}
	tests := []struct {
		name  string
		err   error
		class error // nil: no class matches
	}{
		{"auth with a device code", &oobkit.Error{Protocol: oobkit.AMT, Op: "get", Class: oobkit.ErrAuth, DeviceCode: "0x801"}, oobkit.ErrAuth},
		{"busy, wrapped", fmt.Errorf("step: %w", &oobkit.Error{Class: oobkit.ErrBusy, Message: "SOL active"}), oobkit.ErrBusy},
		{"deadline", fmt.Errorf("%w: no answer", context.DeadlineExceeded), context.DeadlineExceeded},
		{"unclassified", errors.New("something odd"), nil},
		{"ok", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := StatusFailed
			if tc.err == nil {
				st = StatusOK
			}
			orig := NotRunResult(tg, job, st, tc.err)
			orig.Steps[0] = StepResult{ID: "s", Task: "powerstate", Status: st, Code: orig.Code, Class: orig.Class,
				DeviceCode: orig.DeviceCode, Error: orig.Error, err: tc.err}
			data, err := json.Marshal(orig)
			require.NoError(t, err)
			var back Result
			require.NoError(t, json.Unmarshal(data, &back))

			for _, pair := range []struct{ want, got error }{{orig.Err(), back.Err()}, {orig.Steps[0].Err(), back.Steps[0].Err()}} {
				if tc.err == nil {
					assert.NoError(t, pair.got)
					continue
				}
				require.Error(t, pair.got)
				assert.Equal(t, pair.want.Error(), pair.got.Error(), "same text")
				assert.Equal(t, oobkit.ReturnCode(pair.want), oobkit.ReturnCode(pair.got), "same code")
				assert.Equal(t, oobkit.ClassName(pair.want), oobkit.ClassName(pair.got), "same class")
				assert.Equal(t, oobkit.DeviceCode(pair.want), oobkit.DeviceCode(pair.got), "same device code")
				if tc.class != nil {
					assert.ErrorIs(t, pair.got, tc.class)
				}
			}
			assert.NoError(t, back.Steps[1].Err(), "a step not run has no error")
			assert.Equal(t, StatusNotRun, back.Steps[1].Status)
			again, err := json.Marshal(back)
			require.NoError(t, err)
			assert.JSONEq(t, string(data), string(again), "the JSON shape is unchanged by the round trip")
		})
	}
}

// TestDurationReadable: a Duration prints and writes as text, and reads
// both text and the numbers of nanoseconds older reports hold.
func TestDurationReadable(t *testing.T) {
	d := Duration(1500 * time.Millisecond)
	assert.Equal(t, "1.5s", d.String())
	assert.Equal(t, "1.5s", fmt.Sprint(d))
	b, err := json.Marshal(struct{ D Duration }{d})
	require.NoError(t, err)
	assert.JSONEq(t, `{"D":"1.5s"}`, string(b))
	for _, in := range []string{`"1.5s"`, `1500000000`, `1.5e9`} {
		var got Duration
		require.NoError(t, json.Unmarshal([]byte(in), &got), in)
		assert.Equal(t, d, got, in)
	}
	var bad Duration
	assert.ErrorIs(t, json.Unmarshal([]byte(`"soon"`), &bad), oobkit.ErrInvalidArgument)
	assert.ErrorIs(t, json.Unmarshal([]byte(`true`), &bad), oobkit.ErrInvalidArgument)
}
