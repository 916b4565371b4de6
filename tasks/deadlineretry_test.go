package tasks

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// lateTimerContext is a context whose deadline has passed but whose timer
// has not fired yet (Err is nil, Done is open): the moment between a
// client's I/O deadline, taken from the context, expiring and the context's
// own timer firing, which a loaded machine stretches.
type lateTimerContext struct{ context.Context }

func (lateTimerContext) Deadline() (time.Time, bool) { return time.Now().Add(-time.Millisecond), true }

// unreachableTask fails every run as a client whose I/O deadline expired.
type unreachableTask struct{ runs int }

func (*unreachableTask) Kind() string { return "unreachable" }

func (u *unreachableTask) Run(context.Context, *Env) (any, error) {
	u.runs++
	return nil, &oobkit.Error{Op: "open session", Class: oobkit.ErrUnreachable, Message: "no answer before the deadline",
		Err: context.DeadlineExceeded}
}

// TestNoRetryAfterDeadlineBeforeTimerFires: once the target's deadline has
// passed, no retry starts, even if the context's timer has not fired yet.
// Before, the runner looked at ctx.Err() only: a silent IPMI target in a
// loaded 1,000-target job was retried after its deadline (2 attempts) and
// reported "timeout" (the retry's bare context error) instead of
// "unreachable".
func TestNoRetryAfterDeadlineBeforeTimerFires(t *testing.T) {
	task := &unreachableTask{}
	r := NewRunner(NewConnector(StaticCredentials{}), WithProbe(nil), WithRetry(fastRetry))
	ctx, cancel := context.WithCancel(lateTimerContext{context.Background()})
	defer cancel()
	res := r.RunTarget(ctx, &Job{Name: "late", Steps: []Step{{Task: task}}}, oobkit.Target{Name: "t", Address: "127.0.0.1"})
	require.Equal(t, 1, task.runs, "no retry after the deadline")
	assert.Equal(t, 1, res.Attempts)
	assert.Equal(t, StatusFailed, res.Status)
	assert.Equal(t, "unreachable", res.Class, res.Error)
}
