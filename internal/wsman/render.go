package wsman

import (
	"bytes"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// The fixed parts of every envelope, written as bytes: rendering a request
// builds no tree. The result is the same document Message.Document builds
// and etree writes (TestRenderMatchesDocument holds them together).
const (
	envelopeOpen = `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="` + NSSOAP + `" xmlns:a="` + NSAddressing +
		`" xmlns:w="` + NSWSMan + `" xmlns:e="` + NSEventing + `" xmlns:n="` + NSEnumeration + `">`
	replyToAnonymous = `<a:ReplyTo><a:Address>` + AnonymousAddress + `</a:Address></a:ReplyTo>`
)

// bufPool holds request and response buffers. A buffer that grew past
// maxPooledBuffer (a large event-log page) is dropped instead of kept.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBuffer = 256 << 10

func getBuffer() *bytes.Buffer { b := bufPool.Get().(*bytes.Buffer); b.Reset(); return b }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBuffer {
		bufPool.Put(b)
	}
}

// bodyWrite is how a body or extra header element is written: as the
// envelope's own serialisation (etree.Document.WriteTo) writes it.
var bodyWrite = &etree.WriteSettings{}

// render writes the message as a SOAP 1.2 envelope with the given message
// ID into buf.
func (m *Message) render(buf *bytes.Buffer, messageID string) {
	buf.WriteString(envelopeOpen)
	if m.Action == "" {
		// Identify (DSP0226 §11.1) carries no addressing headers.
		buf.WriteString(`<s:Header/>`)
		m.renderBody(buf)
		return
	}
	buf.WriteString(`<s:Header>`)
	textElement(buf, "a:Action", m.Action)
	to := m.To
	if to == "" {
		to = "/wsman"
	}
	textElement(buf, "a:To", to)
	if m.ResourceURI != "" {
		textElement(buf, "w:ResourceURI", m.ResourceURI)
	}
	textElement(buf, "a:MessageID", messageID)
	buf.WriteString(replyToAnonymous)
	if m.Timeout > 0 {
		textElement(buf, "w:OperationTimeout", Duration(m.Timeout))
	}
	if m.MaxEnvelopeSize > 0 {
		buf.WriteString(`<w:MaxEnvelopeSize s:mustUnderstand="true">`)
		buf.WriteString(strconv.Itoa(m.MaxEnvelopeSize))
		buf.WriteString(`</w:MaxEnvelopeSize>`)
	}
	if len(m.Selectors) > 0 {
		renderSelectors(buf, m.Selectors)
	}
	if len(m.Options) > 0 {
		buf.WriteString(`<w:OptionSet>`)
		for _, o := range m.Options {
			buf.WriteString(`<w:Option Name="`)
			escape(buf, o.Name)
			if o.Value == "" {
				buf.WriteString(`"/>`)
				continue
			}
			buf.WriteString(`">`)
			escape(buf, o.Value)
			buf.WriteString(`</w:Option>`)
		}
		buf.WriteString(`</w:OptionSet>`)
	}
	for _, h := range m.Headers {
		h.WriteTo(buf, bodyWrite)
	}
	buf.WriteString(`</s:Header>`)
	m.renderBody(buf)
}

func (m *Message) renderBody(buf *bytes.Buffer) {
	if m.Body == nil {
		buf.WriteString(`<s:Body/></s:Envelope>`)
		return
	}
	buf.WriteString(`<s:Body>`)
	m.Body.WriteTo(buf, bodyWrite)
	buf.WriteString(`</s:Body></s:Envelope>`)
}

func renderSelectors(buf *bytes.Buffer, sels Selectors) {
	buf.WriteString(`<w:SelectorSet>`)
	for _, s := range sels {
		buf.WriteString(`<w:Selector Name="`)
		escape(buf, s.Name)
		if s.EPR != nil {
			buf.WriteString(`"><a:EndpointReference>`)
			renderEPR(buf, s.EPR)
			buf.WriteString(`</a:EndpointReference></w:Selector>`)
			continue
		}
		if s.Value == "" {
			buf.WriteString(`"/>`)
			continue
		}
		buf.WriteString(`">`)
		escape(buf, s.Value)
		buf.WriteString(`</w:Selector>`)
	}
	buf.WriteString(`</w:SelectorSet>`)
}

// renderEPR writes what EndpointReference.write builds.
func renderEPR(buf *bytes.Buffer, r *EndpointReference) {
	addr := r.Address
	if addr == "" {
		addr = AnonymousAddress
	}
	textElement(buf, "a:Address", addr)
	if r.ResourceURI == "" && len(r.Selectors) == 0 && r.Identifier == "" {
		buf.WriteString(`<a:ReferenceParameters/>`)
		return
	}
	buf.WriteString(`<a:ReferenceParameters>`)
	if r.ResourceURI != "" {
		textElement(buf, "w:ResourceURI", r.ResourceURI)
	}
	if len(r.Selectors) > 0 {
		renderSelectors(buf, r.Selectors)
	}
	if r.Identifier != "" {
		textElement(buf, "e:Identifier", r.Identifier)
	}
	buf.WriteString(`</a:ReferenceParameters>`)
}

// textElement writes <tag>text</tag>, or <tag/> for empty text as etree does.
func textElement(buf *bytes.Buffer, tag, text string) {
	buf.WriteByte('<')
	buf.WriteString(tag)
	if text == "" {
		buf.WriteString(`/>`)
		return
	}
	buf.WriteByte('>')
	escape(buf, text)
	buf.WriteString(`</`)
	buf.WriteString(tag)
	buf.WriteByte('>')
}

// escape writes s escaped as etree escapes text and attribute values by
// default: the five predefined entities, and U+FFFD for a character XML 1.0
// does not allow (§2.2 Char).
func escape(buf *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		var esc string
		switch r {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\'':
			esc = "&apos;"
		case '"':
			esc = "&quot;"
		default:
			if xmlChar(r) && !(r == utf8.RuneError && w == 1) {
				i += w
				continue
			}
			esc = "\uFFFD"
		}
		buf.WriteString(s[last:i])
		buf.WriteString(esc)
		i += w
		last = i
	}
	buf.WriteString(s[last:])
}

// xmlChar reports whether r is a Char of XML 1.0 §2.2.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || (r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}
