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

func TestEntityName(t *testing.T) {
	assert.Equal(t, "Sub-Chassis", EntityName(0x18))
	assert.Equal(t, "", EntityName(0))
	assert.Equal(t, "", EntityName(0x36))
	assert.Equal(t, "Processor 1", EntityInstanceName(0x03, 1))
	assert.Equal(t, "Processor", EntityInstanceName(0x03, 0))
	assert.Equal(t, "", EntityInstanceName(0xFE, 3))
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
