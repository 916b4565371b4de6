package dash

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// BIOSKind is the kind of a BIOS attribute (the CIM_BIOSAttribute subclass).
type BIOSKind string

// BIOS attribute kinds (DSP1061).
const (
	BIOSEnumeration BIOSKind = "enumeration" // CIM_BIOSEnumeration
	BIOSString      BIOSKind = "string"      // CIM_BIOSString
	BIOSInteger     BIOSKind = "integer"     // CIM_BIOSInteger
	BIOSPassword    BIOSKind = "password"    // CIM_BIOSPassword
)

var biosClasses = []struct {
	class string
	kind  BIOSKind
}{
	{"CIM_BIOSEnumeration", BIOSEnumeration},
	{"CIM_BIOSString", BIOSString},
	{"CIM_BIOSInteger", BIOSInteger},
	{"CIM_BIOSPassword", BIOSPassword},
}

// BIOSAttribute is one BIOS setting with its current and possible values.
type BIOSAttribute struct {
	Kind       BIOSKind // which CIM_BIOSAttribute subclass
	InstanceID string   // the instance's key on the computer
	// Name is the AttributeName ("<OrgID>:<name>").
	Name string
	// Current is CurrentValue (always empty for a password).
	Current []string
	// Pending is PendingValue: set, applied at the next restart.
	Pending []string
	// Default is DefaultValue.
	Default  []string
	ReadOnly bool // IsReadOnly: setting it fails
	// PossibleValues (and their descriptions) of an enumeration.
	PossibleValues            []string
	PossibleValuesDescription []string // parallel to PossibleValues
	// MinLength and MaxLength bound a string or password.
	MinLength, MaxLength int64
	// ValueExpression is a string's regular expression, when given.
	ValueExpression string
	// LowerBound, UpperBound and ScalarIncrement bound an integer.
	LowerBound, UpperBound, ScalarIncrement int64
	// ProgrammaticUnit is an integer's unit ("seconds"…).
	ProgrammaticUnit string
	// IsSet tells whether a password is set.
	IsSet bool
}

// BIOSAttributes lists the BIOS attributes of every kind. A computer without
// the BIOS Management profile yields ErrUnsupported.
func (c *Client) BIOSAttributes(ctx context.Context) ([]BIOSAttribute, error) {
	if err := c.requireProfile(ctx, "BIOSAttributes", ProfileBIOSManagement); err != nil {
		return nil, err
	}
	var out []BIOSAttribute
	for _, bc := range biosClasses {
		items, err := c.enumerate(ctx, bc.class, true)
		if err != nil {
			return nil, err
		}
		for _, in := range items {
			out = append(out, decodeBIOSAttribute(bc.kind, in))
		}
	}
	return out, nil
}

func decodeBIOSAttribute(kind BIOSKind, in *wsman.Instance) BIOSAttribute {
	a := BIOSAttribute{Kind: kind, InstanceID: in.Get("InstanceID"), Name: in.Get("AttributeName"),
		Current: in.All("CurrentValue"), Pending: in.All("PendingValue"), Default: in.All("DefaultValue"),
		ReadOnly: in.Bool("IsReadOnly"), PossibleValues: in.All("PossibleValues"),
		PossibleValuesDescription: in.All("PossibleValuesDescription"), ValueExpression: in.Get("ValueExpression"),
		ProgrammaticUnit: in.Get("ProgrammaticUnit"), IsSet: in.Bool("IsSet")}
	a.MinLength, _ = in.Int("MinLength")
	a.MaxLength, _ = in.Int("MaxLength")
	a.LowerBound, _ = in.Int("LowerBound")
	a.UpperBound, _ = in.Int("UpperBound")
	a.ScalarIncrement, _ = in.Int("ScalarIncrement")
	return a
}

// BIOSSetting is a new value for one attribute (several values for an
// ordered-list attribute).
type BIOSSetting struct {
	Name   string   // the AttributeName, e.g. "DASH:WakeOnLAN"
	Values []string // one value, or several for a multi-valued attribute
}

