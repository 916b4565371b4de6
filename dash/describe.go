package dash

import (
	"context"
	"slices"
	"strconv"
	"strings"
)

// Describe lists the computer's registered profiles (DSP1033 Profile
// Registration, [Client.Profiles]) as [oobkit.Describer] details:
// "profiles", the count, and "registered", their names and versions
// ("Base Desktop and Mobile 1.0.0,…") sorted.
func (c *Client) Describe(ctx context.Context) (map[string]string, error) {
	ps, err := c.Profiles(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(ps))
	for _, p := range ps {
		n := p.Name
		if p.Version != "" {
			n += " " + p.Version
		}
		names = append(names, n)
	}
	slices.Sort(names)
	return map[string]string{"profiles": strconv.Itoa(len(ps)), "registered": strings.Join(names, ",")}, nil
}
