package wmitest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// A subset of WQL (SELECT * FROM Class [WHERE …]) with AND, OR, NOT,
// parentheses, = <> != < <= > >= LIKE, string, number and boolean literals.
// Comparisons of strings are case-insensitive, as in WMI.

type wqlQuery struct {
	class string
	props []string // nil: SELECT *
	where wqlExpr  // nil: every instance
}

// wqlExpr evaluates a condition against an instance's property getter.
type wqlExpr func(get func(string) (string, bool)) bool

type wqlParser struct {
	toks []string
	pos  int
}

func parseWQL(q string) (*wqlQuery, error) {
	toks, err := wqlTokens(q)
	if err != nil {
		return nil, err
	}
	p := &wqlParser{toks: toks}
	if !p.keyword("SELECT") {
		return nil, fmt.Errorf("WQL: expected SELECT")
	}
	var props []string
	if !p.accept("*") {
		for {
			name := p.next()
			if !isIdent(name) || strings.EqualFold(name, "FROM") {
				return nil, fmt.Errorf("WQL: expected * or a property name, got %q", name)
			}
			props = append(props, name)
			if !p.accept(",") {
				break
			}
		}
	}
	if !p.keyword("FROM") {
		return nil, fmt.Errorf("WQL: expected FROM")
	}
	class := p.next()
	if !isIdent(class) {
		return nil, fmt.Errorf("WQL: expected a class name")
	}
	out := &wqlQuery{class: class, props: props}
	if p.keyword("WHERE") {
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		out.where = e
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("WQL: unexpected %q", p.toks[p.pos])
	}
	return out, nil
}

func (p *wqlParser) next() string {
	if p.pos >= len(p.toks) {
		return ""
	}
	p.pos++
	return p.toks[p.pos-1]
}

func (p *wqlParser) peek() string {
	if p.pos >= len(p.toks) {
		return ""
	}
	return p.toks[p.pos]
}

func (p *wqlParser) accept(t string) bool {
	if p.peek() == t {
		p.pos++
		return true
	}
	return false
}

func (p *wqlParser) keyword(k string) bool {
	if strings.EqualFold(p.peek(), k) {
		p.pos++
		return true
	}
	return false
}

func (p *wqlParser) or() (wqlExpr, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword("OR") {
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		a, b := l, r
		l = func(g func(string) (string, bool)) bool { return a(g) || b(g) }
	}
	return l, nil
}

func (p *wqlParser) and() (wqlExpr, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.keyword("AND") {
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		a, b := l, r
		l = func(g func(string) (string, bool)) bool { return a(g) && b(g) }
	}
	return l, nil
}

func (p *wqlParser) not() (wqlExpr, error) {
	if p.keyword("NOT") {
		e, err := p.not()
		if err != nil {
			return nil, err
		}
		return func(g func(string) (string, bool)) bool { return !e(g) }, nil
	}
	if p.accept("(") {
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.accept(")") {
			return nil, fmt.Errorf("WQL: missing )")
		}
		return e, nil
	}
	return p.cmp()
}

