package filter

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/xmllimit"
)

// MaxFileSize is the largest policy file Read accepts.
const MaxFileSize = 1 << 20

// ParseError is a problem in a policy file, at a line (1-based; 0 when the
// file as a whole is wrong). It wraps oobkit.ErrInvalidArgument.
type ParseError struct {
	Line int
	Msg  string
}

// Error returns "filter: policy file line 7: …".
func (e *ParseError) Error() string {
	if e.Line == 0 {
		return "filter: policy file: " + e.Msg
	}
	return fmt.Sprintf("filter: policy file line %d: %s", e.Line, e.Msg)
}

// Unwrap returns oobkit.ErrInvalidArgument.
func (e *ParseError) Unwrap() error { return oobkit.ErrInvalidArgument }

// Read reads a policy file (see Marshal for the format) of at most
// MaxFileSize bytes. Unknown elements or attributes, missing required
// attributes, bad values, text where none belongs, a newer schema version and
// ill-formed rules are errors of type *ParseError naming the line. Comments
// are allowed and not kept.
func Read(r io.Reader) (*Policy, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("filter: reading policy file: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, &ParseError{Msg: fmt.Sprintf("larger than %d bytes", MaxFileSize)}
	}
	return Unmarshal(data)
}

// xmlLimits bound the XML of a policy file while it is read. A policy is
// one flat list of empty elements of at most 14 attributes, so anything
// deeper, wider or longer is refused as soon as it is seen; the number of
// rules stays bounded by MaxFileSize and the default element bound.
var xmlLimits = xmllimit.Limits{MaxDepth: 8, MaxAttrsPerElement: 32, MaxTokenBytes: 64 << 10}

// Unmarshal parses a policy file held in data (see Read). XML that breaks
// the reader's bounds (nesting, attributes per element, elements, token
// size) is a *ParseError naming the bound.
func Unmarshal(data []byte) (*Policy, error) {
	p := &parser{dec: xmllimit.NewDecoder(data, xmlLimits), data: data, line: 1}
	return p.parse()
}

type parser struct {
	dec     *xmllimit.Decoder
	data    []byte
	line    int // line of the token last read
	scanned int // data[:scanned] is counted in line
}

// lineAt returns the line of byte offset off, which never decreases from
// one call to the next: the newlines are counted once, as the parser moves.
func (p *parser) lineAt(off int) int {
	off = min(off, len(p.data))
	if off > p.scanned {
		p.line += bytes.Count(p.data[p.scanned:off], []byte{'\n'})
		p.scanned = off
	}
	return p.line
}

func (p *parser) errorf(format string, args ...any) error {
	return &ParseError{Line: p.line, Msg: fmt.Sprintf(format, args...)}
}

// next returns the next token that is not a comment or white space, and sets
// p.line to its line.
func (p *parser) next() (xml.Token, error) {
	for {
		off := p.dec.InputOffset()
		tok, err := p.dec.Token()
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, &ParseError{Line: se.Line, Msg: se.Msg}
			}
			if err == io.EOF {
				return nil, io.EOF
			}
			var le *xmllimit.Error
			if errors.As(err, &le) {
				return nil, &ParseError{Line: p.lineAt(int(le.Offset)), Msg: le.Error()}
			}
			return nil, &ParseError{Line: p.line, Msg: err.Error()}
		}
		p.lineAt(int(off))
		// off is where the token starts, but leading white space of the
		// token itself moves it: count lines to the first non-space byte.
		switch t := tok.(type) {
		case xml.Comment:
			continue
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				p.line += bytes.Count(t[:len(t)-len(bytes.TrimLeft(t, " \t\r\n"))], []byte{'\n'})
				return nil, p.errorf("unexpected text %q", truncate(string(bytes.TrimSpace(t)), 40))
			}
			continue
		case xml.ProcInst:
			if t.Target != "xml" {
				return nil, p.errorf("unexpected processing instruction <?%s?>", t.Target)
			}
			continue
		case xml.Directive:
			return nil, p.errorf("DTDs and other <!…> directives are not allowed")
		}
		return tok, nil
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func (p *parser) parse() (*Policy, error) {
	tok, err := p.next()
	if err == io.EOF {
		return nil, &ParseError{Msg: "empty file: want a <" + elemPolicy + "> element"}
	}
	if err != nil {
		return nil, err
	}
	root, ok := tok.(xml.StartElement)
	if !ok || root.Name.Local != elemPolicy || root.Name.Space != "" {
		return nil, p.errorf("the root element must be <%s>", elemPolicy)
	}
	pol, err := p.policyAttrs(root)
	if err != nil {
		return nil, err
	}
	var defaults [3]bool // indexed by Direction
	ruleLines := map[int]int{}
	for {
		tok, err := p.next()
		if err == io.EOF {
			return nil, p.errorf("file ends inside <%s>", elemPolicy)
		}
		if err != nil {
			return nil, err
		}
		if _, ok := tok.(xml.EndElement); ok {
			break
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			return nil, p.errorf("unexpected %T", tok)
		}
		line := p.line
		switch {
		case el.Name.Space != "":
			return nil, p.errorf("unknown element <%s:%s>", el.Name.Space, el.Name.Local)
		case el.Name.Local == elemDefault:
			d, def, err := p.defaultAttrs(el)
			if err != nil {
				return nil, err
			}
			if defaults[d] {
				return nil, p.errorf("a second <default> for direction %s", d)
			}
			defaults[d] = true
			if d == Receive {
				pol.Receive = def
			} else {
				pol.Transmit = def
			}
		case el.Name.Local == elemIP || el.Name.Local == elemEthernet:
			r, err := p.ruleAttrs(el)
			if err != nil {
				return nil, err
			}
			ruleLines[len(pol.Rules)] = line
			pol.Rules = append(pol.Rules, r)
		default:
			return nil, p.errorf("unknown element <%s> (want %s, %s or %s)", el.Name.Local, elemDefault, elemIP, elemEthernet)
		}
		if err := p.expectEnd(el); err != nil {
			return nil, err
		}
	}
	for _, d := range []Direction{Receive, Transmit} {
		if !defaults[d] {
			return nil, p.errorf("<%s> lacks <default direction=%q .../>", elemPolicy, d)
		}
	}
	if _, err := p.next(); err != io.EOF {
		if err != nil {
			return nil, err
		}
		return nil, p.errorf("content after </%s>", elemPolicy)
	}
	if err := checkRules(pol, ruleLines); err != nil {
		return nil, err
	}
	return pol, nil
}

