package filter

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// tableC2 is the RTSM guide's "Table C-2 Ports kept open when network
// filtering is active", written from the guide row by row (Direction, Type,
// Name and description, Port #). The guide introduces it: "To allow
// communication with the Notification Server computer for remediation, the
// following ports stay open on the target computer when network filtering
// is active." Rows marked "*": "Depends on Notification Server
// configuration".
var tableC2 = []struct {
	port, name, typ, direction string
}{
	{"53", "DNS port", "TCP/UDP", "Receive/Transmit"},
	{"67", "DHCP boot protocol server", "UDP", "Receive/Transmit"},
	{"68", "DHCP boot protocol client", "UDP", "Receive/Transmit"},
	{"80", "Notification Server port", "TCP", "Receive/Transmit"}, // 80*
	{"88", "Kerberos port", "UDP", "Receive/Transmit"},
	{"137", "NETBIOS Name Service", "TCP", "Receive/Transmit"},
	{"389", "LDAP port", "TCP/UDP", "Receive/Transmit"},
	{"636", "Secure LDAP port", "TCP/UDP", "Receive/Transmit"},
	{"2054", "ARP", "Ethernet frame", "Receive/Transmit"},                   // EtherType 0x0806 in decimal
	{"52028", "Notification Server Tickle port", "TCP", "Receive/Transmit"}, // 52028*
}

func TestTableC2Rows(t *testing.T) {
	rows := TableC2()
	require.Len(t, rows, len(tableC2))
	for i, want := range tableC2 {
		got := rows[i]
		assert.Equal(t, want.port, got.Port.String(), "row %d port", i+1)
		assert.Equal(t, want.name, got.Name, "row %d name", i+1)
		assert.Equal(t, want.typ, got.Transport.String(), "row %d type", i+1)
		assert.Equal(t, want.direction, got.Directions(), "row %d direction", i+1)
		assert.True(t, got.Peer.Any() && !got.ServerOnly, "row %d: the table names no peer", i+1)
	}
	assert.Equal(t, uint16(2054), EtherTypeARP, "the table's 2054 is ARP's EtherType 0x0806")
}

// shape is how a pass rule uses its port, from the computer's side.
type shape string

const (
	txTo   shape = "tx-to"   // the computer sends to the port
	rxFrom shape = "rx-from" // the answer from the port
	rxTo   shape = "rx-to"   // a peer sends to the computer's port
	txFrom shape = "tx-from" // the computer answers from its port
)

// tableFromPolicy reads the kept-ports table back out of a policy's rules,
// knowing nothing of how DefaultRemediation names them: port → type and
// direction, where a transport counts only if all four shapes pass to any
// peer, and "Receive/Transmit" means rules of both directions.
func tableFromPolicy(t *testing.T, p *Policy) map[string][2]string {
	t.Helper()
	shapes := map[string]map[Protocol][]shape{} // port → protocol → shapes
	dirs := map[string]map[Direction]bool{}
	note := func(port string, proto Protocol, s shape, d Direction) {
		if shapes[port] == nil {
			shapes[port], dirs[port] = map[Protocol][]shape{}, map[Direction]bool{}
		}
		shapes[port][proto] = append(shapes[port][proto], s)
		dirs[port][d] = true
	}
	for _, r := range p.Rules {
		require.Equal(t, Pass, r.Action, r.Name)
		if r.Ether != nil {
			note(fmt.Sprint(r.Ether.EtherType), 0, "ether", r.Direction)
			continue
		}
		m := r.IP
		require.True(t, m.Src.Any() && m.Dst.Any(), "%s: no peer is named", r.Name)
		require.True(t, m.SrcPorts.Any() != m.DstPorts.Any(), "%s: one port", r.Name)
		switch {
		case r.Direction == Transmit && !m.DstPorts.Any():
			note(m.DstPorts.String(), m.Protocol, txTo, r.Direction)
		case r.Direction == Receive && !m.SrcPorts.Any():
			note(m.SrcPorts.String(), m.Protocol, rxFrom, r.Direction)
		case r.Direction == Receive:
			note(m.DstPorts.String(), m.Protocol, rxTo, r.Direction)
		default:
			note(m.SrcPorts.String(), m.Protocol, txFrom, r.Direction)
		}
	}
	out := map[string][2]string{}
	for port, byProto := range shapes {
		var types []string
		for _, proto := range []Protocol{TCP, UDP} {
			if s := byProto[proto]; len(s) > 0 {
				slices.Sort(s)
				require.Equal(t, []shape{rxFrom, rxTo, txFrom, txTo}, s, "port %s %s: open whichever end uses it", port, proto)
				types = append(types, strings.ToUpper(proto.String()))
			}
		}
		if byProto[0] != nil {
			types = append(types, "Ethernet frame")
		}
		var d []string
		if dirs[port][Receive] {
			d = append(d, "Receive")
		}
		if dirs[port][Transmit] {
			d = append(d, "Transmit")
		}
		out[port] = [2]string{strings.Join(types, "/"), strings.Join(d, "/")}
	}
	return out
}

