package amt_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
)

// Real firmware lacks classes the simulator has (agent presence watchdogs
// on firmware without the feature) and answers for them with a SOAP fault
// or a bare HTTP error. The inventory must name each gap and keep the rest.
func TestInventoryPartialWhenClassMissing(t *testing.T) {
	for _, status := range []int{0, 400, 500} {
		t.Run(map[int]string{0: "fault", 400: "http400", 500: "http500"}[status], func(t *testing.T) {
			_, c := start(t, amttest.Config{Missing: []string{"AMT_AgentPresenceWatchdog", "CIM_Processor"}, MissingStatus: status})
			inv, err := c.Inventory(context.Background())
			require.NoError(t, err)
			require.True(t, inv.Partial())
			assert.NotEmpty(t, inv.System, "classes that answered are kept")
			assert.NotEmpty(t, inv.Memory)
			assert.Empty(t, inv.Processors)
			require.Len(t, inv.Missing, 2)
			got := map[string]oobkit.InventoryGap{}
			for _, g := range inv.Missing {
				got[g.Class] = g
				assert.Equal(t, oobkit.AMT, g.Protocol)
				assert.NotEmpty(t, g.ErrorClass)
				assert.NotEmpty(t, g.Error)
			}
			require.Contains(t, got, "AMT_AgentPresenceWatchdog")
			require.Contains(t, got, "CIM_Processor")
			if status != 0 {
				assert.Equal(t, "not-detected", got["CIM_Processor"].ErrorClass)
				assert.Equal(t, map[int]string{400: "400", 500: "500"}[status], got["CIM_Processor"].Code)
			} else {
				assert.Equal(t, "unsupported", got["CIM_Processor"].ErrorClass)
			}
		})
	}
}

// A complete inventory has no gaps.
func TestInventoryCompleteNotPartial(t *testing.T) {
	_, c := start(t, amttest.Config{})
	inv, err := c.Inventory(context.Background())
	require.NoError(t, err)
	assert.False(t, inv.Partial(), "%v", inv.Missing)
}

// A refused credential is not a class the device lacks: it fails the whole
// inventory.
func TestInventoryAuthFailsWhole(t *testing.T) {
	srv, _ := start(t, amttest.Config{})
	c2, err := amt.New(srv.Target(), oobkit.UserPassword("admin", "wrong-Passw0rd"))
	require.NoError(t, err)
	defer c2.Close()
	_, err = c2.Inventory(context.Background())
	requireClass(t, err, oobkit.ErrAuth)
}
