package ipmi

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

func TestDecodeSEL(t *testing.T) {
	cases := []struct {
		name string
		rec  []byte
		want oobkit.Event
	}{
		{
			name: "threshold upper critical going high, pre-init time",
			rec:  []byte{0x01, 0x00, 0x02, 0x8a, 0x01, 0x00, 0x00, 0x20, 0x00, 0x04, 0x01, 0x01, 0x01, 0x59, 0x60, 0x55},
			want: oobkit.Event{Source: oobkit.IPMI, ID: "1", Severity: oobkit.SeverityCritical, SensorType: "Temperature",
				SensorNumber: 1, EventType: "threshold", Offset: 9, Assertion: true, Code: "010109",
				Description: "Temperature Sensor #1: Upper Critical - going high (Assertion)",
				Data: map[string]string{"recordType": "0x02", "generatorID": "0x0020", "evmRev": "0x04", "eventData": "596055",
					"reading": "96", "threshold": "85", "time": "+394s after BMC initialisation"}},
		},
		{
			name: "deassertion of a processor IERR with a real time",
			rec:  []byte{0x34, 0x12, 0x02, 0x00, 0x00, 0x00, 0x60, 0x41, 0x00, 0x04, 0x07, 0x05, 0xEF, 0x00, 0xFF, 0xFF},
			// FreeIPMI lists one state for IERR (Critical): it holds for the deassertion.
			want: oobkit.Event{Source: oobkit.IPMI, ID: "4660", Time: time.Unix(0x60000000, 0).UTC(), Severity: oobkit.SeverityCritical,
				SensorType: "Processor", SensorNumber: 5, EventType: "sensor-specific", Offset: 0, Assertion: false, Code: "076f00",
				Description: "Processor Sensor #5: IERR (Deassertion)",
				Data:        map[string]string{"recordType": "0x02", "generatorID": "0x0041", "evmRev": "0x04", "eventData": "00ffff"}},
		},
		{
			name: "OEM timestamped",
			rec:  []byte{0x02, 0x00, 0xC1, 0xFF, 0xFF, 0xFF, 0xFF, 0xA2, 0x02, 0x00, 1, 2, 3, 4, 5, 6},
			want: oobkit.Event{Source: oobkit.IPMI, ID: "2", Severity: oobkit.SeverityInfo, Code: "oem-0xc1",
				Description: "OEM timestamped record (type 0xc1, manufacturer 674)",
				Data:        map[string]string{"recordType": "0xc1", "time": "unspecified", "manufacturerID": "674", "oemData": "010203040506"}},
		},
		{
			name: "OEM non-timestamped",
			rec:  []byte{0x03, 0x00, 0xE0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13},
			want: oobkit.Event{Source: oobkit.IPMI, ID: "3", Severity: oobkit.SeverityInfo, Code: "oem-0xe0",
				Description: "OEM record (type 0xe0)",
				Data:        map[string]string{"recordType": "0xe0", "oemData": "0102030405060708090a0b0c0d"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeSEL(tc.rec)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestDecodeSELSeverities(t *testing.T) {
	cases := []struct {
		sensorType, eventType, offset uint8
		deassert                      bool
		want                          oobkit.Severity
	}{
		{0x01, 0x01, 0x07, false, oobkit.SeverityWarning},        // upper non-critical going high
		{0x01, 0x01, 0x02, false, oobkit.SeverityCritical},       // lower critical going low
		{0x02, 0x01, 0x0B, false, oobkit.SeverityNonRecoverable}, // upper non-recoverable going high
		{0x01, 0x01, 0x09, true, oobkit.SeverityWarning},         // deasserted upper critical: FreeIPMI "Critical Warning"
		{0x01, 0x01, 0x07, true, oobkit.SeverityInfo},            // deasserted upper non-critical: "Warning Nominal"
		{0x0C, 0x6F, 0x01, false, oobkit.SeverityCritical},       // uncorrectable ECC
		{0x05, 0x6F, 0x00, false, oobkit.SeverityCritical},       // chassis intrusion (FreeIPMI: Critical)
		{0x12, 0x07, 0x03, false, oobkit.SeverityNonRecoverable}, // severity: to non-recoverable
		{0x25, 0x6F, 0x00, false, oobkit.SeverityInfo},           // entity present
	}
	for _, tc := range cases {
		dir := tc.eventType
		if tc.deassert {
			dir |= 0x80
		}
		rec := []byte{1, 0, 2, 0, 0, 0, 0, 0x20, 0, 4, tc.sensorType, 1, dir, tc.offset, 0xFF, 0xFF}
		ev, err := DecodeSEL(rec)
		require.NoError(t, err)
		assert.Equal(t, tc.want, ev.Severity, "%+v", tc)
	}
}

func TestDecodeSELShort(t *testing.T) {
	_, err := DecodeSEL(make([]byte, 15))
	require.ErrorIs(t, err, oobkit.ErrProtocol)
}

func FuzzDecodeSEL(f *testing.F) {
	f.Add([]byte{0x01, 0x00, 0x02, 0x8a, 0x01, 0x00, 0x00, 0x20, 0x00, 0x04, 0x01, 0x01, 0x01, 0x59, 0x60, 0x55})
	f.Add([]byte{0x02, 0x00, 0xC1, 0xFF, 0xFF, 0xFF, 0xFF, 0xA2, 0x02, 0x00, 1, 2, 3, 4, 5, 6})
	f.Add([]byte{0x03, 0x00, 0xE0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})
	f.Add([]byte{0x03, 0x00, 0x10})
	f.Fuzz(func(t *testing.T, rec []byte) {
		ev, err := DecodeSEL(rec)
		if len(rec) < SELRecordSize {
			if !errors.Is(err, oobkit.ErrProtocol) {
				t.Fatalf("short record: err %v", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("16+ bytes must decode: %v", err)
		}
		if ev.Source != oobkit.IPMI || ev.ID == "" || ev.Description == "" {
			t.Fatalf("incomplete event %+v", ev)
		}
		if ev.Severity < oobkit.SeverityUnknown || ev.Severity > oobkit.SeverityNonRecoverable {
			t.Fatalf("severity out of range: %d", ev.Severity)
		}
	})
}
