package dashtest

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// Attribute kinds.
const (
	KindEnumeration = "enumeration"
	KindString      = "string"
	KindInteger     = "integer"
	KindPassword    = "password"
)

// Attribute is a BIOS attribute of the simulated computer.
type Attribute struct {
	// Kind is KindEnumeration, KindString, KindInteger or KindPassword.
	Kind string
	// Name is the AttributeName.
	Name string
	// Value is the current value (a password's value is never reported).
	Value string
	// Possible lists an enumeration's values.
	Possible []string
	// Min and Max bound an integer's value or a string's length.
	Min, Max int64
	// ReadOnly refuses changes.
	ReadOnly bool
	// Immediate applies a change at once; otherwise it is pending until
	// the next boot (SetResult 3, restart required).
	Immediate bool

	pending *string
}

// The password attributes of DefaultBIOS: the administrator (setup)
// password, which guards every change, and the system (power-on) password,
// which the BIOS asks for at start-up and which also guards changes while no
// administrator password is set.
const (
	AttrAdminPassword  = "DASH:AdminPassword"
	AttrSystemPassword = "DASH:SystemPassword"
)

// DefaultBIOS returns the default attributes: two enumerations, an integer,
// a string, a read-only string, and the administrator and system passwords.
func DefaultBIOS() []Attribute {
	return []Attribute{
		{Kind: KindEnumeration, Name: "DASH:WakeOnLAN", Value: "Disabled", Possible: []string{"Enabled", "Disabled"}},
		{Kind: KindEnumeration, Name: "DASH:Virtualization", Value: "Enabled", Possible: []string{"Enabled", "Disabled"}},
		{Kind: KindInteger, Name: "DASH:POSTDelay", Value: "5", Min: 0, Max: 30},
		{Kind: KindString, Name: "DASH:AssetTag", Value: "A-1001", Min: 0, Max: 16, Immediate: true},
		{Kind: KindString, Name: "DASH:BIOSVersion", Value: BIOSVersion, Max: 16, ReadOnly: true},
		{Kind: KindPassword, Name: AttrAdminPassword, Min: 4, Max: 32, Immediate: true},
		{Kind: KindPassword, Name: AttrSystemPassword, Min: 4, Max: 32, Immediate: true},
	}
}

var biosClass = map[string]string{
	KindEnumeration: "CIM_BIOSEnumeration", KindString: "CIM_BIOSString",
	KindInteger: "CIM_BIOSInteger", KindPassword: "CIM_BIOSPassword",
}

const biosSvcName = "BIOS Service"

// CIM_Error status codes the simulator reports (DSP0200).
const (
	cimErrAccessDenied     = 2
	cimErrInvalidParameter = 4
)

type biosFailure struct {
	status int
	id     string
	msg    string
}

func (c *Computer) registerBIOS() {
	for kind, class := range biosClass {
		c.serveList(class, func() []*wsman.Instance {
			c.mu.Lock()
			defer c.mu.Unlock()
			var out []*wsman.Instance
			for _, a := range c.attrs {
				if a.Kind == kind {
					out = append(out, c.attrInstance(class, a))
				}
			}
			return out
		})
	}
	c.serveList("CIM_BIOSService", func() []*wsman.Instance {
		return []*wsman.Instance{c.service("CIM_BIOSService", biosSvcName)}
	})
	for _, m := range []string{"SetBIOSAttribute", "SetBIOSAttributes"} {
		c.method("CIM_BIOSService", m, func(req *wsmantest.Request, in *wsman.Instance) (*etree.Element, error) {
			if err := checkSelectors(req, c.serviceSelectors("CIM_BIOSService", biosSvcName)); err != nil {
				return nil, err
			}
			return c.setBIOS(m, in), nil
		})
	}
}

// attrInstance renders an attribute; call with c.mu held.
func (c *Computer) attrInstance(class string, a *Attribute) *wsman.Instance {
	in := inst(class).Set("InstanceID", "DASH:BIOSAttribute "+a.Name).Set("AttributeName", a.Name).
		SetBool("IsReadOnly", a.ReadOnly).Set("IsOrderedList", "false")
	switch a.Kind {
	case KindPassword:
		in.Set("CurrentValue").SetBool("IsSet", *c.passwordOf(a) != "").SetInt("MinLength", a.Min).SetInt("MaxLength", a.Max).
			Set("PasswordEncoding", "2")
		return in
	case KindEnumeration:
		in.Set("PossibleValues", a.Possible...)
	case KindInteger:
		in.SetInt("LowerBound", a.Min).SetInt("UpperBound", a.Max).Set("ScalarIncrement", "1").Set("ProgrammaticUnit", "seconds")
	case KindString:
		in.SetInt("MinLength", a.Min).SetInt("MaxLength", a.Max).Set("StringType", "2")
	}
	in.Set("CurrentValue", a.Value)
	if a.pending != nil {
		in.Set("PendingValue", *a.pending)
	}
	return in
}

