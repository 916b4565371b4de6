package filter

import (
	"fmt"
	"net/netip"
	"strings"
)

// Flow is traffic the computer must keep while a policy is active: a name and
// representative packets, all of which must pass. Fields of a packet the
// caller does not know (the computer's own address, an ephemeral port, a DNS
// server) are left zero; Verify then requires the flow to pass whatever
// their value.
type Flow struct {
	Name    string
	Packets []Packet
}

// FlowPorts are the management server's ports for RequiredFlows; zero fields
// take the defaults (HTTP 80, tickle 52028).
type FlowPorts struct {
	HTTP, Tickle uint16
}

// RequiredFlows returns the flows a quarantined computer needs to stay
// manageable by the management server mgmt: ARP (IPv4) or ICMPv6 neighbour
// discovery (IPv6), DHCP, DNS over UDP, a TCP connection from the computer to
// mgmt's HTTP port, and the tickle: a TCP connection from mgmt to the
// computer's tickle port (Table C-2 lists the "Notification Server Tickle
// port" as TCP).
func RequiredFlows(mgmt netip.Addr, ports FlowPorts) []Flow {
	mgmt = mgmt.Unmap()
	if ports.HTTP == 0 {
		ports.HTTP = DefaultHTTPPort
	}
	if ports.Tickle == 0 {
		ports.Tickle = DefaultTicklePort
	}
	var flows []Flow
	if mgmt.Is6() {
		flows = append(flows,
			Flow{Name: "neighbour-discovery", Packets: []Packet{
				{Direction: Transmit, EtherType: EtherTypeIPv6, Protocol: ICMPv6},
				{Direction: Receive, EtherType: EtherTypeIPv6, Protocol: ICMPv6},
			}},
			udpExchange("dhcpv6", EtherTypeIPv6, netip.Addr{}, portDHCPv6Client, portDHCPv6Server))
	} else {
		flows = append(flows,
			Flow{Name: "arp", Packets: []Packet{
				{Direction: Transmit, EtherType: EtherTypeARP},
				{Direction: Receive, EtherType: EtherTypeARP},
			}},
			udpExchange("dhcp", EtherTypeIPv4, netip.Addr{}, portDHCPClient, portDHCPServer))
	}
	et := EtherTypeIPv4
	if mgmt.Is6() {
		et = EtherTypeIPv6
	}
	flows = append(flows,
		udpExchange("dns", et, netip.Addr{}, 0, portDNS),
		tcpOutbound("mgmt-http", mgmt, ports.HTTP),
		tcpInbound("mgmt-tickle-tcp", mgmt, ports.Tickle),
	)
	return flows
}

// udpExchange: the computer sends from clientPort (0: ephemeral) to
// peer:serverPort and gets the answer back.
func udpExchange(name string, et uint16, peer netip.Addr, clientPort, serverPort uint16) Flow {
	return Flow{Name: name, Packets: []Packet{
		{Direction: Transmit, EtherType: et, Dst: peer, Protocol: UDP, SrcPort: clientPort, DstPort: serverPort},
		{Direction: Receive, EtherType: et, Src: peer, Protocol: UDP, SrcPort: serverPort, DstPort: clientPort},
	}}
}

func tcpOutbound(name string, peer netip.Addr, port uint16) Flow {
	return Flow{Name: name, Packets: []Packet{
		{Direction: Transmit, Dst: peer, Protocol: TCP, DstPort: port, Flags: SYN},
		{Direction: Receive, Src: peer, Protocol: TCP, SrcPort: port, Flags: SYN | ACK},
		{Direction: Transmit, Dst: peer, Protocol: TCP, DstPort: port, Flags: ACK | PSH},
		{Direction: Receive, Src: peer, Protocol: TCP, SrcPort: port, Flags: ACK | PSH},
		{Direction: Transmit, Dst: peer, Protocol: TCP, DstPort: port, Flags: FIN | ACK},
		{Direction: Receive, Src: peer, Protocol: TCP, SrcPort: port, Flags: FIN | ACK},
	}}
}

func tcpInbound(name string, peer netip.Addr, port uint16) Flow {
	return Flow{Name: name, Packets: []Packet{
		{Direction: Receive, Src: peer, Protocol: TCP, DstPort: port, Flags: SYN},
		{Direction: Transmit, Dst: peer, Protocol: TCP, SrcPort: port, Flags: SYN | ACK},
		{Direction: Receive, Src: peer, Protocol: TCP, DstPort: port, Flags: ACK | PSH},
		{Direction: Transmit, Dst: peer, Protocol: TCP, SrcPort: port, Flags: ACK | PSH},
	}}
}

// FlowResult is Verify's verdict on one flow.
type FlowResult struct {
	// Flow is the flow's name.
	Flow string
	// Passed is true when every packet of the flow passes.
	Passed bool
	// Packet is the first packet that does not pass (when !Passed).
	Packet Packet
	// BlockingRule names the rule that drops Packet; empty when the
	// direction's default action drops it.
	BlockingRule string
	// Blocker describes what drops Packet: `rule "x"` or "the default
	// receive action".
	Blocker string
	// Uncertain is true when Packet is dropped only for some values of the
	// fields the flow leaves unknown.
	Uncertain bool
	// RateLimited names the rules that rate-limit packets of a passing flow.
	RateLimited []string
}

// String is a one-line verdict.
func (r FlowResult) String() string {
	if r.Passed {
		s := fmt.Sprintf("flow %q passes", r.Flow)
		if len(r.RateLimited) > 0 {
			s += fmt.Sprintf(" (rate-limited by %s)", strings.Join(r.RateLimited, ", "))
		}
		return s
	}
	verb := "is dropped by"
	if r.Uncertain {
		verb = "may be dropped by"
	}
	return fmt.Sprintf("flow %q: %s %s %s", r.Flow, r.Packet, verb, r.Blocker)
}

// Report is what Verify found, one result per flow in the flows' order.
type Report struct {
	Results []FlowResult
}

// OK reports whether every flow passes.
func (r Report) OK() bool { return len(r.Failures()) == 0 }

// Failures returns the results of the flows that do not pass.
func (r Report) Failures() []FlowResult {
	var f []FlowResult
	for _, res := range r.Results {
		if !res.Passed {
			f = append(f, res)
		}
	}
	return f
}

// Verify proves that each flow still passes under p, or reports the first
// packet of the flow that does not and exactly which rule (or default) drops
// it. A packet with unknown fields fails when any rule that could match it
// drops it. Rate-limited packets pass (named in RateLimited).
func Verify(p *Policy, flows []Flow) Report {
	rep := Report{Results: make([]FlowResult, 0, len(flows))}
	for _, f := range flows {
		rep.Results = append(rep.Results, verifyFlow(p, f))
	}
	return rep
}

func verifyFlow(p *Policy, f Flow) FlowResult {
	res := FlowResult{Flow: f.Name, Passed: true}
	for _, pkt := range f.Packets {
		d := p.Evaluate(pkt)
		if d.Action == Drop {
			res.Passed, res.Packet, res.Blocker = false, pkt, d.Decider(pkt.Direction)
			res.BlockingRule = d.Rule
			return res
		}
		for _, name := range d.Uncertain {
			if r := p.Rule(name); r != nil && r.Action == Drop {
				res.Passed, res.Packet, res.Uncertain = false, pkt, true
				res.BlockingRule, res.Blocker = name, fmt.Sprintf("rule %q", name)
				return res
			}
		}
		if d.Action == RateLimit && !contains(res.RateLimited, d.Rule) {
			res.RateLimited = append(res.RateLimited, d.Rule)
		}
	}
	return res
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
