package snmp

import (
	"context"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/gosnmp/gosnmp"
)

// OIDIPAddressEntry is ipAddressEntry of RFC 4293 IP-MIB's ipAddressTable
// (IPv4 and IPv6 addresses, indexed by type and address; columns
// 3 ipAddressIfIndex, 4 ipAddressType).
const OIDIPAddressEntry = ".1.3.6.1.2.1.4.34.1"

// Adapter is one network interface (RTSM guide Table A-6, "Network
// Adapter", which WMI and SNMP serve), read from RFC 2863 IF-MIB's ifTable
// and ifXTable and the addresses of IP-MIB.
type Adapter struct {
	// Index is ifIndex.
	Index int `json:"index"`
	// Name is ifName (ifXTable), else ifDescr.
	Name  string `json:"name"`
	Descr string `json:"descr"`
	Alias string `json:"alias,omitempty"`
	// Type names ifType (IANAifType: "ethernetCsmacd", "softwareLoopback",
	// "ieee80211", …; the number when unnamed).
	Type string `json:"type"`
	MTU  int    `json:"mtu"`
	// SpeedMbps is ifHighSpeed, else ifSpeed / 10⁶.
	SpeedMbps int64  `json:"speedMbps"`
	MAC       string `json:"mac,omitempty"`
	// AdminStatus and OperStatus name ifAdminStatus and ifOperStatus
	// ("up", "down", "testing", "unknown", "dormant", "notPresent",
	// "lowerLayerDown").
	AdminStatus string `json:"adminStatus"`
	OperStatus  string `json:"operStatus"`
	// InOctets and OutOctets are the 64-bit counters of ifXTable where the
	// agent has them, else the 32-bit ones of ifTable.
	InOctets  uint64 `json:"inOctets"`
	OutOctets uint64 `json:"outOctets"`
	InErrors  uint64 `json:"inErrors"`
	OutErrors uint64 `json:"outErrors"`
	// Addresses are the interface's IPv4 and IPv6 addresses.
	Addresses []netip.Addr `json:"addresses,omitempty"`
}

var (
	ifStatus = []string{"", "up", "down", "testing", "unknown", "dormant", "notPresent", "lowerLayerDown"}
	// ifTypes names the IANAifType values a computer has.
	ifTypes = map[int64]string{1: "other", 6: "ethernetCsmacd", 23: "ppp", 24: "softwareLoopback", 53: "propVirtual",
		71: "ieee80211", 131: "tunnel", 135: "l2vlan", 136: "l3ipvlan", 144: "ieee1394", 161: "ieee8023adLag",
		209: "bridge", 237: "ieee80216WMAN", 243: "wwanPP", 244: "wwanPP2"}
)

// Adapters reads the network adapters: ifTable rows, with ifXTable's
// names, 64-bit counters and speeds and the addresses of ipAddressTable
// (RFC 4293) or, on an agent without it, ipAddrTable (RFC 1213, IPv4).
func (c *Client) Adapters(ctx context.Context) ([]Adapter, error) {
	ifs, err := c.walkTable(ctx, OIDIfEntry)
	if err != nil {
		return nil, err
	}
	ifx, err := c.walkTable(ctx, OIDIfXEntry)
	if err != nil {
		return nil, err
	}
	addrs, err := c.addresses(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Adapter, 0, len(ifs.order))
	for _, idx := range ifs.order {
		row := ifs.rows[idx]
		n, err := strconv.Atoi(idx)
		if err != nil {
			continue // an ifTable index is one sub-identifier
		}
		a := Adapter{Index: n, Descr: pduString(row[2]), Type: ifTypeName(pduInt(row[3])), MTU: int(pduInt(row[4])),
			SpeedMbps: pduInt(row[5]) / 1_000_000, MAC: pduMAC(row[6]), AdminStatus: nameOf(ifStatus, pduInt(row[7])),
			OperStatus: nameOf(ifStatus, pduInt(row[8])), InOctets: pduUint(row[10]), InErrors: pduUint(row[14]),
			OutOctets: pduUint(row[16]), OutErrors: pduUint(row[20]), Addresses: addrs[n]}
		a.Name = a.Descr
		if x, ok := ifx.rows[idx]; ok {
			if s := pduString(x[1]); s != "" {
				a.Name = s
			}
			a.Alias = pduString(x[18])
			if _, ok := x[6]; ok {
				a.InOctets = pduUint(x[6])
			}
			if _, ok := x[10]; ok {
				a.OutOctets = pduUint(x[10])
			}
			if v := pduInt(x[15]); v > 0 {
				a.SpeedMbps = v
			}
		}
		out = append(out, a)
	}
	return out, nil
}

func ifTypeName(v int64) string {
	if n, ok := ifTypes[v]; ok {
		return n
	}
	return strconv.FormatInt(v, 10)
}

// addresses maps ifIndex to its addresses, sorted.
func (c *Client) addresses(ctx context.Context) (map[int][]netip.Addr, error) {
	out := map[int][]netip.Addr{}
	t, err := c.walkTable(ctx, OIDIPAddressEntry)
	if err != nil {
		return nil, err
	}
	for _, idx := range t.order {
		row := t.rows[idx]
		if typ, ok := row[4]; ok && pduInt(typ) == 3 {
			continue // broadcast(3): not an address of the interface's own
		}
		ifIndex, ok := row[3]
		if !ok {
			continue
		}
		sub, ok := parseSubids(idx, maxIndexSubids)
		if !ok {
			continue
		}
		a, tail, ok := parseInetAddress(sub)
		if !ok || len(tail) != 0 {
			continue
		}
		i := int(pduInt(ifIndex))
		out[i] = append(out[i], a)
	}
	if len(out) == 0 { // RFC 1213 ipAddrTable: IPv4 only
		pdus, err := c.Walk(ctx, OIDIPAdEntIfIndex)
		if err != nil && !isNoSuch(err) {
			return nil, err
		}
		for _, p := range pdus {
			rest, ok := strings.CutPrefix(p.Name, OIDIPAdEntIfIndex+".")
			if !ok {
				continue
			}
			a, err := netip.ParseAddr(rest)
			if err != nil || !a.Is4() {
				continue
			}
			i := int(pduInt(p))
			out[i] = append(out[i], a)
		}
	}
	for _, l := range out {
		sort.Slice(l, func(i, j int) bool { return l[i].Less(l[j]) })
	}
	return out, nil
}

// pduUint reads an unsigned counter (0 for anything else or a negative
// value).
func pduUint(p gosnmp.SnmpPDU) uint64 {
	switch p.Type {
	case gosnmp.Integer, gosnmp.Counter32, gosnmp.Gauge32, gosnmp.TimeTicks, gosnmp.Counter64, gosnmp.Uinteger32:
		v := gosnmp.ToBigInt(p.Value)
		if v.Sign() < 0 || !v.IsUint64() {
			return 0
		}
		return v.Uint64()
	}
	return 0
}
