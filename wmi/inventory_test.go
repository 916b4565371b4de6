package wmi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

func TestInventory(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	inv, err := c.Inventory(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, "PC42", inv.Target)
	require.Len(t, inv.System, 1)
	assert.Equal(t, oobkit.System{Source: oobkit.WMI, Kind: "system", Name: "PC42", Manufacturer: "Contoso",
		Model: "OptiDesk 7000", Serial: "CZC1234XYZ"}, inv.System[0])
	require.Len(t, inv.BIOS, 1)
	assert.Equal(t, "2024-05-14", inv.BIOS[0].ReleaseDate)
	assert.Equal(t, "1.21.0", inv.BIOS[0].Version)
	require.Len(t, inv.Processors, 1)
	assert.Equal(t, 16, inv.Processors[0].Cores)
	assert.Equal(t, 24, inv.Processors[0].Threads)
	require.Len(t, inv.Memory, 2)
	assert.Equal(t, int64(16384), inv.Memory[0].CapacityMB)
	assert.Equal(t, "DDR5", inv.Memory[0].Type)
	require.Len(t, inv.Disks, 3)
	assert.Equal(t, "disk", inv.Disks[0].Kind)
	assert.Equal(t, "volume", inv.Disks[1].Kind)
	assert.Positive(t, inv.Disks[1].FreeMB)
	assert.Equal(t, "optical", inv.Disks[2].Kind)
	require.Len(t, inv.Network, 1, "only IP-enabled adapters (WQL filter)")
	assert.Equal(t, "00:1A:2B:3C:4D:5E", inv.Network[0].MAC)
	assert.Equal(t, []string{"192.0.2.42", "fe80::21a:2bff:fe3c:4d5e"}, inv.Network[0].Addresses)
	var names []string
	for _, s := range inv.Software {
		assert.Equal(t, oobkit.WMI, s.Source)
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"Microsoft Windows 11 Pro", "KB5034441", "KB5036893"}, names)
	v, ok := inv.Property("os.build")
	assert.True(t, ok)
	assert.Equal(t, "22631", v)
	_, ok = inv.Property("os.lastBoot")
	assert.True(t, ok)
}
