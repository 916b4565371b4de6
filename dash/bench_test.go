package dash_test

import (
	"context"
	"testing"

	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
)

func benchPair(b *testing.B) *dash.Client {
	sim, err := dashtest.NewServer(dashtest.Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sim.Close() })
	c, err := dash.New(sim.Target(), sim.Credential())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

func BenchmarkPowerState(b *testing.B) {
	c := benchPair(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.PowerState(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInventory(b *testing.B) {
	c := benchPair(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Inventory(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
