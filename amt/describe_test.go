package amt

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oobkit/oobkit"
)

// TestRecordDescription covers what AMT adds to the IPMI tables: its
// reading of event data, its OEM records, and the ASF severity byte for
// events the tables do not know.
func TestRecordDescription(t *testing.T) {
	tests := []struct {
		name    string
		rec     Record
		desc    string
		detail  string
		sev     oobkit.Severity
		entity  string
		evClass string
	}{
		{name: "BIOS error code", rec: Record{SensorType: 0x0f, EventType: 0x6f, Offset: 0, Severity: 16, SensorNumber: 0xff,
			Entity: 0x22, Data: [8]byte{0x40, 0x0a}},
			desc:   "System Firmware Progress Sensor #255: System Firmware Error (POST Error) (Assertion); No video device detected",
			detail: "No video device detected", sev: oobkit.SeverityCritical, entity: "System Firmware", evClass: "sensor-specific"},
		{name: "BIOS hang code", rec: Record{SensorType: 0x0f, EventType: 0x6f, Offset: 1, Severity: 16, SensorNumber: 0xff,
			Entity: 0x22, Data: [8]byte{0x40, 0x01}},
			desc:   "System Firmware Progress Sensor #255: System Firmware Hang (Assertion); Memory initialization",
			detail: "Memory initialization", sev: oobkit.SeverityCritical, entity: "System Firmware", evClass: "sensor-specific"},
		{name: "BIOS progress without a code", rec: Record{SensorType: 0x0f, EventType: 0x6f, Offset: 2, Severity: 2, SensorNumber: 0xff,
			Entity: 0x22},
			desc: "System Firmware Progress Sensor #255: System Firmware Progress (Assertion)",
			sev:  oobkit.SeverityInfo, entity: "System Firmware", evClass: "sensor-specific"},
		{name: "BIOS progress code beyond the table", rec: Record{SensorType: 0x0f, EventType: 0x6f, Offset: 2, Severity: 2,
			SensorNumber: 0xff, Entity: 0x22, Data: [8]byte{0x40, 0xf0}},
			desc:   "System Firmware Progress Sensor #255: System Firmware Progress (Assertion); code 240",
			detail: "code 240", sev: oobkit.SeverityInfo, entity: "System Firmware", evClass: "sensor-specific"},
		{name: "System Defense", rec: Record{SensorType: 0x24, EventType: 0x6f, Offset: 0, Severity: 8, SensorNumber: 0xff,
			Entity: 0x26},
			desc:   "Platform Alert Sensor #255: platform generated page (Assertion); System Defense: a network filter policy was triggered",
			detail: "System Defense: a network filter policy was triggered", sev: oobkit.SeverityInfo,
			entity: "Remote Management Communication Device", evClass: "sensor-specific"},
		{name: "SOL session started (OEM)", rec: Record{SensorType: 0xc0, EventType: 0x6f, Offset: 0, Severity: 2, SensorNumber: 0xff,
			Entity: 0x26, Data: [8]byte{0xaa, 0x30, 0x00}},
			desc: "A remote Serial-over-LAN session was established", detail: "A remote Serial-over-LAN session was established",
			sev: oobkit.SeverityInfo, entity: "Remote Management Communication Device", evClass: "sensor-specific"},
		{name: "IDE-R session ended (OEM)", rec: Record{SensorType: 0xc0, EventType: 0x6f, Offset: 0, Severity: 2, SensorNumber: 0xff,
			Entity: 0x26, Data: [8]byte{0xaa, 0x30, 0x03}},
			desc: "The remote IDE-Redirection session ended", detail: "The remote IDE-Redirection session ended",
			sev: oobkit.SeverityInfo, entity: "Remote Management Communication Device", evClass: "sensor-specific"},
		{name: "security policy (OEM), ASF severity", rec: Record{SensorType: 0xc0, EventType: 0x6f, Offset: 0, Severity: 16,
			SensorNumber: 0xff, Entity: 0x26},
			desc: "Intel AMT security policy event", detail: "Intel AMT security policy event",
			sev: oobkit.SeverityCritical, entity: "Remote Management Communication Device", evClass: "sensor-specific"},
		{name: "remote access (OEM)", rec: Record{SensorType: 0xc1, EventType: 0x6f, Offset: 0, Severity: 2, SensorNumber: 0xff},
			desc: "Intel AMT remote access connection event", detail: "Intel AMT remote access connection event",
			sev: oobkit.SeverityInfo, evClass: "sensor-specific"},
		{name: "OEM event type, nothing known", rec: Record{SensorType: 0x02, EventType: 0x70, Offset: 3, Severity: 8, SensorNumber: 4,
			Entity: 0x07, EntityInstance: 1},
			desc: "Voltage Sensor #4: Event offset 0x3 (Assertion)", sev: oobkit.SeverityWarning, entity: "System Board 1", evClass: "OEM"},
		{name: "offset left to event data 1", rec: Record{SensorType: 0x05, EventType: 0x6f, Offset: 0x0f, Severity: 16,
			SensorNumber: 0xff, Entity: 0x17, Data: [8]byte{0x04}},
			desc: "Physical Security Sensor #255: LAN Leash Lost (Assertion)", sev: oobkit.SeverityCritical, entity: "System Chassis",
			evClass: "sensor-specific"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DecodeRecord(tt.rec.Encode())
			assert.NoError(t, err)
			ev := r.Event()
			assert.Equal(t, tt.desc, r.Description())
			assert.Equal(t, tt.desc, ev.Description)
			assert.Equal(t, tt.detail, r.Detail())
			assert.Equal(t, tt.detail, ev.Data["detail"])
			assert.Equal(t, tt.sev, ev.Severity)
			assert.Equal(t, tt.entity, ev.Entity)
			assert.Equal(t, tt.evClass, ev.EventType)
		})
	}
}
