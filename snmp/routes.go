package snmp

import (
	"context"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gosnmp/gosnmp"
)

// Route tables, newest first (RFC 4292 IP-FORWARD-MIB inetCidrRouteTable,
// RFC 2096 ipCidrRouteTable, RFC 1213 MIB-II ipRouteTable). Routes reads
// the first one the agent serves.
const (
	OIDInetCidrRouteEntry = ".1.3.6.1.2.1.4.24.7.1"
	OIDIPCidrRouteEntry   = ".1.3.6.1.2.1.4.24.4.1"
	OIDIPRouteEntry       = ".1.3.6.1.2.1.4.21.1"
)

// Route is one row of the computer's IP route table (RTSM guide Table
// A-6, "IP Route Table", which WMI and SNMP serve).
type Route struct {
	// Destination is the destination network.
	Destination netip.Prefix `json:"destination"`
	// NextHop is the gateway; 0.0.0.0 (or ::) for a directly connected
	// network.
	NextHop netip.Addr `json:"nextHop"`
	// IfIndex is the IF-MIB ifIndex of the outgoing interface.
	IfIndex int `json:"ifIndex"`
	// Type is "local" (directly connected), "remote" (via a gateway),
	// "reject", "blackhole" or "other".
	Type string `json:"type"`
	// Protocol is how the route was learnt ("local", "netmgmt", "icmp",
	// "rip", "ospf", "bgp", …: IANAipRouteProtocol).
	Protocol string `json:"protocol"`
	// Metric is the primary metric (-1 when unused).
	Metric int `json:"metric"`
	// Table is the MIB table the route was read from: "inetCidrRouteTable",
	// "ipCidrRouteTable" or "ipRouteTable".
	Table string `json:"table"`
}

// routeTypes name inetCidrRouteType and ipCidrRouteType values (RFC 4292,
// RFC 2096), and ipRouteTypes RFC 1213's ipRouteType.
var (
	routeTypes   = []string{"", "other", "reject", "local", "remote", "blackhole"}
	ipRouteTypes = []string{"", "other", "invalid", "local", "remote"}
	// routeProtocols names IANAipRouteProtocol values.
	routeProtocols = []string{"", "other", "local", "netmgmt", "icmp", "egp", "ggp", "hello", "rip", "isIs", "esIs",
		"ciscoIgrp", "bbnSpfIgp", "ospf", "bgp", "idpr", "ciscoEigrp", "dvmrp"}
)

func nameOf(names []string, v int64) string {
	if v > 0 && v < int64(len(names)) {
		return names[v]
	}
	return strconv.FormatInt(v, 10)
}

// Routes reads the IP route table: inetCidrRouteTable (IPv4 and IPv6)
// where the agent has it, else ipCidrRouteTable, else RFC 1213's
// ipRouteTable (IPv4). An agent with none of them yields no routes; a row
// whose index is malformed is skipped.
func (c *Client) Routes(ctx context.Context) ([]Route, error) {
	t, err := c.walkTable(ctx, OIDInetCidrRouteEntry)
	if err != nil {
		return nil, err
	}
	if out := inetCidrRoutes(t); len(out) > 0 {
		return out, nil
	}
	if t, err = c.walkTable(ctx, OIDIPCidrRouteEntry); err != nil {
		return nil, err
	}
	if out := ipCidrRoutes(t); len(out) > 0 {
		return out, nil
	}
	if t, err = c.walkTable(ctx, OIDIPRouteEntry); err != nil {
		return nil, err
	}
	return ipRoutes(t), nil
}

// inetCidrRoutes decodes inetCidrRouteTable rows (columns 7 IfIndex,
// 8 Type, 9 Proto, 12 Metric1).
func inetCidrRoutes(t walkedTable) []Route {
	out := []Route{}
	for _, idx := range t.order {
		dst, hop, ok := parseInetCidrIndex(idx)
		if !ok {
			continue
		}
		row := t.rows[idx]
		out = append(out, Route{Destination: dst, NextHop: hop, IfIndex: int(pduInt(row[7])), Type: nameOf(routeTypes, pduInt(row[8])),
			Protocol: nameOf(routeProtocols, pduInt(row[9])), Metric: metric(row, 12), Table: "inetCidrRouteTable"})
	}
	return out
}

// ipCidrRoutes decodes ipCidrRouteTable rows (index dest.mask.tos.nexthop;
// columns 5 IfIndex, 6 Type, 7 Proto, 11 Metric1).
func ipCidrRoutes(t walkedTable) []Route {
	out := []Route{}
	for _, idx := range t.order {
		sub, ok := parseSubids(idx, 13)
		if !ok || len(sub) != 13 {
			continue
		}
		dst, ok1 := ipv4Of(sub[0:4])
		mask, ok2 := ipv4Of(sub[4:8])
		hop, ok3 := ipv4Of(sub[9:13])
		bits, ok4 := maskBits(mask)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			continue
		}
		row := t.rows[idx]
		out = append(out, Route{Destination: netip.PrefixFrom(dst, bits).Masked(), NextHop: hop, IfIndex: int(pduInt(row[5])),
			Type: nameOf(routeTypes, pduInt(row[6])), Protocol: nameOf(routeProtocols, pduInt(row[7])), Metric: metric(row, 11),
			Table: "ipCidrRouteTable"})
	}
	return out
}

