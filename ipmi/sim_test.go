package ipmi_test

import (
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
)

// These tests drive Debian's ipmi_sim (OpenIPMI) with the SDK and read the
// same simulator back with ipmitool, an independent client.

func newSimClient(t *testing.T, sim *ipmitest.Sim) *ipmi.Client {
	t.Helper()
	c, err := ipmi.New(sim.Target(), sim.Credential())
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// testCtx bounds one test's calls. A healthy run takes a second or two; the
// bound is generous for CI's two cores busy with every package under -race.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func ipmitoolPower(t *testing.T, ctx context.Context, sim *ipmitest.Sim) string {
	t.Helper()
	out, err := sim.Ipmitool(ctx, "chassis", "power", "status")
	require.NoError(t, err)
	return strings.TrimSpace(out)
}

func TestSimPowerCrossCheckedWithIpmitool(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	ctx := testCtx(t)
	c := newSimClient(t, sim)

	st, err := c.PowerState(ctx)
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerLegacyOff, st)
	assert.Equal(t, 3, int(c.CipherSuite()), "ipmi_sim refuses suite 17; the client must fall back to 3")

	steps := []struct {
		action   oobkit.PowerAction
		wantErr  error
		wantLog  string // last chassis-control log line, "" = unchanged
		ipmitool string // ipmitool's power status afterwards
	}{
		{oobkit.ActionOff, oobkit.ErrInvalidState, "", "Chassis Power is off"},
		{oobkit.ActionReset, oobkit.ErrInvalidState, "", "Chassis Power is off"},
		{oobkit.ActionOn, nil, "power 1", "Chassis Power is on"},
		{oobkit.ActionOn, oobkit.ErrInvalidState, "power 1", "Chassis Power is on"},
		{oobkit.ActionReset, nil, "reset 1", "Chassis Power is on"},
		{oobkit.ActionReboot, oobkit.ErrUnsupported, "reset 1", "Chassis Power is on"},
		{oobkit.ActionCycle, nil, "", ""},
		{oobkit.ActionOff, nil, "power 0", "Chassis Power is off"},
		{oobkit.ActionOn, nil, "power 1", "Chassis Power is on"},
		{oobkit.ActionShutdown, nil, "shutdown 1", "Chassis Power is off"},
	}
	for i, s := range steps {
		err := c.SetPower(ctx, s.action)
		if s.wantErr != nil {
			require.ErrorIs(t, err, s.wantErr, "step %d %s", i, s.action)
		} else {
			require.NoError(t, err, "step %d %s", i, s.action)
		}
		if s.action == oobkit.ActionCycle {
			// ipmi_sim powers off at once and on again a moment later.
			require.Eventually(t, func() bool { return ipmitoolPower(t, ctx, sim) == "Chassis Power is on" }, 30*time.Second, 100*time.Millisecond)
			log := sim.ChassisLog()
			require.GreaterOrEqual(t, len(log), 2)
			assert.Equal(t, []string{"power 0", "power 1"}, log[len(log)-2:])
		}
		if s.wantLog != "" {
			log := sim.ChassisLog()
			require.NotEmpty(t, log)
			assert.Equal(t, s.wantLog, log[len(log)-1], "step %d %s", i, s.action)
		}
		if s.ipmitool != "" {
			assert.Equal(t, s.ipmitool, ipmitoolPower(t, ctx, sim), "step %d %s", i, s.action)
			got, err := c.PowerState(ctx)
			require.NoError(t, err)
			assert.Equal(t, strings.HasSuffix(s.ipmitool, "on"), got.IsOn(), "step %d", i)
		}
	}
}

func TestSimPowerReadsWhatIpmitoolSet(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	ctx := testCtx(t)
	c := newSimClient(t, sim)
	_, err = sim.Ipmitool(ctx, "chassis", "power", "on")
	require.NoError(t, err)
	st, err := c.PowerState(ctx)
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerLegacyOn, st)
}

