package amt_test

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/filter"
	"github.com/oobkit/oobkit/internal/simconv"
	"github.com/oobkit/oobkit/wseventing"
)

// Detect a device, then power it on into BIOS setup. AMT 16.1 and later
// answer over TLS only; the simulator's credential pins its certificate.
func Example() {
	dev, err := amttest.NewServer(amttest.Config{TLS: true, Firmware: "16.1.25", Power: oobkit.PowerS5})
	if err != nil {
		panic(err)
	}
	defer dev.Close()

	c, err := amt.New(dev.Target(), dev.Credential())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	ctx := context.Background()

	d, err := c.Detect(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("AMT", d.AMTVersion, d.ModeName())

	if err := c.SetPower(ctx, oobkit.ActionOnToBIOS); err != nil {
		panic(err)
	}
	st, _ := c.PowerState(ctx)
	fmt.Println(st, "booted:", dev.BootState().LastBoot)

	// Powering on a running computer is refused before anything is sent.
	err = c.SetPower(ctx, oobkit.ActionOn)
	fmt.Println(oobkit.ClassName(err))
	// Output:
	// AMT 16.1.25 admin control
	// S0:1 booted: bios
	// invalid-state
}

// Boot from an IDE-R CD image with the BIOS console on Serial-over-LAN.
func ExampleClient_SetNextBoot() {
	dev, _ := amttest.NewServer(amttest.Config{})
	defer dev.Close()
	c, _ := amt.New(dev.Target(), dev.Credential())
	defer c.Close()
	ctx := context.Background()

	err := c.SetNextBoot(ctx, oobkit.BootOptions{Device: oobkit.BootIDERCD, SOL: true, LockKeyboard: true})
	fmt.Println(err)
	_ = c.SetPower(ctx, oobkit.ActionReset)
	fmt.Println(dev.BootState().LastBoot)
	// Output:
	// <nil>
	// ider-cd
}

// Read the event log, newest first.
func ExampleClient_EventLog() {
	dev, _ := amttest.NewServer(amttest.Config{Power: oobkit.PowerS5})
	defer dev.Close()
	c, _ := amt.New(dev.Target(), dev.Credential())
	defer c.Close()
	ctx := context.Background()
	_ = c.SetPower(ctx, oobkit.ActionOn)
	events, _ := c.EventLog(ctx, 2)
	for _, e := range events {
		fmt.Println(e.Severity, e.Description)
	}
	// Output:
	// info System ACPI Power State Sensor #255: S0/G0 "working" (Assertion)
	// info System Firmware Progress Sensor #255: System Firmware Progress (Assertion); Starting operating system boot process
}

// A fleet of simulated devices on one listener.
func ExampleClient_PowerState_fleet() {
	fleet, _ := amttest.NewFleet(amttest.FleetConfig{Size: 3, Vary: func(i int, c *amttest.Config) {
		if i == 1 {
			c.Power = oobkit.PowerS5
		}
	}})
	defer fleet.Close()
	for i, t := range fleet.Targets() {
		c, _ := amt.New(t, fleet.Credential(i), amt.WithTransport(fleet.Transport()))
		st, err := c.PowerState(context.Background())
		fmt.Println(t.Name, st.Token(), err)
		_ = c.Close()
	}
	// Output:
	// amt-0 S0 <nil>
	// amt-1 S5 <nil>
	// amt-2 S0 <nil>
}

// Quarantine a computer with System Defense: the management server, DNS,
// DHCP and the other ports of the remediation policy stay open, the rest
// is dropped; then allow all traffic again.
func ExampleClient_ApplyPolicy() {
	dev, _ := amttest.NewServer(amttest.Config{})
	defer dev.Close()
	c, _ := amt.New(dev.Target(), dev.Credential())
	defer c.Close()
	ctx := context.Background()

	server := netip.MustParseAddr("192.0.2.5")
	p, _ := filter.DefaultRemediation(server, filter.RemediationOptions{})
	flows := filter.RequiredFlows(server, filter.FlowPorts{})
	_, err := c.ApplyPolicy(ctx, p, amt.ApplyOptions{Interfaces: []amt.Interface{amt.Wired}, Flows: flows})
	fmt.Println("applied:", err)

	pc := netip.MustParseAddr("192.0.2.10")
	toServer := filter.Packet{Direction: filter.Transmit, Src: pc, Dst: server, Protocol: filter.TCP, SrcPort: 49152, DstPort: 80}
	toWeb := filter.Packet{Direction: filter.Transmit, Src: pc, Dst: netip.MustParseAddr("198.51.100.7"),
		Protocol: filter.TCP, SrcPort: 49153, DstPort: 443}
	fmt.Println("to the server:", simconv.Evaluate(dev, amt.Wired, toServer).Action)
	fmt.Println("to the web:", simconv.Evaluate(dev, amt.Wired, toWeb).Action)

	fmt.Println("removed:", c.RemoveAllPolicies(ctx))
	fmt.Println("to the web:", simconv.Evaluate(dev, amt.Wired, toWeb).Action)
	// Output:
	// applied: <nil>
	// to the server: pass
	// to the web: drop
	// removed: <nil>
	// to the web: pass
}

// Ask the user for consent before a redirection session: the device shows
// a six-digit code, the user reads it to the operator.
func ExampleClient_StartConsent() {
	dev, _ := amttest.NewServer(amttest.Config{ConsentRequired: amt.ConsentAll})
	defer dev.Close()
	c, _ := amt.New(dev.Target(), dev.Credential())
	defer c.Close()
	ctx := context.Background()

	fmt.Println(c.StartConsent(ctx))
	code, _ := strconv.Atoi(dev.ConsentCode()) // what the user reads from the screen
	fmt.Println(c.SendConsentCode(ctx, code))
	st, _ := c.Consent(ctx)
	fmt.Println("granted:", st.Granted())
	// Output:
	// <nil>
	// <nil>
	// granted: true
}

// Point a device's alerts at a WS-Eventing listener, then see a power event
// arrive, naming the computer.
func ExampleClient_ApplyAlerts() {
	dev, err := amttest.NewServer(amttest.Config{HostName: "pc-17", Power: oobkit.PowerS5})
	if err != nil {
		panic(err)
	}
	defer dev.Close()
	c, err := amt.New(dev.Target(), dev.Credential())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	ctx := context.Background()

	l := wseventing.New()
	if err := l.Start("127.0.0.1:0"); err != nil {
		panic(err)
	}
	defer l.Close()

	rep, err := c.ApplyAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{
		{Delivery: oobkit.DeliveryPushWithAck, Address: l.URL()}}})
	if err != nil {
		panic(err)
	}
	fmt.Println("subscribed to", rep.Subscribed[0].Filter)

	if err := c.SetPower(ctx, oobkit.ActionOn); err != nil {
		panic(err)
	}
	ev := <-l.Events()
	fmt.Println(ev.Source, ev.Target, ev.Code, ev.Description)
	// Output:
	// subscribed to Intel(r) AMT:All
	// amt pc-17 PLAT0272 Power on for system pc-17.
}
