package tasks

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/amttest"
)

// TestInventoryPartial: a device whose firmware lacks a class (answered with
// a bare HTTP 500, as some firmware does) still yields an inventory; the
// step is ok, the output says "partial" and the step's notes name the
// missing class. A complete device's output says "ok".
func TestInventoryPartial(t *testing.T) {
	fleet, err := amttest.NewFleet(amttest.FleetConfig{Size: 2, Vary: func(i int, c *amttest.Config) {
		if i == 1 {
			c.Missing, c.MissingStatus = []string{"CIM_PhysicalMemory"}, 500
		}
	}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = fleet.Close() })
	r := amtRunner(fleet, WithRetry(fastRetry), WithTargetTimeout(30*time.Second))
	rep, err := r.Run(context.Background(), &Job{Name: "inv", Steps: []Step{{ID: "i", Task: &InventoryTask{}}}}, fleet.Targets())
	require.NoError(t, err)

	full := rep.Results[0]
	require.Equal(t, StatusOK, full.Status, full.Error)
	assert.Equal(t, InventoryComplete, full.Output("i").(*InventoryOutput).Status)
	assert.Empty(t, full.Steps[0].Notes)

	part := rep.Results[1]
	require.Equal(t, StatusOK, part.Status, part.Error)
	out := part.Output("i").(*InventoryOutput)
	assert.Equal(t, InventoryPartial, out.Status)
	require.Len(t, out.Inventory.Missing, 1)
	g := out.Inventory.Missing[0]
	assert.Equal(t, oobkit.AMT, g.Protocol)
	assert.Equal(t, "CIM_PhysicalMemory", g.Class)
	assert.Equal(t, "500", g.Code)
	assert.Empty(t, out.Inventory.Memory)
	assert.NotEmpty(t, out.Inventory.Processors)
	require.Len(t, part.Steps[0].Notes, 1)
	assert.Contains(t, part.Steps[0].Notes[0], "partial inventory: missing amt CIM_PhysicalMemory")
}
