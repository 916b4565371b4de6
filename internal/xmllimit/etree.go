package xmllimit

import (
	"encoding/xml"
	"errors"
	"io"

	"github.com/beevik/etree"
)

// ErrMalformed is returned for XML that is not well formed in ways the
// decoder does not catch itself: an end tag that closes another element, a
// document that ends inside an element.
var ErrMalformed = errors.New("malformed XML")

// ReadDocument reads one document from data into an etree document, in one
// pass, counting against lim as it goes. The tree is the one etree's
// Document.ReadFrom builds with its default ReadSettings (strict, duplicate
// attributes merged, any charset passed through): names keep their prefix
// in Space and their local part in Tag, and namespace declarations stay
// attributes, so Element.NamespaceURI resolves as usual.
//
// When root is not nil it is called with the first top-level element as
// soon as its start tag (attributes included) has been read, before any
// of its content; an error from it ends the read and is returned as is.
// Errors that are not limit errors or root's are *xml.SyntaxError (or
// another error naming what is wrong) or ErrMalformed.
//
// ReadDocument has a tokenizer of its own (see parse.go) that accepts
// exactly what etree's reader accepts and allocates a handful of slabs per
// document rather than several objects per token; the tree's strings are
// slices of one copy of data, so they keep that copy alive.
func ReadDocument(data []byte, lim Limits, root func(*etree.Element) error) (*etree.Document, error) {
	return readBytes(data, lim, root)
}

// ReadDocumentFrom is ReadDocument reading r, as a stream: it goes
// through encoding/xml, so that input of any length costs no more than the
// limits allow, but allocates several objects per token.
func ReadDocumentFrom(r io.Reader, lim Limits, root func(*etree.Element) error) (*etree.Document, error) {
	return readDocument(NewReaderDecoder(r, lim), root)
}

func readDocument(d *Decoder, root func(*etree.Element) error) (*etree.Document, error) {
	doc := etree.NewDocument()
	// The open elements; stack[0] is the document itself.
	stack := make([]*etree.Element, 1, 16)
	stack[0] = &doc.Element
	seenRoot := false
	for {
		t, err := d.RawToken()
		if err == io.EOF {
			if len(stack) != 1 {
				return nil, ErrMalformed
			}
			return doc, nil
		}
		if err != nil {
			return nil, err
		}
		top := stack[len(stack)-1]
		switch t := t.(type) {
		case xml.StartElement:
			// CreateElement with a plain placeholder, then the decoder's
			// split of the name: the same Space and Tag as etree's reader,
			// even for names etree's own splitting would cut differently.
			el := top.CreateElement("x")
			el.Space, el.Tag = t.Name.Space, t.Name.Local
			if len(t.Attr) > 0 {
				addAttrs(el, t.Attr)
			}
			stack = append(stack, el)
			if !seenRoot && len(stack) == 2 {
				seenRoot = true
				if root != nil {
					if err := root(el); err != nil {
						return nil, err
					}
				}
			}
		case xml.EndElement:
			if len(stack) == 1 || top.Tag != t.Name.Local || top.Space != t.Name.Space {
				return nil, ErrMalformed
			}
			stack[len(stack)-1] = nil
			stack = stack[:len(stack)-1]
		case xml.CharData:
			// SetData marks white space as etree's reader does.
			top.CreateText("").SetData(string(t))
		case xml.Comment:
			top.CreateComment(string(t))
		case xml.Directive:
			top.CreateDirective(string(t))
		case xml.ProcInst:
			top.CreateProcInst(t.Target, string(t.Inst))
		}
	}
}

// addAttrs gives el the attributes of its start tag. As etree's reader does
// by default, a repeated name keeps its first position and its last value.
func addAttrs(el *etree.Element, attrs []xml.Attr) {
	el.Attr = make([]etree.Attr, 0, len(attrs))
next:
	for _, a := range attrs {
		for i := range el.Attr {
			if el.Attr[i].Space == a.Name.Space && el.Attr[i].Key == a.Name.Local {
				el.Attr[i].Value = a.Value
				continue next
			}
		}
		// CreateAttr binds the attribute to el (Attr.Element and
		// Attr.NamespaceURI need that). Its key "" can match no attribute
		// already there: the decoder gives every attribute a name.
		at := el.CreateAttr("", a.Value)
		at.Space, at.Key = a.Name.Space, a.Name.Local
	}
}
