package snmp

import (
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// dellSpecific is the specific trap of the real Dell PET in testdata.
const dellSpecific = 356224

// readHexBytes reads "0x44 0x45 ..." as printed in ipmi-pet(8).
func readHexBytes(t testing.TB, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []byte
	for _, f := range strings.Fields(string(raw)) {
		v, err := strconv.ParseUint(strings.TrimPrefix(f, "0x"), 16, 8)
		require.NoError(t, err, f)
		out = append(out, byte(v))
	}
	return out
}

func TestDecodePETDell(t *testing.T) {
	data := readHexBytes(t, "testdata/pet-dell.hex")
	require.Len(t, data, 47)
	p, err := DecodePET(dellSpecific, data)
	require.NoError(t, err)

	assert.Equal(t, uint8(0x05), p.SensorType)
	assert.Equal(t, "Physical Security", p.SensorTypeName())
	assert.Equal(t, uint8(0x6F), p.EventType)
	assert.Equal(t, "sensor-specific", p.EventTypeName())
	assert.True(t, p.Deassertion)
	assert.Equal(t, uint8(0), p.Offset)
	assert.Equal(t, "General Chassis Intrusion", p.EventName())
	assert.Equal(t, "44454c4c-5000-1059-8043-b2c04f333358", p.GUIDString())
	assert.Equal(t, uint16(2), p.Sequence)
	// ipmi-pet prints Oct-10-2011,20:50:46 for 0x19e87e26 s after 1998-01-01.
	assert.Equal(t, time.Date(2011, 10, 10, 20, 50, 46, 0, time.UTC), p.Timestamp)
	assert.False(t, p.UTCOffsetKnown)
	assert.Equal(t, uint8(0x20), p.TrapSource)
	assert.Equal(t, uint8(0x20), p.EventSource)
	assert.Equal(t, uint8(0x04), p.SeverityCode)
	assert.Equal(t, "Ok", p.SeverityName())
	assert.Equal(t, oobkit.SeverityInfo, p.Severity())
	assert.Equal(t, uint8(0x20), p.SensorDevice)
	assert.Equal(t, uint8(115), p.SensorNumber)
	assert.Equal(t, uint8(0x18), p.Entity)
	assert.Equal(t, [8]byte{0x80, 0x01, 0xff, 0, 0, 0, 0, 0}, p.EventData)
	assert.Equal(t, uint8(0x19), p.Language)
	assert.Equal(t, uint32(674), p.Manufacturer) // Dell's IANA number
	assert.Equal(t, uint16(0x0100), p.SystemID)
	assert.Empty(t, p.OEM)

	ev := p.Event("10.0.0.5")
	assert.Equal(t, oobkit.SNMP, ev.Source)
	assert.Equal(t, "10.0.0.5", ev.Target)
	assert.Equal(t, "Physical Security", ev.SensorType)
	assert.Equal(t, 115, ev.SensorNumber)
	assert.False(t, ev.Assertion)
	assert.Equal(t, "356224", ev.Code)
	assert.Equal(t, "2", ev.ID)
	assert.Equal(t, "Sub-Chassis", ev.Entity)
	assert.Equal(t, "Physical Security Sensor #115: General Chassis Intrusion (Deassertion)", ev.Description)
	// FreeIPMI's ipmi-pet rates this PET "Critical" (its interpretation
	// lists one state for General Chassis Intrusion, which then holds for a
	// deassertion too), whatever the sender's severity byte ("Ok") says.
	assert.Equal(t, oobkit.SeverityCritical, ev.Severity)
	assert.Equal(t, "Ok", ev.Data["petSeverity"])
	assert.Equal(t, "674", ev.Data["manufacturerID"])
}

// buildPET assembles a PET varbind from its fields (IPMI PET v1.0 layout).
func buildPET(seq uint16, secs uint32, utcOff uint16, severity, sensor, entity uint8, evData []byte, oem []byte) []byte {
	b := make([]byte, 0, 64)
	b = append(b, 0xa1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xa1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef)
	b = append(b, byte(seq>>8), byte(seq))
	b = append(b, byte(secs>>24), byte(secs>>16), byte(secs>>8), byte(secs))
	b = append(b, byte(utcOff>>8), byte(utcOff))
	b = append(b, 0x20, 0x20, severity, 0x20, sensor, entity, 0x01)
	var ed [8]byte
	copy(ed[:], evData)
	b = append(b, ed[:]...)
	b = append(b, 0x19, 0x00, 0x00, 0x12, 0x91, 0x0f, 0x02)
	b = append(b, oem...)
	return append(b, 0xC1)
}

func TestDecodePETFields(t *testing.T) {
	tests := []struct {
		name         string
		specific     uint32
		data         []byte
		wantSensor   string
		wantEvent    string
		wantSeverity oobkit.Severity // the sender's, from the severity byte
		wantEvSev    oobkit.Severity // the IPMI event's, as a SEL record of it gets
		wantAssert   bool
		wantTime     time.Time
		wantOEM      []byte
	}{
		{
			name:       "temperature upper critical going high",
			specific:   0x010109,
			data:       buildPET(7, 0, 0xFFFF, 0x10, 1, 0x07, []byte{0x59, 0x62, 0x55}, nil),
			wantSensor: "Temperature", wantEvent: "Upper Critical - going high",
			wantSeverity: oobkit.SeverityCritical, wantEvSev: oobkit.SeverityCritical, wantAssert: true,
		},
		{
			name:       "power supply failure, non-recoverable, UTC+60",
			specific:   0x086F01,
			data:       buildPET(8, 3600, 60, 0x20, 5, 0x0A, nil, nil),
			wantSensor: "Power Supply", wantEvent: "Power Supply Failure detected",
			wantSeverity: oobkit.SeverityNonRecoverable, wantEvSev: oobkit.SeverityCritical, wantAssert: true,
			wantTime: time.Date(1998, 1, 1, 0, 0, 0, 0, time.UTC), // 01:00 local at UTC+1
		},
		{
			name:       "fan lower non-critical deasserted, warning, negative offset",
			specific:   0x040180,
			data:       buildPET(9, 86400, 0xFF88, 0x08, 3, 0x1D, nil, nil), // -120 min
			wantSensor: "Fan", wantEvent: "Lower Non-critical - going low",
			wantSeverity: oobkit.SeverityWarning, wantEvSev: oobkit.SeverityInfo, wantAssert: false,
			wantTime: time.Date(1998, 1, 2, 2, 0, 0, 0, time.UTC),
		},
		{
			name:       "generic redundancy lost with OEM field",
			specific:   0x0B0B01,
			data:       buildPET(10, 0, 0xFFFF, 0x01, 9, 0, nil, []byte{0x01, 0x02, 0x03}),
			wantSensor: "Other Units Based Sensor", wantEvent: "Redundancy Lost",
			wantSeverity: oobkit.SeverityInfo, wantEvSev: oobkit.SeverityCritical, wantAssert: true, wantOEM: []byte{1, 2, 3},
		},
		{
			name:         "offset taken from event data 1 when the trap leaves it unspecified",
			specific:     0x01010F,
			data:         buildPET(12, 0, 0xFFFF, 0x10, 1, 7, []byte{0x52, 0x10, 0x12}, nil),
			wantSensor:   "Temperature",
			wantEvent:    "Lower Critical - going low",
			wantSeverity: oobkit.SeverityCritical,
			wantEvSev:    oobkit.SeverityCritical,
			wantAssert:   true,
		},
		{
			name:       "unspecified offset and unknown severity",
			specific:   0xC0700F,
			data:       buildPET(11, 0, 0xFFFF, 0x00, 0, 0, []byte{0x0F}, nil),
			wantSensor: "OEM Reserved", wantEvent: "Unspecified event",
			wantSeverity: oobkit.SeverityUnknown, wantEvSev: oobkit.SeverityUnknown, wantAssert: true,
		},
		{
			name:       "OEM event: the sender's severity stands",
			specific:   0xC07003,
			data:       buildPET(13, 0, 0xFFFF, 0x10, 0, 0, []byte{0x03}, nil),
			wantSensor: "OEM Reserved", wantEvent: "Event offset 0x3",
			wantSeverity: oobkit.SeverityCritical, wantEvSev: oobkit.SeverityCritical, wantAssert: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DecodePET(tt.specific, tt.data)
			require.NoError(t, err)
			assert.Equal(t, tt.wantSensor, p.SensorTypeName())
			assert.Equal(t, tt.wantEvent, p.EventName())
			assert.Equal(t, tt.wantSeverity, p.Severity())
			assert.Equal(t, tt.wantAssert, !p.Deassertion)
			assert.True(t, tt.wantTime.Equal(p.Timestamp), "time %v, want %v", p.Timestamp, tt.wantTime)
			assert.Equal(t, tt.wantOEM, p.OEM)
			assert.Equal(t, uint32(0x1291), p.Manufacturer)
			ev := p.Event("host")
			assert.Equal(t, tt.wantEvSev, ev.Severity)
			assert.Contains(t, ev.Description, tt.wantEvent)
		})
	}
}

