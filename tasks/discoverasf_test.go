package tasks

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/asf"
	"github.com/oobkit/oobkit/asf/asftest"
)

// TestDiscoverASF: a live ASF device (asftest) is reported answering, with
// its presence pong as details (asf's Client is an oobkit.Describer); a
// target where nothing listens is not.
func TestDiscoverASF(t *testing.T) {
	dev, err := asftest.NewServer(asftest.Config{NoSecurity: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = dev.Close() })

	conn := NewConnector(StaticCredentials{oobkit.ASF: {{Name: "asf", Credential: dev.Credential()}}})
	conn.Register(oobkit.ASF, func(_ context.Context, tg oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return asf.New(tg, c, asf.WithTimeout(time.Second), asf.WithRetries(1))
	})
	r := NewRunner(conn, WithProbe(nil), WithRetry(RetryPolicy{Attempts: 1}))
	job := &Job{Name: "d", Steps: []Step{{ID: "d", Task: &DiscoverTask{}}}}
	res := r.RunTarget(context.Background(), job, dev.Target())
	require.Equal(t, StatusOK, res.Status, res.Error)
	out := res.Output("d").(*DiscoverOutput)
	require.Len(t, out.Protocols, 1)
	p := out.Protocols[0]
	assert.True(t, p.Answered)
	assert.Equal(t, oobkit.ASF, p.Protocol)
	assert.Equal(t, "1.0", p.Details["asfVersion"])
	assert.Equal(t, "4542", p.Details["iana"])
	assert.Equal(t, "false", p.Details["security"])
}
