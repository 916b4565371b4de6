package amt_test

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/ipmi"
)

// selFor builds the IPMI SEL system event record (IPMI v2.0 §32.1 Table
// 32-1) a BMC logs for an event: the direction is bit 7 of the event type
// byte and the offset is bits 3..0 of event data 1.
func selFor(ts uint32, st, num, et uint8, deassert bool, data [3]byte) []byte {
	rec := []byte{0x01, 0x00, 0x02, 0, 0, 0, 0, 0x20, 0x00, 0x04, st, num, et, data[0], data[1], data[2]}
	binary.LittleEndian.PutUint32(rec[3:7], ts)
	if deassert {
		rec[12] |= 0x80
	}
	return rec
}

// amtFor builds the AMT_MessageLog record AMT logs for the same event: the
// offset and direction are in the PET-style offset byte, and AMT's event
// data 1 need not repeat the offset.
func amtFor(ts uint32, st, num, et, off uint8, deassert bool, asfSev, entity uint8, data [3]byte) []byte {
	if deassert {
		off |= 0x80
	}
	r := amt.Record{Time: time.Unix(int64(ts), 0), DeviceAddress: 0xff, SensorType: st, EventType: et, Offset: off,
		SourceType: 0x68, Severity: asfSev, SensorNumber: num, Entity: entity}
	copy(r.Data[:], data[:])
	return r.Encode()
}

// TestAMTAndSELDescribeAnEventAlike decodes the same event as an AMT
// event-log record and as an IPMI SEL record and checks that both read the
// same: names, description, severity, direction and code. Where AMT's event
// data says more (failed-login count, BIOS progress code) the AMT
// description is the SEL's followed by that detail.
func TestAMTAndSELDescribeAnEventAlike(t *testing.T) {
	const ts = 0x6598C863
	cases := []struct {
		name       string
		st, num    uint8
		et, off    uint8
		deassert   bool
		asfSev     uint8 // what the firmware put in the ASF severity byte
		entity     uint8
		amtData    [3]byte
		selData    [3]byte
		wantDesc   string // the SEL's description
		wantDetail string // what AMT adds
		wantSev    oobkit.Severity
	}{
		{name: "chassis intrusion", st: 0x05, num: 0xff, et: 0x6f, off: 0, asfSev: 16, entity: 0x17,
			wantDesc: "Physical Security Sensor #255: General Chassis Intrusion (Assertion)", wantSev: oobkit.SeverityCritical},
		{name: "chassis closed again", st: 0x05, num: 0xff, et: 0x6f, off: 0, deassert: true, asfSev: 2, entity: 0x17,
			// FreeIPMI lists one state (Critical) for an intrusion: it holds when deasserted.
			wantDesc: "Physical Security Sensor #255: General Chassis Intrusion (Deassertion)", wantSev: oobkit.SeverityCritical},
		{name: "temperature upper critical", st: 0x01, num: 0x30, et: 0x01, off: 9, asfSev: 16, entity: 0x03,
			amtData: [3]byte{0x59, 0x5a, 0x50}, selData: [3]byte{0x59, 0x5a, 0x50},
			wantDesc: "Temperature Sensor #48: Upper Critical - going high (Assertion)", wantSev: oobkit.SeverityCritical},
		{name: "uncorrectable memory error", st: 0x0c, num: 0x08, et: 0x6f, off: 1, asfSev: 16, entity: 0x20,
			selData:  [3]byte{0x01},
			wantDesc: "Memory Sensor #8: Uncorrectable memory error (Assertion)", wantSev: oobkit.SeverityCritical},
		{name: "soft off", st: 0x22, num: 0xff, et: 0x6f, off: 5, asfSev: 2, entity: 0x22,
			selData:  [3]byte{0x05},
			wantDesc: `System ACPI Power State Sensor #255: S5/G2 "soft-off" (Assertion)`, wantSev: oobkit.SeverityInfo},
		{name: "boot by power up", st: 0x1d, num: 0xff, et: 0x6f, off: 0, asfSev: 2, entity: 0x22,
			wantDesc: "System Boot Initiated Sensor #255: Initiated by power up (Assertion)", wantSev: oobkit.SeverityInfo},
		{name: "watchdog hard reset", st: 0x23, num: 0x01, et: 0x6f, off: 1, asfSev: 8, entity: 0x22,
			selData:  [3]byte{0x01},
			wantDesc: "Watchdog 2 Sensor #1: Hard Reset (Assertion)", wantSev: oobkit.SeverityCritical},
		// AMT logs BIOS progress with event data 1 = 40h; a BMC sets C2h
		// (offset 2, extension code in data 2). Both carry the code in data 2.
		{name: "BIOS progress", st: 0x0f, num: 0xff, et: 0x6f, off: 2, asfSev: 1, entity: 0x22,
			amtData: [3]byte{0x40, 0x07}, selData: [3]byte{0xc2, 0x07},
			wantDesc:   "System Firmware Progress Sensor #255: System Firmware Progress (Assertion)",
			wantDetail: "PCI resource configuration", wantSev: oobkit.SeverityInfo},
		// The reference's worked record: AMT's event data 1 is AAh, whose low
		// nibble is not the offset; the SEL carries offset 5 in data 1.
		{name: "AMT login failures", st: 0x06, num: 0xff, et: 0x6f, off: 5, asfSev: 16, entity: 0x26,
			amtData: [3]byte{0xaa, 0x0a}, selData: [3]byte{0xa5, 0x0a},
			wantDesc:   "Platform Security Violation Attempt Sensor #255: Out-of-band Access Password Violation (Assertion)",
			wantDetail: "Authentication failed 10 times. The system may be under attack.", wantSev: oobkit.SeverityCritical},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sel, err := ipmi.DecodeSEL(selFor(ts, tc.st, tc.num, tc.et, tc.deassert, tc.selData))
			require.NoError(t, err)
			rec, err := amt.DecodeRecord(amtFor(ts, tc.st, tc.num, tc.et, tc.off, tc.deassert, tc.asfSev, tc.entity, tc.amtData))
			require.NoError(t, err)
			ev := rec.Event()

			assert.Equal(t, tc.wantDesc, sel.Description, "SEL description")
			want := tc.wantDesc
			if tc.wantDetail != "" {
				want += "; " + tc.wantDetail
			}
			assert.Equal(t, want, ev.Description, "AMT description")
			assert.Equal(t, tc.wantDetail, ev.Data["detail"])
			assert.Equal(t, tc.wantSev, sel.Severity, "SEL severity")
			assert.Equal(t, sel.Severity, ev.Severity, "severity")
			assert.Equal(t, sel.SensorType, ev.SensorType, "sensor type")
			assert.Equal(t, sel.SensorNumber, ev.SensorNumber, "sensor number")
			assert.Equal(t, sel.EventType, ev.EventType, "event type")
			assert.Equal(t, sel.Offset, ev.Offset, "offset")
			assert.Equal(t, sel.Assertion, ev.Assertion, "direction")
			assert.Equal(t, sel.Code, ev.Code, "code")
			assert.Equal(t, sel.Time, ev.Time, "time")
			assert.Equal(t, sel.Data["reading"], ev.Data["reading"], "reading")
			assert.Equal(t, sel.Data["threshold"], ev.Data["threshold"], "threshold")
			if tc.et == 0x01 { // data 1 59h: data 2 is the trigger reading, data 3 the threshold
				assert.Equal(t, "90", ev.Data["reading"])
				assert.Equal(t, "80", ev.Data["threshold"])
			}
		})
	}
}
