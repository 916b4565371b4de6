package wseventing

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/xmllimit"
)

// A pushed delivery is read with XML bounds scaled to the byte cap: one
// made of empty elements up to DefaultMaxBytes is refused with
// ErrProtocol naming the limit, having allocated at most 16 times its size.
func TestParseHostileDeliveryCostsBoundedHeap(t *testing.T) {
	const head = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>`
	const tail = `</s:Body></s:Envelope>`
	for _, tc := range []struct{ name, unit, limit string }{
		{"empty elements", "<a/>", "MaxElements"},
		{"attributes", `<a b="" c=""/>`, "MaxAttrs"},
		{"white space and empty elements", " <a/>", "MaxNodes"},
		{"comments", "<!---->", "MaxNodes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := head + strings.Repeat(tc.unit, (DefaultMaxBytes-len(head)-len(tail))/len(tc.unit)) + tail
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Parse(strings.NewReader(src), 0)
			runtime.ReadMemStats(&after)
			require.Error(t, err)
			assert.ErrorIs(t, err, oobkit.ErrProtocol)
			var le *xmllimit.Error
			require.True(t, errors.As(err, &le), "%v", err)
			assert.Equal(t, tc.limit, le.Limit)
			alloc := after.TotalAlloc - before.TotalAlloc
			assert.LessOrEqual(t, alloc, uint64(16*len(src)), "%d KiB allocated", alloc>>10)
			t.Logf("%d KiB allocated", alloc>>10)
		})
	}
}
