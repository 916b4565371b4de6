package ipmispec

import (
	"fmt"
	"strconv"

	"github.com/oobkit/oobkit"
)

// Event/reading type codes (IPMI v2.0 §42.1 Table 42-1).
const (
	EventTypeUnspecified    = 0x00
	EventTypeThreshold      = 0x01
	EventTypeSensorSpecific = 0x6F
)

// UnspecifiedOffset is the offset a PET specific-trap number carries when
// it leaves the offset to event data 1 (IPMI PET v1.0 §3.1).
const UnspecifiedOffset = 0x0F

// EventClass names the class of an event/reading type code (Table 42-1):
// "unspecified" (00h), "threshold" (01h), "generic" (02h–0Ch),
// "sensor-specific" (6Fh), "OEM" (70h–7Fh) or "reserved".
func EventClass(eventType uint8) string {
	switch t := eventType; {
	case t == EventTypeUnspecified:
		return "unspecified"
	case t == EventTypeThreshold:
		return "threshold"
	case t >= 0x02 && t <= 0x0C:
		return "generic"
	case t == EventTypeSensorSpecific:
		return "sensor-specific"
	case t >= 0x70 && t <= 0x7F:
		return "OEM"
	}
	return "reserved"
}

// lookup finds the table entry of an offset: Table 42-2 for threshold and
// generic types, Table 42-3 for sensor-specific ones.
func lookup(sensorType, eventType, off uint8) (offset, bool) {
	var tab []offset
	switch {
	case eventType == EventTypeThreshold:
		tab = thresholdOffsets
	case eventType >= 0x02 && eventType <= 0x0C:
		tab = genericOffsets[eventType]
	case eventType == EventTypeSensorSpecific:
		tab = sensorSpecificOffsets[sensorType]
	}
	if int(off) < len(tab) && tab[off].name != "" {
		return tab[off], true
	}
	return offset{}, false
}

// OffsetName is the specification's wording of an event offset ("Upper
// Critical - going high", "General Chassis Intrusion"…), or "" when no
// table names it (OEM types, reserved offsets).
func OffsetName(sensorType, eventType, off uint8) string {
	o, _ := lookup(sensorType, eventType, off)
	return o.name
}

// Severity rates an event as FreeIPMI's ipmi-sel does (see [offset]): the
// tables give each threshold and sensor-specific offset one severity for
// its assertion and one for its deassertion, which may be the same (a
// deasserted "Entity Absent" stays critical). Generic offsets are rated by
// their wording when asserted and info when deasserted. It is
// [oobkit.SeverityUnknown] when the tables do not know the offset (OEM
// event types or sensor types, reserved offsets): the caller may then use
// what the transport says, such as a PET's severity byte.
func Severity(sensorType, eventType, off uint8, deassertion bool) oobkit.Severity {
	o, ok := lookup(sensorType, eventType, off)
	switch {
	case !ok:
		return oobkit.SeverityUnknown
	case deassertion:
		return o.de
	}
	return o.sev
}

// Event is the part of an IPMI event that a SEL record (IPMI v2.0 §32.1
// Table 32-1) and a Platform Event Trap (IPMI PET v1.0 §3.1) both carry.
type Event struct {
	// SensorType is the sensor type code (Table 42-3).
	SensorType uint8
	// SensorNumber is the sensor's number on its owner.
	SensorNumber uint8
	// EventType is the event/reading type code (Table 42-1), without the
	// direction bit.
	EventType uint8
	// Deassertion is true when the condition went away.
	Deassertion bool
	// Offset is the event offset, event data 1 bits 3..0.
	Offset uint8
	// Data holds event data 1–3 (IPMI v2.0 §29.7 Table 29-6).
	Data [3]byte
	// Name is the sensor's name from its SDR ("CPU Temp"), or "" when the
	// decoder has no SDR.
	Name string
}

// SensorTypeName names e.SensorType (see [SensorTypeName]).
func (e Event) SensorTypeName() string { return SensorTypeName(e.SensorType) }

// SensorName is the sensor's SDR name when e.Name has it, as ipmitool,
// ipmi-sel and ipmi-pet print it ("CPU Temp"), else "Sensor #N", the name
// they give a sensor without an SDR record.
func (e Event) SensorName() string {
	if e.Name != "" {
		return e.Name
	}
	return "Sensor #" + strconv.Itoa(int(e.SensorNumber))
}

// EventClass names the class of e.EventType (see [EventClass]).
func (e Event) EventClass() string { return EventClass(e.EventType) }

// EventName is the wording of the offset, "Unspecified event" for offset
// 0Fh that no table names, or "Event offset 0xN".
func (e Event) EventName() string {
	if n := OffsetName(e.SensorType, e.EventType, e.Offset); n != "" {
		return n
	}
	if e.Offset == UnspecifiedOffset {
		return "Unspecified event"
	}
	return fmt.Sprintf("Event offset 0x%X", e.Offset)
}

// Direction is "Assertion" or "Deassertion".
func (e Event) Direction() string {
	if e.Deassertion {
		return "Deassertion"
	}
	return "Assertion"
}

// Description is the one-line sentence for the event, the same whichever
// protocol carried it: "Temperature Sensor #1: Upper Critical - going high
// (Assertion)".
func (e Event) Description() string {
	return e.SensorTypeName() + " " + e.SensorName() + ": " + e.EventName() + " (" + e.Direction() + ")"
}

// Severity rates the event (see [Severity]).
func (e Event) Severity() oobkit.Severity {
	return Severity(e.SensorType, e.EventType, e.Offset, e.Deassertion)
}

// Code is the event's identity as six hex digits: sensor type, event type
// and offset ("010109").
func (e Event) Code() string {
	return fmt.Sprintf("%02x%02x%02x", e.SensorType, e.EventType, e.Offset)
}

// ThresholdData returns what event data 2 and 3 of a threshold event hold
// (Table 29-6): the raw trigger reading when event data 1 bits 7:6 are 01b,
// the raw trigger threshold when bits 5:4 are 01b. Raw values need the
// sensor's SDR to become units. ok flags are false for other event types.
func (e Event) ThresholdData() (reading uint8, hasReading bool, threshold uint8, hasThreshold bool) {
	if e.EventType != EventTypeThreshold {
		return 0, false, 0, false
	}
	d1 := e.Data[0]
	return e.Data[1], d1>>6 == 1, e.Data[2], (d1>>4)&3 == 1
}

// Fill sets the IPMI fields of ev from e: SensorType, SensorNumber,
// EventType (the class), Offset, Assertion, Description and Severity, and
// the "reading"/"threshold" raw values of a threshold event in ev.Data
// (which must not be nil). The caller sets Source, Time, ID, Code, Entity.
func (e Event) Fill(ev *oobkit.Event) {
	ev.SensorType = e.SensorTypeName()
	ev.SensorNumber = int(e.SensorNumber)
	ev.EventType = e.EventClass()
	ev.Offset = int(e.Offset)
	ev.Assertion = !e.Deassertion
	ev.Description = e.Description()
	ev.Severity = e.Severity()
	reading, hasReading, threshold, hasThreshold := e.ThresholdData()
	if hasReading {
		ev.Data["reading"] = strconv.Itoa(int(reading))
	}
	if hasThreshold {
		ev.Data["threshold"] = strconv.Itoa(int(threshold))
	}
}