// checkRules reports the first malformed rule with its line.
func checkRules(pol *Policy, lines map[int]int) error {
	seen := map[string]int{}
	for i := range pol.Rules {
		r := &pol.Rules[i]
		if probs := r.problems(); len(probs) > 0 {
			return &ParseError{Line: lines[i], Msg: fmt.Sprintf("rule %q: %s", r.Name, strings.Join(probs, "; "))}
		}
		if first, dup := seen[r.Name]; dup {
			return &ParseError{Line: lines[i], Msg: fmt.Sprintf("rule name %q already used on line %d", r.Name, first)}
		}
		seen[r.Name] = lines[i]
	}
	return nil
}

// expectEnd requires el to be empty.
func (p *parser) expectEnd(el xml.StartElement) error {
	tok, err := p.next()
	if err != nil {
		return err
	}
	if _, ok := tok.(xml.EndElement); !ok {
		return p.errorf("<%s> must be empty", el.Name.Local)
	}
	return nil
}

// attrs gives checked access to an element's attributes.
type attrs struct {
	p    *parser
	elem string
	m    map[string]string
}

func (p *parser) attrs(el xml.StartElement, allowed ...string) (attrs, error) {
	a := attrs{p: p, elem: el.Name.Local, m: map[string]string{}}
	for _, at := range el.Attr {
		name := at.Name.Local
		if at.Name.Space != "" {
			name = at.Name.Space + ":" + name
		}
		known := at.Name.Space == ""
		if known {
			known = false
			for _, n := range allowed {
				known = known || n == name
			}
		}
		if !known {
			return a, p.errorf("unknown attribute %q on <%s> (known: %s)", name, a.elem, strings.Join(allowed, ", "))
		}
		if _, dup := a.m[name]; dup {
			return a, p.errorf("attribute %q given twice on <%s>", name, a.elem)
		}
		a.m[name] = at.Value
	}
	return a, nil
}

func (a attrs) required(name string) (string, error) {
	v, ok := a.m[name]
	if !ok {
		return "", a.p.errorf("<%s> lacks the %q attribute", a.elem, name)
	}
	return v, nil
}

func (a attrs) bad(name string, err error) error {
	return a.p.errorf("<%s> attribute %s=%q: %v", a.elem, name, a.m[name], err)
}

func (a attrs) uint(name string, bits int) (uint64, error) {
	v, ok := a.m[name]
	if !ok {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 0, bits)
	if err != nil {
		return 0, a.bad(name, fmt.Errorf("want a number of at most %d bits", bits))
	}
	return n, nil
}