// BIOSResult is the outcome of setting one attribute.
type BIOSResult struct {
	Name string // the attribute set
	// Code is the SetResult value: 2 current value set, 3 pending value set
	// (applied at the next restart).
	Code int
}

// BIOSChange reports a successful change.
type BIOSChange struct {
	Results []BIOSResult // one per value set, in request order
	// RestartRequired is true when any value was stored as pending: it
	// takes effect when the computer restarts.
	RestartRequired bool
	// AuthorizedBy says which password the computer accepted as
	// AuthorizationToken: BIOSAdministrator, BIOSSystem, or "" when none
	// was sent.
	AuthorizedBy BIOSPasswordKind
}

// BIOSPasswordKind names one of the passwords that protect a BIOS.
type BIOSPasswordKind string

// The BIOS passwords.
const (
	// BIOSAdministrator is the administrator (setup, supervisor) password.
	BIOSAdministrator BIOSPasswordKind = "administrator"
	// BIOSSystem is the system (power-on, user) password.
	BIOSSystem BIOSPasswordKind = "system"
)

// BIOSPasswords are the passwords that may protect a BIOS, as the RTSM
// guide's Manage BIOS Settings page asks for them: "If BIOS is protected by
// administrator or system passwords, specify the passwords." Either may be
// empty.
//
// CIM_BIOSService.SetBIOSAttribute(s) (DMTF CIM schema, used by the BIOS
// Management Profile DSP1061,
// https://www.dmtf.org/sites/default/files/standards/documents/DSP1061_1.0.0.pdf)
// takes a single AuthorizationToken, "a token to modify BIOSAttribute values
// for this computer system. This is usually the BIOS administrator password"
// (http://schemas.dmtf.org/wbem/cim-html/2.35.0+/CIM_BIOSService.html), with
// PasswordEncoding saying its form. So the client sends the administrator
// password when it has one; a BIOS protected only by a system password
// accepts that one instead, so the system password is sent when no
// administrator password was given, or when the computer refused the
// administrator password (it has none set). BIOSChange.AuthorizedBy says
// which was accepted.
type BIOSPasswords struct {
	Administrator oobkit.Secret
	System        oobkit.Secret
}

// UpdateBIOS sets several attributes in one request, authorised by the
// passwords the BIOS is protected with (see [BIOSPasswords]); a computer
// without the batch method gets one SetBIOSAttribute per setting, as in
// [Client.SetBIOSAttributes]. A refusal of every password given wraps
// oobkit.ErrAuth and [ErrBIOSPassword]; no password ever reaches an error.
func (c *Client) UpdateBIOS(ctx context.Context, settings []BIOSSetting, pw BIOSPasswords) (*BIOSChange, error) {
	if len(settings) == 0 {
		return nil, errorf("SetBIOSAttributes", oobkit.ErrInvalidArgument, "", "no settings")
	}
	if err := c.requireProfile(ctx, "SetBIOSAttributes", ProfileBIOSManagement); err != nil {
		return nil, err
	}
	type try struct {
		kind BIOSPasswordKind
		pw   oobkit.Secret
	}
	var tries []try
	switch {
	case !pw.Administrator.IsZero() && !pw.System.IsZero():
		tries = []try{{BIOSAdministrator, pw.Administrator}, {BIOSSystem, pw.System}}
	case !pw.Administrator.IsZero():
		tries = []try{{BIOSAdministrator, pw.Administrator}}
	case !pw.System.IsZero():
		tries = []try{{BIOSSystem, pw.System}}
	default:
		tries = []try{{"", oobkit.Secret{}}}
	}
	var err error
	for i, t := range tries {
		var ch *BIOSChange
		ch, err = c.setBIOSBatch(ctx, settings, t.pw, pw.System)
		if err == nil {
			ch.AuthorizedBy = t.kind
			return ch, nil
		}
		if !errors.Is(err, ErrBIOSPassword) || i == len(tries)-1 {
			break
		}
	}
	if len(tries) == 2 && errors.Is(err, ErrBIOSPassword) {
		var oe *oobkit.Error
		if errors.As(err, &oe) {
			cp := *oe
			cp.Message += " (both the administrator and the system password were refused)"
			return nil, &cp
		}
	}
	return nil, err
}

