// Package ipmievent is the IPMI platform event both a SEL record (IPMI v2.0
// §32.1 Table 32-1, read by ipmi and by amt's event log) and a Platform
// Event Trap (IPMI PET v1.0 §3.1, received by snmp) carry, with its
// wording from the IPMI v2.0 tables: sensor type (Table 42-3), event/reading
// type (Table 42-1), the offsets' names and severities (Table 42-2 and
// 42-3), so one event reads the same whichever protocol brought it.
//
// IPMI v2.0: https://www.intel.com/content/www/us/en/products/docs/servers/ipmi/ipmi-second-gen-interface-spec-v2-rev1-1.html
package ipmievent

import (
	"fmt"
	"strconv"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/ipmispec"
)

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

// SensorTypeName names e.SensorType ("Temperature", or "Sensor Type 0xNN" for a code no table names; IPMI v2.0 Table 42-3).
func (e Event) SensorTypeName() string { return ipmispec.SensorTypeName(e.SensorType) }

// SensorName is the sensor's SDR name when e.Name has it, as ipmitool,
// ipmi-sel and ipmi-pet print it ("CPU Temp"), else "Sensor #N", the name
// they give a sensor without an SDR record.
func (e Event) SensorName() string {
	if e.Name != "" {
		return e.Name
	}
	return "Sensor #" + strconv.Itoa(int(e.SensorNumber))
}

// EventClass names the class of e.EventType ("threshold", "discrete", … ; IPMI v2.0 Table 42-1).
func (e Event) EventClass() string { return ipmispec.EventClass(e.EventType) }

// EventName is the wording of the offset, "Unspecified event" for offset
// 0Fh that no table names, or "Event offset 0xN".
func (e Event) EventName() string {
	if n := ipmispec.OffsetName(e.SensorType, e.EventType, e.Offset); n != "" {
		return n
	}
	if e.Offset == ipmispec.UnspecifiedOffset {
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

// Severity rates the event: the severity the offset's table row gives,
// lowered for a deassertion.
func (e Event) Severity() oobkit.Severity {
	return ipmispec.Severity(e.SensorType, e.EventType, e.Offset, e.Deassertion)
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
	if e.EventType != ipmispec.EventTypeThreshold {
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
