package wsman

import (
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// Selector is one key of a SelectorSet: a value, or an endpoint reference.
type Selector struct {
	Name  string
	Value string
	EPR   *EndpointReference
}

// Selectors identify one instance. Order is kept, so messages are stable.
type Selectors []Selector

// Sel builds Selectors from name/value pairs: Sel("Name", "x", "InstanceID", "y").
func Sel(pairs ...string) Selectors {
	s := make(Selectors, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		s = append(s, Selector{Name: pairs[i], Value: pairs[i+1]})
	}
	return s
}

// Get returns the value of selector name, or "".
func (s Selectors) Get(name string) string {
	for _, x := range s {
		if x.Name == name {
			return x.Value
		}
	}
	return ""
}

// EndpointReference is a WS-Addressing EPR: how one instance is referred to
// in a method parameter (ManagedElement), a Create response, or a
// subscription manager.
type EndpointReference struct {
	Address     string
	ResourceURI string
	Selectors   Selectors
	// Identifier is the WS-Eventing subscription identifier, when present
	// among the reference parameters.
	Identifier string
}

// write appends the EPR's children (Address, ReferenceParameters) to e.
func (r *EndpointReference) write(e *etree.Element) {
	addr := r.Address
	if addr == "" {
		addr = AnonymousAddress
	}
	e.CreateElement("a:Address").SetText(addr)
	rp := e.CreateElement("a:ReferenceParameters")
	if r.ResourceURI != "" {
		rp.CreateElement("w:ResourceURI").SetText(r.ResourceURI)
	}
	if len(r.Selectors) > 0 {
		writeSelectors(rp.CreateElement("w:SelectorSet"), r.Selectors)
	}
	if r.Identifier != "" {
		rp.CreateElement("e:Identifier").SetText(r.Identifier)
	}
}

// nsDeclare declares the envelope prefixes on an element that may be used
// out of an envelope (an EPR inside a method input).
func nsDeclare(e *etree.Element) {
	e.CreateAttr("xmlns:a", NSAddressing)
	e.CreateAttr("xmlns:w", NSWSMan)
}

func writeSelectors(set *etree.Element, sels Selectors) {
	for _, s := range sels {
		el := set.CreateElement("w:Selector")
		el.CreateAttr("Name", s.Name)
		if s.EPR != nil {
			s.EPR.write(el.CreateElement("a:EndpointReference"))
		} else {
			el.SetText(s.Value)
		}
	}
}

// ParseEPR reads an EPR from an element holding Address and
// ReferenceParameters children (e.g. ResourceCreated, SubscriptionManager).
func ParseEPR(e *etree.Element) *EndpointReference {
	if e == nil {
		return nil
	}
	r := &EndpointReference{}
	if a := e.SelectElement("Address"); a != nil {
		r.Address = strings.TrimSpace(a.Text())
	}
	rp := e.SelectElement("ReferenceParameters")
	if rp == nil {
		return r
	}
	if u := rp.SelectElement("ResourceURI"); u != nil {
		r.ResourceURI = strings.TrimSpace(u.Text())
	}
	if id := rp.SelectElement("Identifier"); id != nil {
		r.Identifier = strings.TrimSpace(id.Text())
	}
	if set := rp.SelectElement("SelectorSet"); set != nil {
		r.Selectors = parseSelectors(set)
	}
	return r
}

func parseSelectors(set *etree.Element) Selectors {
	var out Selectors
	for _, s := range set.SelectElements("Selector") {
		sel := Selector{Name: s.SelectAttrValue("Name", "")}
		if epr := s.SelectElement("EndpointReference"); epr != nil {
			sel.EPR = ParseEPR(epr)
		} else {
			sel.Value = strings.TrimSpace(s.Text())
		}
		out = append(out, sel)
	}
	return out
}

// Property is one property of an [Instance]: one or more values, an EPR, or nil.
type Property struct {
	Name   string
	Values []string
	EPR    *EndpointReference
	// Nil marks xsi:nil="true".
	Nil bool
}

// Instance is a CIM instance or a method's input/output: the class element
// name, its resource URI (the element's namespace) and ordered properties.
// It is the common currency between wsman and the amt, dash and wmi decoders.
type Instance struct {
	ResourceURI string
	Class       string
	Props       []Property
}

// NewInstance returns an empty instance of class under resourceURI.
func NewInstance(resourceURI, class string) *Instance {
	return &Instance{ResourceURI: resourceURI, Class: class}
}

// MethodInput returns the input instance of method on resourceURI
// (element <Method_INPUT> in the resource's namespace).
func MethodInput(resourceURI, method string) *Instance {
	return NewInstance(resourceURI, method+"_INPUT")
}

// Set sets property name to values (replacing it, keeping its position).
func (in *Instance) Set(name string, values ...string) *Instance {
	for i := range in.Props {
		if in.Props[i].Name == name {
			in.Props[i] = Property{Name: name, Values: values}
			return in
		}
	}
	in.Props = append(in.Props, Property{Name: name, Values: values})
	return in
}

// SetInt sets an integer property.
func (in *Instance) SetInt(name string, v int64) *Instance {
	return in.Set(name, strconv.FormatInt(v, 10))
}

// SetBool sets a boolean property ("true"/"false").
func (in *Instance) SetBool(name string, v bool) *Instance {
	return in.Set(name, strconv.FormatBool(v))
}

// SetEPR sets a reference-valued property.
func (in *Instance) SetEPR(name string, r *EndpointReference) *Instance {
	for i := range in.Props {
		if in.Props[i].Name == name {
			in.Props[i] = Property{Name: name, EPR: r}
			return in
		}
	}
	in.Props = append(in.Props, Property{Name: name, EPR: r})
	return in
}

// Delete removes property name.
func (in *Instance) Delete(name string) *Instance {
	out := in.Props[:0]
	for _, p := range in.Props {
		if p.Name != name {
			out = append(out, p)
		}
	}
	in.Props = out
	return in
}

// Prop returns property name and whether it is present.
func (in *Instance) Prop(name string) (Property, bool) {
	for _, p := range in.Props {
		if p.Name == name {
			return p, true
		}
	}
	return Property{}, false
}

// Has reports whether property name is present.
func (in *Instance) Has(name string) bool { _, ok := in.Prop(name); return ok }

// Get returns the first value of property name, or "".
func (in *Instance) Get(name string) string {
	p, _ := in.Prop(name)
	if len(p.Values) == 0 {
		return ""
	}
	return p.Values[0]
}

// All returns every value of a multi-valued property.
func (in *Instance) All(name string) []string {
	p, _ := in.Prop(name)
	return p.Values
}

// Int returns property name as an integer and whether it parsed.
func (in *Instance) Int(name string) (int64, bool) {
	v, err := strconv.ParseInt(strings.TrimSpace(in.Get(name)), 10, 64)
	return v, err == nil
}

// Ints returns every value of a multi-valued integer property, skipping
// values that do not parse.
func (in *Instance) Ints(name string) []int64 {
	var out []int64
	for _, s := range in.All(name) {
		if v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
			out = append(out, v)
		}
	}
	return out
}