// TestDefaultRemediationIsTableC2 reads the default policy's rules back into
// a table and compares it with the guide's, cell by cell: every listed
// port, the listed transport and no other, Receive/Transmit, any peer, and
// nothing beyond the table (IPv4).
func TestDefaultRemediationIsTableC2(t *testing.T) {
	p := mustRemediation(t, RemediationOptions{})
	got := tableFromPolicy(t, p)
	for _, row := range tableC2 {
		assert.Equal(t, [2]string{row.typ, row.direction}, got[row.port], "port %s (%s)", row.port, row.name)
		delete(got, row.port)
	}
	assert.Empty(t, got, "ports beyond Table C-2")
	assert.Equal(t, DefaultAction{Action: Drop, Count: true}, p.Receive)
	assert.Equal(t, DefaultAction{Action: Drop, Count: true}, p.Transmit)
}

// TestDefaultRemediationIPv6Extras: with an IPv6 management server the
// table's rows are kept (in IPv6), plus exactly ICMPv6 (neighbour
// discovery) and DHCPv6 546/547, as DefaultRemediation's doc names them.
func TestDefaultRemediationIPv6Extras(t *testing.T) {
	p, err := DefaultRemediation(netip.MustParseAddr("2001:db8::5"), RemediationOptions{})
	require.NoError(t, err)
	var icmp []string
	rest := &Policy{}
	for _, r := range p.Rules {
		if r.IP != nil {
			require.Equal(t, uint8(6), r.IP.Version, r.Name)
		}
		if r.IP != nil && r.IP.Protocol == ICMPv6 {
			icmp = append(icmp, r.Name)
			continue
		}
		rest.Rules = append(rest.Rules, r)
	}
	assert.Equal(t, []string{"icmpv6-tx", "icmpv6-rx"}, icmp)
	got := tableFromPolicy(t, rest)
	assert.Equal(t, [2]string{"UDP", "Receive/Transmit"}, got["546"])
	assert.Equal(t, [2]string{"UDP", "Receive/Transmit"}, got["547"])
	delete(got, "546")
	delete(got, "547")
	for _, row := range tableC2 {
		assert.Equal(t, [2]string{row.typ, row.direction}, got[row.port], "port %s", row.port)
		delete(got, row.port)
	}
	assert.Empty(t, got)
}

const ephemeral = 49152

// flowPackets are the packets of a connection on port through proto, seen
// from the computer: out (the computer to peer:port and the answer) and in
// (peer to the computer's port and the answer).
func flowPackets(proto Protocol, peer, self netip.Addr, port uint16) (out, in []Packet) {
	var syn, synack, ack TCPFlags
	if proto == TCP {
		syn, synack, ack = SYN, SYN|ACK, ACK|PSH
	}
	out = []Packet{
		{Direction: Transmit, Src: self, Dst: peer, Protocol: proto, SrcPort: ephemeral, DstPort: port, Flags: syn},
		{Direction: Receive, Src: peer, Dst: self, Protocol: proto, SrcPort: port, DstPort: ephemeral, Flags: synack},
		{Direction: Transmit, Src: self, Dst: peer, Protocol: proto, SrcPort: ephemeral, DstPort: port, Flags: ack},
	}
	in = []Packet{
		{Direction: Receive, Src: peer, Dst: self, Protocol: proto, SrcPort: ephemeral, DstPort: port, Flags: syn},
		{Direction: Transmit, Src: self, Dst: peer, Protocol: proto, SrcPort: port, DstPort: ephemeral, Flags: synack},
		{Direction: Receive, Src: peer, Dst: self, Protocol: proto, SrcPort: ephemeral, DstPort: port, Flags: ack},
	}
	return out, in
}

