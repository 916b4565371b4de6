package tasks

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// runFleetStatus runs a power-status job over targets under a job deadline
// of limit and checks what every fleet test proves first: the job ended
// within its deadline, and every target has exactly one result, in the
// order given.
func runFleetStatus(ctx context.Context, t *testing.T, r *Runner, targets []oobkit.Target, limit time.Duration) *Report {
	t.Helper()
	jobCtx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	rep, err := r.Run(jobCtx, &Job{Name: "status", Steps: []Step{{Task: &PowerStateTask{}}}}, targets)
	require.NoError(t, err)
	require.NoError(t, jobCtx.Err(), "the job ended within its deadline")
	deadline, _ := jobCtx.Deadline()
	assert.False(t, rep.Finished.After(deadline), "the report was finished before the job's deadline")

	require.Len(t, rep.Results, len(targets))
	seen := map[string]bool{}
	for i, res := range rep.Results {
		require.Equal(t, targets[i].Name, res.Target, "results keep the target order")
		require.False(t, seen[res.Target], "one result per target")
		seen[res.Target] = true
	}
	return rep
}
