package filter

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/oobkit/oobkit"
)

// Ports of the default remediation policy. The RTSM guide's Table C-2 lists
// the ports a quarantined computer keeps open; HTTPPort and TicklePort are
// the management server's and are configurable.
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

// DefaultPingRate is the packets-per-second limit of LimitPing(0).
const DefaultPingRate uint32 = 10

// Service is a port range a remediation policy keeps open to one peer, like
// the RTSM task server's 50120-50124.
type Service struct {
	// Name prefixes the names of the rules made for the service.
	Name string
	// Protocol is TCP or UDP.
	Protocol Protocol
	// Ports are the peer's ports (Inbound: the computer's ports).
	Ports PortRange
	// Peer is the other end; the zero address means the management server.
	Peer netip.Addr
	// Inbound says the peer opens the connection to the computer, as the
	// management server's tickle does; otherwise the computer connects.
	Inbound bool
}

// RemediationOptions tunes DefaultRemediation. The zero value gives the
// guide's defaults.
type RemediationOptions struct {
	// Name of the policy; default "oobkit remediation".
	Name string
	// Precedence of the policy on the device.
	Precedence uint32
	// HTTPPort is the management server's HTTP port; default 80.
	HTTPPort uint16
	// TicklePort is the port on which the management server tickles the
	// computer's agent; default 52028.
	TicklePort uint16
	// Services are more ports to keep open (e.g. a task server).
	Services []Service
	// AntiSpoofing mode; default off.
	AntiSpoofing AntiSpoofing
	// Timeout of the policy on the device; zero for none.
	Timeout time.Duration
}

// DefaultRemediation builds the quarantine policy of the RTSM guide (Table
// C-2): everything is dropped except ARP (IPv4) or ICMPv6 (IPv6, for
// neighbour discovery), DHCP, DNS 53, Kerberos 88, NetBIOS name 137, LDAP
// 389, LDAPS 636 to any peer, the management server's HTTP and tickle ports
// to and from mgmt only, and the services in opts. The IP version of the
// rules is mgmt's. Drops are counted.
func DefaultRemediation(mgmt netip.Addr, opts RemediationOptions) (*Policy, error) {
	if !mgmt.IsValid() || mgmt.IsUnspecified() {
		return nil, fmt.Errorf("filter: management server address %q: %w", mgmt, oobkit.ErrInvalidArgument)
	}
	mgmt = mgmt.Unmap()
	opts = opts.withDefaults()
	b := builder{version: 4}
	if mgmt.Is6() {
		b.version = 6
	}
	server := hostAddr(mgmt)
	if b.version == 4 {
		b.ether("arp", EtherTypeARP)
		b.pair("dhcp", UDP, AddrMatch{}, Ports(portDHCPClient), Ports(portDHCPServer))
	} else {
		b.icmp("icmpv6", ICMPv6)
		b.pair("dhcpv6", UDP, AddrMatch{}, Ports(portDHCPv6Client), Ports(portDHCPv6Server))
	}
	for _, s := range []struct {
		name  string
		proto Protocol
		port  uint16
	}{
		{"dns-udp", UDP, portDNS}, {"dns-tcp", TCP, portDNS},
		{"kerberos-udp", UDP, portKerberos}, {"kerberos-tcp", TCP, portKerberos},
		{"netbios-name", UDP, portNetBIOSName},
		{"ldap-tcp", TCP, portLDAP}, {"ldap-udp", UDP, portLDAP},
		{"ldaps", TCP, portLDAPS},
	} {
		b.service(Service{Name: s.name, Protocol: s.proto, Ports: Ports(s.port)}, AddrMatch{})
	}
	b.service(Service{Name: "mgmt-http", Protocol: TCP, Ports: Ports(opts.HTTPPort)}, server)
	// The reference does not say whether the tickle travels over TCP or
	// UDP, so both are kept open, to and from the management server only.
	b.service(Service{Name: "mgmt-tickle-tcp", Protocol: TCP, Ports: Ports(opts.TicklePort), Inbound: true}, server)
	b.service(Service{Name: "mgmt-tickle-udp", Protocol: UDP, Ports: Ports(opts.TicklePort), Inbound: true}, server)
	for _, s := range opts.Services {
		if s.Protocol != TCP && s.Protocol != UDP || s.Ports.Any() || s.Name == "" {
			return nil, fmt.Errorf("filter: service %q needs a name, tcp or udp and ports: %w", s.Name, oobkit.ErrInvalidArgument)
		}
		peer := server
		if s.Peer.IsValid() {
			peer = hostAddr(s.Peer.Unmap())
			if peer.Addr.BitLen() != mgmt.BitLen() {
				return nil, fmt.Errorf("filter: service %q peer %s is not of the management server's IP version: %w", s.Name, s.Peer, oobkit.ErrInvalidArgument)
			}
		}
		b.service(s, peer)
	}
	drop := DefaultAction{Action: Drop, Count: true}
	return &Policy{
		Name: opts.Name, Precedence: opts.Precedence, AntiSpoofing: opts.AntiSpoofing, Timeout: opts.Timeout,
		Rules: b.rules, Receive: drop, Transmit: drop,
	}, nil
}

func (o RemediationOptions) withDefaults() RemediationOptions {
	if o.Name == "" {
		o.Name = "oobkit remediation"
	}
	if o.HTTPPort == 0 {
		o.HTTPPort = DefaultHTTPPort
	}
	if o.TicklePort == 0 {
		o.TicklePort = DefaultTicklePort
	}
	return o
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

func (b *builder) ether(name string, etherType uint16) {
	b.add(name+"-tx", Transmit, nil, &EtherMatch{EtherType: etherType})
	b.add(name+"-rx", Receive, nil, &EtherMatch{EtherType: etherType})
}

func (b *builder) icmp(name string, p Protocol) {
	b.add(name+"-tx", Transmit, &IPMatch{Version: b.version, Protocol: p}, nil)
	b.add(name+"-rx", Receive, &IPMatch{Version: b.version, Protocol: p}, nil)
}

// pair keeps open a client port ↔ server port exchange with any peer the
// computer talks to first (DHCP).
func (b *builder) pair(name string, p Protocol, peer AddrMatch, client, server PortRange) {
	b.add(name+"-tx", Transmit, &IPMatch{Version: b.version, Protocol: p, Dst: peer, SrcPorts: client, DstPorts: server}, nil)
	b.add(name+"-rx", Receive, &IPMatch{Version: b.version, Protocol: p, Src: peer, SrcPorts: server, DstPorts: client}, nil)
}

// service keeps open a connection between the computer and peer on s.Ports.
func (b *builder) service(s Service, peer AddrMatch) {
	if s.Inbound {
		b.add(s.Name+"-rx", Receive, &IPMatch{Version: b.version, Protocol: s.Protocol, Src: peer, DstPorts: s.Ports}, nil)
		b.add(s.Name+"-tx", Transmit, &IPMatch{Version: b.version, Protocol: s.Protocol, Dst: peer, SrcPorts: s.Ports}, nil)
		return
	}
	b.add(s.Name+"-tx", Transmit, &IPMatch{Version: b.version, Protocol: s.Protocol, Dst: peer, DstPorts: s.Ports}, nil)
	b.add(s.Name+"-rx", Receive, &IPMatch{Version: b.version, Protocol: s.Protocol, Src: peer, SrcPorts: s.Ports}, nil)
}
