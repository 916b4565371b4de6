package filter

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
)

// Ports of the default remediation policy (the RTSM guide's Table C-2, see
// [TableC2]). HTTPPort and TicklePort are the Notification (management)
// server's, marked "*" in the table: "Depends on Notification Server
// configuration".
const (
	DefaultHTTPPort   uint16 = 80
	DefaultTicklePort uint16 = 52028
	portDNS           uint16 = 53
	portDHCPServer    uint16 = 67
	portDHCPClient    uint16 = 68
	portDHCPv6Client  uint16 = 546
	portDHCPv6Server  uint16 = 547
	portKerberos      uint16 = 88
	portNetBIOSName   uint16 = 137
	portLDAP          uint16 = 389
	portLDAPS         uint16 = 636
)

// TaskServerPorts is the port range the RTSM Task Server uses; the field
// notes: "the Task Server uses ports 50120 through 50124, and these ports
// need to be opened between the Task Server to be used and the client
// computer". See RemediationOptions.TaskServer.
var TaskServerPorts = PortRange{First: 50120, Last: 50124}

// DefaultPingRate is the packets-per-second limit of LimitPing(0).
const DefaultPingRate uint32 = 10

// Transport is the "Type" column of the guide's Table C-2: which transports
// a kept port is open for, or an Ethernet frame type.
type Transport uint8

// Transports. TransportEthernet rows hold an EtherType in their Port (the
// table lists ARP as "Ethernet frame" 2054, that is 0x0806).
const (
	TransportTCP Transport = 1 << iota
	TransportUDP
	TransportEthernet
	// TransportTCPUDP is the table's "TCP/UDP".
	TransportTCPUDP = TransportTCP | TransportUDP
)

// String returns the table's words: "TCP", "UDP", "TCP/UDP" or
// "Ethernet frame".
func (t Transport) String() string {
	switch t {
	case TransportTCP:
		return "TCP"
	case TransportUDP:
		return "UDP"
	case TransportTCPUDP:
		return "TCP/UDP"
	case TransportEthernet:
		return "Ethernet frame"
	}
	return fmt.Sprintf("transport(%d)", uint8(t))
}

// ParseTransport parses "tcp", "udp", "tcp/udp" (or "tcp+udp") and
// "ethernet" (or "ethernet frame"), in any case.
func ParseTransport(s string) (Transport, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "tcp":
		return TransportTCP, nil
	case "udp":
		return TransportUDP, nil
	case "tcp/udp", "tcp+udp", "udp/tcp", "udp+tcp":
		return TransportTCPUDP, nil
	case "ethernet", "ethernet frame", "ether":
		return TransportEthernet, nil
	}
	return 0, fmt.Errorf("unknown transport %q (want tcp, udp, tcp+udp or ethernet)", s)
}

// Protocols returns the IP protocols of t, TCP first; none for Ethernet.
func (t Transport) Protocols() []Protocol {
	var out []Protocol
	if t&TransportTCP != 0 {
		out = append(out, TCP)
	}
	if t&TransportUDP != 0 {
		out = append(out, UDP)
	}
	return out
}

func (t Transport) valid() bool {
	return t == TransportTCP || t == TransportUDP || t == TransportTCPUDP || t == TransportEthernet
}

// KeptPort is one row of the list of ports a remediation policy keeps open
// (a row of the guide's Table C-2, or one the caller adds). Each IP
// transport of the row becomes up to four pass rules, so that the port is
// open in both directions whichever end uses it: the computer sending to the
// port and the answer from it ("<key>-<proto>-tx-to", "-rx-from"), and the
// peer sending to the computer's port and the answer from it ("-rx-to",
// "-tx-from"). An Ethernet row becomes "<key>-tx" and "<key>-rx".
type KeptPort struct {
	// Port is the port or port range (the table's "Port #"); for an
	// Ethernet row, the EtherType.
	Port PortRange
	// Transport is the table's "Type".
	Transport Transport
	// Name is the table's "Name and description", e.g. "DNS port".
	Name string
	// Key prefixes the names of the row's rules ("dns" gives
	// "dns-udp-tx-to"); empty derives "port-<Port>".
	Key string
	// Direction is zero for the table's "Receive/Transmit" (every row of
	// Table C-2), or Receive or Transmit alone.
	Direction Direction
	// Peer narrows the row's IP rules to one peer address, prefix or range;
	// zero is any peer, as the table has it. Not for Ethernet rows.
	Peer AddrMatch
	// ServerOnly narrows the row to the management server passed to
	// DefaultRemediation (it overrides Peer).
	ServerOnly bool
}