// Bool returns property name as a boolean (false when absent or not "true").
func (in *Instance) Bool(name string) bool {
	return strings.EqualFold(strings.TrimSpace(in.Get(name)), "true")
}

// EPR returns the reference held by property name, or nil.
func (in *Instance) EPR(name string) *EndpointReference {
	p, _ := in.Prop(name)
	return p.EPR
}

// Element renders the instance as an XML element in the resource's
// namespace (prefix "h"). Values are escaped by etree.
func (in *Instance) Element() *etree.Element {
	e := etree.NewElement("h:" + in.Class)
	e.CreateAttr("xmlns:h", in.ResourceURI)
	for _, p := range in.Props {
		switch {
		case p.EPR != nil:
			c := e.CreateElement("h:" + p.Name)
			nsDeclare(c)
			p.EPR.write(c)
		case p.Nil:
			c := e.CreateElement("h:" + p.Name)
			c.CreateAttr("xmlns:xsi", NSXSI)
			c.CreateAttr("xsi:nil", "true")
		default:
			for _, v := range p.Values {
				e.CreateElement("h:" + p.Name).SetText(v)
			}
		}
	}
	return e
}

// ParseInstance reads an instance element: each child element is a
// property; repeated children make a multi-valued property; a child with an
// Address or ReferenceParameters child is an EPR.
func ParseInstance(e *etree.Element) *Instance {
	if e == nil {
		return nil
	}
	in := &Instance{Class: e.Tag, ResourceURI: e.NamespaceURI(), Props: make([]Property, 0, len(e.Child))}
	for _, t := range e.Child {
		c, ok := t.(*etree.Element)
		if !ok {
			continue
		}
		name := c.Tag
		var p Property
		switch {
		case c.SelectElement("ReferenceParameters") != nil || c.SelectElement("Address") != nil:
			p = Property{Name: name, EPR: ParseEPR(c)}
		case c.SelectAttrValue("xsi:nil", c.SelectAttrValue("nil", "")) == "true":
			p = Property{Name: name, Nil: true}
		default:
			p = Property{Name: name, Values: []string{scalarText(c)}}
		}
		// A repeated name adds a value to the property already read (a
		// linear search: instances have tens of properties, and a map
		// would cost more than it saves).
		if i := in.lastIndex(name); i >= 0 && p.EPR == nil && !p.Nil {
			in.Props[i].Values = append(in.Props[i].Values, p.Values...)
			continue
		}
		in.Props = append(in.Props, p)
	}
	return in
}

// lastIndex returns the index of the last property named name, or -1.
func (in *Instance) lastIndex(name string) int {
	for i := len(in.Props) - 1; i >= 0; i-- {
		if in.Props[i].Name == name {
			return i
		}
	}
	return -1
}

// scalarText returns a property element's text. WinRM wraps CIM date and
// time values in a typed child (DSP0230 §7.2.4: <cim:Datetime>,
// <cim:Interval>, <cim:Date>, <cim:Time>); the child's text is the value.
func scalarText(c *etree.Element) string {
	if strings.TrimSpace(c.Text()) == "" {
		if kids := c.ChildElements(); len(kids) == 1 {
			switch kids[0].Tag {
			case "Datetime", "Interval", "Date", "Time":
				return strings.TrimSpace(kids[0].Text())
			}
		}
	}
	return c.Text()
}

// ReturnValue reads the ReturnValue of a method output. ok is false when the
// output has none.
func (in *Instance) ReturnValue() (v int64, ok bool) {
	if in == nil {
		return 0, false
	}
	return in.Int("ReturnValue")
}
