package oobkit

import (
	"fmt"
	"strings"
	"time"
)

// Severity is how serious an event is. The values follow the ASF/IPMI PET
// event severity so a rule can say "critical" whatever the protocol.
type Severity int

// Severities, in increasing order.
const (
	SeverityUnknown        Severity = iota
	SeverityInfo                    // information, OK, monitor
	SeverityWarning                 // non-critical
	SeverityCritical                // critical
	SeverityNonRecoverable          // non-recoverable
)

var severityNames = [...]string{"unknown", "info", "warning", "critical", "non-recoverable"}

// String returns the severity's token.
func (s Severity) String() string {
	if s >= 0 && int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// ParseSeverity reads a token written by String.
func ParseSeverity(s string) (Severity, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for i, n := range severityNames {
		if n == t {
			return Severity(i), nil
		}
	}
	return SeverityUnknown, fmt.Errorf("%w: unknown severity %q", ErrInvalidArgument, s)
}

// MarshalText writes the token.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads the token.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// AtLeast reports whether s is as serious as min or more.
func (s Severity) AtLeast(min Severity) bool { return s >= min }

// CriticalAlerts says which alerts are considered critical. The RTSM guide:
// "Alerts that are marked as critical power down the client computers. You
// can configure which alerts are considered critical." An event it names is
// marked [SeverityCritical] by [CriticalAlerts.Mark], whatever the device
// said, so a rule matching "Alert severity equals Critical" acts on it.
// Names are compared case-insensitively.
type CriticalAlerts struct {
	// Codes are event identities ([Event.Code]): an AMT or DASH MessageID
	// ("PLAT0007"), a PET specific trap number, a Windows event ID.
	Codes []string `json:"codes,omitempty"`
	// SensorTypes are IPMI/ASF sensor type names ([Event.SensorType],
	// e.g. "Temperature", "Physical Security").
	SensorTypes []string `json:"sensorTypes,omitempty"`
	// Filters are event filter names, matched against the indication's
	// IndicationFilterName (Event.Data).
	Filters []string `json:"filters,omitempty"`
	// Only makes the list the whole truth: an event it does not name that
	// the device reported as critical is lowered to warning, so it no
	// longer powers the computer down.
	Only bool `json:"only,omitempty"`
}

// IsZero reports whether c names nothing and changes nothing.
func (c CriticalAlerts) IsZero() bool {
	return len(c.Codes) == 0 && len(c.SensorTypes) == 0 && len(c.Filters) == 0 && !c.Only
}

// Names reports whether ev is one of the alerts c considers critical.
func (c CriticalAlerts) Names(ev Event) bool {
	in := func(list []string, v string) bool {
		if v == "" {
			return false
		}
		for _, x := range list {
			if strings.EqualFold(strings.TrimSpace(x), v) {
				return true
			}
		}
		return false
	}
	return in(c.Codes, ev.Code) || in(c.SensorTypes, ev.SensorType) || in(c.Filters, ev.Data["IndicationFilterName"])
}

// Mark returns ev with its severity as c says: critical when c names it;
// with Only, an unnamed event the device called critical becomes a
// warning. Other events are returned unchanged.
func (c CriticalAlerts) Mark(ev Event) Event {
	switch {
	case c.Names(ev):
		ev.Severity = SeverityCritical
	case c.Only && ev.Severity == SeverityCritical:
		ev.Severity = SeverityWarning
	}
	return ev
}

// Event is one event-log record or alert, from any protocol: an AMT message
// log record, an IPMI SEL entry, a PET trap, a DASH/AMT indication, a Windows
// event-log record.
type Event struct {
	// Source is the protocol that delivered the event.
	Source Protocol `json:"source"`
	// Target is the computer the event is about (name or address).
	Target string `json:"target,omitempty"`
	// Time is when the device says the event happened (zero if unknown).
	Time time.Time `json:"time,omitempty"`
	// Severity is normalised across protocols.
	Severity Severity `json:"severity"`
	// ID is the record's identity in its log (SEL record ID, sequence number).
	ID string `json:"id,omitempty"`
	// SensorType is the IPMI/ASF sensor type name ("Temperature", "Processor"…).
	SensorType string `json:"sensorType,omitempty"`
	// SensorNumber is the sensor number, when the protocol has one.
	SensorNumber int `json:"sensorNumber,omitempty"`
	// EventType is the event/reading type ("threshold", "sensor-specific"…).
	EventType string `json:"eventType,omitempty"`
	// Offset is the event offset within the event type.
	Offset int `json:"offset,omitempty"`
	// Assertion is false for a deassertion event.
	Assertion bool `json:"assertion"`
	// Entity is the entity the sensor belongs to ("BIOS", "Processor 1"…).
	Entity string `json:"entity,omitempty"`
	// Description is a human sentence for the event.
	Description string `json:"description"`
	// Code is the protocol's own identity of the event (Windows event ID,
	// indication MessageID, PET specific trap number), verbatim.
	Code string `json:"code,omitempty"`
	// Data holds protocol-specific fields (event data bytes, varbinds).
	Data map[string]string `json:"data,omitempty"`
}
