package amt

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/oobkit/oobkit"
)

// RecordSize is the length of an AMT_MessageLog record: a little-endian
// uint32 timestamp and 17 bytes of ASF/PET event fields
// (go-wsman-messages amt/messagelog/log.go; MeshCommander amt-0.2.0.js).
const RecordSize = 21

// Record is one AMT event-log record.
type Record struct {
	Time            time.Time
	DeviceAddress   uint8
	SensorType      uint8
	EventType       uint8
	Offset          uint8
	SourceType      uint8
	Severity        uint8 // ASF: 0 unspecified, 1 monitor, 2 information, 4 OK, 8 non-critical, 16 critical, 32 non-recoverable
	SensorNumber    uint8
	Entity          uint8
	EntityInstance  uint8
	Data            [8]byte
	AssertionStatus bool // false when bit 7 of the event offset is set (a deassertion, as in PET)
}

// DecodeRecord parses one 21-byte record. The timestamp is seconds since
// 1970 in UTC as the firmware keeps it.
func DecodeRecord(b []byte) (Record, error) {
	if len(b) != RecordSize {
		return Record{}, protoErr("GetRecords", "event record is %d bytes, want %d", len(b), RecordSize)
	}
	r := Record{
		Time:          time.Unix(int64(binary.LittleEndian.Uint32(b[0:4])), 0).UTC(),
		DeviceAddress: b[4], SensorType: b[5], EventType: b[6], Offset: b[7], SourceType: b[8],
		Severity: b[9], SensorNumber: b[10], Entity: b[11], EntityInstance: b[12],
	}
	copy(r.Data[:], b[13:21])
	r.AssertionStatus = r.Offset&0x80 == 0
	return r, nil
}

// Encode writes the record in the wire layout (for simulators and tests).
func (r Record) Encode() []byte {
	b := make([]byte, RecordSize)
	binary.LittleEndian.PutUint32(b[0:4], uint32(r.Time.Unix()))
	b[4], b[5], b[6], b[7], b[8] = r.DeviceAddress, r.SensorType, r.EventType, r.Offset, r.SourceType
	b[9], b[10], b[11], b[12] = r.Severity, r.SensorNumber, r.Entity, r.EntityInstance
	copy(b[13:], r.Data[:])
	return b
}

// SeverityLevel normalises the ASF severity.
func (r Record) SeverityLevel() oobkit.Severity {
	switch {
	case r.Severity&32 != 0:
		return oobkit.SeverityNonRecoverable
	case r.Severity&16 != 0:
		return oobkit.SeverityCritical
	case r.Severity&8 != 0:
		return oobkit.SeverityWarning
	case r.Severity&(1|2|4) != 0:
		return oobkit.SeverityInfo
	}
	return oobkit.SeverityUnknown
}

// Event converts the record to the shared event model.
func (r Record) Event() oobkit.Event {
	return oobkit.Event{
		Source: oobkit.AMT, Time: r.Time, Severity: r.SeverityLevel(),
		SensorType: SensorTypeName(r.SensorType), SensorNumber: int(r.SensorNumber),
		EventType: eventTypeName(r.EventType), Offset: int(r.Offset & 0x7f), Assertion: r.AssertionStatus,
		Entity: EntityName(r.Entity, r.EntityInstance), Description: r.Description(),
		Code: fmt.Sprintf("%d/%d/%d", r.SensorType, r.EventType, r.Offset&0x7f),
		Data: map[string]string{"eventData": hex.EncodeToString(r.Data[:]), "sourceType": strconv.Itoa(int(r.SourceType)),
			"deviceAddress": strconv.Itoa(int(r.DeviceAddress))},
	}
}

func eventTypeName(t uint8) string {
	switch {
	case t == 0x01:
		return "threshold"
	case t >= 0x02 && t <= 0x0c:
		return "generic"
	case t == 0x6f:
		return "sensor-specific"
	case t >= 0x70 && t <= 0x7f:
		return "oem"
	}
	return "type 0x" + strconv.FormatUint(uint64(t), 16)
}
