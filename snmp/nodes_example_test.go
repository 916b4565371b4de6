package snmp_test

import (
	"context"
	"fmt"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/snmp"
)

// Read the "IP Route Table" node: the agent's inetCidrRouteTable, or the
// older tables it has instead.
func ExampleClient_Routes() {
	c, err := snmp.New(oobkit.Target{Address: "192.0.2.10"}, oobkit.Credential{Community: oobkit.NewSecret("public")})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	routes, err := c.Routes(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range routes {
		fmt.Println(r.Destination, "via", r.NextHop, "ifIndex", r.IfIndex, r.Type, "from", r.Table)
	}
}
