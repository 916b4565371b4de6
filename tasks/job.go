package tasks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/oobkit/oobkit"
)

// OnError says what a target does when one of its steps fails.
type OnError string

// OnError policies.
const (
	// Stop skips the target's remaining steps (they report not-run). The default.
	Stop OnError = "stop"
	// Continue runs the target's remaining steps anyway.
	Continue OnError = "continue"
)

// Job is an ordered list of steps run on every target. Each target runs the
// steps in order, on its own; a step may read the output of an earlier step
// of the same target (see [PowerTask.Restore]).
//
// In a job file (YAML or JSON):
//
//	name: maintenance
//	onError: continue
//	timeout: 5m
//	steps:
//	  - id: on
//	    task: power
//	    with: {action: on}
//	  - task: inventory
//	  - task: power
//	    always: true          # clean-up: runs even when an earlier step failed
//	    with: {restore: on}
type Job struct {
	// Name identifies the job in reports, schedules and the activity log.
	Name string `json:"name"`
	// Steps run in order on each target.
	Steps []Step `json:"steps"`
	// OnError is the per-target failure policy; empty means [Stop].
	OnError OnError `json:"onError,omitempty"`
	// Protocols limits and orders the protocols used; empty means every
	// protocol the connector has, in its order.
	Protocols []oobkit.Protocol `json:"protocols,omitempty"`
	// Timeout is the per-target deadline for the whole job; zero means the
	// runner's.
	Timeout Duration `json:"timeout,omitempty"`
	// Credentials are the job's task-specified credentials, tried before
	// any other by every step (all AMT functions of the job, or whichever
	// protocols they enable); nil for none.
	Credentials *JobCredentials `json:"credentials,omitempty"`
}

// Step is one task of a job.
type Step struct {
	// ID names the step so later steps can read its output; it defaults to
	// the step's index ("0", "1"…).
	ID string
	// Task is what the step does.
	Task Task
	// ContinueOnError runs the following steps even when this one fails,
	// whatever the job's OnError.
	ContinueOnError bool
	// Always marks a clean-up step: it runs whatever happened before it — an
	// earlier step that failed, the per-target deadline that passed, even a
	// job the caller canceled — so a job never leaves a computer quarantined
	// or powered on because a step in the middle failed. The guide's sample
	// job ends with two such steps (remove the filter, restore the power
	// state). After a deadline or a cancellation a clean-up step runs under
	// its own bounded deadline ([WithCleanupTimeout]).
	Always bool
	// SkipUnsupported lets a mixed fleet run one job: on a computer that
	// lacks the step's capability (every protocol it has answers, or its
	// client says, [oobkit.ErrUnsupported]) the step is reported
	// [StatusSkipped] with class "unsupported" and the following steps run,
	// instead of failing the target. Any other error fails the step as
	// usual.
	SkipUnsupported bool
	// Credentials are task-specified credentials for this step alone: for
	// the protocols they cover they replace the job's [Job].Credentials
	// during the step (tried first, before the run's profile, the default
	// and the runtime profile); the job's still apply to the others. A
	// connection the step opens with them is not kept for later steps.
	Credentials *JobCredentials
}

type stepJSON struct {
	ID              string          `json:"id,omitempty"`
	Task            string          `json:"task"`
	With            json.RawMessage `json:"with,omitempty"`
	ContinueOnError bool            `json:"continueOnError,omitempty"`
	Always          bool            `json:"always,omitempty"`
	SkipUnsupported bool            `json:"skipUnsupported,omitempty"`
	Credentials     *JobCredentials `json:"credentials,omitempty"`
}

// MarshalJSON writes {"id", "task": kind, "with": parameters}.
func (s Step) MarshalJSON() ([]byte, error) {
	if s.Task == nil {
		return nil, fmt.Errorf("%w: step %q has no task", oobkit.ErrInvalidArgument, s.ID)
	}
	with, err := json.Marshal(s.Task)
	if err != nil {
		return nil, err
	}
	if string(with) == "{}" || string(with) == "null" {
		with = nil
	}
	return json.Marshal(stepJSON{ID: s.ID, Task: s.Task.Kind(), With: with, ContinueOnError: s.ContinueOnError, Always: s.Always, SkipUnsupported: s.SkipUnsupported, Credentials: s.Credentials})
}

// UnmarshalJSON reads a step, building the task from its kind.
func (s *Step) UnmarshalJSON(b []byte) error {
	var sj stepJSON
	if err := strictJSON(b, &sj); err != nil {
		return err
	}
	if sj.Task == "" {
		return fmt.Errorf("%w: step %q has no task kind", oobkit.ErrInvalidArgument, sj.ID)
	}
	t, err := newTaskOfKind(sj.Task)
	if err != nil {
		return err
	}
	if len(sj.With) > 0 && string(sj.With) != "null" {
		if err := strictJSON(sj.With, t); err != nil {
			return fmt.Errorf("step %q (%s): %w", sj.ID, sj.Task, err)
		}
	}
	*s = Step{ID: sj.ID, Task: t, ContinueOnError: sj.ContinueOnError, Always: sj.Always, SkipUnsupported: sj.SkipUnsupported, Credentials: sj.Credentials}
	return nil
}

func strictJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return invalidArgument("", err)
	}
	return nil
}

