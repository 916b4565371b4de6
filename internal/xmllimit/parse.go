package xmllimit

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/beevik/etree"
)

// This file is the tokenizer and tree builder ReadDocument uses on a
// document held in memory. It accepts and refuses exactly what etree's
// reader (encoding/xml's RawToken in strict mode, then etree's end-tag
// check) does, and builds the same tree, but allocates only what it keeps:
// one string copy of the document, from which every name and every value
// without entities or carriage returns is sliced; one string for the
// values that had to be decoded; one slab each of elements, text nodes,
// attributes and child slots. The document is read in two passes over
// pooled scratch: the first tokenizes it and checks every limit as it
// goes, recording a flat list of nodes; the second builds the etree tree
// from that list with every slice already at its final size.
//
// The XML grammar followed is that of encoding/xml
// (https://pkg.go.dev/encoding/xml, itself after XML 1.0,
// https://www.w3.org/TR/xml/): names are Letter|'_'|':' then NameChar
// (Appendix B), text is Char (§2.2), the five predefined entities and
// character references (§4.1, §4.6) are the only references allowed.

// Node kinds of the first pass.
const (
	kElement = iota
	kText
	kComment
	kProcInst
	kDirective
)

// ref is a string of the tree: body[off:off+n], or arena[-off-1:][:n] when
// off is negative (a value that had to be decoded).
type ref struct{ off, n int }

// rec is one node of the first pass.
type rec struct {
	kind   uint8
	parent int // node index of the parent element, -1 for the document
	a, b   ref // element: prefix, local name; text, comment, directive: data; PI: target, inst
	attr0  int // element: first attribute in parser.attrs
	nattr  int
	nkids  int
}

type attrRec struct{ space, key, value ref }

type parser struct {
	s     string
	lim   Limits
	recs  []rec
	attrs []attrRec
	stack []int
	arena []byte

	elems, texts, depth, nodes, nattrs int
	docKids                            int
	root                               *etree.Element
	rootIdx                            int
	rootFn                             func(*etree.Element) error
}

var parsers = sync.Pool{New: func() any { return new(parser) }}

// readBytes is ReadDocument's implementation.
func readBytes(data []byte, lim Limits, root func(*etree.Element) error) (*etree.Document, error) {
	p := parsers.Get().(*parser)
	// The first pass reads data in place (a document refused early costs
	// no copy); nothing it keeps or returns points into it. The tree's
	// strings are then sliced from one copy.
	p.s, p.lim, p.rootFn, p.root, p.rootIdx = unsafe.String(unsafe.SliceData(data), len(data)), lim.WithDefaults(), root, nil, -1
	err := p.tokenize()
	var doc *etree.Document
	if err == nil {
		p.s = string(data)
		doc = p.build()
	}
	p.release()
	return doc, err
}

func (p *parser) release() {
	p.s, p.rootFn, p.root = "", nil, nil
	p.elems, p.texts, p.depth, p.nodes, p.nattrs, p.docKids = 0, 0, 0, 0, 0, 0
	// Scratch grown by a big document is not kept.
	if cap(p.recs) > 1<<15 || cap(p.attrs) > 1<<15 || cap(p.arena) > 256<<10 {
		return
	}
	p.recs, p.attrs, p.stack, p.arena = p.recs[:0], p.attrs[:0], p.stack[:0], p.arena[:0]
	parsers.Put(p)
}

func (p *parser) str(r ref, arena string) string {
	if r.off >= 0 {
		return p.s[r.off : r.off+r.n]
	}
	o := -r.off - 1
	return arena[o : o+r.n]
}

