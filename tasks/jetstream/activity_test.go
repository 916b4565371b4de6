package jetstream

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/activity"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
	"github.com/oobkit/oobkit/tasks"
)

// TestActivityStream: records appended by several workers land in one
// stream, queryable by computer, operator, protocol and time; the stream's
// limits are its purge policy.
func TestActivityStream(t *testing.T) {
	ctx := context.Background()
	ns := startServer(t)
	_, js := connect(t, ns, "activity")
	s, err := NewActivityStream(ctx, js, ActivityStreamConfig{Stream: "ACT", Subject: "test.activity", MaxAge: time.Hour})
	require.NoError(t, err)
	t0 := time.Now().Add(-time.Minute).UTC()
	for i := range 30 {
		r := activity.Record{Time: t0.Add(time.Duration(i) * time.Second), Operator: []string{"alice", "bob", "carol"}[i%3],
			Computer: fmt.Sprintf("pc-%d", i%5), Protocol: []oobkit.Protocol{oobkit.AMT, oobkit.WMI}[i%2], Operation: "power", Outcome: activity.OK}
		require.NoError(t, s.Append(ctx, r))
	}
	// A second handle (another worker) finds the same stream.
	s2, err := NewActivityStream(ctx, js, ActivityStreamConfig{Stream: "ACT", Subject: "test.activity"})
	require.NoError(t, err)
	require.NoError(t, s2.Append(ctx, activity.Record{Time: t0.Add(time.Hour), Computer: "pc-x", Protocol: oobkit.IPMI, Operator: "dave"}))

	q := func(f activity.Filter) []activity.Record {
		rs, err := s.Query(ctx, f)
		require.NoError(t, err)
		return rs
	}
	assert.Len(t, q(activity.Filter{}), 31)
	assert.Len(t, q(activity.Filter{Protocol: oobkit.WMI}), 15)
	assert.Len(t, q(activity.Filter{Operator: "bob"}), 10)
	assert.Len(t, q(activity.Filter{Computer: "pc-3"}), 6)
	assert.Len(t, q(activity.Filter{Since: t0.Add(20 * time.Second), Until: t0.Add(25 * time.Second)}), 5)
	last := q(activity.Filter{Limit: 1})
	require.Len(t, last, 1)
	assert.Equal(t, "dave", last[0].Operator)

	info, err := js.Stream(ctx, "ACT")
	require.NoError(t, err)
	cfg := info.CachedInfo().Config
	assert.Equal(t, time.Hour, cfg.MaxAge)
	assert.Equal(t, int64(1<<30), cfg.MaxBytes)
}

// TestOperatorTravelsWithWorkItems: a job dispatched under an operator runs
// on a worker under that operator, not under the worker's own identity, in
// both the per-operation records (the Connector's sink) and the per-step
// log.
func TestOperatorTravelsWithWorkItems(t *testing.T) {
	targets := startFleet(t, 3, 0)
	ns := startServer(t)
	_, js := connect(t, ns, "dispatcher")

	var mu sync.Mutex
	var ops []activity.Record
	creds := tasks.StaticCredentials{oobkit.IPMI: {{Name: "lab", Credential: oobkit.UserPassword(ipmitest.BMCUser, ipmitest.BMCPassword)}}}
	conn := tasks.NewConnector(creds)
	conn.Register(oobkit.IPMI, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return ipmi.New(t, c, ipmi.WithTimeout(2*time.Second))
	})
	conn.SetActivity(activity.Func(func(_ context.Context, r activity.Record) error {
		mu.Lock()
		defer mu.Unlock()
		ops = append(ops, r)
		return nil
	}))
	var steps bytes.Buffer // written by the worker only, read once it stopped
	runner := tasks.NewRunner(conn, tasks.WithActivityLog(tasks.NewActivityLog(&steps), "worker-svc"))
	w := startWorker(t, ns, runner, WorkerOptions{Name: "w0"})

	d := NewDispatcher(js, DispatcherOptions{Timeout: time.Minute})
	rep, err := d.Run(activity.WithOperator(context.Background(), "alice"), statusJob(), targets)
	require.NoError(t, err)
	require.Equal(t, len(targets), rep.Counts()[tasks.StatusOK])
	require.NoError(t, w.stop(t)) // the step log is complete once the worker stopped

	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, ops)
	for _, r := range ops {
		assert.Equal(t, "alice", r.Operator, "%s %s", r.Computer, r.Operation)
	}
	lines := strings.Split(strings.TrimSpace(steps.String()), "\n")
	require.Len(t, lines, len(targets))
	for _, l := range lines {
		var rec tasks.ActivityRecord
		require.NoError(t, json.Unmarshal([]byte(l), &rec))
		assert.Equal(t, "alice", rec.Who)
	}
}