// Validate checks the job: at least one step, unique ids, a valid failure
// policy, every task's own checks, and that a power restore names an earlier
// power step. It fills in missing step ids.
func (j *Job) Validate() error {
	if len(j.Steps) == 0 {
		return fmt.Errorf("%w: job %q has no steps", oobkit.ErrInvalidArgument, j.Name)
	}
	switch j.OnError {
	case "", Stop, Continue:
	default:
		return fmt.Errorf("%w: job %q: onError must be stop or continue, not %q", oobkit.ErrInvalidArgument, j.Name, j.OnError)
	}
	for _, p := range j.Protocols {
		if !p.Valid() {
			return fmt.Errorf("%w: job %q: unknown protocol %q", oobkit.ErrInvalidArgument, j.Name, p)
		}
	}
	if err := j.Credentials.Validate(); err != nil {
		return fmt.Errorf("job %q: %w", j.Name, err)
	}
	seen := map[string]Task{}
	for i := range j.Steps {
		st := &j.Steps[i]
		if st.ID == "" {
			st.ID = strconv.Itoa(i)
		}
		if st.Task == nil {
			return fmt.Errorf("%w: job %q: step %q has no task", oobkit.ErrInvalidArgument, j.Name, st.ID)
		}
		if _, dup := seen[st.ID]; dup {
			return fmt.Errorf("%w: job %q: two steps have id %q", oobkit.ErrInvalidArgument, j.Name, st.ID)
		}
		if v, ok := st.Task.(Validator); ok {
			if err := v.Validate(); err != nil {
				return fmt.Errorf("job %q: step %q: %w", j.Name, st.ID, err)
			}
		}
		if err := st.Credentials.Validate(); err != nil {
			return fmt.Errorf("job %q: step %q: %w", j.Name, st.ID, err)
		}
		if pt, ok := st.Task.(*PowerTask); ok && pt.Restore != "" {
			if err := j.checkRestore(i, st.ID, pt.Restore, seen); err != nil {
				return err
			}
		}
		seen[st.ID] = st.Task
	}
	return nil
}

// checkRestore checks that step i (id) restores an earlier power step of
// the job: the guide's Restore State "lets you restore the power state that
// you changed by running another power management task earlier in the
// server job", and "You cannot use this power action in a standalone task."
func (j *Job) checkRestore(i int, id, ref string, seen map[string]Task) error {
	const why = "Restore State returns computers to the state an earlier power step of the same job found, and cannot run without one"
	fail := func(what string) error {
		return fmt.Errorf("%w: job %q: step %q restores %q, which is not an earlier power step (%s); %s", oobkit.ErrInvalidArgument, j.Name, id, ref, what, why)
	}
	if prev, ok := seen[ref]; ok {
		if _, ok := prev.(*PowerTask); !ok {
			return fail(fmt.Sprintf("a %s step", prev.Kind()))
		}
		return nil
	}
	if ref == id {
		return fail("the step itself")
	}
	for _, later := range j.Steps[i+1:] {
		if later.ID == ref {
			return fail("a later step")
		}
	}
	return fail("a step the job does not have")
}

// ParseJob reads a job from YAML or JSON (JSON is YAML) and validates it.
// Unknown fields are errors, so a misspelt option is not silently ignored.
// Errors wrap [oobkit.ErrInvalidArgument] and, where the file says where,
// start with its line ("line 4: step \"\" (power): …").
func ParseJob(data []byte) (*Job, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%w: %v", oobkit.ErrInvalidArgument, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var doc any
	if err := root.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %v", oobkit.ErrInvalidArgument, err)
	}
	b, err := json.Marshal(jsonable(doc))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", oobkit.ErrInvalidArgument, err)
	}
	var j Job
	if err := strictJSON(b, &j); err != nil {
		return nil, locateStepError(&root, err)
	}
	if err := j.Validate(); err != nil {
		steps := stepNodes(&root)
		for i, st := range j.Steps {
			if i < len(steps) && strings.Contains(err.Error(), fmt.Sprintf("step %q", st.ID)) {
				return nil, fmt.Errorf("line %d: %w", steps[i].Line, err)
			}
		}
		return nil, err
	}
	return &j, nil
}

// stepNodes returns the YAML nodes of a job document's steps.
func stepNodes(root *yaml.Node) []*yaml.Node {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "steps" && n.Content[i+1].Kind == yaml.SequenceNode {
			return n.Content[i+1].Content
		}
	}
	return nil
}

// locateStepError finds where in the file err comes from: the step that
// does not decode on its own, or the key an unknown-field error names.
func locateStepError(root *yaml.Node, err error) error {
	for _, sn := range stepNodes(root) {
		var doc any
		if sn.Decode(&doc) != nil {
			continue
		}
		b, jerr := json.Marshal(jsonable(doc))
		if jerr != nil {
			continue
		}
		var st Step
		if serr := json.Unmarshal(b, &st); serr != nil {
			return fmt.Errorf("line %d: %w", sn.Line, invalidArgument("", serr))
		}
	}
	if _, name, ok := strings.Cut(err.Error(), "unknown field "); ok {
		name = strings.Trim(name, `"`)
		if line := keyLine(root, name); line > 0 {
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
	return err
}

// keyLine returns the line of the first mapping key called name, or 0.
func keyLine(n *yaml.Node, name string) int {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == name {
				return n.Content[i].Line
			}
		}
	}
	for _, c := range n.Content {
		if l := keyLine(c, name); l > 0 {
			return l
		}
	}
	return 0
}

// LoadJob reads and parses a job file.
func LoadJob(path string) (*Job, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseJob(b)
}

// jsonable turns YAML's generic values into ones encoding/json accepts
// (maps with non-string keys get their keys printed).
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonable(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = jsonable(e)
		}
		return x
	}
	return v
}
