package wmi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/wmi"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

// A class WMI does not know (enumerated, or queried by WQL) is a named gap;
// the rest of the inventory is kept.
func TestInventoryPartialWhenClassMissing(t *testing.T) {
	pc := newComputer(t, false)
	pc.Do(func(c *wmitest.Computer) {
		c.Missing = []string{"Win32_PhysicalMemory", "Win32_NetworkAdapterConfiguration"}
	})
	c := ntlmClient(t, pc)
	inv, err := c.Inventory(ctx(t))
	require.NoError(t, err)
	require.True(t, inv.Partial())
	assert.Empty(t, inv.Memory)
	assert.Empty(t, inv.Network)
	assert.NotEmpty(t, inv.Processors)
	require.Len(t, inv.Missing, 2)
	assert.Equal(t, "Win32_PhysicalMemory", inv.Missing[0].Class)
	assert.Equal(t, "Win32_NetworkAdapterConfiguration", inv.Missing[1].Class)
	for _, g := range inv.Missing {
		assert.Equal(t, oobkit.WMI, g.Protocol)
		assert.Contains(t, g.Error, "0x80041010")
	}
}

// Only when no class answers does the inventory fail.
func TestInventoryFailsWhenNothingAnswers(t *testing.T) {
	pc := newComputer(t, false)
	pc.Do(func(c *wmitest.Computer) { c.Missing = wmi.InventoryClasses })
	_, err := ntlmClient(t, pc).Inventory(ctx(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Win32_ComputerSystem")
}

// A complete inventory is not partial.
func TestInventoryCompleteNotPartial(t *testing.T) {
	inv, err := ntlmClient(t, newComputer(t, false)).Inventory(ctx(t))
	require.NoError(t, err)
	assert.False(t, inv.Partial(), "%+v", inv.Missing)
}
