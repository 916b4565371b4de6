package filter

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"time"
)

// SchemaVersion is the version of the policy file format this package writes
// and the highest it reads.
const SchemaVersion = 1

// File-format names: the root element and its children.
const (
	elemPolicy   = "filterPolicy"
	elemDefault  = "default"
	elemIP       = "ip"
	elemEthernet = "ethernet"
)

// Marshal returns p in the policy file format: a filterPolicy root with
// schemaVersion, a default element per direction, then one ip or ethernet
// element per rule in precedence order. The output is canonical: Marshal of
// Unmarshal of it is the same bytes.
func Marshal(p *Policy) ([]byte, error) {
	var b bytes.Buffer
	if err := Write(&b, p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Write writes p to w in the policy file format (see Marshal).
func Write(w io.Writer, p *Policy) error {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	e := element{b: &b, name: elemPolicy}
	e.attr("schemaVersion", strconv.Itoa(SchemaVersion))
	e.attr("name", p.Name)
	if p.Precedence != 0 {
		e.attr("precedence", strconv.FormatUint(uint64(p.Precedence), 10))
	}
	if p.AntiSpoofing != AntiSpoofingOff {
		e.attr("antiSpoofing", p.AntiSpoofing.String())
	}
	if p.Timeout != 0 {
		e.attr("timeoutSeconds", strconv.FormatInt(int64(p.Timeout/time.Second), 10))
	}
	b.WriteString(">\n")
	for _, d := range []Direction{Receive, Transmit} {
		def := p.Default(d)
		c := element{b: &b, name: elemDefault, indent: true}
		c.attr("direction", d.String())
		c.attr("action", def.Action.String())
		c.flag("count", def.Count)
		c.flag("event", def.MatchEvent)
		b.WriteString("/>\n")
	}
	for i := range p.Rules {
		if err := writeRule(&b, &p.Rules[i]); err != nil {
			return err
		}
	}
	b.WriteString("</" + elemPolicy + ">\n")
	_, err := w.Write(b.Bytes())
	return err
}

func writeRule(b *bytes.Buffer, r *Rule) error {
	name := elemIP
	switch {
	case r.Ether != nil && r.IP == nil:
		name = elemEthernet
	case r.IP != nil && r.Ether == nil:
	default:
		return fmt.Errorf("filter: rule %q needs exactly one of an IP match or an Ethernet match", r.Name)
	}
	e := element{b: b, name: name, indent: true}
	e.attr("name", r.Name)
	e.attr("direction", r.Direction.String())
	e.attr("action", r.Action.String())
	if r.Action == RateLimit || r.Rate != 0 {
		e.attr("rate", strconv.FormatUint(uint64(r.Rate), 10))
	}
	e.flag("count", r.Count)
	e.flag("event", r.MatchEvent)
	if r.Ether != nil {
		e.attr("etherType", fmt.Sprintf("0x%04x", r.Ether.EtherType))
	} else {
		m := r.IP
		e.attr("version", strconv.Itoa(int(m.Version)))
		e.attr("protocol", m.Protocol.String())
		e.optional("src", m.Src.String())
		e.optional("srcPorts", m.SrcPorts.String())
		e.optional("dst", m.Dst.String())
		e.optional("dstPorts", m.DstPorts.String())
		e.optional("tcpFlagsOn", m.FlagsOn.String())
		e.optional("tcpFlagsOff", m.FlagsOff.String())
	}
	b.WriteString("/>\n")
	return nil
}

// element writes a start tag attribute by attribute; the caller closes it.
type element struct {
	b      *bytes.Buffer
	name   string
	indent bool
	opened bool
}

func (e *element) attr(name, value string) {
	if !e.opened {
		if e.indent {
			e.b.WriteString("  ")
		}
		e.b.WriteString("<" + e.name)
		e.opened = true
	}
	e.b.WriteString(" " + name + `="`)
	_ = xml.EscapeText(e.b, []byte(value)) // writing to a bytes.Buffer cannot fail
	e.b.WriteString(`"`)
}

func (e *element) optional(name, value string) {
	if value != "" {
		e.attr(name, value)
	}
}

func (e *element) flag(name string, on bool) {
	if on {
		e.attr(name, "true")
	}
}
