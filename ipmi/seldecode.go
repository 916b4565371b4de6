package ipmi

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	"github.com/oobkit/oobkit"
)

// SELRecordSize is the size of one System Event Log record (IPMI v2.0 §32).
const SELRecordSize = 16

// Relative SEL timestamps: values up to this count seconds since BMC
// initialisation, not since 1970 (IPMI v2.0 §37.1).
const selRelativeTimeMax = 0x20000000

// DecodeSEL decodes one 16-byte SEL record (IPMI v2.0 §32.1–32.3, Tables
// 32-1..32-3) into an [oobkit.Event] with Source [oobkit.IPMI]. System event
// records (type 02h) get the sensor type, event type, offset, direction,
// severity and a description in the spec's words; OEM records keep their
// bytes in Data. Fewer than 16 bytes is an error wrapping
// [oobkit.ErrProtocol]; extra bytes are ignored.
func DecodeSEL(rec []byte) (oobkit.Event, error) {
	if len(rec) < SELRecordSize {
		return oobkit.Event{}, fmt.Errorf("%w: ipmi: SEL record of %d bytes, want %d", oobkit.ErrProtocol, len(rec), SELRecordSize)
	}
	id := binary.LittleEndian.Uint16(rec[0:2])
	typ := rec[2]
	ev := oobkit.Event{
		Source: oobkit.IPMI,
		ID:     strconv.Itoa(int(id)),
		Data:   map[string]string{"recordType": fmt.Sprintf("%#02x", typ)},
	}
	switch {
	case typ == 0x02:
		decodeSystemEvent(rec, &ev)
	case typ >= 0xC0 && typ <= 0xDF: // OEM timestamped: time, manufacturer ID (3 bytes), 6 OEM bytes
		setSELTime(&ev, binary.LittleEndian.Uint32(rec[3:7]))
		mfg := uint32(rec[7]) | uint32(rec[8])<<8 | uint32(rec[9])<<16
		ev.Data["manufacturerID"] = strconv.Itoa(int(mfg))
		ev.Data["oemData"] = fmt.Sprintf("%x", rec[10:16])
		ev.Severity = oobkit.SeverityInfo
		ev.Code = fmt.Sprintf("oem-%#02x", typ)
		ev.Description = fmt.Sprintf("OEM timestamped record (type %#02x, manufacturer %d)", typ, mfg)
	case typ >= 0xE0: // OEM non-timestamped: 13 OEM bytes
		ev.Data["oemData"] = fmt.Sprintf("%x", rec[3:16])
		ev.Severity = oobkit.SeverityInfo
		ev.Code = fmt.Sprintf("oem-%#02x", typ)
		ev.Description = fmt.Sprintf("OEM record (type %#02x)", typ)
	default:
		ev.Data["raw"] = fmt.Sprintf("%x", rec[:SELRecordSize])
		ev.Description = fmt.Sprintf("unknown SEL record type %#02x", typ)
	}
	return ev, nil
}

func setSELTime(ev *oobkit.Event, ts uint32) {
	switch {
	case ts == 0xFFFFFFFF:
		ev.Data["time"] = "unspecified"
	case ts <= selRelativeTimeMax:
		ev.Data["time"] = fmt.Sprintf("+%ds after BMC initialisation", ts)
	default:
		ev.Time = time.Unix(int64(ts), 0).UTC()
	}
}