// build makes the etree tree of the recorded nodes.
func (p *parser) build() *etree.Document {
	arena := string(p.arena)
	doc := &etree.Document{}
	// Child slots: the document's first, then each element's in order.
	total := p.docKids
	for i := range p.recs {
		if p.recs[i].kind == kElement {
			total += p.recs[i].nkids
		}
	}
	kids := make([]etree.Token, total)
	doc.Child = kids[0:0:p.docKids]
	ko := p.docKids
	elems := make([]etree.Element, p.elems)
	texts := make([]etree.CharData, p.texts)
	attrs := make([]etree.Attr, len(p.attrs))
	// The element of each element node, found through the stack of open
	// elements as the nodes come in document order.
	open := p.stack[:0]
	openEl := make([]*etree.Element, 0, 16)
	ei, ti, ao := 0, 0, 0
	for i := range p.recs {
		r := &p.recs[i]
		for len(open) > 0 && open[len(open)-1] != r.parent {
			open = open[:len(open)-1]
			openEl = openEl[:len(openEl)-1]
		}
		parent := &doc.Element
		if len(openEl) > 0 {
			parent = openEl[len(openEl)-1]
		}
		switch r.kind {
		case kElement:
			var el *etree.Element
			if i == p.rootIdx && p.root != nil {
				el = p.root
			} else {
				el = &elems[ei]
				ei++
				el.Space, el.Tag = p.str(r.a, arena), p.str(r.b, arena)
				el.Attr = attrs[ao : ao : ao+r.nattr]
				ao += r.nattr
				p.addAttrs(el, p.attrs[r.attr0:r.attr0+r.nattr], arena)
			}
			el.Child = kids[ko : ko : ko+r.nkids]
			ko += r.nkids
			parent.AddChild(el)
			open = append(open, i)
			openEl = append(openEl, el)
		case kText:
			t := &texts[ti]
			ti++
			t.SetData(p.str(r.a, arena))
			parent.AddChild(t)
		case kComment:
			parent.CreateComment(p.str(r.a, arena))
		case kProcInst:
			parent.CreateProcInst(p.str(r.a, arena), p.str(r.b, arena))
		case kDirective:
			parent.CreateDirective(p.str(r.a, arena))
		}
	}
	return doc
}

// addAttrs gives el its attributes. As etree's reader does by default, a
// repeated name keeps its first position and its last value.
func (p *parser) addAttrs(el *etree.Element, as []attrRec, arena string) {
next:
	for _, a := range as {
		space, key, value := p.str(a.space, arena), p.str(a.key, arena), p.str(a.value, arena)
		for i := range el.Attr {
			if el.Attr[i].Space == space && el.Attr[i].Key == key {
				el.Attr[i].Value = value
				continue next
			}
		}
		// CreateAttr binds the attribute to el; its key "" matches no
		// attribute already there (every attribute has a name).
		at := el.CreateAttr("", value)
		at.Space, at.Key = space, key
	}
}

// syntax returns encoding/xml's error type for a syntax error at byte pos.
func (p *parser) syntax(pos int, msg string) error {
	return &xml.SyntaxError{Msg: msg, Line: 1 + strings.Count(p.s[:min(pos, len(p.s))], "\n")}
}

func (p *parser) eof() error { return p.syntax(len(p.s), "unexpected EOF") }

func (p *parser) limit(name string, max, off int) error {
	return &Error{Limit: name, Max: max, Offset: int64(off)}
}

// tokenLen refuses a token [start, end) longer than MaxTokenBytes.
func (p *parser) tokenLen(start, end int) error {
	if end-start > p.lim.MaxTokenBytes {
		return p.limit("MaxTokenBytes", p.lim.MaxTokenBytes, start+p.lim.MaxTokenBytes)
	}
	return nil
}

// node counts one node that is not an element and records it under the
// open element.
func (p *parser) node(kind uint8, a, b ref, off int) error {
	p.nodes++
	if p.nodes > p.lim.MaxNodes {
		return p.limit("MaxNodes", p.lim.MaxNodes, off)
	}
	if kind == kText {
		p.texts++
	}
	p.add(rec{kind: kind, a: a, b: b})
	return nil
}

// add appends r as a child of the open element.
func (p *parser) add(r rec) {
	r.parent = -1
	if len(p.stack) > 0 {
		r.parent = p.stack[len(p.stack)-1]
		p.recs[r.parent].nkids++
	} else {
		p.docKids++
	}
	p.recs = append(p.recs, r)
}