// setBIOS serves SetBIOSAttribute(s): every value is checked first, so a
// batch either applies entirely or not at all.
func (c *Computer) setBIOS(method string, in *wsman.Instance) *etree.Element {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rv, ok := c.injected(method); ok {
		return output("CIM_BIOSService", method, rv).Element()
	}
	names, values := in.All("AttributeName"), in.All("AttributeValue")
	if len(names) == 0 || (method == "SetBIOSAttributes" && len(names) != len(values)) || len(values) == 0 {
		return biosFailed(method, biosFailure{cimErrInvalidParameter, "OOBK0100", "AttributeName and AttributeValue are required and must match"})
	}
	if method == "SetBIOSAttribute" {
		names = []string{names[0]}
		values = values[:1]
	}
	if f := c.authorizeBIOS(in.Get("AuthorizationToken")); f != nil {
		return biosFailed(method, *f)
	}
	targets := make([]*Attribute, len(names))
	for i, n := range names {
		idx := slices.IndexFunc(c.attrs, func(a *Attribute) bool { return a.Name == n })
		if idx < 0 {
			return biosFailed(method, biosFailure{cimErrInvalidParameter, "OOBK0101", fmt.Sprintf("There is no BIOS attribute %q", n)})
		}
		if f := check(c.attrs[idx], values[i]); f != nil {
			return biosFailed(method, *f)
		}
		targets[i] = c.attrs[idx]
	}
	out := output("CIM_BIOSService", method, 0)
	var results []string
	for i, a := range targets {
		v := values[i]
		switch {
		case a.Kind == KindPassword:
			*c.passwordOf(a) = v
			results = append(results, "2")
		case a.Immediate:
			a.Value, a.pending = v, nil
			results = append(results, "2")
		default:
			a.pending = &v
			results = append(results, "3")
		}
	}
	return out.Set("SetResult", results...).Element()
}

// passwordOf returns the password a password attribute holds: the system
// password for AttrSystemPassword, the administrator password for any
// other. Call with c.mu held.
func (c *Computer) passwordOf(a *Attribute) *string {
	if a.Name == AttrSystemPassword {
		return &c.sysPass
	}
	return &c.biosPass
}

// authorizeBIOS checks SetBIOSAttribute's AuthorizationToken as a BIOS with
// both passwords does: while an administrator password is set only it
// authorises a change (the system password is refused); with only a system
// password set, it does; with neither, any token passes. It records which
// password authorised the change. Call with c.mu held.
func (c *Computer) authorizeBIOS(token string) *biosFailure {
	switch {
	case c.biosPass != "":
		if token != c.biosPass {
			return &biosFailure{cimErrAccessDenied, "OOBK0002", "The BIOS administrator password is missing or incorrect"}
		}
		c.lastAuth = "administrator"
	case c.sysPass != "":
		if token != c.sysPass {
			return &biosFailure{cimErrAccessDenied, "OOBK0003", "The BIOS system password is missing or incorrect"}
		}
		c.lastAuth = "system"
	default:
		c.lastAuth = ""
	}
	return nil
}

// check validates value against a; nil means acceptable.
func check(a *Attribute, value string) *biosFailure {
	bad := func(format string, args ...any) *biosFailure {
		return &biosFailure{cimErrInvalidParameter, "OOBK0102", fmt.Sprintf(format, args...)}
	}
	if a.ReadOnly {
		return bad("BIOS attribute %s is read-only", a.Name)
	}
	switch a.Kind {
	case KindEnumeration:
		if !slices.Contains(a.Possible, value) {
			return bad("Value %q is not one of %v for %s", value, a.Possible, a.Name)
		}
	case KindInteger:
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || n < a.Min || n > a.Max {
			return bad("Value %q for %s is outside %d..%d", value, a.Name, a.Min, a.Max)
		}
	case KindString, KindPassword:
		if l := int64(len(value)); l < a.Min || (a.Max > 0 && l > a.Max) {
			return bad("A value of %d characters for %s is outside %d..%d characters", l, a.Name, a.Min, a.Max)
		}
	}
	return nil
}

// biosFailed answers ReturnValue 2 with an embedded CIM_Error (the output
// parameter Error) that says why.
func biosFailed(method string, f biosFailure) *etree.Element {
	out := output("CIM_BIOSService", method, 2).Element()
	errEl := etree.NewElement("h:Error")
	ce := errEl.CreateElement("e:CIM_Error")
	ce.CreateAttr("xmlns:e", uri("CIM_Error"))
	ce.CreateElement("e:CIMStatusCode").SetText(itoa(f.status))
	ce.CreateElement("e:MessageID").SetText(f.id)
	ce.CreateElement("e:Message").SetText(f.msg)
	ce.CreateElement("e:PerceivedSeverity").SetText("2")
	out.InsertChildAt(0, errEl)
	return out
}

// BIOSValue returns an attribute's current and pending values (pending ""
// when none) and whether it exists.
func (c *Computer) BIOSValue(name string) (current, pending string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range c.attrs {
		if a.Name == name {
			if a.pending != nil {
				pending = *a.pending
			}
			return a.Value, pending, true
		}
	}
	return "", "", false
}

// BIOSSystemPassword returns the current BIOS system (power-on) password.
func (c *Computer) BIOSSystemPassword() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sysPass
}

// BIOSAuthorizedBy says which password authorised the last accepted BIOS
// change: "administrator", "system", or "" when the BIOS had none set.
func (c *Computer) BIOSAuthorizedBy() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastAuth
}

// BIOSPassword returns the current BIOS administrator password.
func (c *Computer) BIOSPassword() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.biosPass
}