// TestTableC2FlowsPacketByPacket evaluates the default policy packet by
// packet. The guide (Table C-2): "Ports kept open when network filtering is
// active", each "Receive/Transmit": for every listed port, a connection the
// computer opens to the port and one a peer opens to the computer's port
// pass in both directions, through each listed transport, with any peer;
// the same port through the transport the table does not list (UDP 137,
// TCP 88…) and any other port are dropped, and so is every other EtherType.
// Field notes: "This filter becomes a complete block that disallows any
// network communication in OR out, save those sources that are configured."
func TestTableC2FlowsPacketByPacket(t *testing.T) {
	for _, tc := range []struct{ mgmt, peer, self string }{
		{"10.0.0.5", "198.51.100.7", "10.0.0.77"},
		{"2001:db8::5", "2001:db8:99::7", "2001:db8::77"},
	} {
		t.Run(tc.mgmt, func(t *testing.T) {
			p, err := DefaultRemediation(netip.MustParseAddr(tc.mgmt), RemediationOptions{})
			require.NoError(t, err)
			peer, self := netip.MustParseAddr(tc.peer), netip.MustParseAddr(tc.self)
			check := func(pkts []Packet, want Action, why string) {
				t.Helper()
				for _, pkt := range pkts {
					d := p.Evaluate(pkt)
					assert.Equal(t, want, d.Action, "%s: %s (decided by %s)", why, pkt, d.Decider(pkt.Direction))
					assert.Empty(t, d.Uncertain, pkt.String())
				}
			}
			for _, row := range tableC2 {
				k := TableC2()[slices.IndexFunc(TableC2(), func(k KeptPort) bool { return k.Name == row.name })]
				port := k.Port.First
				if row.typ == "Ethernet frame" {
					check([]Packet{{Direction: Receive, EtherType: port}, {Direction: Transmit, EtherType: port}}, Pass, row.name)
					continue
				}
				for _, proto := range []Protocol{TCP, UDP} {
					listed := strings.Contains(row.typ, strings.ToUpper(proto.String()))
					want, why := Pass, fmt.Sprintf("%s %d/%s is listed", row.name, port, proto)
					if !listed {
						want, why = Drop, fmt.Sprintf("%s is %s only: %d/%s is not kept", row.name, row.typ, port, proto)
					}
					out, in := flowPackets(proto, peer, self, port)
					check(out, want, why+" (outbound)")
					check(in, want, why+" (inbound)")
					if listed {
						d := p.Evaluate(out[0])
						assert.True(t, strings.HasPrefix(d.Rule, k.Key+"-"+proto.String()+"-"), "%s decided by its row's rule, not %q", row.name, d.Rule)
					}
				}
			}
			// An arbitrary other port, both transports, both ways.
			for _, proto := range []Protocol{TCP, UDP} {
				for _, port := range []uint16{443, 3389, 50122} {
					out, in := flowPackets(proto, peer, self, port)
					check(out, Drop, fmt.Sprintf("%d/%s is not in the table", port, proto))
					check(in, Drop, fmt.Sprintf("%d/%s is not in the table", port, proto))
				}
			}
			// Another EtherType (LLDP).
			check([]Packet{{Direction: Receive, EtherType: 0x88CC}, {Direction: Transmit, EtherType: 0x88CC}}, Drop, "only ARP frames are listed")
			// And the management server's flows still pass.
			assert.True(t, Verify(p, RequiredFlows(netip.MustParseAddr(tc.mgmt), FlowPorts{})).OK())
		})
	}
}