func (p *wqlParser) cmp() (wqlExpr, error) {
	prop := p.next()
	if !isIdent(prop) {
		return nil, fmt.Errorf("WQL: expected a property name, got %q", prop)
	}
	op := strings.ToUpper(p.next())
	switch op {
	case "=", "<>", "!=", "<", "<=", ">", ">=", "LIKE":
	default:
		return nil, fmt.Errorf("WQL: unknown operator %q", op)
	}
	lit := p.next()
	val, isString := "", false
	switch {
	case strings.HasPrefix(lit, "'") || strings.HasPrefix(lit, `"`):
		val, isString = lit[1:], true
		// A full object path (\\PC42\root\cimv2:Win32_Group.…) names
		// the same instance as its relative path, which is what a
		// reference property compares as.
		if m := fullPath.FindStringIndex(val); m != nil {
			val = val[m[1]:]
		}
	case strings.EqualFold(lit, "TRUE"), strings.EqualFold(lit, "FALSE"):
		val = strings.ToLower(lit)
	default:
		if _, err := strconv.ParseFloat(lit, 64); err != nil {
			return nil, fmt.Errorf("WQL: expected a literal, got %q", lit)
		}
		val = lit
	}
	return func(g func(string) (string, bool)) bool {
		v, ok := g(prop)
		if !ok {
			return false
		}
		if op == "LIKE" {
			return likeMatch(strings.ToLower(v), strings.ToLower(val))
		}
		c := 0
		a, errA := strconv.ParseFloat(strings.TrimSpace(v), 64)
		b, errB := strconv.ParseFloat(val, 64)
		ta, errTA := time.Parse(time.RFC3339Nano, v)
		tb, okTB := parseDMTF(val)
		if isString && errTA == nil && okTB {
			// A datetime property against a CIM_DATETIME literal compares
			// instants, as WMI does (TimeGenerated >= '20240301000000.000000+000').
			c = ta.Compare(tb)
		} else if !isString && errA == nil && errB == nil {
			switch {
			case a < b:
				c = -1
			case a > b:
				c = 1
			}
		} else {
			c = strings.Compare(strings.ToLower(v), strings.ToLower(val))
		}
		switch op {
		case "=":
			return c == 0
		case "<>", "!=":
			return c != 0
		case "<":
			return c < 0
		case "<=":
			return c <= 0
		case ">":
			return c > 0
		}
		return c >= 0
	}, nil
}

// fullPath matches the server and namespace part of a full WMI object path.
var fullPath = regexp.MustCompile(`(?i)^\\\\[^\\]+\\root(\\[^:\\]+)*:`)

// parseDMTF reads a CIM_DATETIME literal "yyyymmddHHMMSS.mmmmmm±UUU" (UUU
// the offset from UTC in minutes, DSP0004).
func parseDMTF(s string) (time.Time, bool) {
	if len(s) != 25 || s[14] != '.' || (s[21] != '+' && s[21] != '-') {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102150405.000000", s[:21])
	if err != nil {
		return time.Time{}, false
	}
	off, err := strconv.Atoi(s[22:])
	if err != nil {
		return time.Time{}, false
	}
	if s[21] == '-' {
		off = -off
	}
	return t.Add(-time.Duration(off) * time.Minute), true
}

// likeMatch matches s against a WQL LIKE pattern (% any run, _ one char).
func likeMatch(s, pat string) bool {
	if pat == "" {
		return s == ""
	}
	switch pat[0] {
	case '%':
		for i := 0; i <= len(s); i++ {
			if likeMatch(s[i:], pat[1:]) {
				return true
			}
		}
		return false
	case '_':
		return s != "" && likeMatch(s[1:], pat[1:])
	case '[':
		// [abc] matches one of the characters listed.
		if end := strings.IndexByte(pat[1:], ']'); end >= 0 {
			set := pat[1 : end+1]
			return s != "" && strings.IndexByte(set, s[0]) >= 0 && likeMatch(s[1:], pat[end+2:])
		}
	}
	return s != "" && s[0] == pat[0] && likeMatch(s[1:], pat[1:])
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// wqlTokens splits a query; a string token keeps its opening quote and has
// its escapes (\\ and \') resolved and its closing quote removed.
func wqlTokens(q string) ([]string, error) {
	var out []string
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '\'' || c == '"':
			var b strings.Builder
			b.WriteByte(c)
			j := i + 1
			for ; j < len(q) && q[j] != c; j++ {
				if q[j] == '\\' && j+1 < len(q) {
					j++
				}
				b.WriteByte(q[j])
			}
			if j >= len(q) {
				return nil, fmt.Errorf("WQL: unterminated string")
			}
			out = append(out, b.String())
			i = j + 1
		case strings.ContainsRune("()*,", rune(c)):
			out = append(out, string(c))
			i++
		case c == '<' || c == '>' || c == '!' || c == '=':
			if i+1 < len(q) && (q[i+1] == '=' || c == '<' && q[i+1] == '>') {
				out = append(out, q[i:i+2])
				i += 2
			} else {
				out = append(out, string(c))
				i++
			}
		default:
			j := i
			for j < len(q) && !strings.ContainsRune(" \t\r\n()*,'\"<>!=", rune(q[j])) {
				j++
			}
			out = append(out, q[i:j])
			i = j
		}
	}
	return out, nil
}
