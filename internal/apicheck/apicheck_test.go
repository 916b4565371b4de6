package apicheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// knownDebt lists the exported declarations that still name an internal
// type (issue 19, deliverable 3, is to remove them: simulators with their
// own Faults/Counters types and no *wsmantest handles, a public WS-Eventing
// listener package instead of dash's aliases, a public IPMI event type).
// The list only shrinks: a new finding fails, and so does an entry that no
// longer matches anything, so a fix also removes its line here.
var knownDebt = map[string]bool{}

// No exported declaration of a public package names an internal type: a
// vendor embedding oobkit must be able to name every type it is handed.
// The declarations of knownDebt are the ones still to fix.
func TestNoInternalTypeInPublicAPI(t *testing.T) {
	found, err := Scan(filepath.Join("..", ".."))
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, f := range found {
		key := filepath.ToSlash(filepath.Dir(f.Pos[:strings.LastIndex(f.Pos, ":")])) + " " + f.Decl + " uses " + f.Ref
		seen[key] = true
		if !knownDebt[key] {
			t.Errorf("%s (a new internal type in the public API)", f)
		}
	}
	for k := range knownDebt {
		if !seen[k] {
			t.Errorf("%q is fixed: remove it from knownDebt", k)
		}
	}
}

// The check itself finds what it must.
func TestScanFindsInternalTypes(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "pub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pub", "pub.go"), []byte(`package pub

import "example.com/m/internal/wire"

type Client struct{ Conn *wire.Conn; hidden wire.Conn }

func (c *Client) Stats() wire.Stats { return wire.Stats{} }

func helper(wire.Conn) {}

type Alias = wire.Event
`), 0o644))
	found, err := Scan(dir)
	require.NoError(t, err)
	var refs []string
	for _, f := range found {
		refs = append(refs, f.Decl+" "+f.Ref)
	}
	assert.ElementsMatch(t, []string{"Client wire.Conn", "Client.Stats wire.Stats", "Alias wire.Event"}, refs)
}
