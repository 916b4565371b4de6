package tasks

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// TestSkipUnsupportedMixedFleet runs one job over a mixed fleet: the System
// Defense step (no fake client offers it, as no IPMI, DASH or WMI computer
// does) is reported skipped, class unsupported, on every computer, and the
// steps after it run; without SkipUnsupported the same step fails the
// target and stops it.
func TestSkipUnsupportedMixedFleet(t *testing.T) {
	f := newFleet()
	var targets []oobkit.Target
	for i, p := range []oobkit.Protocol{oobkit.IPMI, oobkit.DASH, oobkit.WMI} {
		targets = append(targets, f.add(string(rune('a'+i))+"-"+string(p), newDevice(oobkit.PowerS0, p)))
	}
	r := testRunner(f, goodCreds(allProtos...))
	steps := func(skip bool) []Step {
		return []Step{
			{ID: "before", Task: &PowerStateTask{}},
			{ID: "filter", Task: &NetworkFilterTask{Policy: FilterStatus}, SkipUnsupported: skip},
			{ID: "after", Task: &PowerStateTask{}},
		}
	}
	rep, err := r.Run(context.Background(), &Job{Name: "mixed", Steps: steps(true)}, targets)
	require.NoError(t, err)
	for _, res := range rep.Results {
		assert.Equal(t, StatusOK, res.Status, res.Target)
		require.Len(t, res.Steps, 3)
		assert.Equal(t, StatusOK, res.Steps[0].Status, res.Target)
		assert.Equal(t, StatusSkipped, res.Steps[1].Status, res.Target)
		assert.Equal(t, "unsupported", res.Steps[1].Class, res.Target)
		assert.ErrorIs(t, res.Steps[1].Err(), oobkit.ErrUnsupported, res.Target)
		assert.Equal(t, StatusOK, res.Steps[2].Status, res.Target)
	}

	rep, err = r.Run(context.Background(), &Job{Name: "strict", Steps: steps(false)}, targets)
	require.NoError(t, err)
	for _, res := range rep.Results {
		assert.Equal(t, StatusFailed, res.Status, res.Target)
		assert.Equal(t, "filter", res.Step, res.Target)
		assert.Equal(t, StatusNotRun, res.Steps[2].Status, res.Target)
	}
}

// TestSkipUnsupportedJSON: the flag travels in job files.
func TestSkipUnsupportedJSON(t *testing.T) {
	var j Job
	require.NoError(t, json.Unmarshal([]byte(`{"name":"j","steps":[{"task":"powerstate","skipUnsupported":true}]}`), &j))
	require.Len(t, j.Steps, 1)
	assert.True(t, j.Steps[0].SkipUnsupported)
	b, err := json.Marshal(j)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"skipUnsupported":true`)
}
