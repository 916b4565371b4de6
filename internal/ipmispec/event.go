package ipmispec

import (
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
