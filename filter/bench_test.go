package filter

import (
	"net/netip"
	"testing"
)

// BenchmarkEvaluate measures packets decided per second against the default
// remediation policy (Table C-2 and the task server's range: 54 rules), for a mix of packets that pass early, pass
// late and fall through to the default drop.
func BenchmarkEvaluate(b *testing.B) {
	p := mustRemediation(b, RemediationOptions{TaskServer: mgmt})
	pkts := []Packet{
		{Direction: Receive, EtherType: EtherTypeARP},
		{Direction: Transmit, Src: computer, Dst: mgmt, Protocol: TCP, SrcPort: 50000, DstPort: 80, Flags: ACK},
		{Direction: Receive, Src: mgmt, Dst: computer, Protocol: TCP, SrcPort: 50122, DstPort: 50000, Flags: ACK},
		{Direction: Receive, Src: netip.MustParseAddr("198.51.100.7"), Dst: computer, Protocol: TCP, SrcPort: 443, DstPort: 50000, Flags: ACK},
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		p.Evaluate(pkts[i%len(pkts)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}
