package ipmi_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
)

// Power a computer on through its BMC and read the state back. The BMC here
// is go-ipmi's embedded BMC from ipmitest; a real one is just a Target with
// its address.
func Example() {
	bmc, err := ipmitest.NewServer(ipmitest.Config{Username: "admin", Password: "secret"})
	if err != nil {
		panic(err)
	}
	defer bmc.Close()

	c, err := ipmi.New(bmc.Target(), oobkit.UserPassword("admin", "secret"))
	if err != nil {
		panic(err)
	}
	defer c.Close()

	ctx := context.Background()
	before, _ := c.PowerState(ctx)
	if err := c.SetPower(ctx, oobkit.ActionOn); err != nil {
		panic(err)
	}
	after, _ := c.PowerState(ctx)
	fmt.Println(before, "->", after)
	// Powering on again is refused by the power table.
	err = c.SetPower(ctx, oobkit.ActionOn)
	fmt.Println(errors.Is(err, oobkit.ErrInvalidState))
	// Output:
	// legacy-off:13 -> legacy-on:12
	// true
}

// Boot from the network once, in UEFI mode, and read the setting back.
func ExampleClient_SetNextBoot() {
	bmc, _ := ipmitest.NewServer(ipmitest.Config{})
	defer bmc.Close()
	c, _ := ipmi.New(bmc.Target(), bmc.Credential())
	defer c.Close()

	ctx := context.Background()
	if err := c.SetNextBoot(ctx, oobkit.BootOptions{Device: oobkit.BootPXE, EFI: true}); err != nil {
		panic(err)
	}
	got, _ := c.BootDevice(ctx)
	fmt.Println(got.Device, "efi:", got.EFI, "persistent:", got.Persistent)
	// Output: pxe efi: true persistent: false
}

// Errors carry a class and the device's completion code.
func ExampleClient_Raw() {
	bmc, _ := ipmitest.NewServer(ipmitest.Config{})
	defer bmc.Close()
	c, _ := ipmi.New(bmc.Target(), bmc.Credential())
	defer c.Close()

	// Get SEL Info (storage netFn 0Ah, command 40h): this BMC has no SEL.
	_, err := c.Raw(context.Background(), 0x0A, 0x40, nil)
	fmt.Println(oobkit.ClassName(err), oobkit.DeviceCode(err))
	// Output: unsupported 0xc1
}

// Start a simulated fleet and collect every target, as package tasks does.
func ExampleClient_PowerState_fleet() {
	fleet, err := ipmitest.NewFleet(3, ipmitest.Config{Power: oobkit.PowerS0, Username: "ops", Password: "pw"})
	if err != nil {
		panic(err)
	}
	defer fleet.Close()
	for _, t := range fleet.Targets() {
		c, _ := ipmi.New(t, oobkit.UserPassword("ops", "pw"))
		st, err := c.PowerState(context.Background())
		_ = c.Close()
		fmt.Println(t.Name, st, err)
	}
	// Output:
	// bmc-0 legacy-on:12 <nil>
	// bmc-1 legacy-on:12 <nil>
	// bmc-2 legacy-on:12 <nil>
}
