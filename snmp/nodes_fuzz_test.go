package snmp

import (
	"strconv"
	"testing"

	"github.com/gosnmp/gosnmp"
)

// FuzzRouteAndAddressIndexes feeds agent-chosen table indexes and values
// through the route and address decoders (routes.go, adapters.go): an
// index is network bytes, and none may panic or allocate without bound.
func FuzzRouteAndAddressIndexes(f *testing.F) {
	f.Add("1.4.0.0.0.0.0.2.0.0.1.4.192.0.2.1", int64(4), []byte{1, 2})
	f.Add("2.16.253.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.64.3.0.0.3.0.0", int64(3), []byte{})
	f.Add("192.0.2.0.255.255.255.0.0.0.0.0.0", int64(-1), []byte("x"))
	f.Add("0.0.0.0", int64(2), []byte{255, 255, 255, 0})
	f.Add("4.20.254.128.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.2", int64(1<<40), []byte{})
	f.Fuzz(func(t *testing.T, idx string, v int64, b []byte) {
		if len(idx) > 4096 {
			return
		}
		_, _, _ = parseInetCidrIndex(idx)
		if sub, ok := parseSubids(idx, maxIndexSubids); ok {
			if len(sub) > maxIndexSubids {
				t.Fatalf("%d sub-identifiers", len(sub))
			}
			_, _, _ = parseInetAddress(sub)
		}
		values := []gosnmp.SnmpPDU{
			{Type: gosnmp.Integer, Value: int(v)},
			{Type: gosnmp.Counter64, Value: uint64(v)},
			{Type: gosnmp.OctetString, Value: b},
			{Type: gosnmp.IPAddress, Value: string(b)},
			{Type: gosnmp.Null},
		}
		for _, entry := range []string{OIDInetCidrRouteEntry, OIDIPCidrRouteEntry, OIDIPRouteEntry} {
			var pdus []gosnmp.SnmpPDU
			for col := 1; col <= 20; col++ {
				p := values[(col+int(v&3))%len(values)]
				p.Name = entry + "." + strconv.Itoa(col) + "." + idx
				pdus = append(pdus, p)
			}
			rows, order := splitTable(entry, pdus)
			wt := walkedTable{rows: rows, order: order}
			inetCidrRoutes(wt)
			ipCidrRoutes(wt)
			ipRoutes(wt)
		}
		for _, p := range values {
			_ = pduUint(p)
		}
	})
}