// Directions returns the table's "Direction" cell: "Receive/Transmit",
// "Receive" or "Transmit".
func (k KeptPort) Directions() string {
	switch k.Direction {
	case Receive:
		return "Receive"
	case Transmit:
		return "Transmit"
	}
	return "Receive/Transmit"
}

// key returns the rule-name prefix.
func (k KeptPort) key() string {
	if k.Key != "" {
		return k.Key
	}
	if k.Transport == TransportEthernet {
		return fmt.Sprintf("ether-0x%04x", k.Port.First)
	}
	return "port-" + k.Port.String()
}

// String describes the row as "53 TCP/UDP Receive/Transmit (DNS port)".
func (k KeptPort) String() string {
	s := fmt.Sprintf("%s %s %s", k.Port, k.Transport, k.Directions())
	if k.Name != "" {
		s += " (" + k.Name + ")"
	}
	return s
}

// PortList is an editable list of kept ports; TableC2 returns the guide's.
type PortList []KeptPort

// Keys of Table C-2's rows, the prefixes of their rules' names.
const (
	KeyDNS         = "dns"
	KeyDHCPServer  = "dhcp-server"
	KeyDHCPClient  = "dhcp-client"
	KeyNSHTTP      = "ns-http"
	KeyKerberos    = "kerberos"
	KeyNetBIOSName = "netbios-name"
	KeyLDAP        = "ldap"
	KeyLDAPS       = "ldaps"
	KeyARP         = "arp"
	KeyNSTickle    = "ns-tickle"
)

// TableC2 returns the RTSM guide's Table C-2 "Ports kept open when network
// filtering is active", one row per row of the guide in its order, each
// "Receive/Transmit" to any peer. The guide: "To allow communication with
// the Notification Server computer for remediation, the following ports
// stay open on the target computer when network filtering is active." The
// rows marked "*" (80 and 52028) "Depends on Notification Server
// configuration": see RemediationOptions.HTTPPort and TicklePort.
func TableC2() PortList {
	return PortList{
		{Port: Ports(portDNS), Transport: TransportTCPUDP, Name: "DNS port", Key: KeyDNS},
		{Port: Ports(portDHCPServer), Transport: TransportUDP, Name: "DHCP boot protocol server", Key: KeyDHCPServer},
		{Port: Ports(portDHCPClient), Transport: TransportUDP, Name: "DHCP boot protocol client", Key: KeyDHCPClient},
		{Port: Ports(DefaultHTTPPort), Transport: TransportTCP, Name: "Notification Server port", Key: KeyNSHTTP},
		{Port: Ports(portKerberos), Transport: TransportUDP, Name: "Kerberos port", Key: KeyKerberos},
		{Port: Ports(portNetBIOSName), Transport: TransportTCP, Name: "NETBIOS Name Service", Key: KeyNetBIOSName},
		{Port: Ports(portLDAP), Transport: TransportTCPUDP, Name: "LDAP port", Key: KeyLDAP},
		{Port: Ports(portLDAPS), Transport: TransportTCPUDP, Name: "Secure LDAP port", Key: KeyLDAPS},
		{Port: Ports(EtherTypeARP), Transport: TransportEthernet, Name: "ARP", Key: KeyARP},
		{Port: Ports(DefaultTicklePort), Transport: TransportTCP, Name: "Notification Server Tickle port", Key: KeyNSTickle},
	}
}

// Clone returns a copy of l.
func (l PortList) Clone() PortList { return slices.Clone(l) }

// Remove returns l without transport t of the rows whose Port is port (t
// zero: every transport, the whole row); a row left with no transport is
// dropped. Nothing else changes; l itself is not modified.
func (l PortList) Remove(port PortRange, t Transport) PortList {
	out := make(PortList, 0, len(l))
	for _, k := range l {
		if k.Port == port {
			if t == 0 {
				continue
			}
			k.Transport &^= t
			if k.Transport == 0 {
				continue
			}
		}
		out = append(out, k)
	}
	return out
}

