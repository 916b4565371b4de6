package xmllimit

import (
	"encoding/xml"
	"io"
)

// Decoder is an encoding/xml Decoder whose tokens are counted against
// [Limits]. Its Strict mode is on and any declared charset is passed through
// unconverted (as etree does by default).
type Decoder struct {
	dec   *xml.Decoder
	src   *source
	lim   Limits
	depth int
	elems int
	nodes int
	attrs int
}

// NewDecoder returns a Decoder reading data.
func NewDecoder(data []byte, lim Limits) *Decoder {
	return newDecoder(data, nil, lim)
}

// NewReaderDecoder returns a Decoder reading r.
func NewReaderDecoder(r io.Reader, lim Limits) *Decoder {
	return newDecoder(nil, r, lim)
}

func newDecoder(data []byte, r io.Reader, lim Limits) *Decoder {
	lim = lim.WithDefaults()
	src := newSource(data, r, lim)
	dec := xml.NewDecoder(src)
	dec.CharsetReader = passThrough
	return &Decoder{dec: dec, src: src, lim: lim}
}

func passThrough(_ string, r io.Reader) (io.Reader, error) { return r, nil }

// InputOffset is the decoder's input offset (see [xml.Decoder.InputOffset]).
func (d *Decoder) InputOffset() int64 { return d.dec.InputOffset() }

// RawToken returns the next token as [xml.Decoder.RawToken] does (no
// namespace translation, no check that end tags match start tags), or an
// [*Error] when the token breaks a limit. The token's byte slices are valid
// until the next call.
func (d *Decoder) RawToken() (xml.Token, error) {
	t, err := d.dec.RawToken()
	return d.count(t, err)
}

// Token returns the next token as [xml.Decoder.Token] does, or an [*Error]
// when the token breaks a limit.
func (d *Decoder) Token() (xml.Token, error) {
	t, err := d.dec.Token()
	return d.count(t, err)
}

func (d *Decoder) count(t xml.Token, err error) (xml.Token, error) {
	if err != nil {
		if d.src.err != nil {
			return nil, d.src.err
		}
		return nil, err
	}
	d.src.startToken()
	switch t := t.(type) {
	case xml.StartElement:
		d.depth++
		d.elems++
		d.nodes++
		d.attrs += len(t.Attr)
		switch {
		case d.depth > d.lim.MaxDepth:
			return nil, d.fail("MaxDepth", d.lim.MaxDepth)
		case d.elems > d.lim.MaxElements:
			return nil, d.fail("MaxElements", d.lim.MaxElements)
		case d.nodes > d.lim.MaxNodes:
			return nil, d.fail("MaxNodes", d.lim.MaxNodes)
		case len(t.Attr) > d.lim.MaxAttrsPerElement:
			return nil, d.fail("MaxAttrsPerElement", d.lim.MaxAttrsPerElement)
		case d.attrs > d.lim.MaxAttrs:
			return nil, d.fail("MaxAttrs", d.lim.MaxAttrs)
		}
	case xml.EndElement:
		d.depth--
	default:
		d.nodes++
		if d.nodes > d.lim.MaxNodes {
			return nil, d.fail("MaxNodes", d.lim.MaxNodes)
		}
	}
	return t, nil
}

func (d *Decoder) fail(limit string, max int) error {
	return d.src.fail(limit, max)
}
