package oobkit_test

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/asf"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/snmp"
	"github.com/oobkit/oobkit/wmi"
)

// TestCapabilityMatrix: the capability matrix in the package doc (doc.go)
// says, for every client and every capability interface, exactly what the
// client's type implements.
func TestCapabilityMatrix(t *testing.T) {
	clients := map[string]reflect.Type{
		"amt.Client":      reflect.TypeFor[*amt.Client](),
		"dash.Client":     reflect.TypeFor[*dash.Client](),
		"ipmi.Client":     reflect.TypeFor[*ipmi.Client](),
		"wmi.Client":      reflect.TypeFor[*wmi.Client](),
		"snmp.Client":     reflect.TypeFor[*snmp.Client](),
		"redirect.Client": reflect.TypeFor[*redirect.Client](),
		"asf.Client":      reflect.TypeFor[*asf.Client](),
	}
	ifaces := map[string]reflect.Type{
		"PowerStateReader": reflect.TypeFor[oobkit.PowerStateReader](),
		"PowerController":  reflect.TypeFor[oobkit.PowerController](),
		"PowerChecker":     reflect.TypeFor[oobkit.PowerChecker](),
		"BootController":   reflect.TypeFor[oobkit.BootController](),
		"InventoryReader":  reflect.TypeFor[oobkit.InventoryReader](),
		"EventLogReader":   reflect.TypeFor[oobkit.EventLogReader](),
		"AlertConfigurer":  reflect.TypeFor[oobkit.AlertConfigurer](),
		"Describer":        reflect.TypeFor[oobkit.Describer](),
	}
	for name, c := range clients {
		assert.True(t, c.Implements(reflect.TypeFor[oobkit.Client]()), name)
	}

	src, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	var header []string
	rows := map[string][]string{}
	space := regexp.MustCompile(`\s+`)
	for line := range strings.Lines(string(src)) {
		f := space.Split(strings.TrimSpace(strings.TrimPrefix(line, "//")), -1)
		switch {
		case len(f) > 1 && f[0] == "client":
			header = f[1:]
		case header != nil && clients[f[0]] != nil:
			rows[f[0]] = f[1:]
		}
	}
	require.NotNil(t, header, "the matrix header is in doc.go")
	require.ElementsMatch(t, keys(ifaces), header, "the matrix names every capability interface")
	require.ElementsMatch(t, keys(clients), keys(rows), "the matrix has a row per client")
	for name, cells := range rows {
		require.Len(t, cells, len(header), name)
		for i, iface := range header {
			want := clients[name].Implements(ifaces[iface])
			assert.Equal(t, want, cells[i] == "x", "%s %s: the doc says %q", name, iface, cells[i])
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
