package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/tasks"
)

// A partial inventory names its gaps in oobctl's one-line summary.
func TestInventorySummaryPartial(t *testing.T) {
	inv := &oobkit.Inventory{System: []oobkit.System{{Source: oobkit.AMT, Manufacturer: "Sim", Model: "SIM-1"}},
		Missing: []oobkit.InventoryGap{{Protocol: oobkit.AMT, Class: "CIM_PhysicalMemory", ErrorClass: "not-detected"}}}
	s := inventorySummary(&tasks.InventoryOutput{Sources: []oobkit.Protocol{oobkit.AMT}, Inventory: inv, Status: tasks.InventoryPartial})
	assert.Contains(t, s, "partial, missing amt CIM_PhysicalMemory: not-detected")
	inv.Missing = nil
	assert.NotContains(t, inventorySummary(&tasks.InventoryOutput{Inventory: inv}), "partial")
}
