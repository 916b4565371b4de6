package amt_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/amttest"
)

func TestEventLogFollowsPowerEvents(t *testing.T) {
	clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	srv, c := start(t, amttest.Config{Power: oobkit.PowerS5, Now: func() time.Time { return clock }})
	ctx := context.Background()
	evs, err := c.EventLog(ctx, 0)
	require.NoError(t, err)
	assert.Empty(t, evs)
	assert.NotNil(t, evs)

	require.NoError(t, c.SetPower(ctx, oobkit.ActionOnToBIOS))
	evs, err = c.EventLog(ctx, 0)
	require.NoError(t, err)
	require.Len(t, evs, len(srv.Records()))
	var descs []string
	for _, e := range evs {
		descs = append(descs, e.Description)
		assert.Equal(t, oobkit.AMT, e.Source)
		assert.Equal(t, clock, e.Time)
		assert.Equal(t, oobkit.SeverityInfo, e.Severity)
		assert.Equal(t, "System Firmware", e.Entity, "entity 22h, IPMI Table 43-13")
	}
	// Newest first.
	assert.Equal(t, []string{
		`System ACPI Power State Sensor #255: S0/G0 "working" (Assertion)`,
		"System Firmware Progress Sensor #255: System Firmware Progress (Assertion); User-initiated system setup",
		"System Firmware Progress Sensor #255: System Firmware Progress (Assertion); Memory initialization",
		"System Boot Initiated Sensor #255: Initiated by power up (Assertion)",
	}, descs)
	assert.Equal(t, "System Firmware Progress", evs[1].SensorType)
	assert.Equal(t, "sensor-specific", evs[1].EventType)
	assert.Equal(t, 2, evs[1].Offset)
}

func TestEventLogPaging(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 300 {
		srv.AddRecord(amttest.Record{Time: base.Add(time.Duration(i) * time.Minute), DeviceAddress: 0xff, SensorType: 0x05,
			EventType: 0x6f, Severity: 16, SensorNumber: 0xff, Entity: 23})
	}
	ctx := context.Background()
	before := c.Stats().Calls
	evs, err := c.EventLog(ctx, 0)
	require.NoError(t, err)
	require.Len(t, evs, 300)
	assert.Equal(t, int64(1+3), c.Stats().Calls-before, "PositionToFirstRecord and three pages of 100")
	assert.Equal(t, base.Add(299*time.Minute), evs[0].Time, "newest first")
	assert.Equal(t, base, evs[299].Time)
	assert.Equal(t, "Physical Security Sensor #255: General Chassis Intrusion (Assertion)", evs[0].Description)
	assert.Equal(t, oobkit.SeverityCritical, evs[0].Severity, "the IPMI tables rate an intrusion critical, as FreeIPMI does")
	assert.Equal(t, "16", evs[0].Data["asfSeverity"])
	assert.Equal(t, "System Chassis", evs[0].Entity)

	evs, err = c.EventLog(ctx, 25)
	require.NoError(t, err)
	assert.Len(t, evs, 25)
}

func TestInventory(t *testing.T) {
	srv, c := start(t, amttest.Config{GUID: "88C1B68BB1C4E911A6D294C691A9D1E0"})
	inv, err := c.Inventory(context.Background())
	require.NoError(t, err)
	require.NotEmpty(t, inv.System)
	assert.Equal(t, "88C1B68B-B1C4-E911-A6D2-94C691A9D1E0", inv.System[0].GUID)
	kinds := map[string]oobkit.System{}
	for _, s := range inv.System {
		kinds[s.Kind] = s
		assert.Equal(t, oobkit.AMT, s.Source)
	}
	assert.Equal(t, "CH-0001", kinds["chassis"].Serial)
	assert.Equal(t, "SIMBOARD", kinds["board"].Model)
	require.Len(t, inv.Processors, 1)
	assert.Equal(t, 8300, inv.Processors[0].MaxClockMHz)
	require.Len(t, inv.Memory, 2)
	assert.Equal(t, int64(8192), inv.Memory[0].CapacityMB)
	assert.Equal(t, "DDR4", inv.Memory[0].Type)
	assert.Equal(t, 2400, inv.Memory[0].SpeedMHz)
	assert.Equal(t, "CT8G4SFS824A.C8FE", inv.Memory[0].PartNumber)
	require.Len(t, inv.Disks, 1)
	assert.Equal(t, int64(500107), inv.Disks[0].CapacityMB)
	require.Len(t, inv.Network, 2)
	assert.False(t, inv.Network[0].Wireless)
	assert.True(t, *inv.Network[0].DHCP)
	assert.Equal(t, []string{"192.0.2.10"}, inv.Network[0].Addresses)
	assert.True(t, inv.Network[1].Wireless)
	v, ok := inv.Property("amt.version")
	assert.True(t, ok)
	assert.Equal(t, srv.Config().Firmware, v)
	v, _ = inv.Property("amt.idleWakeTimeout")
	assert.Equal(t, "65535", v)
	var bios []string
	for _, b := range inv.BIOS {
		bios = append(bios, b.Version)
	}
	assert.Contains(t, bios, "QNCFLX70.0054.2020.0810.2227")
}
