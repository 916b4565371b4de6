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
			return p.vals[0], true
		}
	}
	return "", false
}

// element renders the instance as WinRM does for an enumeration item:
// <p:Class xmlns:p=".../Class" xsi:type="p:Class_Type">.
func (o *object) element() *etree.Element {
	e := etree.NewElement("p:" + o.class)
	e.CreateAttr("xmlns:p", wsman.WMIBase+o.class)
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
