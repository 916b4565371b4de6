package wseventing

import (
	"strconv"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
)

// Event turns the indication into an [oobkit.Event]. source and target are
// used when the delivery's reference parameters do not name them.
//
// Mapping (CIM_AlertIndication, DSP1054): PerceivedSeverity 2 → info,
// 3 (Degraded/Warning) and 4 (Minor) → warning, 5 (Major) and 6 (Critical)
// → critical, 7 (Fatal/NonRecoverable) → non-recoverable; MessageID → Code;
// Message (or MessageID with MessageArguments) → Description;
// IndicationTime → Time; IndicationIdentifier → ID; AlertType → EventType;
// AlertingManagedElement → Entity. Every property is kept in Data.
func (in *Indication) Event(source oobkit.Protocol, target string) oobkit.Event {
	ev := oobkit.Event{
		Source:    source,
		Target:    target,
		Severity:  Severity(in.Get("PerceivedSeverity")),
		ID:        in.Get("IndicationIdentifier"),
		Code:      in.Get("MessageID"),
		EventType: alertType(in.Get("AlertType")),
		Entity:    in.Get("AlertingManagedElement"),
		Assertion: true,
		Data:      map[string]string{"class": in.Class},
	}
	if t, ok := ParseTime(in.Get("IndicationTime")); ok {
		ev.Time = t
	}
	for _, p := range in.Props {
		ev.Data[p.Name] = strings.Join(p.Values, ", ")
	}
	if in.Action != "" {
		ev.Data["action"] = in.Action
	}
	ev.Description = description(in)
	return ev
}

func description(in *Indication) string {
	if m := strings.TrimSpace(in.Get("Message")); m != "" {
		return m
	}
	if d := strings.TrimSpace(in.Get("Description")); d != "" {
		return d
	}
	if id := in.Get("MessageID"); id != "" {
		if args := in.All("MessageArguments"); len(args) > 0 {
			return id + ": " + strings.Join(args, ", ")
		}
		return id
	}
	return in.Class
}

// Severity maps a CIM PerceivedSeverity value to an [oobkit.Severity].
func Severity(v string) oobkit.Severity {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return oobkit.SeverityUnknown
	}
	switch n {
	case 2:
		return oobkit.SeverityInfo
	case 3, 4:
		return oobkit.SeverityWarning
	case 5, 6:
		return oobkit.SeverityCritical
	case 7:
		return oobkit.SeverityNonRecoverable
	}
	return oobkit.SeverityUnknown
}

var alertTypes = map[string]string{
	"1": "other", "2": "communications", "3": "quality-of-service", "4": "processing-error",
	"5": "device", "6": "environmental", "7": "model-change", "8": "security",
}

func alertType(v string) string {
	if s, ok := alertTypes[strings.TrimSpace(v)]; ok {
		return s
	}
	return strings.TrimSpace(v)
}

// ParseTime reads a CIM datetime: the xs:dateTime form WS-CIM uses inside
// <cim:Datetime> ("2024-05-01T10:00:00Z") or the classic CIM form
// "yyyymmddHHMMSS.mmmmmmsUUU" (UUU is the UTC offset in minutes).
func ParseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if len(s) == 25 && s[14] == '.' && (s[21] == '+' || s[21] == '-') {
		t, err := time.Parse("20060102150405.000000", s[:21])
		if err != nil {
			return time.Time{}, false
		}
		off, err := strconv.Atoi(s[22:])
		if err != nil {
			return time.Time{}, false
		}
		if s[21] == '-' {
			off = -off
		}
		return t.Add(-time.Duration(off) * time.Minute).UTC(), true
	}
	return time.Time{}, false
}
