package filter_test

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/filter"
)

// Build the RTSM quarantine policy for a management server, add the task
// server's ports, and prove the computer stays manageable.
func ExampleDefaultRemediation() {
	server := netip.MustParseAddr("10.0.0.5")
	policy, err := filter.DefaultRemediation(server, filter.RemediationOptions{
		TaskServer: server,
	})
	if err != nil {
		panic(err)
	}
	report := filter.Verify(policy, filter.RequiredFlows(server, filter.FlowPorts{}))
	for _, r := range report.Results {
		fmt.Println(r)
	}
	fmt.Println("rules:", len(policy.Rules))
	// Output:
	// flow "arp" passes
	// flow "dhcp" passes
	// flow "dns" passes
	// flow "mgmt-http" passes
	// flow "mgmt-tickle-tcp" passes
	// rules: 54
}

// Ask which rule decides a packet.
func ExamplePolicy_Evaluate() {
	server := netip.MustParseAddr("10.0.0.5")
	policy, _ := filter.DefaultRemediation(server, filter.RemediationOptions{})
	for _, pkt := range []filter.Packet{
		{Direction: filter.Transmit, Src: netip.MustParseAddr("10.0.0.77"), Dst: server, Protocol: filter.TCP, SrcPort: 50000, DstPort: 80, Flags: filter.SYN},
		{Direction: filter.Receive, Src: netip.MustParseAddr("198.51.100.7"), Dst: netip.MustParseAddr("10.0.0.77"), Protocol: filter.TCP, SrcPort: 443, DstPort: 50001, Flags: filter.ACK},
	} {
		d := policy.Evaluate(pkt)
		fmt.Printf("%s: %s by %s\n", pkt, d.Action, d.Decider(pkt.Direction))
	}
	// Output:
	// transmit tcp 10.0.0.77:50000 -> 10.0.0.5:80 [syn]: pass by rule "ns-http-tcp-tx-to"
	// receive tcp 198.51.100.7:443 -> 10.0.0.77:50001 [ack]: drop by the default receive action
}

// A policy that forgets the management server's tickle port is refused
// unless forced, and the refusal names what blocks it.
func ExampleCheckApply() {
	server := netip.MustParseAddr("10.0.0.5")
	policy, _ := filter.DefaultRemediation(server, filter.RemediationOptions{TicklePort: 52029})
	flows := filter.RequiredFlows(server, filter.FlowPorts{})
	err := filter.CheckApply(policy, flows, false)
	fmt.Println(errors.Is(err, oobkit.ErrInvalidArgument))
	fmt.Println(err)
	fmt.Println(filter.CheckApply(policy, flows, true))
	// Output:
	// true
	// filter: policy "oobkit remediation" refused: flow "mgmt-tickle-tcp": receive tcp 10.0.0.5:* -> *:52028 [syn] is dropped by the default receive action
	// <nil>
}

// Read a hand-edited policy file; errors name the line.
func ExampleRead() {
	file := `<?xml version="1.0" encoding="UTF-8"?>
<filterPolicy schemaVersion="1" name="limit ping">
  <default direction="receive" action="pass"/>
  <default direction="transmit" action="pass"/>
  <ip name="ping" direction="receive" action="rate-limit" rate="10" version="4" protocol="icmp"/>
</filterPolicy>
`
	policy, err := filter.Read(strings.NewReader(file))
	if err != nil {
		panic(err)
	}
	fmt.Println(policy.Name, policy.Rules[0].Action, policy.Rules[0].Rate)

	_, err = filter.Read(strings.NewReader(strings.Replace(file, `protocol="icmp"`, `protocol="icnp"`, 1)))
	fmt.Println(err)
	// Output:
	// limit ping rate-limit 10
	// filter: policy file line 5: <ip> attribute protocol="icnp": unknown protocol "icnp" (want any, icmp, tcp, udp, icmpv6 or 0-255)
}

// Write a policy file.
func ExampleWrite() {
	if err := filter.Write(os.Stdout, filter.LimitPing(5)); err != nil {
		panic(err)
	}
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <filterPolicy schemaVersion="1" name="Limit ping to 5 pps">
	//   <default direction="receive" action="pass"/>
	//   <default direction="transmit" action="pass"/>
	//   <ip name="ping-rx" direction="receive" action="rate-limit" rate="5" event="true" version="4" protocol="icmp"/>
	//   <ip name="ping6-rx" direction="receive" action="rate-limit" rate="5" event="true" version="6" protocol="icmpv6"/>
	// </filterPolicy>
}

// Map a policy to the AMT instances a client creates, and back.
func ExampleToAMT() {
	amt, err := filter.ToAMT(filter.LimitPing(0))
	if err != nil {
		panic(err)
	}
	f := amt.Filters[0]
	fmt.Println(f.Class, f.Properties["FilterProfile"], f.Properties["FilterProfileData"], f.Properties["HdrProtocolID"], f.Properties["FilterDirection"])
	fmt.Println(amt.Policy["RxDefaultDrop"], amt.Policy["TxDefaultDrop"])
	back, _ := filter.FromAMT(amt)
	fmt.Println(back.Name, len(back.Rules))
	// Output:
	// AMT_IPHeadersFilter 2 10 1 1
	// false false
	// Limit ping to 10 pps 2
}
