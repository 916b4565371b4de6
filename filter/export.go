package filter

import (
	"fmt"
	"io"
)

// ExportedName is the name Export gives a policy the device holds without
// one.
const ExportedName = "exported policy"

// Exportable returns a copy of p, a policy read back from a device (package
// amt's Client.ExportPolicy, or FromAMT), that the policy file format can
// hold and Read reads back: a device may hold what a file cannot, because
// another console created it: filters without names or with the same name,
// and a policy without a name. Those are named ("filter-<n>" by position,
// "<name>-<n>" for the n-th use of a name, ExportedName). Nothing else
// changes.
func Exportable(p *Policy) *Policy {
	c := p.Clone()
	if c.Name == "" {
		c.Name = ExportedName
	}
	used := map[string]bool{}
	for i := range c.Rules {
		if c.Rules[i].Name != "" {
			used[c.Rules[i].Name] = true
		}
	}
	seen := map[string]bool{}
	for i := range c.Rules {
		r := &c.Rules[i]
		base := r.Name
		if base == "" {
			base = fmt.Sprintf("filter-%d", i+1)
		}
		name := base
		for n := 2; seen[name] || (name != r.Name && used[name]); n++ {
			name = fmt.Sprintf("%s-%d", base, n)
		}
		r.Name = name
		seen[name] = true
	}
	return c
}

// Export writes the active settings of a computer, p as read back from the
// device, to w in the policy file format (Write of Exportable(p)), so that
// they can be kept, edited and applied again: the guide's CBFilters.xml
// round trip.
func Export(w io.Writer, p *Policy) error {
	return Write(w, Exportable(p))
}
