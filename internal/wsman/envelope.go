package wsman

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/xmllimit"
)

// Message is one request before it is rendered into an envelope.
type Message struct {
	Action      string
	ResourceURI string
	// To is the endpoint URL written in the To header; the client fills it.
	To        string
	Selectors Selectors
	// Options become a wsman:OptionSet.
	Options []MessageOption
	// Timeout becomes wsman:OperationTimeout when non-zero.
	Timeout time.Duration
	// MaxEnvelopeSize becomes wsman:MaxEnvelopeSize when non-zero.
	MaxEnvelopeSize int
	// Body is the single child of the SOAP Body, or nil for an empty body.
	Body *etree.Element
	// Headers are extra header elements (e.g. a subscription Identifier).
	Headers []*etree.Element
}

// MessageOption is one wsman:Option of an OptionSet.
type MessageOption struct{ Name, Value string }

// NewMessageID returns a fresh "uuid:" message identifier (random v4).
func NewMessageID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("wsman: crypto/rand failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return "uuid:" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Document renders the message as a SOAP 1.2 envelope with the given
// message ID.
func (m *Message) Document(messageID string) *etree.Document {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	env := doc.CreateElement("s:Envelope")
	env.CreateAttr("xmlns:s", NSSOAP)
	env.CreateAttr("xmlns:a", NSAddressing)
	env.CreateAttr("xmlns:w", NSWSMan)
	env.CreateAttr("xmlns:e", NSEventing)
	env.CreateAttr("xmlns:n", NSEnumeration)
	hdr := env.CreateElement("s:Header")
	body := env.CreateElement("s:Body")
	if m.Body != nil {
		body.AddChild(m.Body.Copy())
	}
	if m.Action == "" {
		// Identify (DSP0226 §11.1) carries no addressing headers.
		return doc
	}
	hdr.CreateElement("a:Action").SetText(m.Action)
	to := m.To
	if to == "" {
		to = "/wsman"
	}
	hdr.CreateElement("a:To").SetText(to)
	if m.ResourceURI != "" {
		hdr.CreateElement("w:ResourceURI").SetText(m.ResourceURI)
	}
	hdr.CreateElement("a:MessageID").SetText(messageID)
	hdr.CreateElement("a:ReplyTo").CreateElement("a:Address").SetText(AnonymousAddress)
	if m.Timeout > 0 {
		hdr.CreateElement("w:OperationTimeout").SetText(Duration(m.Timeout))
	}
	if m.MaxEnvelopeSize > 0 {
		mes := hdr.CreateElement("w:MaxEnvelopeSize")
		mes.CreateAttr("s:mustUnderstand", "true")
		mes.SetText(fmt.Sprint(m.MaxEnvelopeSize))
	}
	if len(m.Selectors) > 0 {
		writeSelectors(hdr.CreateElement("w:SelectorSet"), m.Selectors)
	}
	if len(m.Options) > 0 {
		set := hdr.CreateElement("w:OptionSet")
		for _, o := range m.Options {
			el := set.CreateElement("w:Option")
			el.CreateAttr("Name", o.Name)
			el.SetText(o.Value)
		}
	}
	for _, h := range m.Headers {
		hdr.AddChild(h.Copy())
	}
	return doc
}

// Duration formats d as an xs:duration in seconds ("PT60.000S").
func Duration(d time.Duration) string {
	return fmt.Sprintf("PT%.3fS", d.Seconds())
}

// Envelope is a parsed SOAP envelope.
type Envelope struct {
	Doc    *etree.Document
	Header *etree.Element
	Body   *etree.Element
}

// Action returns the envelope's wsa:Action.
func (e *Envelope) Action() string { return headerText(e.Header, "Action") }

// MessageID returns the envelope's wsa:MessageID.
func (e *Envelope) MessageID() string { return headerText(e.Header, "MessageID") }

// RelatesTo returns the envelope's wsa:RelatesTo.
func (e *Envelope) RelatesTo() string { return headerText(e.Header, "RelatesTo") }

// ResourceURI returns the envelope's wsman:ResourceURI.
func (e *Envelope) ResourceURI() string { return headerText(e.Header, "ResourceURI") }

// Selectors returns the envelope's wsman:SelectorSet.
func (e *Envelope) Selectors() Selectors {
	if e.Header == nil {
		return nil
	}
	if set := e.Header.SelectElement("SelectorSet"); set != nil {
		return parseSelectors(set)
	}
	return nil
}

// Content returns the first child element of the Body, or nil.
func (e *Envelope) Content() *etree.Element {
	if e.Body == nil {
		return nil
	}
	return firstChildElement(e.Body)
}

// firstChildElement returns e's first child element without building the
// slice ChildElements would.
func firstChildElement(e *etree.Element) *etree.Element {
	for _, t := range e.Child {
		if c, ok := t.(*etree.Element); ok {
			return c
		}
	}
	return nil
}

func headerText(h *etree.Element, name string) string {
	if h == nil {
		return ""
	}
	if el := h.SelectElement(name); el != nil {
		return strings.TrimSpace(el.Text())
	}
	return ""
}

// Limits bound what parsing one envelope may cost; see [xmllimit.Limits]
// for each field and [xmllimit.Default] for the defaults. A zero field takes
// its default.
type Limits = xmllimit.Limits

// ParseEnvelope reads a SOAP envelope from r with the default [Limits]. It
// returns an error wrapping [oobkit.ErrProtocol] when the bytes are not a
// SOAP envelope or break a limit (an [*xmllimit.Error] naming it), and a
// [*Fault] (not wrapped yet) when the body is a SOAP fault.
func ParseEnvelope(r io.Reader) (*Envelope, error) {
	doc, err := xmllimit.ReadDocumentFrom(r, Limits{}, checkRoot)
	return envelope(doc, err)
}

// ParseEnvelopeBytes is ParseEnvelope reading b with lim.
func ParseEnvelopeBytes(b []byte, lim Limits) (*Envelope, error) {
	doc, err := xmllimit.ReadDocument(b, lim, checkRoot)
	return envelope(doc, err)
}

// checkRoot refuses a document that is not a SOAP envelope as soon as its
// root start tag has been read, before any of its content is.
func checkRoot(root *etree.Element) error {
	if root.Tag != "Envelope" {
		return fmt.Errorf("%w: not a SOAP envelope", oobkit.ErrProtocol)
	}
	if ns := root.NamespaceURI(); ns != NSSOAP && ns != "http://schemas.xmlsoap.org/soap/envelope/" {
		return fmt.Errorf("%w: envelope namespace %q is not SOAP", oobkit.ErrProtocol, ns)
	}
	return nil
}

func envelope(doc *etree.Document, err error) (*Envelope, error) {
	switch {
	case errors.Is(err, oobkit.ErrProtocol): // a limit (*xmllimit.Error) or checkRoot
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("%w: not XML: %v", oobkit.ErrProtocol, err)
	}
	root := doc.Root()
	if root == nil {
		return nil, fmt.Errorf("%w: not a SOAP envelope", oobkit.ErrProtocol)
	}
	env := &Envelope{Doc: doc, Header: root.SelectElement("Header"), Body: root.SelectElement("Body")}
	if env.Body == nil {
		return nil, fmt.Errorf("%w: envelope has no Body", oobkit.ErrProtocol)
	}
	if f := env.Body.SelectElement("Fault"); f != nil {
		return env, parseFault(f)
	}
	return env, nil
}
