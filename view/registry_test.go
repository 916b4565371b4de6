package view

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/snmp"
	"github.com/oobkit/oobkit/wmi"
)

// TestDefaultKeysAreRows: every reader of Default is keyed by a node of the
// tables and a technology its row names, so that no reader is registered
// under a misspelt name, where no row would find it.
func TestDefaultKeysAreRows(t *testing.T) {
	rows := map[string]Row{}
	for _, r := range Rows() {
		rows[r.Name()] = r
	}
	Default.mu.RLock()
	defer Default.mu.RUnlock()
	for k := range Default.m {
		r, ok := rows[k.node]
		if assert.True(t, ok, "reader of %q (%s): no such node", k.node, k.tech) {
			assert.Contains(t, r.Techs, k.tech, "reader of %q", k.node)
		}
	}
}

// TestNodeReadersPlugged: every node the protocol packages read is a node
// of the tables with a reader of that technology in Default — matched by
// the guide's group and name, as the packages name them. AMT's Intel Remote
// Access Policy is Table A-2's (configuration), not a node of the view.
func TestNodeReadersPlugged(t *testing.T) {
	has := func(name string, p string) {
		t.Helper()
		r, ok := Find(name)
		require.True(t, ok, name)
		assert.True(t, slices.Contains(r.Techs, oobkit.Protocol(p)), "%s names %s", r.Name(), p)
		_, ok = Default.Lookup(r.Name(), oobkit.Protocol(p))
		assert.True(t, ok, "%s: no %s reader", r.Name(), p)
	}
	for _, n := range wmi.Nodes() {
		r, ok := Find(n.Group + "/" + n.Name)
		require.True(t, ok, "%s/%s", n.Group, n.Name)
		assert.Equal(t, n.Group, r.Group)
		has(r.Name(), "wmi")
	}
	for _, n := range amt.Nodes {
		if n == amt.NodeRemoteAccessPolicy {
			continue
		}
		has(string(n), "amt")
	}
	for _, n := range dash.Nodes {
		has(string(n), "dash")
	}
	for _, n := range snmp.Nodes {
		has(string(n), "snmp")
	}
}
