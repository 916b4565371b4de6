package dash_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
)

// TestDescribe: Describe lists the registered profiles the computer
// advertises.
func TestDescribe(t *testing.T) {
	sim, err := dashtest.NewServer(dashtest.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { sim.Close() })
	c, err := dash.New(sim.Target(), sim.Credential())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	ctx := context.Background()
	ps, err := c.Profiles(ctx)
	require.NoError(t, err)
	d, err := c.Describe(ctx)
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(len(ps)), d["profiles"])
	require.NotEmpty(t, ps)
	assert.Contains(t, d["registered"], ps[0].Name)
}
