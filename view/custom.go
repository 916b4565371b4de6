package view

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/wsbrowse"
)

// CustomTable is the [Row.Table] of the nodes a view file adds.
const CustomTable = "custom"

// maxViewFile bounds a view file.
const maxViewFile = 1 << 20

// defaultCustomMax bounds the instances a custom node lists when the file
// sets no max.
const defaultCustomMax = 1000

// SampleLinuxOpenWSMan is the sample custom view shipped as
// samples/linux-openwsman.yaml: a Linux computer's CIM classes as the
// OpenWSMan service and the SBLIM providers serve them. It re-creates the
// guide's example ("For example, you can add the Linux OpenWSMan view, which
// is included in Real-Time Console Infrastructure.").
//
//go:embed samples/linux-openwsman.yaml
var SampleLinuxOpenWSMan []byte

// ViewFile is a custom view: nodes read from any WS-Management service by
// class or resource URI, added to the one-to-one view under the view's
// name. It is read from YAML:
//
//	name: Linux OpenWSMan          # the view's name: the Node column of its rows
//	flavor: openwsman              # amt | dash | wmi | openwsman: the namespace rules
//	nodes:
//	  - name: Operating System     # the node
//	    class: Linux_OperatingSystem   # or resourceURI: http://…
//	    properties: [Caption, Version] # the properties shown, in order (default all)
//	    labels: {Caption: Name}        # a property's label (default its name)
//	    filter: "State = 'Running'"    # WMI only: a WQL condition or a whole SELECT
//	    selectors: {Name: sshd}        # Get the one instance with these keys
//	    namespace: interop             # the CIM namespace selector
//	    max: 50                        # at most this many instances (default 1000)
//
// A key the format does not know is an error naming its line.
type ViewFile struct {
	Name        string       `yaml:"name"`
	Description string       `yaml:"description,omitempty"`
	Flavor      string       `yaml:"flavor"`
	Nodes       []CustomNode `yaml:"nodes"`

	flavor wsbrowse.Flavor
}

