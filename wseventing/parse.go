package wseventing

import (
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/xmllimit"
)

// Reference parameters a subscriber asks the device to echo in every event
// header (WS-Addressing ReferenceParameters of NotifyTo), so the listener can
// tell which computer and protocol an event is about.
const (
	RefTarget   = "OobkitTarget"
	RefProtocol = "OobkitProtocol"
)

// ActionEvent is the action of a pushed WS-Management event (DSP0226 §10.2.9).
const ActionEvent = "http://schemas.dmtf.org/wbem/wsman/1/wsman/Event"

// Property is one property of an indication: its values in order.
type Property struct {
	Name   string   // the element's local name, "PerceivedSeverity"
	Values []string // one per occurrence (arrays repeat the element)
}

// Indication is one CIM indication as delivered.
type Indication struct {
	// Class is the indication's class ("CIM_AlertIndication").
	Class string
	// ResourceURI is the class's namespace URI.
	ResourceURI string
	// Action is the delivery's action (per event in a batch).
	Action string
	// Props are the indication's properties in document order.
	Props []Property
}

// Get returns the first value of property name, or "".
func (in *Indication) Get(name string) string {
	for _, p := range in.Props {
		if p.Name == name && len(p.Values) > 0 {
			return p.Values[0]
		}
	}
	return ""
}

// All returns every value of property name.
func (in *Indication) All(name string) []string {
	for _, p := range in.Props {
		if p.Name == name {
			return p.Values
		}
	}
	return nil
}

// Delivery is one HTTP request from a device: one or more indications and
// the header facts that decide the answer.
type Delivery struct {
	// MessageID is the request's wsa:MessageID, echoed as RelatesTo in an Ack.
	MessageID string
	// Action is the envelope's wsa:Action.
	Action string
	// AckRequested is true for PushWithAck delivery (wsman:AckRequested).
	AckRequested bool
	// ReferenceParameters are the subscriber's echoed reference parameters
	// (header children other than the addressing and wsman ones).
	ReferenceParameters map[string]string
	// Indications are the events carried (one for Push, several for Events).
	Indications []*Indication
}

// Limits of what Parse accepts from the network.
const (
	// DefaultMaxBytes caps one delivery.
	DefaultMaxBytes = 256 << 10
	maxIndications  = 1024
	maxProps        = 512
	maxValues       = 256
)

// standardHeaders are envelope header elements that are not echoed
// reference parameters.
var standardHeaders = map[string]bool{
	"To": true, "Action": true, "MessageID": true, "RelatesTo": true, "ReplyTo": true, "From": true,
	"FaultTo": true, "ResourceURI": true, "SelectorSet": true, "OptionSet": true, "OperationTimeout": true,
	"MaxEnvelopeSize": true, "Locale": true, "DataLocale": true, "AckRequested": true, "Identifier": true,
	"SequenceId": true, "Sequence": true,
}

// Parse reads one delivery from r, reading at most max bytes (0 means
// [DefaultMaxBytes]). Errors wrap [oobkit.ErrProtocol].
func Parse(r io.Reader, max int64) (*Delivery, error) {
	if max <= 0 {
		max = DefaultMaxBytes
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading event: %v", oobkit.ErrProtocol, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: event larger than %d bytes", oobkit.ErrProtocol, max)
	}
	// The XML bounds shrink with the byte cap, so that a hostile delivery
	// of empty elements costs a small multiple of its size.
	env, err := wsman.ParseEnvelopeBytes(b, xmllimit.ForSize(max))
	if err != nil {
		if _, isFault := err.(*wsman.Fault); isFault {
			return nil, fmt.Errorf("%w: a fault is not an event", oobkit.ErrProtocol)
		}
		return nil, err
	}
	d := &Delivery{MessageID: env.MessageID(), Action: env.Action(), ReferenceParameters: map[string]string{}}
	if env.Header != nil {
		for _, h := range env.Header.ChildElements() {
			switch {
			case h.Tag == "AckRequested":
				d.AckRequested = true
			case !standardHeaders[h.Tag] && len(h.ChildElements()) == 0 && len(d.ReferenceParameters) < maxProps:
				d.ReferenceParameters[h.Tag] = strings.TrimSpace(h.Text())
			}
		}
	}
	content := env.Content()
	if content == nil {
		return nil, fmt.Errorf("%w: event has an empty body", oobkit.ErrProtocol)
	}
	if content.Tag == "Events" { // wsman:Events batch (DSP0226 §10.2.9.4)
		for _, ev := range content.SelectElements("Event") {
			if len(d.Indications) >= maxIndications {
				return nil, fmt.Errorf("%w: more than %d events in one batch", oobkit.ErrProtocol, maxIndications)
			}
			inner := ev.ChildElements()
			if len(inner) == 0 {
				continue
			}
			in := parseIndication(inner[0])
			in.Action = ev.SelectAttrValue("Action", d.Action)
			d.Indications = append(d.Indications, in)
		}
		if len(d.Indications) == 0 {
			return nil, fmt.Errorf("%w: event batch holds no event", oobkit.ErrProtocol)
		}
		return d, nil
	}
	in := parseIndication(content)
	in.Action = d.Action
	d.Indications = []*Indication{in}
	return d, nil
}

// parseIndication reads an indication instance. A property whose value is
// structured (a cim:Datetime, an embedded instance) is read as its text.
func parseIndication(e *etree.Element) *Indication {
	in := &Indication{Class: e.Tag, ResourceURI: e.NamespaceURI()}
	index := map[string]int{}
	for _, c := range e.ChildElements() {
		v := strings.TrimSpace(deepText(c, 0))
		if i, ok := index[c.Tag]; ok {
			if len(in.Props[i].Values) < maxValues {
				in.Props[i].Values = append(in.Props[i].Values, v)
			}
			continue
		}
		if len(in.Props) >= maxProps {
			continue
		}
		index[c.Tag] = len(in.Props)
		in.Props = append(in.Props, Property{Name: c.Tag, Values: []string{v}})
	}
	return in
}

func deepText(e *etree.Element, depth int) string {
	kids := e.ChildElements()
	if len(kids) == 0 || depth > 8 {
		return e.Text()
	}
	parts := make([]string, 0, len(kids))
	for _, k := range kids {
		if t := strings.TrimSpace(deepText(k, depth+1)); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, " ")
}
