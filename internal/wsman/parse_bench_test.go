package wsman_test

import (
	"bytes"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oobkit/oobkit/internal/wsman"
)

// BenchmarkParseGetResponse measures parsing alone on a recorded AMT Get
// reply (AMT_GeneralSettings, 2.2 KB): ParseEnvelope from a reader, and
// ParseEnvelopeBytes as the client calls it on the body it has read.
func BenchmarkParseGetResponse(b *testing.B) {
	raw, err := os.ReadFile("../../amt/testdata/generalsettings_get.xml")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("reader", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := wsman.ParseEnvelope(bytes.NewReader(raw)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bytes", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := wsman.ParseEnvelopeBytes(raw, wsman.Limits{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// hostileEmptyElements is a SOAP envelope of n bytes whose Body holds only
// empty elements: the cheapest bytes to send and the dearest to keep.
func hostileEmptyElements(n int) []byte {
	const head = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>`
	const tail = `</s:Body></s:Envelope>`
	var sb strings.Builder
	sb.Grow(n)
	sb.WriteString(head)
	for sb.Len()+4+len(tail) <= n {
		sb.WriteString("<a/>")
	}
	sb.WriteString(tail)
	return []byte(sb.String())
}

// BenchmarkHostileConcurrent parses 8 hostile 4 MiB replies at once, as 8
// workers of a fleet job would, and reports the heap they cost: total-MiB is
// every byte allocated by the 8 parses (an upper bound of their peak), and
// peak-MiB the highest live heap above the start seen by a sampler every
// 50 µs. The replies themselves (32 MiB) are allocated before and not
// counted.
func BenchmarkHostileConcurrent(b *testing.B) {
	const workers = 8
	var inputs [workers][]byte
	for i := range inputs {
		inputs[i] = hostileEmptyElements(4 << 20)
	}
	var total, peak float64
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		stop := make(chan struct{})
		peakc := make(chan uint64)
		go func() {
			var max uint64
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > max {
					max = m.HeapAlloc
				}
				select {
				case <-stop:
					peakc <- max
					return
				case <-time.After(50 * time.Microsecond):
				}
			}
		}()
		var wg sync.WaitGroup
		for i := range inputs {
			wg.Go(func() { _, _ = wsman.ParseEnvelope(bytes.NewReader(inputs[i])) })
		}
		wg.Wait()
		close(stop)
		max := <-peakc
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		total += float64(after.TotalAlloc - before.TotalAlloc)
		if d := float64(max) - float64(before.HeapAlloc); d > peak {
			peak = d
		}
	}
	b.ReportMetric(total/float64(b.N)/(1<<20), "total-MiB/op")
	b.ReportMetric(peak/(1<<20), "peak-MiB")
}
