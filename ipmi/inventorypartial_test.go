package ipmi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
)

// A BMC that announces FRU inventory but has no FRU data yields the rest of
// the inventory and names the FRU device that failed.
func TestInventoryPartialWhenFRUMissing(t *testing.T) {
	_, c := startBMC(t, ipmitest.Config{Name: "nofru", Missing: []string{"FRU"}})
	inv, err := c.Inventory(testCtx(t))
	require.NoError(t, err)
	t.Logf("missing: %+v", inv.Missing)
	require.True(t, inv.Partial())
	require.Len(t, inv.Missing, 1)
	g := inv.Missing[0]
	assert.Equal(t, oobkit.IPMI, g.Protocol)
	assert.Equal(t, "FRU 0", g.Class)
	assert.NotEmpty(t, g.ErrorClass)
	assert.NotEmpty(t, inv.BIOS, "Get Device ID still reported")
	for _, s := range inv.System {
		assert.NotEqual(t, "product", s.Kind)
	}
}

// A BMC with FRU and SDR is not partial.
func TestInventoryEmbeddedNotPartial(t *testing.T) {
	_, c := startBMC(t, ipmitest.Config{Name: "full"})
	inv, err := c.Inventory(testCtx(t))
	require.NoError(t, err)
	assert.False(t, inv.Partial(), "%+v", inv.Missing)
}

// A BMC that announces an SDR repository but refuses to read it yields the
// FRU and device inventory and names the SDR as missing.
func TestInventoryPartialWhenSDRMissing(t *testing.T) {
	_, c := startBMC(t, ipmitest.Config{Name: "nosdr", Missing: []string{"SDR"}})
	inv, err := c.Inventory(testCtx(t))
	require.NoError(t, err)
	t.Logf("missing: %+v", inv.Missing)
	require.True(t, inv.Partial())
	var classes []string
	for _, g := range inv.Missing {
		assert.Equal(t, oobkit.IPMI, g.Protocol)
		assert.NotEmpty(t, g.Code, "the completion code is kept")
		classes = append(classes, g.Class)
	}
	assert.Contains(t, classes, "SDR")
	kinds := map[string]bool{}
	for _, s := range inv.System {
		kinds[s.Kind] = true
	}
	assert.True(t, kinds["product"], "FRU still read")
}

// ipmi_sim's default configuration answers every FRU and SDR the SDK asks
// for: its inventory is complete.
func TestSimInventoryNotPartial(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	inv, err := newSimClient(t, sim).Inventory(testCtx(t))
	require.NoError(t, err)
	assert.False(t, inv.Partial(), "%+v", inv.Missing)
}
