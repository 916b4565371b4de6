package snmp

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/snmp/snmptest"
)

// kernelRoute is a route as the Linux kernel lists it, which the real
// snmpd reads too.
type kernelRoute struct {
	dst     netip.Prefix
	hop     netip.Addr
	ifIndex int
}

// kernelRoutes reads /proc/net/route (IPv4) and /proc/net/ipv6_route.
func kernelRoutes(t *testing.T) map[kernelRoute]bool {
	t.Helper()
	out := map[kernelRoute]bool{}
	idx := func(name string) int {
		i, err := net.InterfaceByName(name)
		if err != nil {
			return -1
		}
		return i.Index
	}
	le := func(h string) netip.Addr {
		b, err := hex.DecodeString(h)
		require.NoError(t, err)
		var a [4]byte
		binary.LittleEndian.PutUint32(a[:], binary.BigEndian.Uint32(b))
		return netip.AddrFrom4(a)
	}
	f, err := os.Open("/proc/net/route")
	if err != nil {
		t.Skipf("no /proc/net/route: %v", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	s.Scan() // header
	for s.Scan() {
		fl := strings.Fields(s.Text())
		if len(fl) < 8 {
			continue
		}
		mask := le(fl[7]).As4()
		bits, _ := net.IPMask(mask[:]).Size()
		out[kernelRoute{dst: netip.PrefixFrom(le(fl[1]), bits), hop: le(fl[2]), ifIndex: idx(fl[0])}] = true
	}
	if b, err := os.ReadFile("/proc/net/ipv6_route"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			fl := strings.Fields(line)
			if len(fl) < 10 {
				continue
			}
			d, err1 := hex.DecodeString(fl[0])
			h, err2 := hex.DecodeString(fl[4])
			if err1 != nil || err2 != nil || len(d) != 16 || len(h) != 16 {
				continue
			}
			bits, _ := strconv.ParseInt(fl[1], 16, 32)
			out[kernelRoute{dst: netip.PrefixFrom(netip.AddrFrom16([16]byte(d)), int(bits)), hop: netip.AddrFrom16([16]byte(h)),
				ifIndex: idx(fl[9])}] = true
		}
	}
	return out
}

func nodeCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func communityClient(t *testing.T, a *snmptest.Server, community string, opts ...Option) *Client {
	t.Helper()
	c, err := New(a.Target(), oobkit.Credential{Community: oobkit.NewSecret(community)}, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// kernelHistory collects the kernel's routes over a test: seen holds every
// route of any snapshot, stable those of every snapshot. snmpd caches its
// tables for a while, so a read is compared with the whole history since
// the agent started, not with one snapshot: a route another test adds or
// removes meanwhile may or may not be read.
type kernelHistory struct {
	seen, stable map[kernelRoute]bool
}

func (h *kernelHistory) snapshot(t *testing.T) {
	now := kernelRoutes(t)
	if h.seen == nil {
		h.seen, h.stable = map[kernelRoute]bool{}, map[kernelRoute]bool{}
		for k := range now {
			h.stable[k] = true
		}
	}
	for k := range now {
		h.seen[k] = true
	}
	for k := range h.stable {
		if !now[k] {
			delete(h.stable, k)
		}
	}
}

// checkRoutes asserts every IPv4 route read is one the kernel had during
// the test, and that every IPv4 route the kernel had all along was read
// (but from ipRouteTable, whose index keeps one route per destination).
func checkRoutes(t *testing.T, got []Route, h *kernelHistory, table string, ipv6 bool) {
	t.Helper()
	require.NotEmpty(t, got)
	read := map[kernelRoute]bool{}
	for _, r := range got {
		assert.Equal(t, table, r.Table)
		k := kernelRoute{dst: r.Destination, hop: r.NextHop, ifIndex: r.IfIndex}
		read[k] = true
		if r.Destination.Addr().Is4() {
			assert.True(t, h.seen[k], "route %+v is not the kernel's", r)
		}
		switch r.Type { // reject and blackhole routes have neither
		case "local":
			assert.True(t, r.NextHop.IsUnspecified(), "%+v", r)
		case "remote":
			assert.False(t, r.NextHop.IsUnspecified(), "%+v", r)
		}
		if !ipv6 {
			assert.True(t, r.Destination.Addr().Is4(), "%+v", r)
		}
	}
	if table == "ipRouteTable" {
		return
	}
	for k := range h.stable {
		if k.dst.Addr().Is4() {
			assert.True(t, read[k], "kernel route %+v not read", k)
		}
	}
}

// Table A-6: "WMI and SNMP — IP Route Table", read from the real snmpd:
// inetCidrRouteTable, and the fallbacks an agent without it needs.
func TestRoutesMatchKernel(t *testing.T) {
	var h kernelHistory
	h.snapshot(t)
	agent := startAgent(t, snmptest.Config{})
	for _, tt := range []struct {
		community, table string
		ipv6             bool
		opts             []Option
	}{
		{snmptest.Community, "inetCidrRouteTable", true, nil},
		{snmptest.Community, "inetCidrRouteTable", true, []Option{WithVersion(Version1)}},
		{snmptest.CommunityNoInetCidr, "ipCidrRouteTable", false, nil},
		{snmptest.CommunityRFC1213Routes, "ipRouteTable", false, nil},
	} {
		t.Run(tt.table, func(t *testing.T) {
			c := communityClient(t, agent, tt.community, tt.opts...)
			got, err := c.Routes(nodeCtx(t))
			h.snapshot(t)
			require.NoError(t, err)
			checkRoutes(t, got, &h, tt.table, tt.ipv6)
			rows, err := c.NodeRows(nodeCtx(t), NodeRouteTable)
			require.NoError(t, err)
			require.Len(t, rows, len(got))
			assert.Equal(t, got[0].Destination.String(), rows[0]["Destination"])
		})
	}
}

// Table A-6: "WMI and SNMP — Network Adapter", read from the real snmpd
// and checked against the kernel's interfaces.
func TestAdaptersMatchKernel(t *testing.T) {
	agent := startAgent(t, snmptest.Config{})
	for _, community := range []string{snmptest.Community, snmptest.CommunityRFC1213Routes} {
		t.Run(community, func(t *testing.T) {
			c := communityClient(t, agent, community)
			got, err := c.Adapters(nodeCtx(t))
			require.NoError(t, err)
			require.NotEmpty(t, got)
			loopback := false
			for _, a := range got {
				ifc, err := net.InterfaceByIndex(a.Index)
				if err != nil {
					continue // gone since (another test's namespace)
				}
				assert.Equal(t, ifc.Name, a.Name)
				assert.Equal(t, ifc.MTU, a.MTU, a.Name)
				assert.Equal(t, ifc.HardwareAddr.String(), a.MAC, a.Name)
				want := map[netip.Addr]bool{}
				addrs, err := ifc.Addrs()
				require.NoError(t, err)
				for _, ad := range addrs {
					if p, err := netip.ParsePrefix(ad.String()); err == nil {
						want[p.Addr()] = true
					}
				}
				for _, ad := range a.Addresses {
					if community == snmptest.CommunityRFC1213Routes {
						assert.True(t, ad.Is4(), "ipAddrTable has IPv4 only: %v", ad)
					}
					assert.True(t, want[ad], "%s: address %v is not the kernel's %v", a.Name, ad, addrs)
				}
				if ifc.Flags&net.FlagLoopback != 0 {
					loopback = true
					assert.Equal(t, "softwareLoopback", a.Type)
					assert.Equal(t, "up", a.AdminStatus)
					assert.Contains(t, a.Addresses, netip.MustParseAddr("127.0.0.1"))
					assert.NotZero(t, a.InOctets, "the agent's own traffic crosses lo")
				}
			}
			assert.True(t, loopback, "no loopback adapter in %+v", got)
			rows, err := c.NodeRows(nodeCtx(t), NodeNetworkAdapter)
			require.NoError(t, err)
			require.NotEmpty(t, rows)
		})
	}
	_, err := communityClient(t, agent, snmptest.Community).NodeRows(nodeCtx(t), "Sound Device")
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}

func TestParseInetCidrIndex(t *testing.T) {
	for idx, want := range map[string][2]string{
		"1.4.0.0.0.0.0.2.0.0.1.4.192.0.2.1":                                                     {"0.0.0.0/0", "192.0.2.1"},
		"1.4.192.0.2.0.24.3.0.0.4.1.4.0.0.0.0":                                                  {"192.0.2.0/24", "0.0.0.0"},
		"2.16.253.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.64.3.0.0.3.0.0":                                 {"fd00::/64", "::"},
		"2.16.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.0.0.5.2.16.253.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1": {"::/0", "fd00::1"},
	} {
		p, h, ok := parseInetCidrIndex(idx)
		require.True(t, ok, idx)
		assert.Equal(t, want[0], p.String(), idx)
		assert.Equal(t, want[1], h.String(), idx)
	}
	for _, bad := range []string{"", "1", "1.4.0.0.0", "1.4.0.0.0.0.33.0.1.4.0.0.0.0", "1.4.256.0.0.0.0.0.1.4.0.0.0.0",
		"1.5.0.0.0.0.0.0.0.1.4.0.0.0.0", "9.4.0.0.0.0.0.0.1.4.0.0.0.0", "1.4.0.0.0.0.0.99.1.4.0.0.0.0",
		"1.4.0.0.0.0.0.0.1.4.0.0.0.0.7", "1.4.x.0.0.0.0.0.1.4.0.0.0.0", "1.4.0.0.0.0.0.0.0.4294967296.4.0.0.0.0"} {
		_, _, ok := parseInetCidrIndex(bad)
		assert.False(t, ok, bad)
	}
}