// CustomNode is one node of a [ViewFile].
type CustomNode struct {
	Name        string            `yaml:"name"`
	Class       string            `yaml:"class,omitempty"`
	ResourceURI string            `yaml:"resourceURI,omitempty"`
	Properties  []string          `yaml:"properties,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Filter      string            `yaml:"filter,omitempty"`
	Selectors   map[string]string `yaml:"selectors,omitempty"`
	Namespace   string            `yaml:"namespace,omitempty"`
	Max         int               `yaml:"max,omitempty"`

	// Line is the node's line in the file.
	Line int `yaml:"-"`
	uri  string
	wql  string
}

// LoadViewFile reads and checks a view file.
func LoadViewFile(path string) (*ViewFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &oobkit.Error{Op: "view file", Class: oobkit.ErrInvalidArgument, Message: path, Err: err}
	}
	f, err := ParseViewFile(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

var yamlLine = regexp.MustCompile(`line (\d+): field (\S+) not found in type \S+`)

// ParseViewFile reads and checks a view file's YAML. Errors wrap
// [oobkit.ErrInvalidArgument] and name the line.
func ParseViewFile(b []byte) (*ViewFile, error) {
	bad := func(line int, format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		if line > 0 {
			msg = fmt.Sprintf("line %d: %s", line, msg)
		}
		return &oobkit.Error{Op: "view file", Class: oobkit.ErrInvalidArgument, Message: msg}
	}
	if len(b) > maxViewFile {
		return nil, bad(0, "larger than %d bytes", maxViewFile)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, bad(0, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var f ViewFile
	if err := dec.Decode(&f); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			var msgs []string
			for _, e := range te.Errors {
				if m := yamlLine.FindStringSubmatch(e); m != nil {
					msgs = append(msgs, fmt.Sprintf("line %s: unknown key %q", m[1], m[2]))
				} else {
					msgs = append(msgs, e)
				}
			}
			return nil, bad(0, "%s", strings.Join(msgs, "; "))
		}
		return nil, bad(0, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	// The lines of the nodes, from the document tree.
	if len(doc.Content) == 1 {
		root := doc.Content[0]
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == "nodes" {
				for j, n := range root.Content[i+1].Content {
					if j < len(f.Nodes) {
						f.Nodes[j].Line = n.Line
					}
				}
			}
		}
	}
	if strings.TrimSpace(f.Name) == "" {
		return nil, bad(1, "the view has no name")
	}
	fl, err := wsbrowse.ParseFlavor(f.Flavor)
	if err != nil {
		return nil, bad(0, "flavor: %s", strings.TrimPrefix(err.Error(), "wsbrowse: invalid argument: "))
	}
	f.flavor = fl
	if len(f.Nodes) == 0 {
		return nil, bad(0, "the view has no nodes")
	}
	seen := map[string]bool{}
	for i := range f.Nodes {
		n := &f.Nodes[i]
		switch {
		case strings.TrimSpace(n.Name) == "":
			return nil, bad(n.Line, "a node has no name")
		case seen[n.Name]:
			return nil, bad(n.Line, "node %q is defined twice", n.Name)
		case (n.Class == "") == (n.ResourceURI == ""):
			return nil, bad(n.Line, "node %q: give class or resourceURI (one of the two)", n.Name)
		case n.Max < 0:
			return nil, bad(n.Line, "node %q: max is negative", n.Name)
		}
		seen[n.Name] = true
		what := n.Class + n.ResourceURI
		uri, err := wsbrowse.ResourceURI(fl, what)
		if err != nil {
			return nil, bad(n.Line, "node %q: %s", n.Name, strings.TrimPrefix(err.Error(), "wsbrowse: invalid argument: "))
		}
		n.uri = uri
		for k := range n.Labels {
			if len(n.Properties) > 0 && !containsFold(n.Properties, k) {
				return nil, bad(n.Line, "node %q: label for %q, which is not among its properties", n.Name, k)
			}
		}
		if n.Filter != "" {
			if fl != wsbrowse.WMI {
				return nil, bad(n.Line, "node %q: filter is a WQL condition, and WQL is WMI's (this view's flavor is %s)", n.Name, fl)
			}
			if len(n.Selectors) > 0 {
				return nil, bad(n.Line, "node %q: filter and selectors exclude each other", n.Name)
			}
			class := uri[strings.LastIndex(uri, "/")+1:]
			wql := n.Filter
			if !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(wql)), "SELECT") {
				wql = "SELECT * FROM " + class + " WHERE " + n.Filter
			}
			qc, err := wsbrowse.CheckWQL(wql)
			if err != nil {
				return nil, bad(n.Line, "node %q: %s", n.Name, strings.TrimPrefix(err.Error(), "wmi: wsbrowse query: invalid argument: "))
			}
			if !strings.EqualFold(qc, class) {
				return nil, bad(n.Line, "node %q: the filter selects from %s, the node reads %s", n.Name, qc, class)
			}
			n.wql = wql
		}
	}
	return &f, nil
}

func containsFold(ss []string, s string) bool {
	for _, x := range ss {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// Rows returns the rows the view file adds: Table [CustomTable], Group the
// view's name, Data the node's name, served by [wsbrowse.Protocol] (put a
// *wsbrowse.Client under that key of the [Connections]).
func (f *ViewFile) Rows() []Row {
	out := make([]Row, len(f.Nodes))
	for i, n := range f.Nodes {
		out[i] = Row{Table: CustomTable, Group: f.Name, Data: n.Name, Techs: []oobkit.Protocol{wsbrowse.Protocol}}
	}
	return out
}

// Register adds the readers of the view file's nodes to reg.
func (f *ViewFile) Register(reg *Registry) {
	for i, row := range f.Rows() {
		n := f.Nodes[i]
		reg.Register(row.Name(), wsbrowse.Protocol, n.reader())
	}
}

func (n CustomNode) reader() Reader {
	return func(ctx context.Context, c oobkit.Client) (*Table, error) {
		b, ok := c.(*wsbrowse.Client)
		if !ok {
			return nil, notReader(c, "WS-Management classes")
		}
		var items []wsbrowse.Instance
		var err error
		max := n.Max
		if max == 0 {
			max = defaultCustomMax
		}
		switch {
		case len(n.Selectors) > 0:
			var sel []wsbrowse.Selector
			for _, k := range slices.Sorted(maps.Keys(n.Selectors)) {
				sel = append(sel, wsbrowse.Selector{Name: k, Value: n.Selectors[k]})
			}
			var in *wsbrowse.Instance
			if in, err = b.Get(ctx, n.uri, sel...); err == nil {
				items = []wsbrowse.Instance{*in}
			}
		case n.wql != "":
			items, err = b.Query(ctx, n.wql, max)
		default:
			items, err = b.Enumerate(ctx, n.uri, wsbrowse.EnumerateOptions{Max: max, Namespace: n.Namespace})
		}
		if err != nil {
			return nil, err
		}
		t := &Table{Records: []Record{}}
		for _, in := range items {
			rec := Record{Source: wsbrowse.Protocol}
			add := func(p wsbrowse.Property) {
				label := p.Name
				for k, v := range n.Labels {
					if strings.EqualFold(k, p.Name) {
						label = v
					}
				}
				rec.Properties = append(rec.Properties, Property{Name: label, Value: p.Value()})
			}
			if len(n.Properties) == 0 {
				for _, p := range in.Properties {
					add(p)
				}
			} else {
				for _, name := range n.Properties {
					p, ok := in.Get(name)
					if !ok {
						p = wsbrowse.Property{Name: name}
					}
					add(p)
				}
			}
			t.Records = append(t.Records, rec)
		}
		return t, nil
	}
}
