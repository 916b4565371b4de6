// Package wsbrowse browses any WS-Management endpoint: Identify, enumerate
// any class by name or resource URI, Get an instance by its selectors, and
// (WMI) WQL queries. It is what the RTSM guide's "custom views" read: "You
// can add or remove custom views, which appear in the Resource Manager's
// Real-Time view. For example, you can add the Linux OpenWSMan view".
//
// A class name becomes a resource URI by the rules of the endpoint's
// [Flavor] (see [ResourceURI]); a full URI is used as given.
package wsbrowse

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// Flavor is the kind of WS-Management service: it picks the default port
// and the namespace rules of class names.
type Flavor string

// The flavors.
const (
	// AMT: Intel AMT (16992/16993). AMT_* classes are under
	// http://intel.com/wbem/wscim/1/amt-schema/1/, IPS_* under
	// http://intel.com/wbem/wscim/1/ips-schema/1/, CIM_* under the DMTF
	// schema http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/.
	AMT Flavor = "amt"
	// DASH: DMTF DASH (623/664), CIM_* classes under the DMTF schema
	// (DSP0232 and DSP0227's resource URI rule).
	DASH Flavor = "dash"
	// WMI: Windows Remote Management (5985/5986): every class of
	// root/cimv2 under http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/
	// (https://learn.microsoft.com/windows/win32/winrm/resource-uris);
	// "root/ns/Class" names another WMI namespace.
	WMI Flavor = "wmi"
	// OpenWSMan: the Linux OpenWSMan service over SBLIM providers
	// (5985/5986): CIM_* under the DMTF schema, Linux_* under
	// http://sblim.sf.net/wbem/wscim/1/cim-schema/2/ and OMC_* under
	// http://schema.omc-project.org/wbem/wscim/1/cim-schema/2/ (openwsman's
	// vendor_namespaces, https://github.com/Openwsman/openwsman).
	OpenWSMan Flavor = "openwsman"
)

// Namespace bases of the flavors' class rules.
const (
	SBLIMBase = "http://sblim.sf.net/wbem/wscim/1/cim-schema/2/"
	OMCBase   = "http://schema.omc-project.org/wbem/wscim/1/cim-schema/2/"
	WMIRoot   = "http://schemas.microsoft.com/wbem/wsman/1/wmi/"
)

// Protocol is the technology custom views are served by in a view
// (package view): the *Client of this package stands for it in the view's
// connections.
const Protocol oobkit.Protocol = "wsman"

// ParseFlavor returns the flavor named s (case-insensitive).
func ParseFlavor(s string) (Flavor, error) {
	f := Flavor(strings.ToLower(strings.TrimSpace(s)))
	switch f {
	case AMT, DASH, WMI, OpenWSMan:
		return f, nil
	}
	return "", &oobkit.Error{Op: "wsbrowse", Class: oobkit.ErrInvalidArgument,
		Message: fmt.Sprintf("unknown WS-Management flavor %q (known: amt, dash, wmi, openwsman)", s)}
}

// protocol is the oobkit protocol whose port the flavor listens on.
func (f Flavor) protocol() oobkit.Protocol {
	switch f {
	case AMT:
		return oobkit.AMT
	case DASH:
		return oobkit.DASH
	}
	return oobkit.WMI
}

var classRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+$`)

// ResourceURI returns the resource URI of class on a service of flavor f.
// A name holding "://" is a URI already and is returned as is.
func ResourceURI(f Flavor, class string) (string, error) {
	class = strings.TrimSpace(class)
	if strings.Contains(class, "://") {
		return class, nil
	}
	bad := func(msg string) error {
		return &oobkit.Error{Op: "wsbrowse", Class: oobkit.ErrInvalidArgument, Message: msg}
	}
	if f == WMI && strings.HasPrefix(strings.ToLower(class), "root/") {
		if !classRE.MatchString(class[strings.LastIndex(class, "/")+1:]) {
			return "", bad(fmt.Sprintf("%q: not a WMI class name", class))
		}
		return WMIRoot + class, nil
	}
	if !classRE.MatchString(class) {
		return "", bad(fmt.Sprintf("%q is neither a class name (Schema_Class) nor a resource URI", class))
	}
	prefix := strings.ToUpper(class[:strings.IndexByte(class, '_')+1])
	switch f {
	case WMI:
		return wsman.WMIBase + class, nil
	case AMT:
		switch prefix {
		case "AMT_":
			return wsman.AMTBase + class, nil
		case "IPS_":
			return wsman.IPSBase + class, nil
		case "CIM_":
			return wsman.CIMBase + class, nil
		}
	case DASH:
		if prefix == "CIM_" {
			return wsman.CIMBase + class, nil
		}
	case OpenWSMan:
		switch prefix {
		case "CIM_":
			return wsman.CIMBase + class, nil
		case "LINUX_":
			return SBLIMBase + class, nil
		case "OMC_":
			return OMCBase + class, nil
		}
	default:
		return "", bad(fmt.Sprintf("unknown flavor %q", f))
	}
	return "", bad(fmt.Sprintf("%s has no namespace rule for %s classes: give the full resource URI", f, strings.TrimSuffix(prefix, "_")))
}

// Option configures a [Client].
type Option func(*config)

type config struct {
	rt          http.RoundTripper
	dial        func(ctx context.Context, network, addr string) (net.Conn, error)
	hooks       *oobkit.Hooks
	log         *slog.Logger
	endpoint    string
	timeout     time.Duration
	maxBody     int64
	unencrypted bool
}

// WithTransport sends requests through rt (a simulator's, a proxy's).
func WithTransport(rt http.RoundTripper) Option { return func(c *config) { c.rt = rt } }

// WithDialContext dials through f (a tunnel, a jump host, a test's
// counter) while keeping the client's own TLS settings.
func WithDialContext(f func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *config) { c.dial = f }
}

// WithHooks reports each HTTP exchange to h (metrics, tracing), with the
// flavor's protocol (oobkit.AMT, oobkit.DASH, or oobkit.WMI for the WMI
// and OpenWSMan flavors), the service's host:port as the target and the
// operation as "Enumerate Win32_Service".
func WithHooks(h oobkit.Hooks) Option { return func(c *config) { c.hooks = &h } }

// WithLogger logs each exchange at debug level (action, class, status;
// never bodies or secrets). Default: discard.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithEndpoint sets the service URL ("https://host:5986/wsman"), replacing
// the one built from the target and flavor.
func WithEndpoint(url string) Option { return func(c *config) { c.endpoint = url } }

// WithTimeout bounds each HTTP exchange when the caller's context has no
// earlier deadline (default 30 s, the WS-Man client's).
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithMaxResponseBytes caps a response body.
func WithMaxResponseBytes(n int64) Option { return func(c *config) { c.maxBody = n } }

// WithAllowUnencrypted permits basic authentication over plain HTTP. The
// password then crosses the network base64-encoded, which is clear text to
// anyone on the path; prefer HTTPS (cred.TLS.Enabled, or an https
// endpoint), or digest or NTLM authentication.
func WithAllowUnencrypted() Option { return func(c *config) { c.unencrypted = true } }

// Client browses one WS-Management service. It is safe for concurrent use.
// It implements oobkit.Client with [Protocol].
type Client struct {
	ws     *wsman.Client
	flavor Flavor
}

// New returns a client of the WS-Management service of target of flavor f.
// The endpoint is http(s)://host:port/wsman on the flavor's port (TLS when
// cred.TLS.Enabled), or the one given [WithEndpoint]. cred.Auth is digest
// (the default), basic, ntlm or kerberos. Basic authentication over plain
// HTTP would send the password in clear text: New refuses it with an error
// of class oobkit.ErrInvalidArgument unless [WithAllowUnencrypted] is
// given. New does not touch the network.
func New(target oobkit.Target, cred oobkit.Credential, f Flavor, opts ...Option) (*Client, error) {
	if _, err := ParseFlavor(string(f)); err != nil {
		return nil, err
	}
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	endpoint := cfg.endpoint
	if endpoint == "" {
		if err := target.Validate(); err != nil {
			return nil, err
		}
		scheme := "http"
		if cred.TLS.Enabled {
			scheme = "https"
		}
		endpoint = scheme + "://" + target.HostPort(f.protocol(), cred.TLS.Enabled) + "/wsman"
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &oobkit.Error{Protocol: f.protocol(), Op: "wsbrowse", Class: oobkit.ErrInvalidArgument,
			Message: "the WS-Management endpoint must be http(s)://host:port/path"}
	}
	if cred.Auth == oobkit.AuthBasic && !strings.EqualFold(u.Scheme, "https") && !cfg.unencrypted {
		return nil, &oobkit.Error{Protocol: f.protocol(), Op: "connect", Class: oobkit.ErrInvalidArgument,
			Message: "basic authentication over plain HTTP would send the password in clear text: use HTTPS, digest or NTLM, or pass WithAllowUnencrypted"}
	}
	wopts := []wsman.Option{wsman.WithProtocol(f.protocol())}
	if cfg.rt != nil {
		wopts = append(wopts, wsman.WithTransport(cfg.rt))
	}
	if cfg.dial != nil {
		wopts = append(wopts, wsman.WithDialContext(cfg.dial))
	}
	if cfg.log != nil {
		wopts = append(wopts, wsman.WithLogger(cfg.log))
	}
	if cfg.hooks != nil {
		wopts = append(wopts, wsman.ObserveWith(*cfg.hooks, f.protocol(), u.Host))
	}
	if cfg.timeout > 0 {
		wopts = append(wopts, wsman.WithTimeout(cfg.timeout))
	}
	if cfg.maxBody > 0 {
		wopts = append(wopts, wsman.WithMaxResponseBytes(cfg.maxBody))
	}
	ws, err := wsman.New(endpoint, cred, wopts...)
	if err != nil {
		return nil, err
	}
	return &Client{ws: ws, flavor: f}, nil
}

// Protocol returns [Protocol].
func (c *Client) Protocol() oobkit.Protocol { return Protocol }

// Flavor returns the service's flavor.
func (c *Client) Flavor() Flavor { return c.flavor }

// Endpoint returns the service URL.
func (c *Client) Endpoint() string { return c.ws.Endpoint() }

// Close releases idle connections.
func (c *Client) Close() error {
	c.ws.CloseIdleConnections()
	return nil
}

// Identity is what a service's Identify reports (DSP0226 §11).
type Identity struct {
	ProtocolVersion  string   `json:"protocolVersion"`
	ProductVendor    string   `json:"productVendor"`
	ProductVersion   string   `json:"productVersion"`
	SecurityProfiles []string `json:"securityProfiles,omitempty"`
}

// Identify asks the service who it is.
func (c *Client) Identify(ctx context.Context) (*Identity, error) {
	ir, err := c.ws.Identify(ctx)
	if err != nil {
		return nil, err
	}
	return &Identity{ProtocolVersion: ir.ProtocolVersion, ProductVendor: ir.ProductVendor,
		ProductVersion: ir.ProductVersion, SecurityProfiles: ir.SecurityProfiles}, nil
}

// Property is one property of an [Instance].
type Property struct {
	Name string `json:"name"`
	// Values holds the value, or each value of an array property.
	Values []string `json:"values,omitempty"`
	// Nil marks a property the service sent as xsi:nil.
	Nil bool `json:"nil,omitempty"`
	// Ref is a reference-valued property: its resource URI and selectors,
	// as "URI?Name=Value&…".
	Ref string `json:"ref,omitempty"`
}

// Value returns the values joined by ", " (or Ref).
func (p Property) Value() string {
	if p.Ref != "" {
		return p.Ref
	}
	return strings.Join(p.Values, ", ")
}

// Instance is one CIM instance.
type Instance struct {
	ResourceURI string     `json:"resourceURI"`
	Class       string     `json:"class"`
	Properties  []Property `json:"properties"`
}

// Get returns the property named name (case-insensitive).
func (in *Instance) Get(name string) (Property, bool) {
	for _, p := range in.Properties {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Property{}, false
}

func convert(in *wsman.Instance) Instance {
	out := Instance{ResourceURI: in.ResourceURI, Class: in.Class, Properties: make([]Property, 0, len(in.Props))}
	for _, p := range in.Props {
		q := Property{Name: p.Name, Values: p.Values, Nil: p.Nil}
		if p.EPR != nil {
			var b strings.Builder
			b.WriteString(p.EPR.ResourceURI)
			for i, s := range p.EPR.Selectors {
				if i == 0 {
					b.WriteByte('?')
				} else {
					b.WriteByte('&')
				}
				b.WriteString(s.Name + "=" + s.Value)
			}
			q.Ref = b.String()
		}
		out.Properties = append(out.Properties, q)
	}
	return out
}

// EnumerateOptions tune [Client.Enumerate].
type EnumerateOptions struct {
	// Max stops after this many instances (0: all).
	Max int
	// Namespace is the CIM namespace selector (__cimnamespace, DSP0227
	// §7.4), e.g. "interop" for CIM_RegisteredProfile on DASH.
	Namespace string
}

// Enumerate lists the instances of class (a class name or resource URI).
func (c *Client) Enumerate(ctx context.Context, class string, opts EnumerateOptions) ([]Instance, error) {
	uri, err := ResourceURI(c.flavor, class)
	if err != nil {
		return nil, err
	}
	eo := wsman.EnumerateOptions{MaxElements: 50, MaxItems: opts.Max}
	if opts.Namespace != "" {
		eo.Selectors = wsman.Sel("__cimnamespace", opts.Namespace)
	}
	items, err := c.ws.Enumerate(ctx, uri, eo)
	if err != nil {
		return nil, err
	}
	return convertAll(items), nil
}

func convertAll(items []*wsman.Instance) []Instance {
	out := make([]Instance, len(items))
	for i, it := range items {
		out[i] = convert(it)
	}
	return out
}

// Selector is one key of an instance: Get reads the instance whose keys
// have these values.
type Selector struct {
	Name, Value string
}

// Get reads the one instance of class named by selectors.
func (c *Client) Get(ctx context.Context, class string, selectors ...Selector) (*Instance, error) {
	uri, err := ResourceURI(c.flavor, class)
	if err != nil {
		return nil, err
	}
	var sel wsman.Selectors
	for _, s := range selectors {
		sel = append(sel, wsman.Selector{Name: s.Name, Value: s.Value})
	}
	in, err := c.ws.Get(ctx, uri, sel)
	if err != nil {
		return nil, err
	}
	out := convert(in)
	return &out, nil
}

// ParseSelectors reads "Name=Value" pairs.
func ParseSelectors(pairs []string) ([]Selector, error) {
	var out []Selector
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, &oobkit.Error{Op: "wsbrowse", Class: oobkit.ErrInvalidArgument, Message: fmt.Sprintf("selector %q is not Name=Value", p)}
		}
		out = append(out, Selector{Name: strings.TrimSpace(k), Value: v})
	}
	return out, nil
}

// Query runs a WQL query on a WMI service ("SELECT * FROM Win32_Service
// WHERE State = 'Running'") and returns at most max instances (0: all).
// The query is checked first ([CheckWQL]); a query the service rejects
// fails with an error wrapping [oobkit.ErrInvalidArgument] that quotes it.
// Other flavors have no WQL: [oobkit.ErrUnsupported].
func (c *Client) Query(ctx context.Context, wql string, max int) ([]Instance, error) {
	if c.flavor != WMI {
		return nil, &oobkit.Error{Protocol: c.flavor.protocol(), Op: "wsbrowse query", Class: oobkit.ErrUnsupported,
			Message: "WQL filters are WMI's; a " + string(c.flavor) + " service enumerates classes by name"}
	}
	if _, err := CheckWQL(wql); err != nil {
		return nil, err
	}
	items, err := c.ws.Enumerate(ctx, wsman.WMIBase+"*", wsman.EnumerateOptions{MaxElements: 50, MaxItems: max,
		Filter: &wsman.Filter{Dialect: wsman.DialectWQL, Query: wql}})
	if err != nil {
		if f, ok := wsman.AsFault(err); ok && strings.EqualFold(f.Subcode, "CannotProcessFilter") {
			return nil, &oobkit.Error{Protocol: oobkit.WMI, Op: "wsbrowse query", Class: oobkit.ErrInvalidArgument,
				DeviceCode: f.Subcode, Message: fmt.Sprintf("the computer rejected the WQL query %q: %s", wql, f.Reason)}
		}
		return nil, err
	}
	return convertAll(items), nil
}

var wqlRE = regexp.MustCompile(`(?is)^\s*SELECT\s+(\*|[A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)\s+FROM\s+([A-Za-z][A-Za-z0-9_]*)(?:\s+WHERE\s+(\S.*))?\s*$`)

// CheckWQL checks the shape of a WQL data query — SELECT (* | property,
// …) FROM Class [WHERE condition] — and returns the class. The condition
// is left to the service. An error wraps [oobkit.ErrInvalidArgument] and
// says what is wrong.
func CheckWQL(wql string) (class string, err error) {
	bad := func(why string) error {
		return &oobkit.Error{Protocol: oobkit.WMI, Op: "wsbrowse query", Class: oobkit.ErrInvalidArgument,
			Message: fmt.Sprintf("bad WQL %q: %s", wql, why)}
	}
	if len(wql) > 4096 {
		return "", bad("longer than 4096 bytes")
	}
	m := wqlRE.FindStringSubmatch(wql)
	if m == nil {
		fields := strings.Fields(strings.ToUpper(wql))
		switch {
		case len(fields) == 0:
			return "", bad("empty")
		case fields[0] != "SELECT":
			return "", bad("a WQL data query begins with SELECT")
		case !slices.Contains(fields, "FROM"):
			return "", bad("no FROM clause (SELECT * FROM Class)")
		}
		return "", bad("expected SELECT * | Property[, Property…] FROM Class [WHERE condition]")
	}
	if where := m[3]; where != "" {
		if strings.Count(where, "'")%2 != 0 || strings.Count(where, "\"")%2 != 0 {
			return "", bad("unterminated string in WHERE")
		}
		if strings.Count(where, "(") != strings.Count(where, ")") {
			return "", bad("unbalanced parentheses in WHERE")
		}
	}
	return m[2], nil
}
