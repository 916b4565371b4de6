package jetstream

import (
	"encoding/json"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/tasks"
)

// workItem is one message of the work-queue stream: a job to run on one
// target. It carries the whole job (as tasks.ParseJob reads it), so a worker
// needs nothing but the message; it carries no credential, as each worker
// resolves its own.
type workItem struct {
	JobID  string          `json:"jobId"`
	Index  int             `json:"index"`
	Job    json.RawMessage `json:"job"`
	Target oobkit.Target   `json:"target"`
	// Deadline is when the dispatcher stops waiting; a worker runs the
	// target under it and drops items received after it.
	Deadline time.Time `json:"deadline,omitzero"`
	// Operator is who dispatched the job (activity.Operator of the
	// dispatcher's context): the worker runs the item under that operator,
	// so the activity log names the person who asked, not the worker's
	// service account.
	Operator string `json:"operator,omitempty"`
}

// startedEvent is what a worker announces when it starts a target.
type startedEvent struct {
	Index  int    `json:"index"`
	Worker string `json:"worker,omitempty"`
}

// decodeResult reads a result written by a worker. Step outputs are kept as
// the JSON the worker wrote (json.RawMessage), so the report marshals exactly
// as the worker's did; DecodeOutput reads one into its typed form.
func decodeResult(data []byte) (tasks.Result, error) {
	var res tasks.Result
	if err := json.Unmarshal(data, &res); err != nil {
		return res, err
	}
	var raw struct {
		Steps []struct {
			Output json.RawMessage `json:"output"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return res, err
	}
	for i := range res.Steps {
		if i < len(raw.Steps) && len(raw.Steps[i].Output) > 0 {
			res.Steps[i].Output = raw.Steps[i].Output
		}
	}
	return res, nil
}

// DecodeOutput reads the output of step stepID of a result collected by a
// [Dispatcher] into v (for example a *tasks.PowerStateOutput). Results that
// crossed JetStream hold each step's output as the JSON the worker wrote
// (a json.RawMessage); a result from the in-process runner holds the typed
// value, which DecodeOutput copies through JSON as well. It returns false
// when the step has no output.
func DecodeOutput(res *tasks.Result, stepID string, v any) (bool, error) {
	out := res.Output(stepID)
	if out == nil {
		return false, nil
	}
	raw, ok := out.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(out); err != nil {
			return false, err
		}
	}
	if string(raw) == "null" {
		return false, nil
	}
	return true, json.Unmarshal(raw, v)
}
