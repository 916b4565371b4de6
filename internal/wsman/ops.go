package wsman

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit"
)

// IdentifyResponse is what wsmid:Identify reports.
type IdentifyResponse struct {
	ProtocolVersion string
	ProductVendor   string
	ProductVersion  string
	// SecurityProfiles lists advertised security profiles, if any.
	SecurityProfiles []string
}

// Identify asks the service who it is (DSP0226 §11). A host whose port
// answers HTTP without a WS-Management Identify yields ErrNotDetected.
func (c *Client) Identify(ctx context.Context) (*IdentifyResponse, error) {
	body := etree.NewElement("wsmid:Identify")
	body.CreateAttr("xmlns:wsmid", NSIdentity)
	env, err := c.doIdentify(ctx, body)
	if err != nil {
		return nil, err
	}
	ir := env.Content()
	if ir == nil || ir.Tag != "IdentifyResponse" {
		return nil, &oobkit.Error{Protocol: c.protocol, Op: "Identify", Class: oobkit.ErrNotDetected,
			Message: "the answer is not a WS-Management IdentifyResponse"}
	}
	out := &IdentifyResponse{
		ProtocolVersion: childText(ir, "ProtocolVersion"),
		ProductVendor:   childText(ir, "ProductVendor"),
		ProductVersion:  childText(ir, "ProductVersion"),
	}
	if sp := ir.SelectElement("SecurityProfiles"); sp != nil {
		for _, p := range sp.SelectElements("SecurityProfileName") {
			out.SecurityProfiles = append(out.SecurityProfiles, strings.TrimSpace(p.Text()))
		}
	}
	return out, nil
}

// doIdentify sends an Identify envelope: no Action/To headers (DSP0226
// §11.1: the request has an empty header).
func (c *Client) doIdentify(ctx context.Context, body *etree.Element) (*Envelope, error) {
	m := &Message{Action: "", Body: body}
	return c.Do(ctx, m)
}

// Get reads one instance.
func (c *Client) Get(ctx context.Context, resourceURI string, sel Selectors) (*Instance, error) {
	env, err := c.Do(ctx, &Message{Action: ActionGet, ResourceURI: resourceURI, Selectors: sel})
	if err != nil {
		return nil, err
	}
	return c.instanceContent(env, "Get")
}

// Put replaces an instance and returns the device's resulting instance
// (some devices answer Put with an empty body; then the sent instance is
// returned).
func (c *Client) Put(ctx context.Context, resourceURI string, sel Selectors, in *Instance) (*Instance, error) {
	if in.ResourceURI == "" {
		in.ResourceURI = resourceURI
	}
	env, err := c.Do(ctx, &Message{Action: ActionPut, ResourceURI: resourceURI, Selectors: sel, Body: in.Element()})
	if err != nil {
		return nil, err
	}
	if env.Content() == nil {
		return in, nil
	}
	return c.instanceContent(env, "Put")
}

// Create creates an instance and returns the reference of the new one
// (transfer:ResourceCreated).
func (c *Client) Create(ctx context.Context, resourceURI string, in *Instance) (*EndpointReference, error) {
	if in.ResourceURI == "" {
		in.ResourceURI = resourceURI
	}
	env, err := c.Do(ctx, &Message{Action: ActionCreate, ResourceURI: resourceURI, Body: in.Element()})
	if err != nil {
		return nil, err
	}
	rc := env.Content()
	if rc == nil || rc.Tag != "ResourceCreated" {
		return nil, c.protoErr("Create", "response has no ResourceCreated")
	}
	return ParseEPR(rc), nil
}

// Delete deletes an instance.
func (c *Client) Delete(ctx context.Context, resourceURI string, sel Selectors) error {
	_, err := c.Do(ctx, &Message{Action: ActionDelete, ResourceURI: resourceURI, Selectors: sel})
	return err
}

// Filter restricts an enumeration or a subscription.
type Filter struct {
	// Dialect is the filter dialect URI (DialectWQL, DialectSelector,
	// DialectAssociation, a CQL URI…).
	Dialect string
	// Query is text content (a WQL/CQL query).
	Query string
	// Element is structured content (a SelectorSet, an AssociatedInstances
	// element); it wins over Query.
	Element *etree.Element
}

func (f *Filter) write(parent *etree.Element) {
	el := parent.CreateElement("w:Filter")
	if f.Dialect != "" {
		el.CreateAttr("Dialect", f.Dialect)
	}
	if f.Element != nil {
		el.AddChild(f.Element.Copy())
	} else {
		el.SetText(f.Query)
	}
}