// ipRoutes decodes RFC 1213 ipRouteTable rows (index dest; columns
// 2 IfIndex, 3 Metric1, 7 NextHop, 8 Type, 9 Proto, 11 Mask). Invalid(2)
// rows are deleted routes and are skipped.
func ipRoutes(t walkedTable) []Route {
	out := []Route{}
	for _, idx := range t.order {
		sub, ok := parseSubids(idx, 4)
		if !ok || len(sub) != 4 {
			continue
		}
		dst, _ := ipv4Of(sub)
		row := t.rows[idx]
		if pduInt(row[8]) == 2 {
			continue
		}
		mask, err := netip.ParseAddr(pduString(row[11]))
		bits, ok := maskBits(mask)
		if err != nil || !ok {
			continue
		}
		hop, err := netip.ParseAddr(pduString(row[7]))
		if err != nil || !hop.Is4() {
			hop = netip.IPv4Unspecified()
		}
		out = append(out, Route{Destination: netip.PrefixFrom(dst, bits).Masked(), NextHop: hop, IfIndex: int(pduInt(row[2])),
			Type: nameOf(ipRouteTypes, pduInt(row[8])), Protocol: nameOf(routeProtocols, pduInt(row[9])), Metric: metric(row, 3),
			Table: "ipRouteTable"})
	}
	return out
}

func metric(row map[int]gosnmp.SnmpPDU, col int) int {
	p, ok := row[col]
	if !ok || p.Type != gosnmp.Integer {
		return -1
	}
	return int(pduInt(p))
}

// maxIndexSubids bounds the sub-identifiers of a table index this package
// parses: an inetCidrRouteTable index is at most 1+17+1+(1+128)+1+17.
const maxIndexSubids = 200

// parseSubids splits a dotted OID suffix into sub-identifiers; a suffix of
// more than max of them, an empty one or one that is not a number
// (0…2³²-1) is rejected.
func parseSubids(s string, max int) ([]uint32, bool) {
	if s == "" {
		return nil, false
	}
	out := make([]uint32, 0, min(max, 32))
	for len(s) > 0 {
		var part string
		part, s, _ = strings.Cut(s, ".")
		if len(out) == max {
			return nil, false
		}
		v, err := strconv.ParseUint(part, 10, 32)
		if err != nil {
			return nil, false
		}
		out = append(out, uint32(v))
	}
	return out, true
}

func ipv4Of(sub []uint32) (netip.Addr, bool) {
	if len(sub) != 4 {
		return netip.Addr{}, false
	}
	var b [4]byte
	for i, v := range sub {
		if v > 255 {
			return netip.Addr{}, false
		}
		b[i] = byte(v)
	}
	return netip.AddrFrom4(b), true
}

// maskBits returns the prefix length of a contiguous IPv4 netmask.
func maskBits(m netip.Addr) (int, bool) {
	if !m.Is4() {
		return 0, false
	}
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for v&0x80000000 != 0 {
		n++
		v <<= 1
	}
	return n, v == 0
}

// parseInetAddress reads an InetAddressType and a length-prefixed
// InetAddress from sub (RFC 4001: ipv4(1) and ipv6(2), 4 or 16 bytes;
// ipv4z(3) and ipv6z(4) carry 4 more bytes of zone index, which are
// dropped) and returns the address and the rest.
func parseInetAddress(sub []uint32) (netip.Addr, []uint32, bool) {
	if len(sub) < 2 {
		return netip.Addr{}, nil, false
	}
	typ, n := sub[0], sub[1]
	want := map[uint32]uint32{1: 4, 2: 16, 3: 8, 4: 20}[typ]
	if want == 0 || n != want || uint32(len(sub)-2) < n {
		return netip.Addr{}, nil, false
	}
	raw := sub[2 : 2+n]
	var b [16]byte
	for i, v := range raw {
		if v > 255 {
			return netip.Addr{}, nil, false
		}
		if i < 16 {
			b[i] = byte(v)
		}
	}
	rest := sub[2+n:]
	switch typ {
	case 1, 3:
		return netip.AddrFrom4([4]byte(b[:4])), rest, true
	default:
		return netip.AddrFrom16(b), rest, true
	}
}

// parseInetCidrIndex decodes an inetCidrRouteTable index (RFC 4292):
// DestType, Dest (length-prefixed), PfxLen, Policy (an OID, length-
// prefixed), NextHopType, NextHop (length-prefixed; unknown(0) with length
// 0 for none).
func parseInetCidrIndex(idx string) (netip.Prefix, netip.Addr, bool) {
	sub, ok := parseSubids(idx, maxIndexSubids)
	if !ok {
		return netip.Prefix{}, netip.Addr{}, false
	}
	dst, rest, ok := parseInetAddress(sub)
	if !ok || len(rest) < 2 {
		return netip.Prefix{}, netip.Addr{}, false
	}
	pfx := int(rest[0])
	if pfx > dst.BitLen() {
		return netip.Prefix{}, netip.Addr{}, false
	}
	policyLen := rest[1]
	rest = rest[2:]
	if uint32(len(rest)) < policyLen {
		return netip.Prefix{}, netip.Addr{}, false
	}
	rest = rest[policyLen:]
	prefix := netip.PrefixFrom(dst, pfx).Masked()
	if len(rest) == 2 && rest[0] == 0 && rest[1] == 0 { // unknown(0), no next hop
		if dst.Is4() {
			return prefix, netip.IPv4Unspecified(), true
		}
		return prefix, netip.IPv6Unspecified(), true
	}
	hop, rest, ok := parseInetAddress(rest)
	if !ok || len(rest) != 0 {
		return netip.Prefix{}, netip.Addr{}, false
	}
	return prefix, hop, true
}