func (p *parser) tokenize() error {
	s := p.s
	i := 0
	for i < len(s) {
		if s[i] != '<' {
			next, r, err := p.text(i, i, -1, false)
			if err != nil {
				return err
			}
			if err := p.node(kText, r, ref{}, next); err != nil {
				return err
			}
			i = next
			continue
		}
		if i+1 >= len(s) {
			return p.eof()
		}
		var err error
		switch s[i+1] {
		case '/':
			i, err = p.endTag(i)
		case '?':
			i, err = p.procInst(i)
		case '!':
			i, err = p.bang(i)
		default:
			i, err = p.startTag(i)
		}
		if err != nil {
			return err
		}
	}
	if len(p.stack) != 0 {
		return ErrMalformed
	}
	return nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\r' || c == '\n' || c == '\t' }

func (p *parser) space(i int) int {
	for i < len(p.s) && isSpace(p.s[i]) {
		i++
	}
	return i
}

// name reads a name at i as encoding/xml does: the longest run of ASCII
// name bytes and non-ASCII bytes, which must then be a valid name and be
// followed by a byte. ok is false when there is no name at i.
func (p *parser) name(i int) (end int, ok bool, err error) {
	s := p.s
	j := i
	var hi byte // the bytes' OR: below 0x80 when the name is ASCII
	for j < len(s) && (s[j] >= utf8.RuneSelf || nameByte[s[j]]) {
		hi |= s[j]
		j++
	}
	if j == len(s) {
		return 0, false, p.eof()
	}
	if j == i {
		return i, false, nil
	}
	if hi < utf8.RuneSelf {
		// The rest are name bytes already; only the first is special.
		if c := s[i]; !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_' || c == ':') {
			return 0, false, p.syntax(i, "invalid XML name: "+s[i:j])
		}
		return j, true, nil
	}
	if !isName(s[i:j]) {
		return 0, false, p.syntax(i, "invalid XML name: "+s[i:j])
	}
	return j, true, nil
}

// nsname splits the name s[i:j] at its colon as encoding/xml does; ok is
// false for a name with more than one colon.
func (p *parser) nsname(i, j int) (space, local ref, ok bool) {
	n := p.s[i:j]
	c := strings.IndexByte(n, ':')
	switch {
	case c < 0:
		return ref{}, ref{i, j - i}, true
	case strings.IndexByte(n[c+1:], ':') >= 0:
		return ref{}, ref{}, false
	case c == 0 || c == len(n)-1:
		return ref{}, ref{i, j - i}, true
	}
	return ref{i, c}, ref{i + c + 1, j - i - c - 1}, true
}

func (p *parser) startTag(start int) (int, error) {
	s := p.s
	j, ok, err := p.name(start + 1)
	if err != nil {
		return 0, err
	}
	var space, local ref
	if ok {
		space, local, ok = p.nsname(start+1, j)
	}
	if !ok {
		return 0, p.syntax(start, "expected element name after <")
	}
	attr0 := len(p.attrs)
	empty := false
	for {
		if err := p.tokenLen(start, j); err != nil {
			return 0, err
		}
		j = p.space(j)
		if j >= len(s) {
			return 0, p.eof()
		}
		if s[j] == '/' {
			if j+1 >= len(s) {
				return 0, p.eof()
			}
			if s[j+1] != '>' {
				return 0, p.syntax(j, "expected /> in element")
			}
			j += 2
			empty = true
			break
		}
		if s[j] == '>' {
			j++
			break
		}
		ne, ok, err := p.name(j)
		if err != nil {
			return 0, err
		}
		var as, ak ref
		if ok {
			as, ak, ok = p.nsname(j, ne)
		}
		if !ok {
			return 0, p.syntax(j, "expected attribute name in element")
		}
		j = p.space(ne)
		if j >= len(s) {
			return 0, p.eof()
		}
		if s[j] != '=' {
			return 0, p.syntax(j, "attribute name without = in element")
		}
		j = p.space(j + 1)
		if j >= len(s) {
			return 0, p.eof()
		}
		q := s[j]
		if q != '"' && q != '\'' {
			return 0, p.syntax(j, "unquoted or missing attribute value in element")
		}
		next, v, err := p.text(j+1, start, int(q), false)
		if err != nil {
			return 0, err
		}
		if len(p.attrs)-attr0 >= p.lim.MaxAttrsPerElement {
			return 0, p.limit("MaxAttrsPerElement", p.lim.MaxAttrsPerElement, j)
		}
		p.attrs = append(p.attrs, attrRec{as, ak, v})
		j = next
	}
	if err := p.tokenLen(start, j); err != nil {
		return 0, err
	}
	n := len(p.attrs) - attr0
	p.depth++
	p.elems++
	p.nodes++
	p.nattrs += n
	switch {
	case p.depth > p.lim.MaxDepth:
		return 0, p.limit("MaxDepth", p.lim.MaxDepth, j)
	case p.elems > p.lim.MaxElements:
		return 0, p.limit("MaxElements", p.lim.MaxElements, j)
	case p.nodes > p.lim.MaxNodes:
		return 0, p.limit("MaxNodes", p.lim.MaxNodes, j)
	case p.nattrs > p.lim.MaxAttrs:
		return 0, p.limit("MaxAttrs", p.lim.MaxAttrs, j)
	}
	idx := len(p.recs)
	top := len(p.stack) == 0
	p.add(rec{kind: kElement, a: space, b: local, attr0: attr0, nattr: n})
	p.stack = append(p.stack, idx)
	if top && p.rootIdx < 0 {
		p.rootIdx = idx
		if p.rootFn != nil {
			if err := p.callRoot(idx, j); err != nil {
				return 0, err
			}
		}
	}
	if empty {
		p.stack = p.stack[:len(p.stack)-1]
		p.depth--
	}
	return j, nil
}