// Add returns l with k added at the end, after removing k's transports from
// any row for the same Port (so adding "53 UDP" to the table leaves one row
// for 53 TCP and one for 53 UDP). l itself is not modified.
func (l PortList) Add(k KeptPort) PortList {
	return append(l.Remove(k.Port, k.Transport), k)
}

// Has reports whether every transport of t is kept open for port.
func (l PortList) Has(port PortRange, t Transport) bool {
	var have Transport
	for _, k := range l {
		if k.Port == port {
			have |= k.Transport
		}
	}
	return t != 0 && have&t == t
}

// RemediationOptions tunes DefaultRemediation. The zero value gives the
// guide's Table C-2 exactly.
type RemediationOptions struct {
	// Name of the policy; default "oobkit remediation".
	Name string
	// Precedence of the policy on the device.
	Precedence uint32
	// Ports replaces the list of kept ports; nil means TableC2(). Edit a
	// copy of the table with PortList.Add and Remove, or use Add and Remove
	// below.
	Ports PortList
	// HTTPPort replaces 80 in the Notification Server port row and
	// TicklePort 52028 in the tickle row (the table's "*": "Depends on
	// Notification Server configuration"); zero keeps them.
	HTTPPort, TicklePort uint16
	// NotificationServerOnly narrows the two Notification Server rows to
	// the management server; by default they are open to any peer, as the
	// table names none.
	NotificationServerOnly bool
	// Remove drops rows from the list (PortList.Remove with each entry's
	// Port and Transport; zero Transport removes the whole row), the
	// defaults included.
	Remove []KeptPort
	// Add adds rows to the list (PortList.Add), after Remove.
	Add []KeptPort
	// TaskServer, when valid, keeps TaskServerPorts (50120-50124, TCP) open
	// to and from that address, as the field notes ask for a quarantined
	// computer that a task server must still reach. The notes name no
	// transport; this option opens TCP. Add a UDP row through Add if an
	// installation needs it.
	TaskServer netip.Addr
	// AntiSpoofing mode; default off.
	AntiSpoofing AntiSpoofing
	// Timeout of the policy on the device; zero for none.
	Timeout time.Duration
}

// List returns the kept ports opts describes: Ports (or TableC2), with the
// Notification Server ports and narrowing applied, Remove, Add and the task
// server, in that order.
func (o RemediationOptions) List(mgmt netip.Addr) PortList {
	l := o.Ports
	if l == nil {
		l = TableC2()
	}
	l = l.Clone()
	for i := range l {
		switch l[i].Key {
		case KeyNSHTTP:
			if o.HTTPPort != 0 {
				l[i].Port = Ports(o.HTTPPort)
			}
			l[i].ServerOnly = l[i].ServerOnly || o.NotificationServerOnly
		case KeyNSTickle:
			if o.TicklePort != 0 {
				l[i].Port = Ports(o.TicklePort)
			}
			l[i].ServerOnly = l[i].ServerOnly || o.NotificationServerOnly
		}
	}
	for _, r := range o.Remove {
		l = l.Remove(r.Port, r.Transport)
	}
	for _, a := range o.Add {
		l = l.Add(a)
	}
	if o.TaskServer.IsValid() {
		l = l.Add(KeptPort{Port: TaskServerPorts, Transport: TransportTCP, Name: "Task Server", Key: "task-server",
			Peer: hostAddr(o.TaskServer.Unmap())})
	}
	return l
}