func (a attrs) bool(name string) (bool, error) {
	switch a.m[name] {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, a.bad(name, errors.New("want true or false"))
}

func (p *parser) policyAttrs(el xml.StartElement) (*Policy, error) {
	a, err := p.attrs(el, "schemaVersion", "name", "precedence", "antiSpoofing", "timeoutSeconds")
	if err != nil {
		return nil, err
	}
	if _, err := a.required("schemaVersion"); err != nil {
		return nil, err
	}
	ver, err := a.uint("schemaVersion", 32)
	if err != nil {
		return nil, err
	}
	if ver == 0 || ver > SchemaVersion {
		return nil, a.bad("schemaVersion", fmt.Errorf("this reader knows schema version %d", SchemaVersion))
	}
	pol := &Policy{}
	if pol.Name, err = a.required("name"); err != nil {
		return nil, err
	}
	if pol.Name == "" {
		return nil, a.bad("name", errors.New("must not be empty"))
	}
	prec, err := a.uint("precedence", 32)
	if err != nil {
		return nil, err
	}
	pol.Precedence = uint32(prec)
	if v, ok := a.m["antiSpoofing"]; ok {
		if pol.AntiSpoofing, err = ParseAntiSpoofing(v); err != nil {
			return nil, a.bad("antiSpoofing", err)
		}
	}
	secs, err := a.uint("timeoutSeconds", 32)
	if err != nil {
		return nil, err
	}
	pol.Timeout = time.Duration(secs) * time.Second
	return pol, nil
}

func (p *parser) defaultAttrs(el xml.StartElement) (Direction, DefaultAction, error) {
	var def DefaultAction
	a, err := p.attrs(el, "direction", "action", "count", "event")
	if err != nil {
		return 0, def, err
	}
	d, err := a.direction()
	if err != nil {
		return 0, def, err
	}
	v, err := a.required("action")
	if err != nil {
		return 0, def, err
	}
	if def.Action, err = ParseAction(v); err != nil || def.Action == RateLimit {
		return 0, def, a.bad("action", errors.New("want pass or drop"))
	}
	if def.Count, err = a.bool("count"); err != nil {
		return 0, def, err
	}
	if def.MatchEvent, err = a.bool("event"); err != nil {
		return 0, def, err
	}
	return d, def, nil
}

func (a attrs) direction() (Direction, error) {
	v, err := a.required("direction")
	if err != nil {
		return 0, err
	}
	d, err := ParseDirection(v)
	if err != nil {
		return 0, a.bad("direction", errors.New("want receive or transmit"))
	}
	return d, nil
}

var (
	ruleAttrNames  = []string{"name", "direction", "action", "rate", "count", "event"}
	ipAttrNames    = append(append([]string{}, ruleAttrNames...), "version", "protocol", "src", "srcPorts", "dst", "dstPorts", "tcpFlagsOn", "tcpFlagsOff")
	etherAttrNames = append(append([]string{}, ruleAttrNames...), "etherType")
)

func (p *parser) ruleAttrs(el xml.StartElement) (Rule, error) {
	var r Rule
	allowed := etherAttrNames
	if el.Name.Local == elemIP {
		allowed = ipAttrNames
	}
	a, err := p.attrs(el, allowed...)
	if err != nil {
		return r, err
	}
	if r.Name, err = a.required("name"); err != nil {
		return r, err
	}
	if r.Direction, err = a.direction(); err != nil {
		return r, err
	}
	v, err := a.required("action")
	if err != nil {
		return r, err
	}
	if r.Action, err = ParseAction(v); err != nil {
		return r, a.bad("action", errors.New("want pass, drop or rate-limit"))
	}
	rate, err := a.uint("rate", 32)
	if err != nil {
		return r, err
	}
	r.Rate = uint32(rate)
	if r.Count, err = a.bool("count"); err != nil {
		return r, err
	}
	if r.MatchEvent, err = a.bool("event"); err != nil {
		return r, err
	}
	if el.Name.Local == elemEthernet {
		if _, err := a.required("etherType"); err != nil {
			return r, err
		}
		et, err := a.uint("etherType", 16)
		if err != nil {
			return r, err
		}
		r.Ether = &EtherMatch{EtherType: uint16(et)}
		return r, nil
	}
	m := &IPMatch{}
	r.IP = m
	if _, err := a.required("version"); err != nil {
		return r, err
	}
	ver, err := a.uint("version", 8)
	if err != nil {
		return r, err
	}
	m.Version = uint8(ver)
	if v, ok := a.m["protocol"]; ok {
		if m.Protocol, err = ParseProtocol(v); err != nil {
			return r, a.bad("protocol", err)
		}
	}
	for _, f := range []struct {
		name string
		dst  *AddrMatch
	}{{"src", &m.Src}, {"dst", &m.Dst}} {
		if *f.dst, err = ParseAddrMatch(a.m[f.name]); err != nil {
			return r, a.bad(f.name, err)
		}
	}
	for _, f := range []struct {
		name string
		dst  *PortRange
	}{{"srcPorts", &m.SrcPorts}, {"dstPorts", &m.DstPorts}} {
		if *f.dst, err = ParsePortRange(a.m[f.name]); err != nil {
			return r, a.bad(f.name, err)
		}
	}
	for _, f := range []struct {
		name string
		dst  *TCPFlags
	}{{"tcpFlagsOn", &m.FlagsOn}, {"tcpFlagsOff", &m.FlagsOff}} {
		if *f.dst, err = ParseTCPFlags(a.m[f.name]); err != nil {
			return r, a.bad(f.name, err)
		}
	}
	return r, nil
}
