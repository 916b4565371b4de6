package snmp

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/ipmispec"
	"github.com/oobkit/oobkit/ipmievent"
)

// PETEnterprise is the SNMPv1 enterprise OID of the Platform Event Trap
// (IPMI PET v1.0, ASF 2.0 DSP0136 §3.1): Intel's "wired for management" PET.
const PETEnterprise = ".1.3.6.1.4.1.3183.1.1"

// PETVarbindOID is the one variable binding of a PET: an OCTET STRING that
// carries the event (see [DecodePET]).
const PETVarbindOID = ".1.3.6.1.4.1.3183.1.1.1"

// petTrapOIDPrefix is how an SNMPv2 view of a PET names it (RFC 3584 §3.1):
// snmpTrapOID.0 = enterprise.0.specific.
const petTrapOIDPrefix = PETEnterprise + ".0."

// Size bounds of the PET varbind (IPMI PET v1.0 §3.1: 47 bytes when the OEM
// field is empty, at most 110).
const (
	PETMinLen = 47
	PETMaxLen = 110
)

// petEpoch is the origin of the PET local timestamp (IPMI PET v1.0: seconds
// since 1998-01-01 00:00).
var petEpoch = time.Date(1998, 1, 1, 0, 0, 0, 0, time.UTC)

// PET is one decoded Platform Event Trap: the fields of the specific-trap
// number and of the varbind octet string, in the IPMI PET v1.0 layout.
type PET struct {
	// SpecificTrap is the SNMPv1 specific-trap number, verbatim.
	SpecificTrap uint32
	// SensorType is the IPMI sensor type code (bits 23..16 of SpecificTrap).
	SensorType uint8
	// EventType is the IPMI event/reading type code (bits 15..8).
	EventType uint8
	// Deassertion is bit 7: the event condition went away.
	Deassertion bool
	// Offset is the event offset (bits 3..0); 0x0F means unspecified, in
	// which case event data 1 bits 3..0 are used when they name one.
	Offset uint8

	// GUID is the system GUID (bytes 0–15), in wire order.
	GUID [16]byte
	// Sequence is the sequence number / cookie (bytes 16–17). A sender
	// repeats a PET with the same GUID and Sequence.
	Sequence uint16
	// Timestamp is the event's time (bytes 18–21 seconds since 1998-01-01,
	// local time of the sender, shifted to UTC when UTCOffset is known);
	// zero when the sender left it unspecified.
	Timestamp time.Time
	// UTCOffsetMinutes is the sender's offset from UTC (bytes 22–23);
	// meaningful only when UTCOffsetKnown.
	UTCOffsetMinutes int
	// UTCOffsetKnown is false when bytes 22–23 are 0xFFFF.
	UTCOffsetKnown bool
	// TrapSource is the trap source type (byte 24: 0x20 IPMI, 0x50 NIC…).
	TrapSource uint8
	// EventSource is the event source type (byte 25: 0x20 IPMI, 0x68 ASF…).
	EventSource uint8
	// SeverityCode is the event severity byte (26): 0x01 monitor,
	// 0x02 information, 0x04 OK, 0x08 non-critical, 0x10 critical,
	// 0x20 non-recoverable, 0 unspecified.
	SeverityCode uint8
	// SensorDevice is the sensor's IPMB slave address (byte 27, 0xFF unspecified).
	SensorDevice uint8
	// SensorNumber is the sensor number (byte 28, 0x00/0xFF unspecified).
	SensorNumber uint8
	// Entity is the IPMI entity ID (byte 29) and EntityInstance byte 30.
	Entity         uint8
	EntityInstance uint8
	// EventData holds event data bytes 1..8 (bytes 31–38).
	EventData [8]byte
	// Language is the language code (byte 39, 0x19 English).
	Language uint8
	// Manufacturer is the IANA enterprise number (bytes 40–43).
	Manufacturer uint32
	// SystemID is the product ID (bytes 44–45).
	SystemID uint16
	// OEM holds the OEM custom fields (byte 46 on), without the 0xC1
	// terminator.
	OEM []byte
}

// ParseSpecificTrap splits a PET specific-trap number into sensor type,
// event type, direction and offset (IPMI PET v1.0 §3.1 Table 3-1).
func ParseSpecificTrap(specific uint32) (sensorType, eventType uint8, deassertion bool, offset uint8) {
	return uint8(specific >> 16), uint8(specific >> 8), specific&0x80 != 0, uint8(specific & 0x0F)
}

