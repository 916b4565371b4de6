package dash_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
)

// A class the computer lacks (a fault) or errs on (bare HTTP 500) is a
// named gap; the rest of the inventory is kept.
func TestInventoryPartialWhenClassMissing(t *testing.T) {
	for _, status := range []int{0, 500} {
		_, c := newPair(t, dashtest.Config{Missing: []string{"CIM_PhysicalMemory", "CIM_Fan"}, MissingStatus: status})
		inv, err := c.Inventory(context.Background())
		require.NoError(t, err)
		require.True(t, inv.Partial())
		assert.Empty(t, inv.Memory)
		assert.NotEmpty(t, inv.Processors)
		var classes []string
		for _, g := range inv.Missing {
			assert.Equal(t, oobkit.DASH, g.Protocol)
			assert.NotEmpty(t, g.ErrorClass)
			classes = append(classes, g.Class)
		}
		assert.ElementsMatch(t, []string{"CIM_PhysicalMemory", "CIM_Fan"}, classes, "status %d", status)
	}
}

func TestInventoryCompleteNotPartial(t *testing.T) {
	_, c := newPair(t, dashtest.Config{})
	inv, err := c.Inventory(context.Background())
	require.NoError(t, err)
	assert.False(t, inv.Partial(), "%+v", inv.Missing)
}

// A wrong password fails the whole inventory.
func TestInventoryAuthFailsWhole(t *testing.T) {
	srv, _ := newPair(t, dashtest.Config{})
	c, err := dash.New(srv.Target(), oobkit.UserPassword("admin", "nope-nope1"))
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Inventory(context.Background())
	require.ErrorIs(t, err, oobkit.ErrAuth)
}
