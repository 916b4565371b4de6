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

// These tests drive pyghmi's BMC (Debian python3-pyghmi), a second RMCP+
// BMC written independently of ipmi_sim and go-ipmi, with the SDK, and
// check the answers against ipmitool on the same BMC.

func newPyghmiClient(t *testing.T, bmc *ipmitest.Pyghmi, opts ...ipmi.Option) *ipmi.Client {
	t.Helper()
	c, err := ipmi.New(bmc.Target(), bmc.Credential(), opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// pyghmi answers every Open Session Request with the algorithms of cipher
// suite 3. ipmitool asked for suite 17 refuses the session ("Authentication
// algorithm 0x01 is not what we requested 0x03"); so must the SDK, and it
// must never report suite 17 on a SHA-1 session.
func TestPyghmiCipherDowngradeRefused(t *testing.T) {
	bmc, err := ipmitest.NewPyghmi(ipmitest.PyghmiConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = bmc.Close() })
	ctx := testCtx(t)

	out, err := bmc.Ipmitool(ctx, 17, "mc", "info")
	require.Error(t, err, "ipmitool -C 17 must refuse pyghmi's suite-3 answer")
	assert.Contains(t, out, "not what we requested")

	only17 := newPyghmiClient(t, bmc, ipmi.WithCipherSuites(17))
	_, err = only17.PowerState(ctx)
	require.ErrorIs(t, err, oobkit.ErrProtocol)
	assert.Contains(t, err.Error(), "cipher suite 17")
	assert.Contains(t, err.Error(), "RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128 (cipher suite 3)", "the error says what the BMC offered")
	assert.Zero(t, only17.CipherSuite())

	// The default list goes on to suite 3, asked for explicitly: the session
	// is honest about being SHA-1.
	c := newPyghmiClient(t, bmc)
	_, err = c.PowerState(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, int(c.CipherSuite()))
}

// pyghmi's Get Device ID answer has 14 data bytes: the optional auxiliary
// firmware revision (4 bytes) is cut short. ipmitool accepts it.
func TestPyghmiDeviceIDWithoutAuxFirmware(t *testing.T) {
	bmc, err := ipmitest.NewPyghmi(ipmitest.PyghmiConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = bmc.Close() })
	ctx := testCtx(t)
	c := newPyghmiClient(t, bmc)
	dev, err := c.DeviceID(ctx)
	require.NoError(t, err)
	mc, err := bmc.Ipmitool(ctx, 3, "mc", "info")
	require.NoError(t, err)
	assert.Regexp(t, `Firmware Revision\s+: `+dev.Firmware, mc)
	assert.Regexp(t, `IPMI Version\s+: `+dev.IPMIVersion, mc)
	assert.Regexp(t, `Manufacturer ID\s+: `+itoa(int(dev.ManufacturerID)), mc)
	assert.Regexp(t, `Product ID\s+: `+itoa(int(dev.ProductID))+` `, mc)
	assert.True(t, dev.Available)
	assert.Empty(t, dev.AuxFirmware, "a partial auxiliary revision is not reported")
	assert.Empty(t, dev.Supports)

	inv, err := c.Inventory(ctx)
	require.NoError(t, err, "a BMC without FRU, SDR or GUID commands still has an inventory")
	v, ok := inv.Property("ipmi.version")
	assert.True(t, ok)
	assert.Equal(t, "2.0", v)
}

func TestPyghmiPower(t *testing.T) {
	bmc, err := ipmitest.NewPyghmi(ipmitest.PyghmiConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = bmc.Close() })
	ctx := testCtx(t)
	c := newPyghmiClient(t, bmc)

	st, err := c.PowerState(ctx)
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerLegacyOff, st)
	require.ErrorIs(t, c.SetPower(ctx, oobkit.ActionOff), oobkit.ErrInvalidState)
	require.NoError(t, c.SetPower(ctx, oobkit.ActionOn))
	out, err := bmc.Ipmitool(ctx, 3, "chassis", "power", "status")
	require.NoError(t, err)
	assert.Contains(t, out, "Chassis Power is on")
	st, err = c.PowerState(ctx)
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerLegacyOn, st)
	require.NoError(t, c.SetPower(ctx, oobkit.ActionReset))
	require.NoError(t, c.SetPower(ctx, oobkit.ActionShutdown))
	out, err = bmc.Ipmitool(ctx, 3, "chassis", "power", "status")
	require.NoError(t, err)
	assert.Contains(t, out, "Chassis Power is off")
	acts, err := bmc.WaitActions(ctx, 3)
	require.NoError(t, err)
	assert.Equal(t, []string{"power on", "power reset", "power shutdown"}, acts)
}

func TestPyghmiBoot(t *testing.T) {
	bmc, err := ipmitest.NewPyghmi(ipmitest.PyghmiConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = bmc.Close() })
	ctx := testCtx(t)
	c := newPyghmiClient(t, bmc)

	for _, tc := range []struct {
		dev    oobkit.BootDevice
		pyghmi string // pyghmi's name of the device it decoded
		tool   string // ipmitool's `chassis bootparam get 5` selector
	}{
		{oobkit.BootPXE, "network", "Force PXE"},
		{oobkit.BootHardDrive, "hd", "Force Boot from default Hard-Drive"},
		{oobkit.BootCD, "optical", "Force Boot from CD/DVD"},
		{oobkit.BootBIOSSetup, "setup", "Force Boot into BIOS Setup"},
		{oobkit.BootNone, "default", "No override"},
	} {
		before := len(bmc.Actions())
		require.NoError(t, c.SetNextBoot(ctx, oobkit.BootOptions{Device: tc.dev}), tc.dev.String())
		acts, err := bmc.WaitActions(ctx, before+1)
		require.NoError(t, err)
		assert.Equal(t, "boot "+tc.pyghmi, acts[len(acts)-1])
		got, err := c.BootDevice(ctx)
		require.NoError(t, err)
		assert.Equal(t, tc.dev, got.Device)
		out, err := bmc.Ipmitool(ctx, 3, "chassis", "bootparam", "get", "5")
		require.NoError(t, err)
		assert.Contains(t, out, "Boot Device Selector : "+tc.tool)
	}

	// pyghmi keeps the device only: the flags read back "next boot only,
	// legacy" (ipmitool: "Options apply to only next boot", "BIOS PC
	// Compatible (legacy) boot"). The SDK says so instead of returning nil.
	before := len(bmc.Actions())
	err = c.SetNextBoot(ctx, oobkit.BootOptions{Device: oobkit.BootPXE, Persistent: true, EFI: true})
	require.ErrorIs(t, err, oobkit.ErrUnsupported)
	var nk *ipmi.BootNotKeptError
	require.ErrorAs(t, err, &nk)
	assert.Equal(t, []string{"persistent", "efi"}, nk.Fields)
	assert.Equal(t, oobkit.BootPXE, nk.Kept.Device, "the device was kept")
	out, err := bmc.Ipmitool(ctx, 3, "chassis", "bootparam", "get", "5")
	require.NoError(t, err)
	assert.Contains(t, out, "Options apply to only next boot")
	assert.Contains(t, out, "BIOS PC Compatible (legacy) boot")
	acts, err := bmc.WaitActions(ctx, before+1)
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(acts[len(acts)-1], "network"))
}