func TestSimBootDevice(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	ctx := testCtx(t)
	c := newSimClient(t, sim)
	cases := []struct {
		dev      oobkit.BootDevice
		simWord  string // what the chassis-control script received
		ipmitool string // selector text of `ipmitool chassis bootparam get 5`
	}{
		{oobkit.BootPXE, "boot pxe", "Force PXE"},
		{oobkit.BootHardDrive, "boot default", "Force Boot from default Hard-Drive"},
		{oobkit.BootCD, "boot cdrom", "Force Boot from CD/DVD"},
		{oobkit.BootBIOSSetup, "boot bios", "Force Boot into BIOS Setup"},
		{oobkit.BootNone, "boot none", "No override"},
	}
	for _, tc := range cases {
		t.Run(tc.dev.String(), func(t *testing.T) {
			require.NoError(t, c.SetNextBoot(ctx, oobkit.BootOptions{Device: tc.dev}))
			log := sim.ChassisLog()
			assert.Equal(t, tc.simWord, log[len(log)-1])
			got, err := c.BootDevice(ctx)
			require.NoError(t, err)
			assert.Equal(t, tc.dev, got.Device)
			out, err := sim.Ipmitool(ctx, "chassis", "bootparam", "get", "5")
			require.NoError(t, err)
			assert.Contains(t, out, "Boot Device Selector : "+tc.ipmitool)
		})
	}
	t.Run("floppy refused by ipmi_sim", func(t *testing.T) {
		// ipmi_sim knows no floppy device and answers with completion code FFh.
		err := c.SetNextBoot(ctx, oobkit.BootOptions{Device: oobkit.BootFloppy})
		require.ErrorIs(t, err, oobkit.ErrDevice)
		assert.Equal(t, "0xff", oobkit.DeviceCode(err))
	})
	t.Run("IDE-R is AMT only", func(t *testing.T) {
		require.ErrorIs(t, c.SetNextBoot(ctx, oobkit.BootOptions{Device: oobkit.BootIDERCD}), oobkit.ErrUnsupported)
	})
	t.Run("bootdev set by ipmitool reads back", func(t *testing.T) {
		_, err := sim.Ipmitool(ctx, "chassis", "bootdev", "pxe")
		require.NoError(t, err)
		got, err := c.BootDevice(ctx)
		require.NoError(t, err)
		assert.Equal(t, oobkit.BootPXE, got.Device)
	})
}

func TestSimChassisIdentifyAndDiscovery(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{Power: oobkit.PowerS0})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	ctx := testCtx(t)
	c := newSimClient(t, sim)

	st, err := c.ChassisStatus(ctx)
	require.NoError(t, err)
	assert.True(t, st.PowerOn)
	out, err := sim.Ipmitool(ctx, "chassis", "status")
	require.NoError(t, err)
	assert.Contains(t, out, "System Power         : on")
	assert.Regexp(t, `Power Restore Policy : `+regexp.QuoteMeta(st.PowerRestorePolicy), out)

	require.NoError(t, c.ChassisIdentify(ctx, 5, false))
	require.NoError(t, c.ChassisIdentify(ctx, 0, true))
	log := sim.ChassisLog()
	assert.Equal(t, []string{"identify 5 0", "identify 0 1"}, log[len(log)-2:])
	require.ErrorIs(t, c.ChassisIdentify(ctx, 300, false), oobkit.ErrInvalidArgument)

	dev, err := c.DeviceID(ctx)
	require.NoError(t, err)
	mc, err := sim.Ipmitool(ctx, "mc", "info")
	require.NoError(t, err)
	assert.Regexp(t, `Firmware Revision\s+: `+regexp.QuoteMeta(dev.Firmware), mc)
	assert.Regexp(t, `IPMI Version\s+: `+regexp.QuoteMeta(dev.IPMIVersion), mc)
	assert.Regexp(t, `Manufacturer ID\s+: `+regexp.QuoteMeta(itoa(int(dev.ManufacturerID))), mc)
	assert.Regexp(t, `Product ID\s+: `+regexp.QuoteMeta(itoa(int(dev.ProductID))), mc)
	assert.True(t, dev.Available)
	assert.Contains(t, dev.Supports, "sel")

	guid, err := c.GUID(ctx)
	require.NoError(t, err)
	g, err := sim.Ipmitool(ctx, "mc", "guid")
	require.NoError(t, err)
	assert.Contains(t, g, "System GUID   : "+guid)
}

func TestSimInventoryMatchesIpmitool(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	ctx := testCtx(t)
	c := newSimClient(t, sim)
	inv, err := c.Inventory(ctx)
	require.NoError(t, err)

	fru, err := sim.Ipmitool(ctx, "fru", "print", "0")
	require.NoError(t, err)
	kinds := map[string]oobkit.System{}
	for _, s := range inv.System {
		assert.Equal(t, oobkit.IPMI, s.Source)
		kinds[s.Kind] = s
	}
	require.Contains(t, kinds, "board")
	require.Contains(t, kinds, "product")
	require.Contains(t, kinds, "chassis")
	assert.Regexp(t, `Board Mfg\s+: `+kinds["board"].Manufacturer, fru)
	assert.Regexp(t, `Board Serial\s+: `+kinds["board"].Serial, fru)
	assert.Regexp(t, `Product Name\s+: `+kinds["product"].Name, fru)
	assert.Regexp(t, `Product Serial\s+: `+kinds["product"].Serial, fru)
	assert.Regexp(t, `Product Asset Tag\s+: `+kinds["product"].AssetTag, fru)
	assert.Regexp(t, `Chassis Serial\s+: `+kinds["chassis"].Serial, fru)
	assert.NotEmpty(t, kinds["system"].GUID)

	sdr, err := sim.Ipmitool(ctx, "sdr", "list", "full")
	require.NoError(t, err)
	names := map[string]oobkit.Sensor{}
	for _, s := range inv.Sensors {
		names[s.Name] = s
	}
	require.Contains(t, names, "CPU Temp")
	require.Contains(t, names, "FAN1")
	require.NotNil(t, names["CPU Temp"].Value)
	// ipmitool: "CPU Temp         | 45 degrees C      | ok"
	assert.Regexp(t, `CPU Temp\s+\| `+itoa(int(*names["CPU Temp"].Value))+` degrees C\s+\| ok`, sdr)
	assert.Regexp(t, `FAN1\s+\| `+itoa(int(*names["FAN1"].Value))+` RPM\s+\| ok`, sdr)
	assert.Equal(t, "ok", names["CPU Temp"].Status)
	assert.Equal(t, "Entity Present", names["DIMM1 Presence"].Status)
}