func TestDecodePETRejectsBadLength(t *testing.T) {
	for _, n := range []int{0, 10, 45, PETMaxLen + 1} {
		_, err := DecodePET(1, make([]byte, n))
		require.Error(t, err, "length %d", n)
		assert.ErrorIs(t, err, oobkit.ErrProtocol)
	}
}

func TestParseSpecificTrap(t *testing.T) {
	st, et, de, off := ParseSpecificTrap(65801)
	assert.Equal(t, []any{uint8(1), uint8(1), false, uint8(9)}, []any{st, et, de, off})
	st, et, de, off = ParseSpecificTrap(356224)
	assert.Equal(t, []any{uint8(5), uint8(0x6f), true, uint8(0)}, []any{st, et, de, off})
}

func FuzzDecodePET(f *testing.F) {
	dell, err := hex.DecodeString("44454c4c500010598043b2c04f3333580002" + "19e87e26ffff2020042073180080" + "01ff00000000001900000" + "2a20100c1")
	if err == nil {
		f.Add(uint32(dellSpecific), dell)
	}
	f.Add(uint32(0x010109), buildPET(7, 1, 0xFFFF, 0x10, 1, 7, []byte{1, 2, 3}, nil))
	f.Add(uint32(0x0B0B01), buildPET(1, 0, 60, 0xff, 0xff, 0xff, nil, make([]byte, 60)))
	f.Fuzz(func(t *testing.T, specific uint32, data []byte) {
		p, err := DecodePET(specific, data)
		if err != nil {
			if p != nil {
				t.Fatal("value with error")
			}
			return
		}
		ev := p.Event("x")
		if ev.Description == "" || ev.Source != oobkit.SNMP {
			t.Fatalf("bad event %+v", ev)
		}
		if len(p.OEM) > PETMaxLen {
			t.Fatal("OEM too long")
		}
	})
}