// DecodePET decodes the PET varbind octet string data sent with specific
// trap number specific. It returns an error wrapping [oobkit.ErrProtocol]
// when data is too short or too long, and never panics on any input.
func DecodePET(specific uint32, data []byte) (*PET, error) {
	if len(data) < PETMinLen-1 { // some senders omit the 0xC1 terminator
		return nil, &oobkit.Error{Protocol: oobkit.SNMP, Op: "decode PET", Class: oobkit.ErrProtocol,
			Message: fmt.Sprintf("PET varbind is %d bytes, want at least %d", len(data), PETMinLen)}
	}
	if len(data) > PETMaxLen {
		return nil, &oobkit.Error{Protocol: oobkit.SNMP, Op: "decode PET", Class: oobkit.ErrProtocol,
			Message: fmt.Sprintf("PET varbind is %d bytes, want at most %d", len(data), PETMaxLen)}
	}
	p := &PET{SpecificTrap: specific}
	p.SensorType, p.EventType, p.Deassertion, p.Offset = ParseSpecificTrap(specific)
	copy(p.GUID[:], data[0:16])
	p.Sequence = binary.BigEndian.Uint16(data[16:18])
	secs := binary.BigEndian.Uint32(data[18:22])
	off := binary.BigEndian.Uint16(data[22:24])
	if off != 0xFFFF {
		p.UTCOffsetKnown = true
		p.UTCOffsetMinutes = int(int16(off))
	}
	if secs != 0 {
		local := petEpoch.Add(time.Duration(secs) * time.Second)
		if p.UTCOffsetKnown {
			zone := time.FixedZone("", p.UTCOffsetMinutes*60)
			p.Timestamp = time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute(), local.Second(), 0, zone)
		} else {
			p.Timestamp = local
		}
	}
	p.TrapSource = data[24]
	p.EventSource = data[25]
	p.SeverityCode = data[26]
	p.SensorDevice = data[27]
	p.SensorNumber = data[28]
	p.Entity = data[29]
	p.EntityInstance = data[30]
	copy(p.EventData[:], data[31:39])
	if p.Offset == 0x0F && p.EventData[0]&0x0F != 0x0F {
		// The specific trap leaves the offset unspecified; IPMI event data 1
		// carries it in bits 3..0 (IPMI v2.0 Table 29-6).
		p.Offset = p.EventData[0] & 0x0F
	}
	p.Language = data[39]
	p.Manufacturer = binary.BigEndian.Uint32(data[40:44])
	p.SystemID = binary.BigEndian.Uint16(data[44:46])
	if oem := data[46:]; len(oem) > 0 {
		if oem[len(oem)-1] == 0xC1 {
			oem = oem[:len(oem)-1]
		}
		if len(oem) > 0 {
			p.OEM = append([]byte(nil), oem...)
		}
	}
	return p, nil
}

