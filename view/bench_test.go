package view_test

import (
	"testing"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/view"
)

// BenchmarkView assembles a computer's whole one-to-one view (every node of
// Tables) and reports the device round trips (WS-Man
// requests the simulators served, 401 challenges included) the nodes
// served per view, and how soon the first served node arrives (streamed). Wall
// time per view is ns/op.
func BenchmarkView(b *testing.B) {
	b.Run("wmi", func(b *testing.B) {
		pc, c := newWMI(b)
		benchView(b, view.Clients{oobkit.WMI: c}, func() int64 { return pc.Counters().Requests })
	})
	b.Run("amt", func(b *testing.B) {
		srv, c := newAMT(b)
		benchView(b, view.Clients{oobkit.AMT: c}, func() int64 { return srv.Counters().Requests })
	})
	b.Run("wmi+amt+dash", func(b *testing.B) {
		pc, w := newWMI(b)
		srv, a := newAMT(b)
		sim, d := newDASH(b)
		benchView(b, view.Clients{oobkit.WMI: w, oobkit.AMT: a, oobkit.DASH: d}, func() int64 {
			return pc.Counters().Requests + srv.Counters().Requests + sim.Counters().Requests
		})
	})
}

func benchView(b *testing.B, conns view.Connections, requests func() int64) {
	v := &view.View{}
	if _, err := v.Assemble(ctx(b), conns); err != nil { // authenticate, warm connections
		b.Fatal(err)
	}
	before := requests()
	served := 0
	b.ResetTimer()
	var first time.Duration
	for range b.N {
		start := time.Now()
		got := 0
		err := v.Stream(ctx(b), conns, func(n view.Node) {
			if n.Err == nil {
				if got == 0 {
					first += time.Since(start)
				}
				got++
				served++
			}
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(first.Nanoseconds())/float64(b.N), "ns-to-first-served-node")
	b.ReportMetric(float64(requests()-before)/float64(b.N), "requests/view")
	b.ReportMetric(float64(served)/float64(b.N), "nodes-served/view")
	b.ReportMetric(float64(len(view.Rows())), "nodes/view")
}
