// Package ipmispec holds the IPMI v2.0 (rev. 1.1) code tables that more than
// one protocol package needs, so that an event is named, described and rated
// the same way whether it arrives as a System Event Log record (package ipmi)
// or as a Platform Event Trap (package snmp):
//
//   - sensor type codes, IPMI v2.0 §42.2 Table 42-3;
//   - event/reading type classes and the generic event offsets (threshold
//     01h and generic 02h–0Ch), Table 42-2;
//   - the sensor-specific event offsets (event/reading type 6Fh), Table 42-3;
//   - entity ID codes, §43.14 Table 43-13.
//
// The wording is the specification's, as FreeIPMI's ipmi-pet prints it; the
// snmp package checks it against ipmi-pet and the ipmi package against
// ipmitool (case and punctuation aside).
//
// [Event] gathers the fields an IPMI event carries in both a SEL record and a
// PET (sensor type, sensor number, event/reading type, direction, offset and
// event data 1–3) and turns them into names, a one-line description and an
// [oobkit.Severity]. The severity is derived from the event alone, so the same
// event gets the same severity whatever carried it.
package ipmispec