// decodeSystemEvent fills ev from a type 02h record (Table 32-1).
func decodeSystemEvent(rec []byte, ev *oobkit.Event) {
	setSELTime(ev, binary.LittleEndian.Uint32(rec[3:7]))
	gen := binary.LittleEndian.Uint16(rec[7:9])
	evmRev, sensorType, sensorNum := rec[9], rec[10], rec[11]
	eventType := rec[12] & 0x7F
	ev.Assertion = rec[12]&0x80 == 0
	d1, d2, d3 := rec[13], rec[14], rec[15]
	offset := d1 & 0x0F

	ev.SensorType = SensorTypeName(sensorType)
	ev.SensorNumber = int(sensorNum)
	ev.EventType = eventTypeName(eventType)
	ev.Offset = int(offset)
	ev.Code = fmt.Sprintf("%02x%02x%02x", sensorType, eventType, offset)
	ev.Data["generatorID"] = fmt.Sprintf("%#04x", gen)
	ev.Data["evmRev"] = fmt.Sprintf("%#02x", evmRev)
	ev.Data["eventData"] = fmt.Sprintf("%02x%02x%02x", d1, d2, d3)

	what := offsetText(sensorType, eventType, offset)
	dir := "asserted"
	if !ev.Assertion {
		dir = "deasserted"
	}
	ev.Description = fmt.Sprintf("%s #%#02x: %s %s", ev.SensorType, sensorNum, what, dir)
	if eventType == 0x01 {
		// Threshold: data 2/3 carry the trigger reading and threshold when
		// data 1 bits 7:6 / 5:4 are 01b (Table 29-6).
		if d1>>6 == 1 {
			ev.Data["reading"] = strconv.Itoa(int(d2))
		}
		if (d1>>4)&3 == 1 {
			ev.Data["threshold"] = strconv.Itoa(int(d3))
		}
	}
	ev.Severity = eventSeverity(sensorType, eventType, offset, ev.Assertion)
}

func eventTypeName(t uint8) string {
	switch {
	case t == 0x00:
		return "unspecified"
	case t == 0x01:
		return "threshold"
	case t >= 0x02 && t <= 0x0C:
		return "generic"
	case t == 0x6F:
		return "sensor-specific"
	case t >= 0x70 && t <= 0x7F:
		return "oem"
	}
	return fmt.Sprintf("reserved-%#02x", t)
}

// thresholdOffsets are the threshold event offsets (Table 42-2, event/reading
// type 01h).
var thresholdOffsets = [...]string{
	"Lower Non-critical going low", "Lower Non-critical going high",
	"Lower Critical going low", "Lower Critical going high",
	"Lower Non-recoverable going low", "Lower Non-recoverable going high",
	"Upper Non-critical going low", "Upper Non-critical going high",
	"Upper Critical going low", "Upper Critical going high",
	"Upper Non-recoverable going low", "Upper Non-recoverable going high",
}

// severityOffsets are the generic "severity" event offsets (Table 42-2,
// event/reading type 07h).
var severityOffsets = [...]string{
	"Transition to OK", "Transition to Non-Critical from OK",
	"Transition to Critical from less severe", "Transition to Non-recoverable from less severe",
	"Transition to Non-Critical from more severe", "Transition to Critical from Non-recoverable",
	"Transition to Non-recoverable", "Monitor", "Informational",
}

// specificOffsets names the commonest sensor-specific offsets (Table 42-3).
var specificOffsets = map[[2]uint8]string{
	{0x05, 0}: "General Chassis Intrusion",
	{0x07, 0}: "IERR", {0x07, 1}: "Thermal Trip", {0x07, 7}: "Presence detected",
	{0x08, 0}: "Presence detected", {0x08, 1}: "Power Supply Failure detected", {0x08, 3}: "Power Supply input lost (AC/DC)",
	{0x0C, 0}: "Correctable ECC", {0x0C, 1}: "Uncorrectable ECC", {0x0C, 5}: "Correctable ECC logging limit reached",
	{0x10, 2}: "Log Area Reset/Cleared", {0x10, 4}: "SEL Full",
	{0x12, 0}: "System Reconfigured", {0x12, 1}: "OEM System Boot Event",
	{0x14, 0}: "Power Button pressed", {0x14, 2}: "Reset Button pressed",
	{0x1D, 0}: "Initiated by power up", {0x1D, 1}: "Initiated by hard reset",
	{0x20, 0}: "Critical stop during OS load", {0x20, 1}: "Run-time Critical Stop",
	{0x23, 0}: "Timer expired", {0x23, 1}: "Hard Reset", {0x23, 2}: "Power Down", {0x23, 3}: "Power Cycle",
	{0x25, 0}: "Entity Present", {0x25, 1}: "Entity Absent",
}