// GUIDString formats GUID as 8-4-4-4-12 hex digits in wire order.
func (p *PET) GUIDString() string {
	h := hex.EncodeToString(p.GUID[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Severity maps the sender's PET severity byte onto [oobkit.Severity]: monitor,
// information and OK are info, non-critical is warning, critical and
// non-recoverable are themselves; unspecified is unknown. When several bits
// are set the most serious wins.
func (p *PET) Severity() oobkit.Severity {
	switch s := p.SeverityCode; {
	case s&0x20 != 0:
		return oobkit.SeverityNonRecoverable
	case s&0x10 != 0:
		return oobkit.SeverityCritical
	case s&0x08 != 0:
		return oobkit.SeverityWarning
	case s&0x07 != 0:
		return oobkit.SeverityInfo
	}
	return oobkit.SeverityUnknown
}

// SeverityName is the PET severity byte in the words of IPMI PET v1.0
// Table 3-3 ("Monitor", "Information", "Ok", "Non-critical condition",
// "Critical condition", "Non-recoverable condition", "Unspecified").
func (p *PET) SeverityName() string {
	switch p.SeverityCode {
	case 0x00:
		return "Unspecified"
	case 0x01:
		return "Monitor"
	case 0x02:
		return "Information"
	case 0x04:
		return "Ok"
	case 0x08:
		return "Non-critical condition"
	case 0x10:
		return "Critical condition"
	case 0x20:
		return "Non-recoverable condition"
	}
	return fmt.Sprintf("Severity 0x%02X", p.SeverityCode)
}

// IPMIEvent is the IPMI event the PET carries: the fields a SEL record of
// the same event holds too, named and rated by the tables shared with the
// ipmi package.
func (p *PET) IPMIEvent() ipmievent.Event {
	return ipmievent.Event{
		SensorType:   p.SensorType,
		SensorNumber: p.SensorNumber,
		EventType:    p.EventType,
		Deassertion:  p.Deassertion,
		Offset:       p.Offset,
		Data:         [3]byte{p.EventData[0], p.EventData[1], p.EventData[2]},
	}
}

// SensorTypeName is the IPMI name of SensorType ("Temperature",
// "Physical Security"…), or "OEM Reserved"/"Sensor Type 0xNN" for codes
// outside the standard table.
func (p *PET) SensorTypeName() string { return ipmispec.SensorTypeName(p.SensorType) }

// SensorName is "Sensor #N", the name an SDR-less decoder gives the sensor.
func (p *PET) SensorName() string { return p.IPMIEvent().SensorName() }

// EventTypeName names the event/reading type class: "threshold",
// "generic", "sensor-specific", "OEM", "unspecified" or "reserved".
func (p *PET) EventTypeName() string { return ipmispec.EventClass(p.EventType) }

// EventName is the IPMI wording of the event offset for this event type
// and sensor type ("Upper Critical - going high", "General Chassis
// Intrusion"…), "Unspecified event", or "Event offset 0xN" when no table
// names it.
func (p *PET) EventName() string { return p.IPMIEvent().EventName() }

// Direction is "Assertion" or "Deassertion".
func (p *PET) Direction() string { return p.IPMIEvent().Direction() }

// Description is the one-line sentence for the event, word for word what
// the ipmi package gives a SEL record of the same event, e.g. "Physical
// Security Sensor #115: General Chassis Intrusion (Deassertion)". The
// entity and the sender's severity are in [PET.Event]'s Entity and Data.
func (p *PET) Description() string { return p.IPMIEvent().Description() }

// Event turns the PET into an [oobkit.Event] about target. Its Severity is
// the IPMI event's own (as a SEL record of the same event gets), and the
// sender's severity byte ([PET.Severity]) only when the IPMI tables do not
// know the event (OEM types, reserved offsets); the sender's wording is in
// Data["petSeverity"].
func (p *PET) Event(target string) oobkit.Event {
	data := map[string]string{
		"guid":           p.GUIDString(),
		"sequence":       strconv.Itoa(int(p.Sequence)),
		"specificTrap":   strconv.FormatUint(uint64(p.SpecificTrap), 10),
		"petSeverity":    p.SeverityName(),
		"trapSource":     fmt.Sprintf("0x%02x", p.TrapSource),
		"eventSource":    fmt.Sprintf("0x%02x", p.EventSource),
		"sensorDevice":   fmt.Sprintf("0x%02x", p.SensorDevice),
		"entityID":       strconv.Itoa(int(p.Entity)),
		"entityInstance": strconv.Itoa(int(p.EntityInstance)),
		"eventData":      hex.EncodeToString(p.EventData[:]),
		"manufacturerID": strconv.FormatUint(uint64(p.Manufacturer), 10),
		"systemID":       strconv.Itoa(int(p.SystemID)),
	}
	if p.UTCOffsetKnown {
		data["utcOffsetMinutes"] = strconv.Itoa(p.UTCOffsetMinutes)
	}
	if len(p.OEM) > 0 {
		data["oem"] = hex.EncodeToString(p.OEM)
	}
	ev := oobkit.Event{
		Source: oobkit.SNMP,
		Target: target,
		Time:   p.Timestamp,
		ID:     strconv.Itoa(int(p.Sequence)),
		Entity: ipmispec.EntityInstanceName(p.Entity, p.EntityInstance),
		Code:   strconv.FormatUint(uint64(p.SpecificTrap), 10),
		Data:   data,
	}
	p.IPMIEvent().Fill(&ev)
	if ev.Severity == oobkit.SeverityUnknown {
		ev.Severity = p.Severity()
	}
	return ev
}

// SensorNamer names a sensor from the SDR of the BMC that sent a PET:
// owner is the PET's sensor device (the IPMB slave address of the sensor's
// owner, 20h for the BMC) and number its sensor number. *ipmi.SDR, from
// ipmi.Client.SDR, implements it.
type SensorNamer interface {
	SensorName(owner, number uint8) (string, bool)
}

// EventNamed is [PET.Event] with the sensor named from the sender's SDR,
// as FreeIPMI's ipmi-pet names it when it is given the BMC: "Temperature CPU
// Temp: Upper Critical - going high (Assertion)" instead of "Temperature
// Sensor #1: …", and Data["sensorName"] = "CPU Temp". Without names, or
// when names does not know the sensor, it is [PET.Event].
func (p *PET) EventNamed(target string, names SensorNamer) oobkit.Event {
	ev := p.Event(target)
	if names == nil {
		return ev
	}
	name, ok := names.SensorName(p.SensorDevice, p.SensorNumber)
	if !ok || name == "" {
		return ev
	}
	e := p.IPMIEvent()
	e.Name = name
	ev.Description = e.Description()
	ev.Data["sensorName"] = name
	return ev
}

// SensorTypeName returns the IPMI name of a sensor type code (IPMI v2.0
// §42.2 Table 42-3), in the same words as the ipmi package's SEL decoder.
func SensorTypeName(code uint8) string { return ipmispec.SensorTypeName(code) }

// EntityName returns the IPMI name of an entity ID (IPMI v2.0 §43.14 Table
// 43-13), or "" when it is 0 (unspecified) or not in the table.
func EntityName(id uint8) string { return ipmispec.EntityName(id) }
