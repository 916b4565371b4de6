package dashtest

import (
	"strconv"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// inst starts an instance of class.
func inst(class string) *wsman.Instance { return wsman.NewInstance(uri(class), class) }

// serveList serves Enumerate of class from f.
func (c *Computer) serveList(class string, f func() []*wsman.Instance) {
	c.srv.HandleEnumerate(uri(class), func(*wsmantest.Request) ([]*etree.Element, error) {
		items := f()
		out := make([]*etree.Element, 0, len(items))
		for _, in := range items {
			out = append(out, in.Element())
		}
		return out, nil
	})
}

// method serves method on class: f gets the parsed input and returns the
// output instance (its ReturnValue set by f).
func (c *Computer) method(class, name string, f func(req *wsmantest.Request, in *wsman.Instance) (*etree.Element, error)) {
	c.srv.Handle(uri(class)+"/"+name, uri(class), func(req *wsmantest.Request) (*etree.Element, error) {
		return f(req, req.Instance())
	})
}

// output builds a method output with ReturnValue rv.
func output(class, method string, rv int) *wsman.Instance {
	return wsman.NewInstance(uri(class), method+"_OUTPUT").SetInt("ReturnValue", int64(rv))
}

func itoa(v int) string { return strconv.Itoa(v) }

// systemRef is the reference to the computer system.
func (c *Computer) systemRef() *wsman.EndpointReference {
	return &wsman.EndpointReference{ResourceURI: uri("CIM_ComputerSystem"),
		Selectors: wsman.Sel("CreationClassName", "CIM_ComputerSystem", "Name", c.cfg.Name)}
}

// serviceSelectors are the keys of a service hosted by the computer.
func (c *Computer) serviceSelectors(class, name string) wsman.Selectors {
	return wsman.Sel("SystemCreationClassName", "CIM_ComputerSystem", "SystemName", c.cfg.Name,
		"CreationClassName", class, "Name", name)
}

// service returns a service instance with its keys.
func (c *Computer) service(class, name string) *wsman.Instance {
	in := inst(class)
	for _, s := range c.serviceSelectors(class, name) {
		in.Set(s.Name, s.Value)
	}
	return in.Set("ElementName", name)
}

// checkSelectors answers InvalidSelectors unless req addresses want.
func checkSelectors(req *wsmantest.Request, want wsman.Selectors) error {
	for _, s := range want {
		if req.Selectors.Get(s.Name) != s.Value {
			return wsmantest.Fault("InvalidSelectors", "no instance with "+s.Name+"="+req.Selectors.Get(s.Name))
		}
	}
	return nil
}