// setBIOSBatch is SetBIOSAttributes with one token, falling back to one
// SetBIOSAttribute per setting on a computer without the batch method.
// extra is another secret to keep out of errors.
func (c *Client) setBIOSBatch(ctx context.Context, settings []BIOSSetting, token, extra oobkit.Secret) (*BIOSChange, error) {
	secrets := append(biosSecrets(settings, token), biosSecrets(nil, extra)...)
	ch, err := c.sendBIOS(ctx, "SetBIOSAttributes", settings, token)
	if err == nil || !errors.Is(err, oobkit.ErrUnsupported) {
		return ch, redact(err, secrets...)
	}
	all := &BIOSChange{}
	for _, s := range settings {
		one, err := c.sendBIOS(ctx, "SetBIOSAttribute", []BIOSSetting{s}, token)
		if err != nil {
			return all, redact(err, secrets...)
		}
		all.Results = append(all.Results, one.Results...)
		all.RestartRequired = all.RestartRequired || one.RestartRequired
	}
	return all, nil
}

// SetResult values of CIM_BIOSService.SetBIOSAttribute(s) (CIM schema).
const (
	SetResultCurrent = 2 // CurrentValue set
	SetResultPending = 3 // PendingValue set: restart required
)

// ErrBIOSPassword is wrapped (with oobkit.ErrAuth) when the computer refuses
// the BIOS administrator password, or needs one and none was given.
var ErrBIOSPassword = errors.New("BIOS administrator password refused")

// SetBIOSAttribute sets one attribute. password is the BIOS administrator
// password when the BIOS is protected (empty otherwise); it is sent as
// AuthorizationToken with PasswordEncoding "ascii" and never logged.
func (c *Client) SetBIOSAttribute(ctx context.Context, name, value string, password oobkit.Secret) (*BIOSChange, error) {
	if err := c.requireProfile(ctx, "SetBIOSAttribute", ProfileBIOSManagement); err != nil {
		return nil, err
	}
	return c.setBIOS(ctx, "SetBIOSAttribute", []BIOSSetting{{Name: name, Values: []string{value}}}, password)
}

// SetBIOSAttributes sets several attributes in one request
// (SetBIOSAttributes). A computer that does not implement the batch
// method (ReturnValue 1 or ActionNotSupported) gets one SetBIOSAttribute
// per setting instead.
func (c *Client) SetBIOSAttributes(ctx context.Context, settings []BIOSSetting, password oobkit.Secret) (*BIOSChange, error) {
	if len(settings) == 0 {
		return nil, errorf("SetBIOSAttributes", oobkit.ErrInvalidArgument, "", "no settings")
	}
	if err := c.requireProfile(ctx, "SetBIOSAttributes", ProfileBIOSManagement); err != nil {
		return nil, err
	}
	ch, err := c.setBIOS(ctx, "SetBIOSAttributes", settings, password)
	if err == nil || !errors.Is(err, oobkit.ErrUnsupported) {
		return ch, err
	}
	all := &BIOSChange{}
	for _, s := range settings {
		one, err := c.setBIOS(ctx, "SetBIOSAttribute", []BIOSSetting{s}, password)
		if err != nil {
			return all, err
		}
		all.Results = append(all.Results, one.Results...)
		all.RestartRequired = all.RestartRequired || one.RestartRequired
	}
	return all, nil
}

// setBIOS sends one SetBIOSAttribute(s) request; its error never carries
// the administrator password or a new password value, even when the device
// echoes them (see [redact]).
func (c *Client) setBIOS(ctx context.Context, method string, settings []BIOSSetting, password oobkit.Secret) (*BIOSChange, error) {
	ch, err := c.sendBIOS(ctx, method, settings, password)
	return ch, redact(err, biosSecrets(settings, password)...)
}