// callRoot builds the root element on its own (its content is not read
// yet) and hands it to the root hook.
func (p *parser) callRoot(idx, end int) error {
	r := &p.recs[idx]
	// The document is still read in place: the root's strings come from a
	// copy of the document up to the end of its start tag.
	arena := string(p.arena)
	in := p.s
	p.s = strings.Clone(p.s[:end])
	el := &etree.Element{Space: p.str(r.a, arena), Tag: p.str(r.b, arena), Attr: make([]etree.Attr, 0, r.nattr)}
	p.addAttrs(el, p.attrs[r.attr0:r.attr0+r.nattr], arena)
	p.s = in
	p.root = el
	return p.rootFn(el)
}

func (p *parser) endTag(start int) (int, error) {
	j, ok, err := p.name(start + 2)
	if err != nil {
		return 0, err
	}
	var space, local ref
	if ok {
		space, local, ok = p.nsname(start+2, j)
	}
	if !ok {
		return 0, p.syntax(start, "expected element name after </")
	}
	j = p.space(j)
	if j >= len(p.s) {
		return 0, p.eof()
	}
	if p.s[j] != '>' {
		return 0, p.syntax(j, "invalid characters between </"+p.s[local.off:local.off+local.n]+" and >")
	}
	j++
	if err := p.tokenLen(start, j); err != nil {
		return 0, err
	}
	if len(p.stack) == 0 {
		return 0, ErrMalformed
	}
	top := &p.recs[p.stack[len(p.stack)-1]]
	if p.s[top.b.off:top.b.off+top.b.n] != p.s[local.off:local.off+local.n] ||
		p.s[top.a.off:top.a.off+top.a.n] != p.s[space.off:space.off+space.n] {
		return 0, ErrMalformed
	}
	p.stack = p.stack[:len(p.stack)-1]
	p.depth--
	return j, nil
}

func (p *parser) procInst(start int) (int, error) {
	s := p.s
	j, ok, err := p.name(start + 2)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, p.syntax(start, "expected target name after <?")
	}
	target := ref{start + 2, j - start - 2}
	j = p.space(j)
	k := strings.Index(s[j:], "?>")
	if k < 0 {
		return 0, p.eof()
	}
	end := j + k + 2
	if err := p.tokenLen(start, end); err != nil {
		return 0, err
	}
	inst := ref{j, k}
	if s[target.off:target.off+target.n] == "xml" {
		if ver := procInstParam("version", s[j:j+k]); ver != "" && ver != "1.0" {
			return 0, fmt.Errorf("xml: unsupported version %q; only version 1.0 is supported", ver)
		}
		// Any declared encoding is read as it is, as etree does.
	}
	return end, p.node(kProcInst, target, inst, end)
}

// procInstParam finds param="value" or param='value' in the content of an
// <?xml?> declaration the way encoding/xml does.
func procInstParam(param, s string) string {
	param += "="
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := strings.Index(sub, param)
		if k < 0 || len(param)+k >= len(sub) {
			return ""
		}
		i += len(param) + k + 1
		if c := sub[len(param)+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], sep)
	if j < 0 {
		return ""
	}
	return s[i : i+j]
}

// bang reads what starts with "<!": a comment, a CDATA section or a
// directive.
func (p *parser) bang(start int) (int, error) {
	s := p.s
	if start+2 >= len(s) {
		return 0, p.eof()
	}
	switch s[start+2] {
	case '-':
		if start+3 >= len(s) {
			return 0, p.eof()
		}
		if s[start+3] != '-' {
			return 0, p.syntax(start, "invalid sequence <!- not part of <!--")
		}
		body := start + 4
		k := strings.Index(s[body:], "--")
		if k < 0 || body+k+2 >= len(s) {
			return 0, p.eof()
		}
		if s[body+k+2] != '>' {
			return 0, p.syntax(body+k, `invalid sequence "--" not allowed in comments`)
		}
		end := body + k + 3
		if err := p.tokenLen(start, end); err != nil {
			return 0, err
		}
		return end, p.node(kComment, ref{body, k}, ref{}, end)
	case '[':
		for i := 0; i < 6; i++ {
			if start+3+i >= len(s) {
				return 0, p.eof()
			}
			if s[start+3+i] != "CDATA["[i] {
				return 0, p.syntax(start, "invalid <![ sequence")
			}
		}
		next, r, err := p.text(start+9, start, -1, true)
		if err != nil {
			return 0, err
		}
		return next, p.node(kText, r, ref{}, next)
	}
	return p.directive(start)
}

