package ipmievent

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/ipmispec"
)

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
		named := ipmispec.OffsetName(e.SensorType, e.EventType, e.Offset) != ""
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
		_ = ipmispec.EntityInstanceName(sensorType, sensorNum)
	})
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
