package tasks

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

const sampleJobYAML = `
name: maintenance
onError: continue
timeout: 5m
protocols: [amt, ipmi]
steps:
  - id: on
    task: power
    with: {action: on, boot: {device: pxe, lockKeyboard: true}}
  - task: inventory
  - task: portcheck
    with: {ports: [16992, 623], timeout: 500ms}
  - task: alerts
    continueOnError: true
    with:
      config:
        destinations: [{delivery: snmp, address: 192.0.2.10, port: 162}]
  - id: restore
    task: power
    with: {restore: on}
`

func TestParseJobYAML(t *testing.T) {
	j, err := ParseJob([]byte(sampleJobYAML))
	require.NoError(t, err)
	assert.Equal(t, "maintenance", j.Name)
	assert.Equal(t, Continue, j.OnError)
	assert.Equal(t, Duration(5*time.Minute), j.Timeout)
	assert.Equal(t, []oobkit.Protocol{oobkit.AMT, oobkit.IPMI}, j.Protocols)
	require.Len(t, j.Steps, 5)
	on := j.Steps[0].Task.(*PowerTask)
	assert.Equal(t, oobkit.ActionOn, on.Action)
	assert.Equal(t, oobkit.BootPXE, on.Boot.Device)
	assert.True(t, on.Boot.LockKeyboard)
	assert.Equal(t, "1", j.Steps[1].ID, "missing ids default to the index")
	pc := j.Steps[2].Task.(*PortCheckTask)
	assert.Equal(t, []int{16992, 623}, pc.Ports)
	assert.Equal(t, Duration(500*time.Millisecond), pc.Timeout)
	assert.True(t, j.Steps[3].ContinueOnError)
	assert.Equal(t, "192.0.2.10", j.Steps[3].Task.(*AlertSettingsTask).Config.Destinations[0].Address)
	assert.Equal(t, "on", j.Steps[4].Task.(*PowerTask).Restore)

	// JSON round trip: what tasks/jetstream ships to workers.
	b, err := json.Marshal(j)
	require.NoError(t, err)
	j2, err := ParseJob(b)
	require.NoError(t, err)
	b2, err := json.Marshal(j2)
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(b2))
}

func TestParseJobErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"no steps", `name: x`, "no steps"},
		{"unknown kind", `{name: x, steps: [{task: teleport}]}`, "unknown task kind"},
		{"unknown field", `{name: x, steps: [{task: power, with: {action: on, colour: red}}]}`, "unknown field"},
		{"unknown top field", `{name: x, retries: 3, steps: [{task: inventory}]}`, "unknown field"},
		{"bad action", `{name: x, steps: [{task: power, with: {action: explode}}]}`, "unknown power action"},
		{"restore forward", `{name: x, steps: [{task: power, with: {restore: later}}, {id: later, task: power, with: {action: on}}]}`, "not an earlier power step"},
		{"restore non-power", `{name: x, steps: [{id: inv, task: inventory}, {task: power, with: {restore: inv}}]}`, "not an earlier power step"},
		{"both", `{name: x, steps: [{id: a, task: power, with: {action: on}}, {task: power, with: {action: off, restore: a}}]}`, "either action or restore"},
		{"dup ids", `{name: x, steps: [{id: a, task: inventory}, {id: a, task: discover}]}`, "two steps"},
		{"bad policy", `{name: x, onError: maybe, steps: [{task: inventory}]}`, "onError"},
		{"bad protocol", `{name: x, protocols: [telnet], steps: [{task: inventory}]}`, "unknown protocol"},
		{"bad port", `{name: x, steps: [{task: portcheck, with: {ports: [70000]}}]}`, "out of range"},
		{"bad duration", `{name: x, timeout: soon, steps: [{task: inventory}]}`, "invalid"},
		{"no alert destination", `{name: x, steps: [{task: alerts}]}`, "no destination"},
		{"not yaml", "name: [", "line 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseJob([]byte(tc.doc))
			require.Error(t, err)
			assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestParseJobLines: errors say on which line of the file the step or key
// at fault is, and name the file's fault once.
func TestParseJobLines(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"bad step", "name: j\nsteps:\n  - task: powerstate\n  - task: power\n    with:\n      action: sideways\n", "line 4: "},
		{"unknown top key", "name: j\nretries: 3\nsteps:\n  - task: powerstate\n", "line 2: "},
		{"invalid step", "name: j\nsteps:\n  - task: powerstate\n  - id: p\n    task: portcheck\n    with: {ports: [70000]}\n", "line 4: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseJob([]byte(tc.doc))
			require.Error(t, err)
			assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
			assert.True(t, strings.HasPrefix(err.Error(), tc.want), err.Error())
			assert.Equal(t, 1, strings.Count(err.Error(), "invalid argument"), err.Error())
		})
	}
}

func TestKindsRegistered(t *testing.T) {
	assert.Equal(t, []string{"alerts", "bios", "boot", "discover", "domainpassword", "eventlog", "filter", "ider", "inventory", "password", "portcheck", "power", "powerstate", "process", "service", "sol", "traceroute", "users"}, Kinds())
}

// FuzzParseJob: job files come from operators and other machines; parsing
// must never panic, and what parses must survive a JSON round trip.
func FuzzParseJob(f *testing.F) {
	f.Add([]byte(sampleJobYAML))
	f.Add([]byte(`{"name":"j","steps":[{"task":"powerstate"}]}`))
	f.Add([]byte(`{name: x, steps: [{task: power, with: {restore: a}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		j, err := ParseJob(data)
		if err != nil {
			return
		}
		b, err := json.Marshal(j)
		require.NoError(t, err)
		_, err = ParseJob(b)
		require.NoError(t, err)
	})
}
