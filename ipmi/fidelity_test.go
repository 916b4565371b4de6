package ipmi_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
)

// ipmi_sim keeps the boot device but neither "all future boots" nor EFI:
// ipmitool reads back "Options apply to only next boot" and "BIOS PC
// Compatible (legacy) boot". SetNextBoot must not report success.
func TestSimBootFlagsNotKept(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	ctx := testCtx(t)
	c := newSimClient(t, sim)

	err = c.SetNextBoot(ctx, oobkit.BootOptions{Device: oobkit.BootPXE, Persistent: true, EFI: true})
	require.ErrorIs(t, err, oobkit.ErrUnsupported)
	var nk *ipmi.BootNotKeptError
	require.ErrorAs(t, err, &nk)
	out, terr := sim.Ipmitool(ctx, "chassis", "bootparam", "get", "5")
	require.NoError(t, terr)
	assert.Contains(t, out, "Boot Device Selector : Force PXE")
	want := []string{}
	if strings.Contains(out, "Options apply to only next boot") {
		want = append(want, "persistent")
	}
	if strings.Contains(out, "BIOS PC Compatible (legacy) boot") {
		want = append(want, "efi")
	}
	assert.Equal(t, want, nk.Fields, "the SDK names what ipmitool reads back differently")
	assert.Equal(t, oobkit.BootPXE, nk.Kept.Device)
	assert.Contains(t, err.Error(), "persistent, efi")
}
