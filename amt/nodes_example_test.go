package amt_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
)

// Change the Intel AMT network settings from the "Intel AMT Network
// Settings" node: a static address on the interface the management
// station reaches AMT through would cut the station off, so it is refused
// unless forced.
func ExampleClient_SetNetworkSettings() {
	dev, err := amttest.NewServer(amttest.Config{TLS: true})
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

	// Static settings given over the network need IP sync off (with IP
	// sync on, AMT takes the host OS's static settings).
	static, noSync, ip, mask := false, false, "192.0.2.50", "255.255.255.0"
	change := amt.NetworkChange{Interface: amt.Wired, DHCP: &static, IPSync: &noSync, IP: &ip, SubnetMask: &mask}
	_, err = c.SetNetworkSettings(ctx, change)
	var refused *amt.NetworkChangeRefusedError
	if errors.As(err, &refused) {
		fmt.Println("refused on the", refused.Interface, "interface:", refused.Reasons[0])
	}

	change.Force = true
	got, err := c.SetNetworkSettings(ctx, change)
	if err != nil {
		panic(err)
	}
	fmt.Println("DHCP", got.DHCP, "address", got.IP)
	// Output:
	// refused on the wired interface: DHCP would be turned off for the static address 192.0.2.50
	// DHCP false address 192.0.2.50
}

// Read every AMT node of the one-to-one view as rows of strings.
func ExampleClient_NodeRows() {
	dev, err := amttest.NewServer(amttest.Config{TLS: true})
	if err != nil {
		panic(err)
	}
	defer dev.Close()
	c, err := amt.New(dev.Target(), dev.Credential())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	for _, node := range amt.Nodes {
		rows, err := c.NodeRows(context.Background(), node)
		if err != nil {
			panic(err)
		}
		fmt.Println(node, len(rows))
	}
	// Output:
	// Agent Watchdogs 0
	// Battery 1
	// Field Replaceable Unit 5
	// Intel AMT Network Settings 2
	// Wireless Profile 2
	// Intel Remote Access Policy 2
}
