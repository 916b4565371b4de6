package ipmitest_test

import (
	"context"
	"fmt"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
)

// Start one in-process BMC, power it on through the SDK and see the
// simulated chassis change.
func ExampleNewServer() {
	bmc, err := ipmitest.NewServer(ipmitest.Config{})
	if err != nil {
		panic(err)
	}
	defer bmc.Close()
	c, err := ipmi.New(bmc.Target(), bmc.Credential())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	ctx := context.Background()
	fmt.Println("before:", bmc.PowerOn())
	if err := c.SetPower(ctx, oobkit.ActionOn); err != nil {
		panic(err)
	}
	st, err := c.PowerState(ctx)
	fmt.Println("after:", bmc.PowerOn(), st, err)
	// Output:
	// before: false
	// after: true legacy-on:12 <nil>
}

// A fleet of BMCs gives the targets a one-to-many job runs over.
func ExampleNewFleet() {
	fleet, err := ipmitest.NewFleet(2, ipmitest.Config{Power: oobkit.PowerS0, Username: "ops", Password: "pw"})
	if err != nil {
		panic(err)
	}
	defer fleet.Close()
	for _, t := range fleet.Targets() {
		fmt.Println(t.Name, t.Address, t.Ports[oobkit.IPMI] > 1024)
	}
	// Output:
	// bmc-0 127.0.0.1 true
	// bmc-1 127.0.0.1 true
}