func (c *Client) sendBIOS(ctx context.Context, method string, settings []BIOSSetting, password oobkit.Secret) (*BIOSChange, error) {
	svc, err := c.first(ctx, "CIM_BIOSService")
	if err != nil {
		return nil, err
	}
	res := uri("CIM_BIOSService")
	in := wsman.MethodInput(res, method)
	if method == "SetBIOSAttribute" {
		in.Set("AttributeName", settings[0].Name).Set("AttributeValue", settings[0].Values...)
	} else {
		var names, values []string
		for _, s := range settings {
			for _, v := range s.Values {
				names = append(names, s.Name)
				values = append(values, v)
			}
		}
		in.Set("AttributeName", names...).Set("AttributeValue", values...)
	}
	if !password.IsZero() {
		in.Set("AuthorizationToken", password.Reveal()).Set("PasswordEncoding", "2") // 2 = ascii
	}
	sel := epr("CIM_BIOSService", svc, "SystemCreationClassName", "SystemName", "CreationClassName", "Name").Selectors
	env, err := c.ws.Do(ctx, &wsman.Message{Action: res + "/" + method, ResourceURI: res, Selectors: sel, Body: in.Element()})
	if err != nil {
		return nil, err
	}
	outEl := env.Content()
	if outEl == nil || !strings.HasSuffix(outEl.Tag, "_OUTPUT") {
		return nil, errorf(method, oobkit.ErrProtocol, "", "response has no %s_OUTPUT", method)
	}
	out := wsman.ParseInstance(outEl)
	if err := checkReturn(method, out, biosReturnCodes); err != nil {
		return nil, biosError(method, err, outEl, password.IsZero())
	}
	ch := &BIOSChange{}
	codes := out.Ints("SetResult")
	names := []string{}
	for _, s := range settings {
		for range s.Values {
			names = append(names, s.Name)
		}
	}
	for i, code := range codes {
		name := ""
		if i < len(names) {
			name = names[i]
		}
		ch.Results = append(ch.Results, BIOSResult{Name: name, Code: int(code)})
		if code == SetResultPending {
			ch.RestartRequired = true
		}
		if code != SetResultCurrent && code != SetResultPending {
			return ch, errorf(method, oobkit.ErrDevice, strconv.FormatInt(code, 10), "setting %s: %s", name, setResultText(code))
		}
	}
	return ch, nil
}

func setResultText(code int64) string {
	switch code {
	case 4:
		return "error setting value"
	case 5:
		return "no attempt to set value due to an earlier error"
	case 6:
		return "value rolled back"
	}
	return "set result " + strconv.FormatInt(code, 10)
}

// CIM_Error.CIMStatusCode values that matter here (DSP0200 / CIM_Error).
const (
	cimErrAccessDenied     = 2
	cimErrInvalidParameter = 4
)

// biosError refines a failed SetBIOSAttribute(s) with the CIM_Error the
// computer embedded in the output (Error parameter): its Message and
// MessageID become the error text, and its CIMStatusCode the class.
func biosError(method string, base error, outEl *etree.Element, noPassword bool) error {
	var oe *oobkit.Error
	if !errors.As(base, &oe) {
		return base
	}
	e := *oe
	if errEl := outEl.SelectElement("Error"); errEl != nil {
		if kids := errEl.ChildElements(); len(kids) > 0 {
			ce := wsman.ParseInstance(kids[0])
			msg := strings.TrimSpace(ce.Get("Message"))
			if id := ce.Get("MessageID"); id != "" {
				msg += " [" + id + "]"
			}
			if msg != "" {
				e.Message = msg
			}
			status, _ := ce.Int("CIMStatusCode")
			switch status {
			case cimErrAccessDenied:
				e.Class = oobkit.ErrAuth
				e.Err = ErrBIOSPassword
				if noPassword {
					e.Message += " (the BIOS is protected: pass the administrator password, or the system password when only that one is set)"
				}
			case cimErrInvalidParameter:
				e.Class = oobkit.ErrInvalidArgument
			}
		}
	}
	return &e
}