// criticalSpecific are sensor-specific offsets that mean a failure.
var criticalSpecific = map[[2]uint8]oobkit.Severity{
	{0x05, 0}: oobkit.SeverityWarning,
	{0x07, 0}: oobkit.SeverityCritical, {0x07, 1}: oobkit.SeverityCritical,
	{0x08, 1}: oobkit.SeverityCritical, {0x08, 3}: oobkit.SeverityCritical,
	{0x0C, 0}: oobkit.SeverityWarning, {0x0C, 1}: oobkit.SeverityCritical,
	{0x10, 4}: oobkit.SeverityWarning,
	{0x20, 0}: oobkit.SeverityCritical, {0x20, 1}: oobkit.SeverityCritical,
	{0x23, 0}: oobkit.SeverityWarning, {0x23, 1}: oobkit.SeverityWarning, {0x23, 2}: oobkit.SeverityWarning, {0x23, 3}: oobkit.SeverityWarning,
}

func offsetText(sensorType, eventType, offset uint8) string {
	switch {
	case eventType == 0x01 && int(offset) < len(thresholdOffsets):
		return thresholdOffsets[offset]
	case eventType == 0x07 && int(offset) < len(severityOffsets):
		return severityOffsets[offset]
	case eventType == 0x6F:
		if s, ok := specificOffsets[[2]uint8{sensorType, offset}]; ok {
			return s
		}
	}
	return fmt.Sprintf("event offset %d", offset)
}

func eventSeverity(sensorType, eventType, offset uint8, assertion bool) oobkit.Severity {
	if !assertion {
		return oobkit.SeverityInfo // the condition went away
	}
	switch eventType {
	case 0x01:
		switch offset {
		case 0, 1, 6, 7:
			return oobkit.SeverityWarning
		case 2, 3, 8, 9:
			return oobkit.SeverityCritical
		case 4, 5, 10, 11:
			return oobkit.SeverityNonRecoverable
		}
	case 0x07:
		switch offset {
		case 1, 4:
			return oobkit.SeverityWarning
		case 2, 5:
			return oobkit.SeverityCritical
		case 3, 6:
			return oobkit.SeverityNonRecoverable
		}
	case 0x6F:
		if s, ok := criticalSpecific[[2]uint8{sensorType, offset}]; ok {
			return s
		}
	}
	return oobkit.SeverityInfo
}

var sensorTypeNames = [...]string{
	0x00: "Reserved", 0x01: "Temperature", 0x02: "Voltage", 0x03: "Current", 0x04: "Fan",
	0x05: "Physical Security", 0x06: "Platform Security", 0x07: "Processor", 0x08: "Power Supply",
	0x09: "Power Unit", 0x0A: "Cooling Device", 0x0B: "Other Units-based Sensor", 0x0C: "Memory",
	0x0D: "Drive Slot (Bay)", 0x0E: "POST Memory Resize", 0x0F: "System Firmware Progress",
	0x10: "Event Logging Disabled", 0x11: "Watchdog 1", 0x12: "System Event", 0x13: "Critical Interrupt",
	0x14: "Button / Switch", 0x15: "Module / Board", 0x16: "Microcontroller / Coprocessor",
	0x17: "Add-in Card", 0x18: "Chassis", 0x19: "Chip Set", 0x1A: "Other FRU", 0x1B: "Cable / Interconnect",
	0x1C: "Terminator", 0x1D: "System Boot / Restart Initiated", 0x1E: "Boot Error",
	0x1F: "Base OS Boot / Installation Status", 0x20: "OS Stop / Shutdown", 0x21: "Slot / Connector",
	0x22: "System ACPI Power State", 0x23: "Watchdog 2", 0x24: "Platform Alert", 0x25: "Entity Presence",
	0x26: "Monitor ASIC / IC", 0x27: "LAN", 0x28: "Management Subsystem Health", 0x29: "Battery",
	0x2A: "Session Audit", 0x2B: "Version Change", 0x2C: "FRU State",
}

// SensorTypeName names an IPMI sensor type code (IPMI v2.0 Table 42-3).
func SensorTypeName(t uint8) string {
	if int(t) < len(sensorTypeNames) {
		return sensorTypeNames[t]
	}
	if t >= 0xC0 {
		return fmt.Sprintf("OEM %#02x", t)
	}
	return fmt.Sprintf("Sensor type %#02x", t)
}
