package ipmispec

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oobkit/oobkit"
)

func TestSensorTypeName(t *testing.T) {
	cases := []struct {
		code uint8
		want string
	}{
		{0x01, "Temperature"},
		{0x05, "Physical Security"},
		{0x14, "Button/Switch"},
		{0x2C, "FRU State"},
		{0x00, "Sensor Type 0x00"},
		{0x2D, "Sensor Type 0x2D"},
		{0xC0, "OEM Reserved"},
		{0xFF, "OEM Reserved"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, SensorTypeName(tc.code), "%#02x", tc.code)
	}
}

func TestEventClass(t *testing.T) {
	cases := map[uint8]string{0x00: "unspecified", 0x01: "threshold", 0x02: "generic", 0x0C: "generic",
		0x0D: "reserved", 0x6F: "sensor-specific", 0x70: "OEM", 0x7F: "OEM", 0x80: "reserved"}
	for code, want := range cases {
		assert.Equal(t, want, EventClass(code), "%#02x", code)
	}
}

func TestEntityName(t *testing.T) {
	assert.Equal(t, "Sub-Chassis", EntityName(0x18))
	assert.Equal(t, "", EntityName(0))
	assert.Equal(t, "", EntityName(0x36))
	assert.Equal(t, "Processor 1", EntityInstanceName(0x03, 1))
	assert.Equal(t, "Processor", EntityInstanceName(0x03, 0))
	assert.Equal(t, "", EntityInstanceName(0xFE, 3))
}

func TestEventNamesAndSeverities(t *testing.T) {
	cases := []struct {
		name     string
		ev       Event
		wantName string
		wantSev  oobkit.Severity
	}{
		{"threshold upper non-critical", Event{SensorType: 1, EventType: 1, Offset: 7}, "Upper Non-critical - going high", oobkit.SeverityWarning},
		{"threshold lower critical", Event{SensorType: 2, EventType: 1, Offset: 2}, "Lower Critical - going low", oobkit.SeverityCritical},
		{"threshold upper non-recoverable", Event{SensorType: 2, EventType: 1, Offset: 11}, "Upper Non-recoverable - going high", oobkit.SeverityNonRecoverable},
		// FreeIPMI's freeipmi_interpret_sel.conf: "IPMI_Threshold_Sensor_Upper_Critical_Going_High Critical Warning".
		{"threshold deasserted", Event{SensorType: 1, EventType: 1, Offset: 9, Deassertion: true}, "Upper Critical - going high", oobkit.SeverityWarning},
		{"threshold non-critical deasserted", Event{SensorType: 1, EventType: 1, Offset: 7, Deassertion: true}, "Upper Non-critical - going high", oobkit.SeverityInfo},
		{"threshold reserved offset", Event{SensorType: 1, EventType: 1, Offset: 12}, "Event offset 0xC", oobkit.SeverityUnknown},
		{"generic severity to non-recoverable", Event{SensorType: 0x12, EventType: 7, Offset: 3}, "transition to Non-recoverable from less severe", oobkit.SeverityNonRecoverable},
		{"generic redundancy lost", Event{SensorType: 8, EventType: 0x0B, Offset: 1}, "Redundancy Lost", oobkit.SeverityCritical},
		{"generic predictive failure", Event{SensorType: 0x0D, EventType: 4, Offset: 1}, "Predictive Failure asserted", oobkit.SeverityWarning},
		{"chassis intrusion", Event{SensorType: 5, EventType: 0x6F, Offset: 0}, "General Chassis Intrusion", oobkit.SeverityCritical},
		// One state listed: it holds for the deassertion too.
		{"entity absent deasserted", Event{SensorType: 0x25, EventType: 0x6F, Offset: 1, Deassertion: true}, "Entity Absent", oobkit.SeverityCritical},
		{"generic deasserted", Event{SensorType: 8, EventType: 0x0B, Offset: 1, Deassertion: true}, "Redundancy Lost", oobkit.SeverityInfo},
		{"uncorrectable memory error", Event{SensorType: 0x0C, EventType: 0x6F, Offset: 1}, "Uncorrectable memory error", oobkit.SeverityCritical},
		{"entity present", Event{SensorType: 0x25, EventType: 0x6F, Offset: 0}, "Entity Present", oobkit.SeverityInfo},
		{"watchdog 2 reserved offset", Event{SensorType: 0x23, EventType: 0x6F, Offset: 4}, "Event offset 0x4", oobkit.SeverityUnknown},
		{"watchdog 2 timer interrupt", Event{SensorType: 0x23, EventType: 0x6F, Offset: 8}, "Timer interrupt", oobkit.SeverityWarning},
		{"sensor type without specific offsets", Event{SensorType: 0x01, EventType: 0x6F, Offset: 0}, "Event offset 0x0", oobkit.SeverityUnknown},
		{"OEM event type, unspecified offset", Event{SensorType: 0xC0, EventType: 0x70, Offset: 0x0F}, "Unspecified event", oobkit.SeverityUnknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.wantName, tc.ev.EventName())
			assert.Equal(t, tc.wantSev, tc.ev.Severity())
		})
	}
}

