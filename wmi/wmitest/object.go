package wmitest

import (
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/internal/wsman"
)

// nsCIM is the namespace of WinRM's typed values (<cim:Datetime>).
const nsCIM = "http://schemas.dmtf.org/wbem/wscim/1/common"

// object is one WMI instance as the simulator renders it: ordered
// properties, each one or more values, a datetime, or null.
type object struct {
	class string
	props []prop
}

type prop struct {
	name string
	vals []string
	dt   bool
	null bool
	// refClass, when set, makes the property a reference to an instance
	// of that class; vals then hold selector name, value pairs.
	refClass string
}

func newObject(class string) *object { return &object{class: class} }

func (o *object) str(name, v string) *object {
	o.props = append(o.props, prop{name: name, vals: []string{v}})
	return o
}

func (o *object) num(name string, v uint64) *object { return o.str(name, strconv.FormatUint(v, 10)) }

func (o *object) boolean(name string, v bool) *object { return o.str(name, strconv.FormatBool(v)) }

func (o *object) list(name string, vs ...string) *object {
	if len(vs) == 0 {
		return o.null(name)
	}
	o.props = append(o.props, prop{name: name, vals: vs})
	return o
}

func (o *object) null(name string) *object {
	o.props = append(o.props, prop{name: name, null: true})
	return o
}

// datetime renders t as WinRM does: <p:X><cim:Datetime>xs:dateTime</cim:Datetime></p:X>.
func (o *object) datetime(name string, t time.Time) *object {
	if t.IsZero() {
		return o.null(name)
	}
	o.props = append(o.props, prop{name: name, vals: []string{t.Format("2006-01-02T15:04:05.999999Z07:00")}, dt: true})
	return o
}

// get returns a property's first value for WQL (case-insensitive name).
func (o *object) get(name string) (string, bool) {
	for _, p := range o.props {
		if strings.EqualFold(p.name, name) {
			if p.null || len(p.vals) == 0 {
				return "", false
			}
			if p.refClass != "" {
				return p.refPath(), true
			}
			return p.vals[0], true
		}
	}
	return "", false
}

// element renders the instance as WinRM does for an enumeration item:
// <p:Class xmlns:p=".../Class" xsi:type="p:Class_Type">.
func (o *object) element() *etree.Element {
	e := etree.NewElement("p:" + o.class)
	e.CreateAttr("xmlns:p", classURI(o.class))
	e.CreateAttr("xmlns:cim", nsCIM)
	e.CreateAttr("xmlns:xsi", wsman.NSXSI)
	e.CreateAttr("xsi:type", "p:"+o.class+"_Type")
	e.CreateAttr("xml:lang", "en-US")
	for _, p := range o.props {
		switch {
		case p.null:
			e.CreateElement("p:"+p.name).CreateAttr("xsi:nil", "true")
		case p.dt:
			e.CreateElement("p:" + p.name).CreateElement("cim:Datetime").SetText(p.vals[0])
		case p.refClass != "":
			r := e.CreateElement("p:" + p.name)
			r.CreateAttr("xmlns:a", wsman.NSAddressing)
			r.CreateAttr("xmlns:w", wsman.NSWSMan)
			r.CreateElement("a:Address").SetText(wsman.AnonymousAddress)
			rp := r.CreateElement("a:ReferenceParameters")
			rp.CreateElement("w:ResourceURI").SetText(wsman.WMIBase + p.refClass)
			set := rp.CreateElement("w:SelectorSet")
			for i := 0; i+1 < len(p.vals); i += 2 {
				s := set.CreateElement("w:Selector")
				s.CreateAttr("Name", p.vals[i])
				s.SetText(p.vals[i+1])
			}
		default:
			for _, v := range p.vals {
				e.CreateElement("p:" + p.name).SetText(v)
			}
		}
	}
	return e
}

// output renders a method's output: <p:Method_OUTPUT> with ReturnValue and
// extra properties.
func output(class, method string, rv uint32, extra ...string) *etree.Element {
	e := etree.NewElement("p:" + method + "_OUTPUT")
	e.CreateAttr("xmlns:p", wsman.WMIBase+class)
	for i := 0; i+1 < len(extra); i += 2 {
		e.CreateElement("p:" + extra[i]).SetText(extra[i+1])
	}
	e.CreateElement("p:ReturnValue").SetText(strconv.FormatUint(uint64(rv), 10))
	return e
}

// ref sets a reference-valued property (an association's end), rendered as
// WinRM renders a WMI reference: an endpoint reference to the instance,
// selectors in the order given (name, value pairs).
func (o *object) ref(name, class string, sels ...string) *object {
	o.props = append(o.props, prop{name: name, refClass: class, vals: sels})
	return o
}

// refPath is a reference's WMI object path (Class.Key="v",Key2="w"), the
// value WQL compares a reference property with.
func (p prop) refPath() string {
	var b strings.Builder
	b.WriteString(p.refClass)
	for i := 0; i+1 < len(p.vals); i += 2 {
		if i == 0 {
			b.WriteByte('.')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(p.vals[i] + `="` + p.vals[i+1] + `"`)
	}
	return b.String()
}

// has reports whether the instance has a property (case-insensitive).
func (o *object) has(name string) bool {
	for _, p := range o.props {
		if strings.EqualFold(p.name, name) {
			return true
		}
	}
	return false
}

// project returns the instance with only props (nil: o itself).
func (o *object) project(props []string) *object {
	if len(props) == 0 {
		return o
	}
	out := &object{class: o.class}
	for _, p := range o.props {
		for _, want := range props {
			if strings.EqualFold(p.name, want) {
				out.props = append(out.props, p)
				break
			}
		}
	}
	return out
}