// DefaultRemediation builds the quarantine policy of the RTSM guide: every
// packet is dropped (and counted) except those of the kept ports, by
// default the guide's Table C-2 exactly (see TableC2): DNS 53 TCP/UDP, DHCP
// 67 and 68 UDP, the Notification Server's 80 TCP, Kerberos 88 UDP, NetBIOS
// name service 137 TCP, LDAP 389 and LDAPS 636 TCP/UDP, ARP (EtherType
// 0x0806, 2054) and the Notification Server tickle 52028 TCP, each in both
// directions (the table's "Receive/Transmit": the computer may send to the
// port and be sent to on it) and to any peer, since the table names none.
// opts edits the list and narrows peers (NotificationServerOnly, KeptPort
// Peer and ServerOnly), and adds the task server's 50120-50124
// (RemediationOptions.TaskServer).
//
// The rules' IP version is mgmt's. Beyond the table, and only when mgmt is
// an IPv6 address, the policy also keeps ICMPv6 in both directions (IPv6
// finds its neighbours and routers with ICMPv6 neighbour discovery, RFC
// 4861, where IPv4 uses the table's ARP row) and DHCPv6, UDP 546 and 547
// (RFC 8415, IPv6's counterpart of the table's DHCP 67/68 rows). Nothing
// else is added; in particular nothing for the management server beyond
// the table's two Notification Server rows. Use Verify or CheckApply with
// RequiredFlows to prove an edited list still keeps the computer
// manageable.
func DefaultRemediation(mgmt netip.Addr, opts RemediationOptions) (*Policy, error) {
	if !mgmt.IsValid() || mgmt.IsUnspecified() {
		return nil, fmt.Errorf("filter: management server address %q: %w", mgmt, oobkit.ErrInvalidArgument)
	}
	mgmt = mgmt.Unmap()
	if opts.Name == "" {
		opts.Name = "oobkit remediation"
	}
	b := builder{version: 4}
	if mgmt.Is6() {
		b.version = 6
	}
	for _, k := range opts.List(mgmt) {
		if err := b.kept(k, mgmt); err != nil {
			return nil, err
		}
	}
	if b.version == 6 {
		b.icmp("icmpv6", ICMPv6)
		for _, k := range []KeptPort{
			{Port: Ports(portDHCPv6Client), Transport: TransportUDP, Name: "DHCPv6 client", Key: "dhcpv6-client"},
			{Port: Ports(portDHCPv6Server), Transport: TransportUDP, Name: "DHCPv6 server", Key: "dhcpv6-server"},
		} {
			if err := b.kept(k, mgmt); err != nil {
				return nil, err
			}
		}
	}
	drop := DefaultAction{Action: Drop, Count: true}
	p := &Policy{
		Name: opts.Name, Precedence: opts.Precedence, AntiSpoofing: opts.AntiSpoofing, Timeout: opts.Timeout,
		Rules: b.rules, Receive: drop, Transmit: drop,
	}
	for _, f := range Validate(p) {
		if f.Severity == Error {
			return nil, fmt.Errorf("filter: remediation policy: %s: %w", f, oobkit.ErrInvalidArgument)
		}
	}
	return p, nil
}

// AllowAll returns a policy that passes all traffic: no rules, both defaults
// pass.
func AllowAll() *Policy {
	pass := DefaultAction{Action: Pass}
	return &Policy{Name: "Allow all", Receive: pass, Transmit: pass}
}

// LimitPing returns a policy that passes everything but limits received
// ICMP (IPv4) and ICMPv6 to rate packets per second; rate 0 means
// DefaultPingRate (10). Matches raise events.
func LimitPing(rate uint32) *Policy {
	if rate == 0 {
		rate = DefaultPingRate
	}
	pass := DefaultAction{Action: Pass}
	return &Policy{
		Name: fmt.Sprintf("Limit ping to %d pps", rate),
		Rules: []Rule{
			{Name: "ping-rx", Direction: Receive, Action: RateLimit, Rate: rate, MatchEvent: true, IP: &IPMatch{Version: 4, Protocol: ICMP}},
			{Name: "ping6-rx", Direction: Receive, Action: RateLimit, Rate: rate, MatchEvent: true, IP: &IPMatch{Version: 6, Protocol: ICMPv6}},
		},
		Receive: pass, Transmit: pass,
	}
}

// builder accumulates the pass rules of a remediation policy.
type builder struct {
	version uint8
	rules   []Rule
}

func (b *builder) add(name string, d Direction, ip *IPMatch, eth *EtherMatch) {
	b.rules = append(b.rules, Rule{Name: name, Direction: d, Action: Pass, IP: ip, Ether: eth})
}

func (b *builder) icmp(name string, p Protocol) {
	b.add(name+"-tx", Transmit, &IPMatch{Version: b.version, Protocol: p}, nil)
	b.add(name+"-rx", Receive, &IPMatch{Version: b.version, Protocol: p}, nil)
}

