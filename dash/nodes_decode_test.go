package dash

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/internal/wsman"
)

// The bodies below are written after the DMTF documents (CIM schema 2.42
// class definitions, https://www.dmtf.org/standards/cim/schemas; DSP1009
// Sensors, DSP1023 Software Inventory, DSP1011 Physical Asset profiles,
// https://www.dmtf.org/standards/dash), not after dashtest: they check the
// decoders against the documented format rather than against the
// simulator written with them. No recorded DASH response was available.

func dashItems(t *testing.T, items string) []*wsman.Instance {
	t.Helper()
	env, err := wsman.ParseEnvelope(bytes.NewReader([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" ` +
		`xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration"><s:Header></s:Header><s:Body><n:PullResponse><n:Items>` +
		items + `</n:Items><n:EndOfSequence/></n:PullResponse></s:Body></s:Envelope>`)))
	require.NoError(t, err)
	var out []*wsman.Instance
	for _, e := range env.Content().SelectElement("Items").ChildElements() {
		out = append(out, wsman.ParseInstance(e))
	}
	require.NotEmpty(t, out)
	return out
}

const nsNumeric = `xmlns:h="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_NumericSensor"`

// CIM_NumericSensor: values are CurrentReading × 10^UnitModifier in
// BaseUnits, thresholds too, and RateUnits qualifies them as rates (CIM
// schema: "All the values returned by this Sensor are represented in the
// units obtained by (BaseUnits * 10 raised to the power of the
// UnitModifier)").
func TestDecodeNumericSensorScaling(t *testing.T) {
	ins := dashItems(t, `<h:CIM_NumericSensor `+nsNumeric+`><h:BaseUnits>5</h:BaseUnits><h:CreationClassName>CIM_NumericSensor</h:CreationClassName>
<h:CurrentReading>12096</h:CurrentReading><h:CurrentState>Normal</h:CurrentState><h:DeviceID>Voltage 12V</h:DeviceID>
<h:ElementName>12V Rail</h:ElementName><h:EnabledState>2</h:EnabledState><h:HealthState>5</h:HealthState>
<h:LowerThresholdCritical>11400</h:LowerThresholdCritical><h:PossibleStates>Normal</h:PossibleStates><h:PossibleStates>Lower Critical</h:PossibleStates>
<h:PossibleStates>Upper Critical</h:PossibleStates><h:RateUnits>0</h:RateUnits><h:SensorType>3</h:SensorType>
<h:SystemCreationClassName>CIM_ComputerSystem</h:SystemCreationClassName><h:SystemName>host</h:SystemName>
<h:UnitModifier>-3</h:UnitModifier><h:UpperThresholdCritical>12600</h:UpperThresholdCritical></h:CIM_NumericSensor>
<h:CIM_NumericSensor `+nsNumeric+`><h:BaseUnits>19</h:BaseUnits><h:CurrentReading>42</h:CurrentReading><h:CurrentState>Normal</h:CurrentState>
<h:DeviceID>Fan 1</h:DeviceID><h:SensorType>5</h:SensorType><h:UnitModifier>2</h:UnitModifier>
<h:LowerThresholdNonCritical>6</h:LowerThresholdNonCritical></h:CIM_NumericSensor>
<h:CIM_NumericSensor `+nsNumeric+`><h:BaseUnits>2</h:BaseUnits><h:CurrentReading>3</h:CurrentReading><h:DeviceID>T rise</h:DeviceID>
<h:RateUnits>4</h:RateUnits><h:SensorType>2</h:SensorType><h:UnitModifier>0</h:UnitModifier></h:CIM_NumericSensor>`)
	v := decodeSensor(ins[0], true)
	require.NotNil(t, v.Value)
	assert.InDelta(t, 12.096, *v.Value, 1e-9)
	assert.Equal(t, "V", v.Unit)
	assert.Equal(t, "voltage", v.Type)
	assert.Equal(t, "12V Rail", v.Name)
	assert.Equal(t, []string{"Normal", "Lower Critical", "Upper Critical"}, v.PossibleStates)
	assert.InDelta(t, 11.4, v.Thresholds["LowerThresholdCritical"], 1e-9)
	assert.InDelta(t, 12.6, v.Thresholds["UpperThresholdCritical"], 1e-9)

	fan := decodeSensor(ins[1], true)
	require.NotNil(t, fan.Value)
	assert.Equal(t, 4200.0, *fan.Value)
	assert.Equal(t, "RPM", fan.Unit)
	assert.Equal(t, "tachometer", fan.Type)
	assert.Equal(t, 600.0, fan.Thresholds["LowerThresholdNonCritical"])

	rate := decodeSensor(ins[2], true)
	assert.Equal(t, "°C/min", rate.Unit)
	for code, want := range map[string]string{"2": "°C", "5": "V", "6": "A", "7": "W", "19": "RPM", "20": "Hz", "65": "%", "66": "Pa"} {
		assert.Equal(t, want, unitNames[code], "BaseUnits %s", code)
	}
	for code, want := range map[string]string{"0": "unknown", "1": "other", "2": "temperature", "5": "tachometer", "13": "power consumption", "16": "intrusion"} {
		assert.Equal(t, want, sensorType[code], "SensorType %s", code)
	}
}