// TestPortListEdit: the guide's "You can customize the ports that you want
// to stay open" and "You can modify the list of ports to keep open when
// network filtering is active" — ports are added and removed, the table's
// defaults included; CheckApply still refuses a list that would cut the
// computer off from its management server.
func TestPortListEdit(t *testing.T) {
	flows := RequiredFlows(mgmt, FlowPorts{})
	udp137 := Packet{Direction: Transmit, Src: computer, Dst: stranger, Protocol: UDP, SrcPort: 137, DstPort: 137}
	tcp137 := Packet{Direction: Receive, Src: stranger, Dst: computer, Protocol: TCP, SrcPort: ephemeral, DstPort: 137, Flags: SYN}
	taskSrv := Packet{Direction: Receive, Src: stranger, Dst: computer, Protocol: TCP, SrcPort: ephemeral, DstPort: 50121, Flags: SYN}

	t.Run("list methods", func(t *testing.T) {
		l := TableC2()
		assert.True(t, l.Has(Ports(53), TransportTCPUDP))
		assert.False(t, l.Has(Ports(137), TransportUDP))
		l2 := l.Remove(Ports(53), TransportUDP)
		assert.True(t, l2.Has(Ports(53), TransportTCP))
		assert.False(t, l2.Has(Ports(53), TransportUDP))
		assert.True(t, l.Has(Ports(53), TransportUDP), "Remove does not change the receiver")
		l3 := l.Add(KeptPort{Port: Ports(137), Transport: TransportUDP, Name: "NetBIOS over UDP", Key: "netbios-udp"})
		assert.True(t, l3.Has(Ports(137), TransportTCPUDP))
		assert.Len(t, l3, len(l)+1)
		l4 := l.Add(KeptPort{Port: Ports(88), Transport: TransportTCPUDP, Key: "kerberos"})
		assert.Len(t, l4, len(l), "adding an existing port replaces its row")
		assert.Len(t, l.Remove(Ports(EtherTypeARP), 0), len(l)-1)
		assert.Len(t, l.Remove(Ports(9999), 0), len(l), "removing what is not there changes nothing")
	})

	t.Run("remove a default that is not needed", func(t *testing.T) {
		p := mustRemediation(t, RemediationOptions{Remove: []KeptPort{{Port: Ports(137)}}})
		assert.Equal(t, Drop, p.Evaluate(tcp137).Action)
		assert.Nil(t, p.Rule("netbios-name-tcp-tx-to"))
		assert.NoError(t, CheckApply(p, flows, false))
	})
	t.Run("add ports", func(t *testing.T) {
		p := mustRemediation(t, RemediationOptions{Add: []KeptPort{
			{Port: Ports(137), Transport: TransportUDP, Key: "netbios-udp"},
			{Port: TaskServerPorts, Transport: TransportTCP, Key: "task"},
		}})
		assert.Equal(t, Pass, p.Evaluate(udp137).Action)
		assert.Equal(t, Pass, p.Evaluate(tcp137).Action)
		assert.Equal(t, "task-tcp-rx-to", p.Evaluate(taskSrv).Rule)
		assert.NoError(t, CheckApply(p, flows, false))
	})
	t.Run("explicit list", func(t *testing.T) {
		p := mustRemediation(t, RemediationOptions{Ports: TableC2().Remove(Ports(389), 0).Remove(Ports(636), TransportUDP)})
		got := tableFromPolicy(t, p)
		assert.NotContains(t, got, "389")
		assert.Equal(t, "TCP", got["636"][0])
	})
	// Removing what the management server needs is allowed by the list and
	// refused by the gate, naming the flow and what drops it.
	for _, tc := range []struct {
		remove []KeptPort
		flow   string
	}{
		{[]KeptPort{{Port: Ports(80)}}, "mgmt-http"},
		{[]KeptPort{{Port: Ports(52028), Transport: TransportTCP}}, "mgmt-tickle-tcp"},
		{[]KeptPort{{Port: Ports(53), Transport: TransportUDP}}, "dns"},
		{[]KeptPort{{Port: Ports(EtherTypeARP), Transport: TransportEthernet}}, "arp"},
		// Either DHCP row alone still passes the exchange 68 -> 67 (each is
		// open both ways); without both, DHCP is cut.
		{[]KeptPort{{Port: Ports(67)}, {Port: Ports(68)}}, "dhcp"},
	} {
		t.Run("remove "+tc.remove[0].Spec(), func(t *testing.T) {
			p := mustRemediation(t, RemediationOptions{Remove: tc.remove})
			err := CheckApply(p, flows, false)
			require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
			assert.Contains(t, err.Error(), fmt.Sprintf("flow %q", tc.flow))
			assert.NoError(t, CheckApply(p, flows, true), "an operator who knows better forces it")
		})
	}
	for _, port := range []uint16{67, 68} {
		p := mustRemediation(t, RemediationOptions{Remove: []KeptPort{{Port: Ports(port)}}})
		assert.NoError(t, CheckApply(p, flows, false), "DHCP still passes through the other row")
	}
}