// directive reads <!DOCTYPE ...> and the like as encoding/xml does: quoted
// '<' and '>' do not nest, comments inside are replaced by one space.
func (p *parser) directive(start int) (int, error) {
	s := p.s
	buf := []byte{s[start+2]}
	j := start + 3
	var inquote byte
	depth := 0
	for {
		if j >= len(s) {
			return 0, p.eof()
		}
		b := s[j]
		j++
		if inquote == 0 && b == '>' && depth == 0 {
			break
		}
	handle:
		buf = append(buf, b)
		switch {
		case b == inquote:
			inquote = 0
		case inquote != 0:
		case b == '\'' || b == '"':
			inquote = b
		case b == '>':
			depth--
		case b == '<':
			const open = "!--"
			for i := 0; i < len(open); i++ {
				if j >= len(s) {
					return 0, p.eof()
				}
				b = s[j]
				j++
				if b != open[i] {
					buf = append(buf, open[:i]...)
					depth++
					goto handle
				}
			}
			buf = buf[:len(buf)-1]
			var b0, b1 byte
			for {
				if j >= len(s) {
					return 0, p.eof()
				}
				b = s[j]
				j++
				if b0 == '-' && b1 == '-' && b == '>' {
					break
				}
				b0, b1 = b1, b
			}
			buf = append(buf, ' ')
		}
	}
	if err := p.tokenLen(start, j); err != nil {
		return 0, err
	}
	off := len(p.arena)
	p.arena = append(p.arena, buf...)
	return j, p.node(kDirective, ref{-off - 1, len(buf)}, ref{}, j)
}

// text reads character data from i: up to '<' or the end (quote < 0, not
// cdata), up to the closing quote (an attribute value), or up to "]]>"
// (cdata). start is where the token began, for MaxTokenBytes. It returns
// the position after the text (after the quote or "]]>").
func (p *parser) text(i, start, quote int, cdata bool) (int, ref, error) {
	s := p.s
	var end, next int
	switch {
	case cdata:
		k := strings.Index(s[i:], "]]>")
		if k < 0 {
			return 0, ref{}, p.syntax(len(s), "unexpected EOF in CDATA section")
		}
		end, next = i+k, i+k+3
	case quote >= 0:
		k := strings.IndexByte(s[i:], byte(quote))
		if k < 0 {
			// An error either way: a '<' or the end comes first.
			return 0, ref{}, p.eof()
		}
		if lt := strings.IndexByte(s[i:i+k], '<'); lt >= 0 {
			return 0, ref{}, p.syntax(i+lt, "unescaped < inside quoted string")
		}
		end, next = i+k, i+k+1
	default:
		k := strings.IndexByte(s[i:], '<')
		if k < 0 {
			k = len(s) - i
		}
		end, next = i+k, i+k
		if bad := strings.Index(s[i:end], "]]>"); bad >= 0 {
			return 0, ref{}, p.syntax(i+bad, "unescaped ]]> not in CDATA section")
		}
	}
	if err := p.tokenLen(start, next); err != nil {
		return 0, ref{}, err
	}
	raw := s[i:end]
	if (cdata || strings.IndexByte(raw, '&') < 0) && strings.IndexByte(raw, '\r') < 0 {
		if bad, msg := checkChars(raw); bad >= 0 {
			return 0, ref{}, p.syntax(i+bad, msg)
		}
		return next, ref{i, end - i}, nil
	}
	off := len(p.arena)
	var b1 byte // the previous byte of input, for "\r\n"
	for j := 0; j < len(raw); {
		b := raw[j]
		if b == '&' && !cdata {
			n, err := p.entity(raw, j)
			if err != nil {
				return 0, ref{}, p.syntax(i+j, err.Error())
			}
			j += n
			b1 = 0
			continue
		}
		switch {
		case b == '\r':
			p.arena = append(p.arena, '\n')
		case b1 == '\r' && b == '\n':
		default:
			p.arena = append(p.arena, b)
		}
		b1 = b
		j++
	}
	if bad, msg := checkChars(unsafe.String(unsafe.SliceData(p.arena[off:]), len(p.arena)-off)); bad >= 0 {
		return 0, ref{}, p.syntax(i, msg)
	}
	return next, ref{-off - 1, len(p.arena) - off}, nil
}

