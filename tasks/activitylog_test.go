package tasks

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/activity"
	"github.com/oobkit/oobkit/profile"
)

// TestActivityEveryOperationOnce: the field notes, RTCI "Tools": "Activity
// Log - This logs all functions executed while in a Real-Time session. This
// is useful to look at what operations have been run, one which computers,
// by whom, and utilizing what technology (WMI versus vPro AMT)." Every
// client operation of a mixed job appears once, with the protocol that ran
// it and the operator; one-to-one operations are logged the same way; a
// canary password (accepted or refused) never appears in the log.
func TestActivityEveryOperationOnce(t *testing.T) {
	const canary = "canary-Zq81-password"
	ctx := activity.WithOperator(context.Background(), "alice")
	f := newFleet()
	var targets []oobkit.Target
	protoOf := map[string]oobkit.Protocol{}
	for i, p := range allProtos {
		d := newDevice(oobkit.PowerS0, p)
		d.protocols[p] = canary
		addr := "10.0.2." + string(rune('1'+i))
		targets = append(targets, labelled(f.add(addr, d), p))
		protoOf[addr] = p
	}
	rt := profile.NewRuntime(profile.NewMemoryStore())
	stale := profile.Profile{Name: "stale"}
	good := profile.Profile{Name: "good"}
	for _, p := range allProtos {
		require.NoError(t, stale.Enable(p, oobkit.UserPassword("admin", canary+"-old")))
		require.NoError(t, good.Enable(p, oobkit.UserPassword("admin", canary)))
	}
	conn := f.connector(ProfileCredentials{Runtime: rt, Explicit: &good}, allProtos...)
	path := filepath.Join(t.TempDir(), "activity.jsonl")
	log, err := activity.OpenFile(path)
	require.NoError(t, err)
	defer log.Close()
	conn.SetActivity(log)

	r := NewRunner(conn, WithProbe(nil), WithRetry(fastRetry), WithTargetProtocols(byLabel))
	job := &Job{Name: "mixed", Credentials: &JobCredentials{Set: &stale}, Steps: []Step{
		{ID: "state", Task: &PowerStateTask{}}, {ID: "inv", Task: &InventoryTask{}}, {ID: "log", Task: &EventLogTask{Max: 1}},
	}}
	rep, err := r.Run(ctx, job, targets)
	require.NoError(t, err)
	for _, res := range rep.Results {
		require.Equal(t, StatusOK, res.Status, res.Error)
	}

	// One to one: a single operation on one computer.
	sess := conn.Session(targets[0])
	require.NoError(t, sess.UseAs(ctx, oobkit.AMT, "sol", func(c oobkit.Client) error {
		_, err := c.(*fakeClient).PowerState(ctx)
		return err
	}))
	require.NoError(t, sess.Close())
	require.NoError(t, log.Err())

	recs, err := log.Query(activity.Filter{})
	require.NoError(t, err)
	require.Len(t, recs, len(targets)*len(job.Steps)+1)
	seen := map[string]int{}
	for _, rec := range recs {
		seen[rec.Address+"/"+rec.Step]++
		assert.Equal(t, protoOf[rec.Address], rec.Protocol, rec.Address)
		assert.Equal(t, "alice", rec.Operator)
		assert.Equal(t, activity.OK, rec.Outcome)
		assert.NotZero(t, rec.Time)
		if rec.Step == "" {
			assert.Equal(t, "sol", rec.Operation)
			continue
		}
		assert.Equal(t, "mixed", rec.Job)
		assert.Equal(t, map[string]string{"state": "powerstate", "inv": "inventory", "log": "eventlog"}[rec.Step], rec.Operation)
		assert.Equal(t, "explicit:good", rec.Credential, "the stale task-specified password was refused; the chosen profile worked")
	}
	for _, tg := range targets {
		for _, st := range job.Steps {
			assert.Equal(t, 1, seen[tg.Address+"/"+st.ID], "%s %s once", tg.Address, st.ID)
		}
	}
	wmi, err := log.Query(activity.Filter{Protocol: oobkit.WMI})
	require.NoError(t, err)
	assert.Len(t, wmi, len(job.Steps), "WMI versus AMT: queryable by technology")

	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), canary)
	assert.NotContains(t, string(raw), "-old")
}