// A discrete CIM_Sensor (DSP1009): a state string out of PossibleStates,
// no reading; SensorType 1 "Other" shows OtherSensorTypeDescription.
func TestDecodeDiscreteSensor(t *testing.T) {
	ins := dashItems(t, `<h:CIM_Sensor xmlns:h="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_Sensor">
<h:CreationClassName>CIM_Sensor</h:CreationClassName><h:CurrentState>Intruded</h:CurrentState><h:DeviceID>Chassis Intrusion</h:DeviceID>
<h:PossibleStates>Normal</h:PossibleStates><h:PossibleStates>Intruded</h:PossibleStates><h:SensorType>16</h:SensorType></h:CIM_Sensor>
<h:CIM_Sensor xmlns:h="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_Sensor"><h:CurrentState>Present</h:CurrentState>
<h:DeviceID>Bezel</h:DeviceID><h:OtherSensorTypeDescription>Bezel presence</h:OtherSensorTypeDescription><h:SensorType>1</h:SensorType></h:CIM_Sensor>`)
	assert.Equal(t, SensorReading{DeviceID: "Chassis Intrusion", Name: "Chassis Intrusion", Type: "intrusion", State: "Intruded",
		PossibleStates: []string{"Normal", "Intruded"}}, decodeSensor(ins[0], false))
	assert.Equal(t, "Bezel presence", decodeSensor(ins[1], false).Type)
}

// CIM_SoftwareIdentity (DSP1023): VersionString when given, else
// Major.Minor.Revision.Build; Classifications 10 "Firmware", 11
// "BIOS/FCode"; IsEntity true for an installed copy.
func TestDecodeSoftwareIdentity(t *testing.T) {
	ins := dashItems(t, `<h:CIM_SoftwareIdentity xmlns:h="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_SoftwareIdentity">
<h:BuildNumber>12</h:BuildNumber><h:Classifications>10</h:Classifications><h:ElementName>Management Controller</h:ElementName>
<h:InstanceID>DASH:Firmware:MC</h:InstanceID><h:IsEntity>true</h:IsEntity><h:MajorVersion>3</h:MajorVersion><h:Manufacturer>Vendor</h:Manufacturer>
<h:MinorVersion>1</h:MinorVersion><h:RevisionNumber>0</h:RevisionNumber></h:CIM_SoftwareIdentity>`)
	assert.Equal(t, SoftwareItem{InstanceID: "DASH:Firmware:MC", Name: "Management Controller", Version: "3.1.0.12",
		Manufacturer: "Vendor", Classifications: []string{"Firmware"}, Installed: true}, decodeSoftwareItem(ins[0]))
	assert.Equal(t, "BIOS/FCode", softwareClass["11"])
	assert.Equal(t, "Firmware/BIOS", softwareClass["6"])
}

// CIM_PowerSupply.TotalOutputPower is in milliwatts (CIM schema Units
// "MilliWatts").
func TestDecodePowerSupplyMilliwatts(t *testing.T) {
	ins := dashItems(t, `<h:CIM_PowerSupply xmlns:h="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_PowerSupply">
<h:DeviceID>PS1</h:DeviceID><h:EnabledState>2</h:EnabledState><h:HealthState>5</h:HealthState><h:OperationalStatus>2</h:OperationalStatus>
<h:TotalOutputPower>180000</h:TotalOutputPower></h:CIM_PowerSupply>`)
	assert.Equal(t, PowerSupply{DeviceID: "PS1", Name: "PS1", TotalOutputPowerW: 180, Health: "ok", State: "enabled", Status: "OK"},
		decodePowerSupply(ins[0]))
}