var entities = map[string]rune{"lt": '<', "gt": '>', "amp": '&', "apos": '\'', "quot": '"'}

// entity decodes the reference at raw[j] (an '&') into the arena and
// returns its length. Strict encoding/xml knows only the five predefined
// entities and character references of at most unicode.MaxRune.
func (p *parser) entity(raw string, j int) (int, error) {
	k := j + 1
	if k < len(raw) && raw[k] == '#' {
		k++
		base := 10
		if k < len(raw) && raw[k] == 'x' {
			base = 16
			k++
		}
		d := k
		for k < len(raw) && (raw[k] >= '0' && raw[k] <= '9' || base == 16 && (raw[k]|0x20 >= 'a' && raw[k]|0x20 <= 'f')) {
			k++
		}
		if k < len(raw) && raw[k] == ';' {
			if n, err := strconv.ParseUint(raw[d:k], base, 64); err == nil && n <= unicode.MaxRune {
				p.arena = utf8.AppendRune(p.arena, rune(n))
				return k + 1 - j, nil
			}
		}
		return 0, fmt.Errorf("invalid character entity %s", entityText(raw, j, k))
	}
	for k < len(raw) && (raw[k] >= utf8.RuneSelf || nameByte[raw[k]]) {
		k++
	}
	if k < len(raw) && raw[k] == ';' {
		if r, ok := entities[raw[j+1:k]]; ok {
			p.arena = append(p.arena, byte(r))
			return k + 1 - j, nil
		}
	}
	return 0, fmt.Errorf("invalid character entity %s", entityText(raw, j, k))
}

func entityText(raw string, j, k int) string {
	if k < len(raw) && raw[k] == ';' {
		return raw[j : k+1]
	}
	return raw[j:k] + " (no semicolon)"
}

// checkChars returns the position of the first byte of s that is not
// UTF-8 or not an XML Char (XML 1.0 §2.2), and the message, or -1.
func checkChars(s string) (int, string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			return i, fmt.Sprintf("illegal character code %U", rune(c))
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return i, "invalid UTF-8"
		}
		if !(r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
			return i, fmt.Sprintf("illegal character code %U", r)
		}
		i += n
	}
	return -1, ""
}

// nameByte holds the ASCII bytes encoding/xml reads as part of a name.
var nameByte = func() (t [utf8.RuneSelf]bool) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '_' || c == ':' || c == '.' || c == '-'
	}
	return t
}()

// isName reports whether s is a name: a first character that is a Letter,
// '_' or ':', then NameChars (XML 1.0 Appendix B, as encoding/xml checks).
func isName(s string) bool {
	if len(s) == 0 {
		return false
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		c := s[0]
		return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_' || c == ':'
	}
	tables := nameTables()
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return false
		}
		ok := false
		switch {
		case r < utf8.RuneSelf:
			ok = i > 0 && nameByte[r] || 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || r == '_' || r == ':'
		case r <= 0xFFFF:
			bit := tables.first
			if i > 0 {
				bit = tables.next
			}
			ok = bit[r>>6]&(1<<(r&63)) != 0
		}
		if !ok {
			return false
		}
		i += n
	}
	return true
}

type nameBits struct{ first, next [0x10000 / 64]uint64 }

// nameTables returns, for each character of the Basic Multilingual Plane
// (encoding/xml's tables have nothing above it), whether it may start a
// name and whether it may follow in one. They are read once, the first time
// a name that is not ASCII is seen, from encoding/xml itself: its Encoder
// checks a processing instruction's target with the same test its Decoder
// applies to names, so the two readers cannot drift apart.
var nameTables = sync.OnceValue(func() *nameBits {
	t := new(nameBits)
	enc := xml.NewEncoder(discard{})
	var buf [8]byte
	for r := rune(utf8.RuneSelf); r <= 0xFFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		n := utf8.EncodeRune(buf[1:], r)
		if enc.EncodeToken(xml.ProcInst{Target: string(buf[1 : 1+n])}) == nil {
			t.first[r>>6] |= 1 << (r & 63)
		}
		buf[0] = '_'
		if enc.EncodeToken(xml.ProcInst{Target: string(buf[:1+n])}) == nil {
			t.next[r>>6] |= 1 << (r & 63)
		}
	}
	return t
})

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
