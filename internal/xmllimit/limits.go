// Package xmllimit reads XML from untrusted peers with bounds on what one
// document may cost: elements, other nodes, attributes, nesting depth and
// the size of one token are counted while the bytes are read, so a document
// that breaks a bound is refused at that point instead of after it has been
// built in memory.
//
// A document in memory ([ReadDocument]) is read by a tokenizer of this
// package that accepts what encoding/xml's strict RawToken and etree accept
// and builds etree's tree from a few slabs. A stream ([ReadDocumentFrom],
// [Decoder]) goes to encoding/xml's Decoder through a reader that also
// counts the attributes of the start tag being read and the bytes of the
// token being read, so even one giant token or a start tag with a million
// attributes is stopped before the decoder has buffered it.
package xmllimit

import (
	"fmt"

	"github.com/oobkit/oobkit"
)

// Limits bound one XML document. A zero field takes its default from
// [Default].
type Limits struct {
	// MaxDepth bounds element nesting; the root element is at depth 1.
	MaxDepth int
	// MaxElements bounds the elements of the document.
	MaxElements int
	// MaxNodes bounds all nodes: elements, text runs, CDATA sections,
	// comments, processing instructions and directives together.
	MaxNodes int
	// MaxAttrs bounds the attributes (namespace declarations included) of
	// the whole document.
	MaxAttrs int
	// MaxAttrsPerElement bounds the attributes of one start tag.
	MaxAttrsPerElement int
	// MaxTokenBytes bounds the raw size of one token: a text run, a comment,
	// a processing instruction, a directive, or a whole start tag with its
	// attributes. It therefore also bounds every name and attribute value.
	MaxTokenBytes int
}

// Default holds the defaults. They are sized for WS-Management replies
// under the clients' 4 MiB response cap. The biggest reply the simulators
// of this module produce has 1,674 elements, 2,563 nodes, 681 attributes
// and depth 13; a page of 100 CIM instances of 60 properties each (oobkit
// asks for at most 100 per page) is about 6,000 elements and 12,000 nodes.
// Each element costs about 270 bytes of heap to read, so a 4 MiB reply made
// only of empty elements stops after 20,000 of them (5 MiB allocated)
// instead of building a million (236 MiB).
var Default = Limits{
	MaxDepth:           64,
	MaxElements:        20000,
	MaxNodes:           40000,
	MaxAttrs:           20000,
	MaxAttrsPerElement: 256,
	MaxTokenBytes:      1 << 20,
}

// WithDefaults returns l with each zero or negative field replaced by its
// default.
func (l Limits) WithDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxDepth, Default.MaxDepth)
	def(&l.MaxElements, Default.MaxElements)
	def(&l.MaxNodes, Default.MaxNodes)
	def(&l.MaxAttrs, Default.MaxAttrs)
	def(&l.MaxAttrsPerElement, Default.MaxAttrsPerElement)
	def(&l.MaxTokenBytes, Default.MaxTokenBytes)
	return l
}

// ForSize returns the defaults tightened for documents of at most n bytes,
// so that a small document's heap stays a small multiple of n: at most one
// element, one attribute and one node per 32 bytes of n, never fewer than
// 1,024 of each and never more than the defaults. A tree costs about 270
// bytes per element and 100 per text node, so a dense real document such
// as "<h:DDNSTTL>900</h:DDNSTTL>" (2 nodes in 26 bytes) costs some 14 times
// its size; these ratios keep one made of empty elements or white space
// near 10 times, at the price of refusing such dense documents once they
// come close to n.
func ForSize(n int64) Limits {
	l := Default
	scale := func(v *int, per int64) {
		if c := max(n/per, 1024); c < int64(*v) {
			*v = int(c)
		}
	}
	scale(&l.MaxElements, 32)
	scale(&l.MaxAttrs, 32)
	scale(&l.MaxNodes, 32)
	return l
}

// Error reports a document that broke one of its [Limits]. It wraps
// [oobkit.ErrProtocol]: a peer that sends such a document does not speak the
// protocol as the SDK expects.
type Error struct {
	// Limit is the name of the Limits field that was exceeded, e.g.
	// "MaxElements".
	Limit string
	// Max is that field's value.
	Max int
	// Offset is the byte offset in the input where the bound was crossed.
	Offset int64
}

// Error names the limit, e.g. "XML document has more than 20000 elements
// (limit MaxElements) at byte 100000".
func (e *Error) Error() string {
	var what string
	switch e.Limit {
	case "MaxDepth":
		what = fmt.Sprintf("nests elements deeper than %d", e.Max)
	case "MaxElements":
		what = fmt.Sprintf("has more than %d elements", e.Max)
	case "MaxNodes":
		what = fmt.Sprintf("has more than %d nodes", e.Max)
	case "MaxAttrs":
		what = fmt.Sprintf("has more than %d attributes", e.Max)
	case "MaxAttrsPerElement":
		what = fmt.Sprintf("has more than %d attributes on one element", e.Max)
	case "MaxTokenBytes":
		what = fmt.Sprintf("has a token (tag, text, comment) longer than %d bytes", e.Max)
	default:
		what = fmt.Sprintf("exceeds %d", e.Max)
	}
	return fmt.Sprintf("XML document %s (limit %s) at byte %d", what, e.Limit, e.Offset)
}

// Unwrap returns [oobkit.ErrProtocol].
func (e *Error) Unwrap() error { return oobkit.ErrProtocol }