// TestRemediationPeers: "to any peer unless the caller narrows it".
func TestRemediationPeers(t *testing.T) {
	http := func(dst netip.Addr) Packet {
		return Packet{Direction: Transmit, Src: computer, Dst: dst, Protocol: TCP, SrcPort: ephemeral, DstPort: 80, Flags: SYN}
	}
	p := mustRemediation(t, RemediationOptions{})
	assert.Equal(t, Pass, p.Evaluate(http(stranger)).Action, "the table names no peer")
	p = mustRemediation(t, RemediationOptions{NotificationServerOnly: true})
	assert.Equal(t, Pass, p.Evaluate(http(mgmt)).Action)
	assert.Equal(t, Drop, p.Evaluate(http(stranger)).Action)
	assert.True(t, Verify(p, RequiredFlows(mgmt, FlowPorts{})).OK())

	lab := Prefix(netip.MustParsePrefix("192.0.2.0/24"))
	p = mustRemediation(t, RemediationOptions{Ports: TableC2().Add(KeptPort{Port: Ports(389), Transport: TransportTCPUDP, Key: "ldap", Peer: lab})})
	ldap := Packet{Direction: Transmit, Src: computer, Dst: stranger, Protocol: TCP, SrcPort: ephemeral, DstPort: 389, Flags: SYN}
	assert.Equal(t, Pass, p.Evaluate(ldap).Action)
	ldap.Dst = netip.MustParseAddr("198.51.100.1")
	assert.Equal(t, Drop, p.Evaluate(ldap).Action)

	for _, bad := range []KeptPort{
		{Port: Ports(1), Transport: TransportTCP, Peer: hostAddr(netip.MustParseAddr("2001:db8::1"))},
		{Port: Ports(EtherTypeARP), Transport: TransportEthernet, Key: "arp2", ServerOnly: true},
		{Port: PortRange{First: 1, Last: 2}, Transport: TransportEthernet},
		{Port: Ports(1), Transport: TransportTCP, Direction: 9},
		{Port: PortRange{}, Transport: TransportTCP},
		{Port: Ports(7), Transport: TransportTCP, Key: "dns"}, // a duplicate rule name
	} {
		_, err := DefaultRemediation(mgmt, RemediationOptions{Add: []KeptPort{bad}})
		assert.ErrorIs(t, err, oobkit.ErrInvalidArgument, bad.String())
	}
}

// TestRemediationTaskServer: the field notes, "the Task Server uses ports
// 50120 through 50124, and these ports need to be opened between the Task
// Server to be used and the client computer." An option, open to the task
// server only.
func TestRemediationTaskServer(t *testing.T) {
	ts := netip.MustParseAddr("10.0.0.9")
	p := mustRemediation(t, RemediationOptions{})
	for port := TaskServerPorts.First; port <= TaskServerPorts.Last; port++ {
		out, _ := flowPackets(TCP, ts, computer, port)
		assert.Equal(t, Drop, p.Evaluate(out[0]).Action, "not in Table C-2: closed by default")
	}
	p = mustRemediation(t, RemediationOptions{TaskServer: ts})
	for port := TaskServerPorts.First; port <= TaskServerPorts.Last; port++ {
		out, in := flowPackets(TCP, ts, computer, port)
		for _, pkt := range append(out, in...) {
			assert.Equal(t, Pass, p.Evaluate(pkt).Action, pkt.String())
		}
		out, _ = flowPackets(TCP, stranger, computer, port)
		assert.Equal(t, Drop, p.Evaluate(out[0]).Action, "only between the task server and the computer")
	}
	out, _ := flowPackets(TCP, ts, computer, 50125)
	assert.Equal(t, Drop, p.Evaluate(out[0]).Action)
}

func TestParseKeptPort(t *testing.T) {
	for in, want := range map[string]KeptPort{
		"137/tcp":             {Port: Ports(137), Transport: TransportTCP},
		"53/UDP":              {Port: Ports(53), Transport: TransportUDP},
		"389/tcp+udp":         {Port: Ports(389), Transport: TransportTCPUDP},
		"636/tcp/udp":         {Port: Ports(636), Transport: TransportTCPUDP},
		"50120-50124/tcp":     {Port: TaskServerPorts, Transport: TransportTCP},
		"2054/ethernet":       {Port: Ports(EtherTypeARP), Transport: TransportEthernet},
		"0x0806/ethernet":     {Port: Ports(EtherTypeARP), Transport: TransportEthernet},
		"80":                  {Port: Ports(80)},
		" 88/udp ":            {Port: Ports(88), Transport: TransportUDP},
		"bogus/tcp":           {},
		"0/tcp":               {},
		"1-2/ethernet":        {},
		"53/sctp":             {},
		"0xZZ/ethernet":       {},
		"":                    {},
		"2054/Ethernet frame": {Port: Ports(EtherTypeARP), Transport: TransportEthernet},
	} {
		got, err := ParseKeptPort(in)
		if want == (KeptPort{}) {
			assert.Error(t, err, in)
			continue
		}
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
		again, err := ParseKeptPort(got.Spec())
		require.NoError(t, err)
		assert.Equal(t, got, again, "Spec round trip")
	}
	for _, k := range TableC2() {
		back, err := ParseKeptPort(k.Spec())
		require.NoError(t, err, k.Spec())
		assert.Equal(t, k.Port, back.Port)
		assert.Equal(t, k.Transport, back.Transport)
	}
}