// kept adds the rules of one kept port.
func (b *builder) kept(k KeptPort, mgmt netip.Addr) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("filter: kept port %s: %s: %w", k, fmt.Sprintf(format, args...), oobkit.ErrInvalidArgument)
	}
	if !k.Transport.valid() {
		return bad("transport must be TCP, UDP, TCP/UDP or Ethernet frame")
	}
	if k.Port.Any() || k.Port.First > k.Port.Last {
		return bad("needs a port (or an EtherType)")
	}
	if k.Direction != 0 && k.Direction != Receive && k.Direction != Transmit {
		return bad("unknown direction")
	}
	rx, tx := k.Direction != Transmit, k.Direction != Receive
	key := k.key()
	if k.Transport == TransportEthernet {
		if k.Port.First != k.Port.Last {
			return bad("an Ethernet row holds one EtherType")
		}
		if !k.Peer.Any() || k.ServerOnly {
			return bad("an Ethernet frame has no IP peer")
		}
		eth := &EtherMatch{EtherType: k.Port.First}
		if tx {
			b.add(key+"-tx", Transmit, nil, eth)
		}
		if rx {
			b.add(key+"-rx", Receive, nil, &EtherMatch{EtherType: k.Port.First})
		}
		return nil
	}
	peer := k.Peer
	if k.ServerOnly {
		peer = hostAddr(mgmt)
	}
	if !peer.Any() && peer.Addr.BitLen() != mgmt.BitLen() {
		return bad("peer %s is not of the management server's IP version", peer)
	}
	for _, proto := range k.Transport.Protocols() {
		name := key + "-" + proto.String()
		ip := func(m IPMatch) *IPMatch { m.Version, m.Protocol = b.version, proto; return &m }
		if tx {
			b.add(name+"-tx-to", Transmit, ip(IPMatch{Dst: peer, DstPorts: k.Port}), nil)
		}
		if rx {
			b.add(name+"-rx-from", Receive, ip(IPMatch{Src: peer, SrcPorts: k.Port}), nil)
			b.add(name+"-rx-to", Receive, ip(IPMatch{Src: peer, DstPorts: k.Port}), nil)
		}
		if tx {
			b.add(name+"-tx-from", Transmit, ip(IPMatch{Dst: peer, SrcPorts: k.Port}), nil)
		}
	}
	return nil
}

// Spec returns the row as ParseKeptPort reads it: "53/tcp+udp",
// "50120-50124/tcp", "2054/ethernet".
func (k KeptPort) Spec() string {
	t := "tcp+udp"
	switch k.Transport {
	case TransportTCP:
		t = "tcp"
	case TransportUDP:
		t = "udp"
	case TransportEthernet:
		t = "ethernet"
	case 0:
		return k.Port.String()
	}
	return k.Port.String() + "/" + t
}

// ParseKeptPort parses "PORT[-PORT][/TRANSPORT]" as oobctl's --add-port and
// --remove-port flags take it: "137/tcp", "53/udp", "50120-50124/tcp",
// "389/tcp+udp", "2054/ethernet" (ARP's EtherType, as Table C-2 writes it;
// "0x0806/ethernet" too). Without a transport, Transport is zero: for
// PortList.Remove that is the whole row. The row is named after its port.
func ParseKeptPort(s string) (KeptPort, error) {
	portText, tText, hasT := strings.Cut(strings.TrimSpace(s), "/")
	var k KeptPort
	if hasT {
		t, err := ParseTransport(tText)
		if err != nil {
			return k, err
		}
		k.Transport = t
	}
	if k.Transport == TransportEthernet && strings.HasPrefix(strings.ToLower(portText), "0x") {
		v, err := strconv.ParseUint(portText[2:], 16, 16)
		if err != nil || v == 0 {
			return k, fmt.Errorf("bad EtherType %q", portText)
		}
		k.Port = Ports(uint16(v))
		return k, nil
	}
	r, err := ParsePortRange(portText)
	if err != nil {
		return k, err
	}
	if r.Any() {
		return k, fmt.Errorf("%q names no port", s)
	}
	k.Port = r
	if k.Transport == TransportEthernet && r.First != r.Last {
		return k, fmt.Errorf("an Ethernet row holds one EtherType, not %s", r)
	}
	return k, nil
}