// EnumerateOptions tune an enumeration.
type EnumerateOptions struct {
	// MaxElements per page (optimized Enumerate and each Pull). Default 100.
	MaxElements int
	// Filter restricts the enumeration.
	Filter *Filter
	// MaxItems stops after this many items (0: no limit); the enumeration is
	// released on the device.
	MaxItems int
	// Selectors go in the header of every Enumerate and Pull, e.g. the CIM
	// namespace: wsman.Sel("__cimnamespace", "interop") (DSP0227 §7.4).
	Selectors Selectors
}

// maxPages bounds how many Pulls one enumeration may take, so a device that
// never ends a sequence cannot keep the client busy forever.
const maxPages = 10000

// Enumerate lists the instances of resourceURI: an optimized Enumerate
// returning the first page, then Pull until EndOfSequence.
func (c *Client) Enumerate(ctx context.Context, resourceURI string, opts EnumerateOptions) ([]*Instance, error) {
	max := opts.MaxElements
	if max <= 0 {
		max = 100
	}
	body := etree.NewElement("n:Enumerate")
	body.CreateElement("w:OptimizeEnumeration")
	body.CreateElement("w:MaxElements").SetText(strconv.Itoa(max))
	if opts.Filter != nil {
		opts.Filter.write(body)
	}
	env, err := c.Do(ctx, &Message{Action: ActionEnumerate, ResourceURI: resourceURI, Selectors: opts.Selectors, Body: body})
	if err != nil {
		return nil, err
	}
	resp := env.Content()
	if resp == nil || resp.Tag != "EnumerateResponse" {
		return nil, c.protoErr("Enumerate", "response has no EnumerateResponse")
	}
	var out []*Instance
	out = appendItems(out, resp)
	ctxID := childText(resp, "EnumerationContext")
	end := resp.SelectElement("EndOfSequence") != nil
	for page := 0; !end; page++ {
		if opts.MaxItems > 0 && len(out) >= opts.MaxItems {
			c.releaseEnumeration(ctx, resourceURI, ctxID)
			return out[:opts.MaxItems], nil
		}
		if page >= maxPages {
			return nil, c.protoErr("Pull", fmt.Sprintf("enumeration did not end after %d pages", maxPages))
		}
		if ctxID == "" {
			return nil, c.protoErr("Pull", "enumeration has no context and no EndOfSequence")
		}
		pull := etree.NewElement("n:Pull")
		pull.CreateElement("n:EnumerationContext").SetText(ctxID)
		pull.CreateElement("n:MaxElements").SetText(strconv.Itoa(max))
		env, err := c.Do(ctx, &Message{Action: ActionPull, ResourceURI: resourceURI, Selectors: opts.Selectors, Body: pull})
		if err != nil {
			return nil, err
		}
		pr := env.Content()
		if pr == nil || pr.Tag != "PullResponse" {
			return nil, c.protoErr("Pull", "response has no PullResponse")
		}
		out = appendItems(out, pr)
		if next := childText(pr, "EnumerationContext"); next != "" {
			ctxID = next
		}
		end = pr.SelectElement("EndOfSequence") != nil
	}
	if opts.MaxItems > 0 && len(out) > opts.MaxItems {
		out = out[:opts.MaxItems]
	}
	return out, nil
}

// releaseEnumeration ends an enumeration early; errors are ignored (the device times
// contexts out anyway).
func (c *Client) releaseEnumeration(ctx context.Context, resourceURI, ctxID string) {
	if ctxID == "" {
		return
	}
	rel := etree.NewElement("n:Release")
	rel.CreateElement("n:EnumerationContext").SetText(ctxID)
	_, _ = c.Do(ctx, &Message{Action: ActionRelease, ResourceURI: resourceURI, Body: rel})
}

func appendItems(out []*Instance, resp *etree.Element) []*Instance {
	items := resp.SelectElement("Items")
	if items == nil {
		return out
	}
	for _, it := range items.ChildElements() {
		if it.Tag == "Item" { // EnumerateObjectAndEPR wraps each instance
			for _, inner := range it.ChildElements() {
				if inner.Tag != "EndpointReference" {
					out = append(out, ParseInstance(inner))
				}
			}
			continue
		}
		out = append(out, ParseInstance(it))
	}
	return out
}

// Invoke calls a custom method. input is built with [MethodInput]; nil sends
// an empty <Method_INPUT/>. It returns the method's output instance. A
// non-zero ReturnValue is not an error here: its meaning is the class's, so
// the caller maps it.
func (c *Client) Invoke(ctx context.Context, resourceURI, method string, sel Selectors, input *Instance) (*Instance, error) {
	if input == nil {
		input = MethodInput(resourceURI, method)
	}
	if input.ResourceURI == "" {
		input.ResourceURI = resourceURI
	}
	action := strings.TrimSuffix(resourceURI, "/") + "/" + method
	env, err := c.Do(ctx, &Message{Action: action, ResourceURI: resourceURI, Selectors: sel, Body: input.Element()})
	if err != nil {
		return nil, err
	}
	out := env.Content()
	if out == nil || !strings.HasSuffix(out.Tag, "_OUTPUT") {
		return nil, c.protoErr(method, "response has no "+method+"_OUTPUT")
	}
	return ParseInstance(out), nil
}

