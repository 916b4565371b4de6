package wsman

import (
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit"
)

// Fault is a SOAP fault from a WS-Management service.
type Fault struct {
	// Code is the SOAP code ("Sender", "Receiver").
	Code string
	// Subcode is the WS-Man / WS-Addressing subcode without its prefix
	// ("AccessDenied", "DestinationUnreachable", "InvalidSelectors"…).
	Subcode string
	// Reason is the fault's text.
	Reason string
	// Detail is the fault detail: a wsman:FaultDetail URI or vendor text
	// (WinRM puts a WMI error code here).
	Detail string
	// HTTPStatus is the status the fault came with.
	HTTPStatus int
}

// Error describes the fault.
func (f *Fault) Error() string {
	var b strings.Builder
	b.WriteString("WS-Management fault")
	if f.Subcode != "" {
		b.WriteString(" ")
		b.WriteString(f.Subcode)
	} else if f.Code != "" {
		b.WriteString(" ")
		b.WriteString(f.Code)
	}
	if f.Reason != "" {
		b.WriteString(": ")
		b.WriteString(f.Reason)
	}
	if f.Detail != "" {
		b.WriteString(" [")
		b.WriteString(f.Detail)
		b.WriteString("]")
	}
	return b.String()
}

// Class maps the fault to an oobkit error class (DSP0226 Table 37 subcodes).
func (f *Fault) Class() error {
	s := strings.ToLower(f.Subcode)
	d := strings.ToLower(f.Detail)
	switch s {
	case "accessdenied", "authenticationfailed":
		return oobkit.ErrAuth
	case "destinationunreachable", "actionnotsupported", "unsupportedfeature", "endpointunavailable",
		"filteringnotsupported", "filterdialectrequestedunavailable", "deliverymoderequestedunavailable":
		return oobkit.ErrUnsupported
	case "concurrency", "quotalimit", "timedout", "busy", "eventdeliverytoqueuefailed":
		return oobkit.ErrBusy
	case "invalidselectors", "invalidparameter", "invalidvalue", "schemavalidationerror", "encodinglimit",
		"invalidmessageinformationheader", "invalidrepresentation", "invalidoptions", "cannotprocessfilter",
		"invalidexpirationtime", "invalidenumerationcontext", "maxenvelopesizeexceeded", "alreadyexists":
		return oobkit.ErrInvalidArgument
	}
	if strings.Contains(d, "busy") || strings.Contains(strings.ToLower(f.Reason), "busy") {
		return oobkit.ErrBusy
	}
	return oobkit.ErrDevice
}

func parseFault(f *etree.Element) *Fault {
	out := &Fault{}
	if code := f.SelectElement("Code"); code != nil {
		out.Code = localValue(code.SelectElement("Value"))
		if sub := code.SelectElement("Subcode"); sub != nil {
			out.Subcode = localValue(sub.SelectElement("Value"))
		}
	}
	if out.Code == "" { // SOAP 1.1 shape
		out.Code = localValue(f.SelectElement("faultcode"))
	}
	if reason := f.SelectElement("Reason"); reason != nil {
		if t := reason.SelectElement("Text"); t != nil {
			out.Reason = strings.TrimSpace(t.Text())
		}
	}
	if out.Reason == "" {
		if fs := f.SelectElement("faultstring"); fs != nil {
			out.Reason = strings.TrimSpace(fs.Text())
		}
	}
	if det := f.SelectElement("Detail"); det != nil {
		var parts []string
		for _, c := range det.ChildElements() {
			if t := strings.TrimSpace(deepText(c)); t != "" {
				parts = append(parts, t)
			}
		}
		if t := strings.TrimSpace(det.Text()); t != "" {
			parts = append(parts, t)
		}
		out.Detail = strings.Join(parts, "; ")
	}
	return out
}

func deepText(e *etree.Element) string {
	var b strings.Builder
	b.WriteString(e.Text())
	for _, c := range e.ChildElements() {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString(deepText(c))
	}
	for _, a := range e.Attr {
		if a.Key == "Code" || a.Key == "Machine" {
			fmt.Fprintf(&b, " %s=%s", a.Key, a.Value)
		}
	}
	return b.String()
}

func localValue(e *etree.Element) string {
	if e == nil {
		return ""
	}
	v := strings.TrimSpace(e.Text())
	if i := strings.LastIndexByte(v, ':'); i >= 0 {
		v = v[i+1:]
	}
	return v
}

// AsFault returns the *Fault carried by err, if any.
func AsFault(err error) (*Fault, bool) {
	var f *Fault
	ok := errors.As(err, &f)
	return f, ok
}
