package amt

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/ipmispec"
	"github.com/oobkit/oobkit/ipmievent"
)

// RecordSize is the length of an AMT_MessageLog record: a little-endian
// uint32 timestamp and 17 bytes of ASF/PET event fields
// (go-wsman-messages amt/messagelog/log.go; MeshCommander amt-0.2.0.js).
const RecordSize = 21

// Record is one AMT event-log record. Its event fields are those of an
// ASF/IPMI Platform Event Trap (IPMI PET v1.0 §3.1): the IPMI sensor type,
// event/reading type, offset, sensor number, entity and event data, so
// [Record.Event] names and rates it with the IPMI tables the ipmi (SEL) and
// snmp (PET) packages use.
type Record struct {
	// Time is the firmware's timestamp, seconds since 1970 taken as UTC.
	Time time.Time
	// DeviceAddress is the address of the device that raised the event.
	DeviceAddress uint8
	// SensorType is the IPMI sensor type code (IPMI v2.0 Table 42-3).
	SensorType uint8
	// EventType is the IPMI event/reading type code (Table 42-1).
	EventType uint8
	// Offset is the event offset byte: bits 3..0 the offset, bit 7 set for
	// a deassertion (as in a PET's specific trap number).
	Offset uint8
	// SourceType is the ASF event source type (0x68: ASF 1.0 device).
	SourceType uint8
	// Severity is the ASF severity byte: 0 unspecified, 1 monitor,
	// 2 information, 4 OK, 8 non-critical, 16 critical, 32 non-recoverable.
	Severity uint8
	// SensorNumber is the sensor's number on the device.
	SensorNumber uint8
	// Entity is the IPMI entity ID (Table 43-13).
	Entity uint8
	// EntityInstance is the entity's instance number.
	EntityInstance uint8
	// Data is the event data; bytes 0–2 are IPMI event data 1–3.
	Data [8]byte
	// AssertionStatus is false when bit 7 of the event offset is set (a
	// deassertion, as in PET).
	AssertionStatus bool
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

// SeverityLevel is the firmware's own rating, the ASF severity byte as an
// oobkit.Severity. [Record.Event] rates an event by the IPMI tables instead
// (as a SEL record of the same event is rated) and uses this only for
// events the tables do not know.
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

// IPMIEvent is the IPMI event the record carries: the fields a SEL record
// or a PET of the same event holds too. The offset is bits 3..0 of the
// offset byte; when those say 0Fh (unspecified) the offset is taken from
// event data 1, as for a PET (IPMI PET v1.0 §3.1; IPMI v2.0 Table 29-6).
func (r Record) IPMIEvent() ipmievent.Event {
	off := r.Offset & 0x0F
	if off == ipmispec.UnspecifiedOffset && r.Data[0]&0x0F != 0x0F {
		off = r.Data[0] & 0x0F
	}
	return ipmievent.Event{
		SensorType:   r.SensorType,
		SensorNumber: r.SensorNumber,
		EventType:    r.EventType,
		Deassertion:  !r.AssertionStatus,
		Offset:       off,
		Data:         [3]byte{r.Data[0], r.Data[1], r.Data[2]},
	}
}

// Event converts the record to the shared event model. Sensor type, event
// type, offset, direction, severity, Code and Entity come from the IPMI
// tables (package internal/ipmispec) shared with the ipmi and snmp
// packages; the Description is theirs too, followed by AMT's own reading of
// the event data when there is one (see [Record.Description]). Severity is
// the ASF severity byte's only when the tables do not know the event; the
// byte is kept in Data["asfSeverity"].
func (r Record) Event() oobkit.Event {
	e := r.IPMIEvent()
	ev := oobkit.Event{
		Source: oobkit.AMT, Time: r.Time,
		Entity: ipmispec.EntityInstanceName(r.Entity, r.EntityInstance),
		Code:   e.Code(),
		Data: map[string]string{
			"eventData":      hex.EncodeToString(r.Data[:]),
			"sourceType":     strconv.Itoa(int(r.SourceType)),
			"deviceAddress":  strconv.Itoa(int(r.DeviceAddress)),
			"entityID":       strconv.Itoa(int(r.Entity)),
			"entityInstance": strconv.Itoa(int(r.EntityInstance)),
			"asfSeverity":    strconv.Itoa(int(r.Severity)),
		},
	}
	e.Fill(&ev)
	if detail := r.Detail(); detail != "" {
		ev.Data["detail"] = detail
	}
	ev.Description = r.Description()
	if ev.Severity == oobkit.SeverityUnknown {
		ev.Severity = r.SeverityLevel()
	}
	return ev
}
