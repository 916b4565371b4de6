package dash_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
)

func nodeCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Table A-6: "DASH — Fan" (DSP1013).
func TestFans(t *testing.T) {
	_, c := newPair(t, dashtest.Config{})
	got, err := c.Fans(nodeCtx(t))
	require.NoError(t, err)
	assert.Equal(t, []dash.Fan{{DeviceID: "FAN0", Name: "CPU Fan", VariableSpeed: true, DesiredSpeed: 1800, ActiveCooling: true,
		Health: "ok", State: "enabled", Status: "OK"}}, got)
}

// Table A-6: "DASH — Power Supply" (DSP1015).
func TestPowerSupplies(t *testing.T) {
	_, c := newPair(t, dashtest.Config{})
	got, err := c.PowerSupplies(nodeCtx(t))
	require.NoError(t, err)
	assert.Equal(t, []dash.PowerSupply{{DeviceID: "PSU0", Name: "Power Supply 1", TotalOutputPowerW: 250, Health: "degraded",
		State: "enabled", Status: "Degraded"}}, got)
}

// Table A-6: "DASH or IPMI — Sensors" (DSP1009), numeric and discrete.
func TestSensors(t *testing.T) {
	_, c := newPair(t, dashtest.Config{})
	got, err := c.Sensors(nodeCtx(t))
	require.NoError(t, err)
	require.Len(t, got, 3)
	temp := 45.0
	assert.Equal(t, dash.SensorReading{DeviceID: "T0", Name: "CPU Temperature", Type: "temperature", Numeric: true, Value: &temp,
		Unit: "°C", State: "Normal", PossibleStates: []string{"Normal", "Upper Non-Critical", "Upper Critical"},
		Thresholds: map[string]float64{"UpperThresholdNonCritical": 80, "UpperThresholdCritical": 95}}, got[0])
	assert.Equal(t, "voltage", got[1].Type)
	assert.InDelta(t, 12.05, *got[1].Value, 1e-9)
	assert.InDelta(t, 11.40, got[1].Thresholds["LowerThresholdCritical"], 1e-9)
	assert.Equal(t, dash.SensorReading{DeviceID: "INTRUSION0", Name: "Chassis Intrusion", Type: "intrusion", State: "Normal",
		PossibleStates: []string{"Normal", "Intruded"}}, got[2])
}

func TestSensorsWithoutDiscreteClass(t *testing.T) {
	_, c := newPair(t, dashtest.Config{Missing: []string{"CIM_Sensor"}})
	got, err := c.Sensors(nodeCtx(t))
	require.NoError(t, err)
	assert.Len(t, got, 2)
}

func TestSensorsNoClass(t *testing.T) {
	_, c := newPair(t, dashtest.Config{Missing: []string{"CIM_Sensor", "CIM_NumericSensor"}})
	_, err := c.Sensors(nodeCtx(t))
	require.Error(t, err)
}

// Table A-6: "DASH — DASH Software" (DSP1023).
func TestSoftware(t *testing.T) {
	_, c := newPair(t, dashtest.Config{})
	got, err := c.Software(nodeCtx(t))
	require.NoError(t, err)
	assert.Equal(t, []dash.SoftwareItem{
		{InstanceID: "DASH:BIOS", Name: "System BIOS", Version: dashtest.BIOSVersion, Manufacturer: dashtest.Manufacturer,
			Classifications: []string{"BIOS/FCode"}, Installed: true},
		{InstanceID: "DASH:MC", Name: "Management Controller Firmware", Version: "5.4.1", Manufacturer: dashtest.Manufacturer,
			Classifications: []string{"Firmware"}, Installed: true},
	}, got)
}

func TestSoftwareWithoutProfile(t *testing.T) {
	_, c := newPair(t, dashtest.Config{Profiles: without(dashtest.DefaultProfiles, dash.ProfileSoftwareInv)})
	_, err := c.Software(nodeCtx(t))
	require.Error(t, err)
	assert.False(t, oobkit.InventoryFatal(err))
}

// Table A-6: "AMT or DASH — Field Replaceable Unit" (DSP1011).
func TestFRUs(t *testing.T) {
	_, c := newPair(t, dashtest.Config{})
	got, err := c.FRUs(nodeCtx(t))
	require.NoError(t, err)
	yes := true
	require.Len(t, got, 5)
	assert.Equal(t, dash.FRU{Class: "CIM_Chassis", Tag: "chassis-0", Name: "Chassis", Manufacturer: dashtest.Manufacturer,
		Model: dashtest.Model, SerialNumber: dashtest.Serial, PartNumber: "CH-9000-A", SKU: "SIM9000-EU", Version: "A01",
		CanBeFRUed: &yes}, got[0])
	assert.Equal(t, dash.FRU{Class: "CIM_Card", Tag: "baseboard-0", Name: "Baseboard", Manufacturer: dashtest.Manufacturer,
		Model: "SB-9000", SerialNumber: "BB-0042", PartNumber: "SB-9000-R2", Version: "R2", CanBeFRUed: &yes}, got[1])
	assert.Equal(t, "PSU-7781", got[2].SerialNumber)
	assert.Equal(t, "CIM_PhysicalMemory", got[3].Class)
	assert.Equal(t, "SR-8G-3200", got[3].PartNumber)
	assert.Nil(t, got[3].CanBeFRUed)
}

func TestFRUsSkipsMissingClasses(t *testing.T) {
	_, c := newPair(t, dashtest.Config{Missing: []string{"CIM_Card", "CIM_PhysicalPackage"}, MissingStatus: 500})
	got, err := c.FRUs(nodeCtx(t))
	require.NoError(t, err)
	assert.Len(t, got, 3)
}

func TestNodeRowsEveryNode(t *testing.T) {
	_, c := newPair(t, dashtest.Config{})
	ctx := nodeCtx(t)
	want := map[dash.Node]int{dash.NodeFan: 1, dash.NodePowerSupply: 1, dash.NodeSensors: 3, dash.NodeSoftware: 2, dash.NodeFRU: 5}
	require.Len(t, dash.Nodes, len(want))
	for _, n := range dash.Nodes {
		rows, err := c.NodeRows(ctx, n)
		require.NoError(t, err, n)
		assert.Len(t, rows, want[n], n)
	}
	rows, err := c.NodeRows(ctx, dash.NodeSensors)
	require.NoError(t, err)
	assert.Equal(t, "12.05", rows[1]["Value"])
	assert.Equal(t, "", rows[2]["Value"])
	rows, err = c.NodeRows(ctx, dash.NodePowerSupply)
	require.NoError(t, err)
	assert.Equal(t, "250", rows[0]["TotalOutputPowerW"])
	_, err = c.NodeRows(ctx, "Sound Device")
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}