// SubscribeOptions describe a WS-Eventing subscription.
type SubscribeOptions struct {
	// NotifyTo is the listener URL events are pushed to.
	NotifyTo string
	// DeliveryMode is DeliveryPush (default), DeliveryPushWithAck or DeliveryEvents.
	DeliveryMode string
	// Expires asks for a lifetime; 0 asks for none.
	Expires time.Duration
	// Filter restricts the events.
	Filter *Filter
	// Selectors address the event source (e.g. a filter instance on AMT).
	Selectors Selectors
	// ReferenceParameters are echoed by the device in every event header,
	// so a listener can tell subscriptions apart.
	ReferenceParameters []MessageOption
}

// Subscription is an active WS-Eventing subscription.
type Subscription struct {
	// Manager is where Unsubscribe goes.
	Manager *EndpointReference
	// Expires is the device's granted lifetime, verbatim.
	Expires string
}

// Subscribe creates a subscription (WS-Eventing Subscribe, DSP0226 §10).
func (c *Client) Subscribe(ctx context.Context, resourceURI string, opts SubscribeOptions) (*Subscription, error) {
	if opts.NotifyTo == "" {
		return nil, fmt.Errorf("%w: a subscription needs a NotifyTo address", oobkit.ErrInvalidArgument)
	}
	mode := opts.DeliveryMode
	if mode == "" {
		mode = DeliveryPush
	}
	body := etree.NewElement("e:Subscribe")
	del := body.CreateElement("e:Delivery")
	del.CreateAttr("Mode", mode)
	nt := del.CreateElement("e:NotifyTo")
	nt.CreateElement("a:Address").SetText(opts.NotifyTo)
	if len(opts.ReferenceParameters) > 0 {
		rp := nt.CreateElement("a:ReferenceParameters")
		for _, p := range opts.ReferenceParameters {
			rp.CreateElement(p.Name).SetText(p.Value)
		}
	}
	if opts.Expires > 0 {
		body.CreateElement("e:Expires").SetText(Duration(opts.Expires))
	}
	if opts.Filter != nil {
		opts.Filter.write(body)
	}
	env, err := c.Do(ctx, &Message{Action: ActionSubscribe, ResourceURI: resourceURI, Selectors: opts.Selectors, Body: body})
	if err != nil {
		return nil, err
	}
	sr := env.Content()
	if sr == nil || sr.Tag != "SubscribeResponse" {
		return nil, c.protoErr("Subscribe", "response has no SubscribeResponse")
	}
	mgr := ParseEPR(sr.SelectElement("SubscriptionManager"))
	if mgr == nil {
		return nil, c.protoErr("Subscribe", "response has no SubscriptionManager")
	}
	if mgr.ResourceURI == "" {
		mgr.ResourceURI = resourceURI
	}
	return &Subscription{Manager: mgr, Expires: childText(sr, "Expires")}, nil
}

// Unsubscribe ends a subscription.
func (c *Client) Unsubscribe(ctx context.Context, s *Subscription) error {
	if s == nil || s.Manager == nil {
		return fmt.Errorf("%w: no subscription", oobkit.ErrInvalidArgument)
	}
	m := &Message{Action: ActionUnsubscribe, ResourceURI: s.Manager.ResourceURI, Selectors: s.Manager.Selectors,
		Body: etree.NewElement("e:Unsubscribe")}
	if s.Manager.Identifier != "" {
		id := etree.NewElement("e:Identifier")
		id.SetText(s.Manager.Identifier)
		m.Headers = append(m.Headers, id)
	}
	_, err := c.Do(ctx, m)
	return err
}

func (c *Client) instanceContent(env *Envelope, op string) (*Instance, error) {
	el := env.Content()
	if el == nil {
		return nil, c.protoErr(op, "response body is empty")
	}
	return ParseInstance(el), nil
}

func (c *Client) protoErr(op, msg string) error {
	return &oobkit.Error{Protocol: c.protocol, Op: op, Class: oobkit.ErrProtocol, Message: msg}
}

func childText(e *etree.Element, name string) string {
	if e == nil {
		return ""
	}
	if c := e.SelectElement(name); c != nil {
		return strings.TrimSpace(c.Text())
	}
	return ""
}
