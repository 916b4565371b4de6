package wsman_test

import (
	"context"
	"testing"

	"github.com/oobkit/oobkit/internal/wsman"
)

// BenchmarkGet measures a steady-state Get against the test server on
// loopback: one HTTP request per call on a kept-alive connection, no 401
// once the digest nonce is known.
func BenchmarkGet(b *testing.B) {
	d := newDevice(b, false)
	c := newClient(b, d)
	ctx := context.Background()
	if _, err := c.Get(ctx, uriGS, nil); err != nil { // learn the nonce
		b.Fatal(err)
	}
	before := c.Stats()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Get(ctx, uriGS, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	after := c.Stats()
	calls := float64(after.Calls - before.Calls)
	b.ReportMetric(float64(after.Requests-before.Requests)/calls, "requests/call")
	b.ReportMetric(float64(after.NewConnections-before.NewConnections)/calls, "conns/call")
}

// BenchmarkEnumerate measures a 25-instance enumeration in pages of 10.
func BenchmarkEnumerate(b *testing.B) {
	d := newDevice(b, false)
	c := newClient(b, d)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := c.Enumerate(ctx, uriCS, wsman.EnumerateOptions{MaxElements: 10}); err != nil {
			b.Fatal(err)
		}
	}
}