// Every named offset has a severity, and no table row is left unnamed
// except the reserved ones between named rows.
func TestTablesComplete(t *testing.T) {
	check := func(where string, tab []offset) {
		for i, o := range tab {
			if o.name == "" {
				assert.Equal(t, oobkit.SeverityUnknown, o.sev, "%s offset %d: reserved row with a severity", where, i)
				continue
			}
			assert.NotEqual(t, oobkit.SeverityUnknown, o.sev, "%s offset %d (%s) has no severity", where, i, o.name)
		}
		assert.LessOrEqual(t, len(tab), 15, "%s: offsets are 4 bits, 0Fh unspecified", where)
	}
	check("threshold", thresholdOffsets)
	for et, tab := range genericOffsets {
		check(EventClass(et), tab)
	}
	for st, tab := range sensorSpecificOffsets {
		check(SensorTypeName(st), tab)
	}
}

func TestDescriptionAndFill(t *testing.T) {
	e := Event{SensorType: 1, SensorNumber: 1, EventType: 1, Offset: 9, Data: [3]byte{0x59, 0x60, 0x55}}
	assert.Equal(t, "Temperature Sensor #1: Upper Critical - going high (Assertion)", e.Description())
	assert.Equal(t, "010109", e.Code())
	ev := oobkit.Event{Data: map[string]string{}}
	e.Fill(&ev)
	assert.Equal(t, oobkit.Event{SensorType: "Temperature", SensorNumber: 1, EventType: "threshold", Offset: 9,
		Assertion: true, Severity: oobkit.SeverityCritical, Description: e.Description(),
		Data: map[string]string{"reading": "96", "threshold": "85"}}, ev)

	d := Event{SensorType: 5, SensorNumber: 115, EventType: 0x6F, Deassertion: true, Data: [3]byte{0x80, 0x01, 0xFF}}
	assert.Equal(t, "Physical Security Sensor #115: General Chassis Intrusion (Deassertion)", d.Description())
	_, hasReading, _, hasThreshold := d.ThresholdData()
	assert.False(t, hasReading || hasThreshold, "event data of a sensor-specific event is not a reading")
}

func FuzzEvent(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint8(1), uint8(9), false, []byte{0x59, 0x60, 0x55})
	f.Add(uint8(5), uint8(115), uint8(0x6F), uint8(0), true, []byte{0x80, 0x01, 0xFF})
	f.Add(uint8(0xC0), uint8(0), uint8(0x70), uint8(0x0F), false, []byte{0x0F})
	f.Fuzz(func(t *testing.T, sensorType, sensorNum, eventType, off uint8, deassert bool, data []byte) {
		e := Event{SensorType: sensorType, SensorNumber: sensorNum, EventType: eventType & 0x7F, Offset: off & 0x0F, Deassertion: deassert}
		copy(e.Data[:], data)
		if e.Description() == "" || e.EventName() == "" || e.SensorTypeName() == "" || e.EventClass() == "" {
			t.Fatalf("empty wording for %+v", e)
		}
		sev := e.Severity()
		if sev < oobkit.SeverityUnknown || sev > oobkit.SeverityNonRecoverable {
			t.Fatalf("severity out of range: %d", sev)
		}
		named := OffsetName(e.SensorType, e.EventType, e.Offset) != ""
		if named != (sev != oobkit.SeverityUnknown) {
			t.Fatalf("%+v: named %v but severity %v", e, named, sev)
		}
		if generic := e.EventType >= 0x02 && e.EventType <= 0x0C; deassert && named && generic && sev != oobkit.SeverityInfo {
			t.Fatalf("generic deassertion rated %v", sev)
		}
		ev := oobkit.Event{Data: map[string]string{}}
		e.Fill(&ev)
		if ev.Description != e.Description() || ev.Severity != sev || ev.Assertion == deassert {
			t.Fatalf("Fill disagrees: %+v", ev)
		}
		_ = EntityInstanceName(sensorType, sensorNum)
	})
}

func TestACPIPowerStateRows(t *testing.T) {
	// Sensor type 22h offsets 00h..0Ch are Table C-3's rows 1..13 in order,
	// 0Eh "Unknown" its row 14.
	for off := uint8(0); off <= 0x0c; off++ {
		st := StateFromACPIOffset(off)
		if st.Code() != int(off)+1 || ACPIOffsetOf(st) != off {
			t.Errorf("offset %#x: %v", off, st)
		}
		if StateFromACPIOffset(off|0x80) != st {
			t.Errorf("offset %#x deasserted", off)
		}
	}
	for _, off := range []uint8{0x0d, 0x0e, 0x0f} {
		if st := StateFromACPIOffset(off); st != oobkit.PowerUnknown {
			t.Errorf("offset %#x: %v", off, st)
		}
	}
	if ACPIOffsetOf(oobkit.PowerUnknown) != 0x0e {
		t.Error("unknown offset")
	}
	// Get ACPI Power State: 00h..0Ah, 20h, 21h, 2Ah.
	want := map[uint8]oobkit.PowerState{0x00: oobkit.PowerS0, 0x03: oobkit.PowerS3, 0x06: oobkit.PowerS4S5, 0x08: oobkit.PowerSleeping,
		0x09: oobkit.PowerG1, 0x0a: oobkit.PowerS5Override, 0x20: oobkit.PowerLegacyOn, 0x21: oobkit.PowerLegacyOff, 0x2a: oobkit.PowerUnknown, 0x7f: oobkit.PowerUnknown}
	for v, st := range want {
		if got := StateFromACPIPowerState(v); got != st {
			t.Errorf("ACPI state %#x: got %v want %v", v, got, st)
		}
	}
}
