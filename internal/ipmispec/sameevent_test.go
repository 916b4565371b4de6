package ipmispec_test

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/snmp"
)

// selRecord builds a SEL system event record (IPMI v2.0 §32.1 Table 32-1)
// for sensor type st, number num, event type et, direction and event data.
func selRecord(st, num, et uint8, deassert bool, data [3]byte) []byte {
	dir := et & 0x7F
	if deassert {
		dir |= 0x80
	}
	return []byte{0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x60, 0x20, 0x00, 0x04, st, num, dir, data[0], data[1], data[2]}
}

// petFor builds the specific-trap number and varbind a BMC sends for the
// same event (IPMI PET v1.0 §3.1 Tables 3-1, 3-2), with severity byte sev.
func petFor(st, num, et uint8, deassert bool, data [3]byte, sev uint8) (uint32, []byte) {
	specific := uint32(st)<<16 | uint32(et&0x7F)<<8 | uint32(data[0]&0x0F)
	if deassert {
		specific |= 0x80
	}
	b := make([]byte, 0, 47)
	b = append(b, make([]byte, 16)...)                    // GUID
	b = append(b, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00)     // sequence, timestamp unspecified
	b = append(b, 0xFF, 0xFF, 0x20, 0x20, sev, 0x20, num) // UTC offset unknown, sources, severity, device, sensor
	b = append(b, 0x07, 0x01)                             // entity: System Board 1
	b = append(b, data[0], data[1], data[2], 0, 0, 0, 0, 0)
	b = append(b, 0x19, 0x00, 0x00, 0x01, 0x57, 0x00, 0x00, 0xC1) // language, IANA 343, system ID, end
	return specific, b
}

func decodeBoth(t testing.TB, st, num, et uint8, deassert bool, data [3]byte, sev uint8) (sel, pet oobkit.Event) {
	sel, err := ipmi.DecodeSEL(selRecord(st, num, et, deassert, data))
	if err != nil {
		t.Fatalf("SEL: %v", err)
	}
	specific, varbind := petFor(st, num, et, deassert, data, sev)
	p, err := snmp.DecodePET(specific, varbind)
	if err != nil {
		t.Fatalf("PET: %v", err)
	}
	return sel, p.Event("host")
}

// assertSame checks that the two carriers describe the event alike.
func assertSame(t *testing.T, sel, pet oobkit.Event) {
	t.Helper()
	assert.Equal(t, oobkit.IPMI, sel.Source)
	assert.Equal(t, oobkit.SNMP, pet.Source)
	assert.Equal(t, sel.Description, pet.Description, "description")
	assert.Equal(t, sel.Severity, pet.Severity, "severity")
	assert.Equal(t, sel.SensorType, pet.SensorType, "sensor type")
	assert.Equal(t, sel.SensorNumber, pet.SensorNumber, "sensor number")
	assert.Equal(t, sel.EventType, pet.EventType, "event type")
	assert.Equal(t, sel.Offset, pet.Offset, "offset")
	assert.Equal(t, sel.Assertion, pet.Assertion, "direction")
	assert.Equal(t, sel.Data["reading"], pet.Data["reading"], "reading")
	assert.Equal(t, sel.Data["threshold"], pet.Data["threshold"], "threshold")
}

