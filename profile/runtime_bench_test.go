package profile

import (
	"context"
	"fmt"
	"testing"

	"github.com/oobkit/oobkit"
)

// BenchmarkRuntimeLearnAtBound measures a success recorded into a full
// runtime profile (eviction amortised), and a Resolve on it.
func BenchmarkRuntimeLearnAtBound(b *testing.B) {
	rt := NewRuntime(NewMemoryStore(), WithMaxEntries(10_000))
	c := amtCandidate("x", "x")
	targets := make([]oobkit.Target, 20_000)
	for i := range targets {
		targets[i] = oobkit.Target{Address: fmt.Sprintf("10.%d.%d.%d", i>>16, (i>>8)&255, i&255)}
	}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		rt.Succeeded(targets[i%len(targets)], c)
		i++
	}
	if rt.Len() > 10_000 {
		b.Fatal("bound exceeded")
	}
}

func BenchmarkRuntimeResolve(b *testing.B) {
	rt := NewRuntime(NewMemoryStore())
	host := oobkit.Target{Address: "10.0.0.1"}
	for _, pw := range []string{"a", "b", "c", "d"} {
		rt.Succeeded(host, amtCandidate(pw, pw))
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rt.Resolve(ctx, host, oobkit.AMT, nil); err != nil {
			b.Fatal(err)
		}
	}
}
