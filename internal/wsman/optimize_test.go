package wsman_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/internal/wsman"
)

// Optimized enumeration (DSP0226 §8.2.3): with wsman:OptimizeEnumeration
// and wsman:MaxElements the first page comes back in the EnumerateResponse
// itself, so a class of at most MaxElements instances costs one request. A
// service may decline it; then the response holds only a context and the
// client pulls. Both give the same instances; the request counts differ.
func TestOptimizedEnumerationHonouredOrNot(t *testing.T) {
	for _, tc := range []struct {
		name       string
		ignore     bool
		maxElems   int
		wantReqs   int64
		wantPulled bool
	}{
		{"honoured, one page", false, 100, 1, false},
		{"honoured, three pages", false, 10, 3, true}, // Enumerate (10) + Pull (10) + Pull (5)
		{"ignored, one page", true, 100, 2, true},     // Enumerate (0) + Pull (25)
		{"ignored, three pages", true, 10, 4, true},   // Enumerate (0) + 3 Pulls
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDevice(t, false)
			d.SetIgnoreOptimize(tc.ignore)
			c := newClient(t, d)
			ctx := context.Background()
			_, err := c.Get(ctx, uriGS, nil) // learn the digest nonce
			require.NoError(t, err)
			before := c.Stats()
			list, err := c.Enumerate(ctx, uriCS, wsman.EnumerateOptions{MaxElements: tc.maxElems})
			require.NoError(t, err)
			require.Len(t, list, 25)
			assert.Equal(t, "sys-00", list[0].Get("Name"))
			assert.Equal(t, "sys-24", list[24].Get("Name"))
			after := c.Stats()
			assert.Equal(t, tc.wantReqs, after.Requests-before.Requests, "HTTP requests")
			assert.Equal(t, 0, d.OpenEnumerations(), "no enumeration context left open")
		})
	}
}