func TestSELAndPETDescribeAnEventAlike(t *testing.T) {
	cases := []struct {
		name     string
		st, num  uint8
		et       uint8
		deassert bool
		data     [3]byte
		petSev   uint8 // what the PEF of the sender put in the PET
		wantDesc string
		wantSev  oobkit.Severity
	}{
		{"temperature upper critical going high (ipmi_sim's seeded record)", 0x01, 1, 0x01, false, [3]byte{0x59, 0x60, 0x55}, 0x10,
			"Temperature Sensor #1: Upper Critical - going high (Assertion)", oobkit.SeverityCritical},
		{"chassis intrusion deasserted (the real Dell PET's event)", 0x05, 115, 0x6F, true, [3]byte{0x80, 0x01, 0xFF}, 0x04,
			"Physical Security Sensor #115: General Chassis Intrusion (Deassertion)", oobkit.SeverityCritical}, // ipmi-pet: "Critical"
		{"processor IERR", 0x07, 5, 0x6F, false, [3]byte{0x00, 0xFF, 0xFF}, 0x20,
			"Processor Sensor #5: IERR (Assertion)", oobkit.SeverityCritical},
		{"uncorrectable memory error", 0x0C, 8, 0x6F, false, [3]byte{0x01, 0xFF, 0xFF}, 0x10,
			"Memory Sensor #8: Uncorrectable memory error (Assertion)", oobkit.SeverityCritical},
		{"power supply redundancy lost", 0x08, 19, 0x0B, false, [3]byte{0x01, 0xFF, 0xFF}, 0x01,
			"Power Supply Sensor #19: Redundancy Lost (Assertion)", oobkit.SeverityCritical},
		{"severity to non-recoverable", 0x12, 2, 0x07, false, [3]byte{0x03, 0xFF, 0xFF}, 0x00,
			"System Event Sensor #2: transition to Non-recoverable from less severe (Assertion)", oobkit.SeverityNonRecoverable},
		{"fan lower non-critical going low deasserted", 0x04, 3, 0x01, true, [3]byte{0x50, 0x05, 0x07}, 0x08,
			"Fan Sensor #3: Lower Non-critical - going low (Deassertion)", oobkit.SeverityInfo}, // FreeIPMI: Warning Nominal
		{"OEM event, sender's severity unspecified", 0xC0, 9, 0x70, false, [3]byte{0x03, 0, 0}, 0x00,
			"OEM Reserved Sensor #9: Event offset 0x3 (Assertion)", oobkit.SeverityUnknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sel, pet := decodeBoth(t, tc.st, tc.num, tc.et, tc.deassert, tc.data, tc.petSev)
			assertSame(t, sel, pet)
			assert.Equal(t, tc.wantDesc, sel.Description)
			assert.Equal(t, tc.wantSev, sel.Severity)
		})
	}
}

// The real Dell PET of snmp/testdata and the SEL record the same BMC logs
// for it read the same.
func TestRealDellPETMatchesItsSELRecord(t *testing.T) {
	dell, err := hex.DecodeString("44454c4c500010598043b2c04f333358000219e87e26ffff2020042073180080" +
		"01ff0000000000190000" + "02a20100c1")
	require.NoError(t, err)
	p, err := snmp.DecodePET(356224, dell)
	require.NoError(t, err)
	sel, err := ipmi.DecodeSEL(selRecord(0x05, 115, 0x6F, true, [3]byte{0x80, 0x01, 0xFF}))
	require.NoError(t, err)
	pet := p.Event("10.0.0.5")
	assertSame(t, sel, pet)
	assert.Equal(t, "Sub-Chassis", pet.Entity, "a PET also names the entity, which a SEL record leaves to the SDR")
}

// FuzzSELAndPETAgree feeds the same event to both decoders: they must
// agree on every IPMI field, and on severity whenever the IPMI tables know
// the event (otherwise the PET may carry its sender's severity).
func FuzzSELAndPETAgree(f *testing.F) {
	f.Add(uint8(0x01), uint8(1), uint8(0x01), false, uint8(0x59), uint8(0x60), uint8(0x55), uint8(0x10))
	f.Add(uint8(0x05), uint8(115), uint8(0x6F), true, uint8(0x80), uint8(0x01), uint8(0xFF), uint8(0x04))
	f.Add(uint8(0xC0), uint8(0), uint8(0x70), false, uint8(0x0F), uint8(0), uint8(0), uint8(0x20))
	f.Fuzz(func(t *testing.T, st, num, et uint8, deassert bool, d1, d2, d3, sev uint8) {
		data := [3]byte{d1, d2, d3}
		sel, pet := decodeBoth(t, st, num, et, deassert, data, sev)
		if sel.Description != pet.Description || sel.SensorType != pet.SensorType || sel.EventType != pet.EventType ||
			sel.Offset != pet.Offset || sel.Assertion != pet.Assertion || sel.SensorNumber != pet.SensorNumber ||
			sel.Data["reading"] != pet.Data["reading"] || sel.Data["threshold"] != pet.Data["threshold"] {
			t.Fatalf("SEL and PET differ:\nSEL %+v\nPET %+v", sel, pet)
		}
		if sel.Severity != oobkit.SeverityUnknown && sel.Severity != pet.Severity {
			t.Fatalf("severity: SEL %v, PET %v", sel.Severity, pet.Severity)
		}
	})
}