func TestSimEventLogReadAndClear(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	ctx := testCtx(t)
	c := newSimClient(t, sim)

	// Raise the temperature past two thresholds: ipmi_sim logs an upper
	// non-critical and an upper critical event.
	_, err = sim.Command(ctx, "sensor_set_value 0x20 0 1 0x58 1")
	require.NoError(t, err)

	events, err := c.EventLog(ctx, 0)
	require.NoError(t, err)
	list, err := sim.Ipmitool(ctx, "sel", "list")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(list), "\n")
	require.Len(t, events, len(lines))
	require.Len(t, events, 3)
	for i, ev := range events {
		line := lines[len(lines)-1-i] // ipmitool lists oldest first
		assert.Regexp(t, `^\s*`+strings.ToLower(hex(ev.ID))+` \|`, strings.ToLower(line))
		// ipmitool writes the event as "Upper Critical going high", the
		// specification (and ipmi-pet, and we) "Upper Critical - going high".
		what := ev.Description[strings.Index(ev.Description, ": ")+2 : strings.LastIndex(ev.Description, " (")]
		assert.Contains(t, looseWords(line), looseWords(what))
		assert.Contains(t, line, "Asserted")
		assert.Equal(t, "Temperature", ev.SensorType)
		assert.Equal(t, 1, ev.SensorNumber)
		assert.Equal(t, oobkit.IPMI, ev.Source)
	}
	assert.Equal(t, oobkit.SeverityCritical, events[0].Severity)
	// Named from the SDR, as ipmitool does ("Temperature CPU Temp").
	assert.Equal(t, "Temperature CPU Temp: Upper Critical - going high (Assertion)", events[0].Description)
	elist, err := sim.Ipmitool(ctx, "sel", "elist")
	require.NoError(t, err)
	assert.Regexp(t, `Temperature CPU Temp\s+\| Upper Critical going high`, elist)
	assert.Equal(t, "System Board 1", events[0].Entity)
	assert.Equal(t, oobkit.SeverityWarning, events[1].Severity)

	two, err := c.EventLog(ctx, 2)
	require.NoError(t, err)
	assert.Equal(t, events[:2], two)

	require.NoError(t, c.ClearSEL(ctx))
	events, err = c.EventLog(ctx, 0)
	require.NoError(t, err)
	assert.NotNil(t, events)
	assert.Empty(t, events, "an empty SEL is an empty list")
	info, err := sim.Ipmitool(ctx, "sel", "info")
	require.NoError(t, err)
	assert.Regexp(t, `Entries\s+: 0`, info)
}

func TestSimSOL(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{Power: oobkit.PowerS0})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	ctx := testCtx(t)
	c := newSimClient(t, sim)

	sol, err := c.OpenSOL(ctx)
	require.NoError(t, err)
	// ipmi_sim connects to the console lazily: type until the echo comes back.
	got := make(chan string, 1)
	go func() {
		var all strings.Builder
		buf := make([]byte, 256)
		for !strings.Contains(all.String(), "ECHO: HELLO") {
			n, err := sol.Read(buf)
			all.Write(buf[:n])
			if err != nil {
				break
			}
		}
		got <- all.String()
	}()
	_, err = io.WriteString(sol, "hello\r")
	require.NoError(t, err)
	select {
	case out := <-got:
		assert.Contains(t, out, "ECHO: HELLO")
	case <-time.After(30 * time.Second):
		_ = sol.Close() // ends the reader
		t.Fatal("no SOL echo within 30 s")
	}
	require.NoError(t, sol.Close())
	require.NoError(t, sol.Close(), "Close is idempotent")
	_, err = sol.Write([]byte("x"))
	assert.Error(t, err)
	assert.GreaterOrEqual(t, sim.SOLConnections(), 1)

	// The main session is still usable, and SOL can be activated again.
	_, err = c.PowerState(ctx)
	require.NoError(t, err)
	sol2, err := c.OpenSOL(ctx)
	require.NoError(t, err)
	require.NoError(t, sol2.Close())
}
