package jetstream

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/activity"
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
