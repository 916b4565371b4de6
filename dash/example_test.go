package dash_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
	"github.com/oobkit/oobkit/wseventing"
)

// startSim starts a simulated computer for the examples.
func startSim(cfg dashtest.Config) (*dashtest.Server, *dash.Client) {
	sim, err := dashtest.NewServer(cfg)
	if err != nil {
		panic(err)
	}
	c, err := dash.New(sim.Target(), sim.Credential())
	if err != nil {
		panic(err)
	}
	return sim, c
}

func Example() {
	sim, c := startSim(dashtest.Config{Power: oobkit.PowerS5})
	defer sim.Close()
	defer c.Close()
	ctx := context.Background()

	bios, _ := c.HasProfile(ctx, dash.ProfileBIOSManagement)
	fmt.Println("BIOS Management:", bios)

	state, _ := c.PowerState(ctx)
	fmt.Println("before:", state)
	if err := c.SetPower(ctx, oobkit.ActionOn); err != nil {
		fmt.Println(err)
	}
	state, _ = c.PowerState(ctx)
	fmt.Println("after:", state)
	fmt.Println("again:", oobkit.ClassName(c.SetPower(ctx, oobkit.ActionOn)))
	// Output:
	// BIOS Management: true
	// before: S5:6
	// after: S0:1
	// again: invalid-state
}

func ExampleClient_SetNextBoot() {
	sim, c := startSim(dashtest.Config{})
	defer sim.Close()
	defer c.Close()
	ctx := context.Background()

	_ = c.SetNextBoot(ctx, oobkit.BootOptions{Device: oobkit.BootPXE})
	_ = c.SetPower(ctx, oobkit.ActionReset)
	fmt.Println("booted from:", sim.LastBootSource())
	fmt.Println("next boot from:", sim.BootOrder()[0])
	// Output:
	// booted from: DASH:BootSource Network 1
	// next boot from: DASH:BootSource Hard-Disk 1
}

func ExampleClient_SetBIOSAttribute() {
	sim, c := startSim(dashtest.Config{BIOSPassword: "secret1"})
	defer sim.Close()
	defer c.Close()
	ctx := context.Background()

	_, err := c.SetBIOSAttribute(ctx, "DASH:WakeOnLAN", "Enabled", oobkit.NewSecret("wrong"))
	fmt.Println("wrong password:", errors.Is(err, dash.ErrBIOSPassword))

	_, err = c.SetBIOSAttribute(ctx, "DASH:POSTDelay", "99", oobkit.NewSecret("secret1"))
	fmt.Println(err)

	ch, _ := c.SetBIOSAttribute(ctx, "DASH:WakeOnLAN", "Enabled", oobkit.NewSecret("secret1"))
	fmt.Println("restart required:", ch.RestartRequired)
	// Output:
	// wrong password: true
	// dash: SetBIOSAttribute: invalid argument (code 2): Value "99" for DASH:POSTDelay is outside 0..30 [OOBK0102]
	// restart required: true
}

func ExampleClient_ApplyAlerts() {
	sim, c := startSim(dashtest.Config{Name: "pc-1"})
	defer sim.Close()
	defer c.Close()
	ctx := context.Background()

	l := wseventing.New()
	if err := l.Start("127.0.0.1:0"); err != nil {
		panic(err)
	}
	defer l.Close()

	rep, _ := c.ApplyAlerts(ctx, oobkit.AlertConfig{
		Destinations: []oobkit.AlertDestination{{Delivery: oobkit.DeliveryPushWithAck, Address: l.URL()}},
		Filters:      []string{"DASH:CriticalAlerts"},
	})
	fmt.Println("subscribed:", len(rep.Subscribed))

	ds, _ := sim.Alert(ctx, dashtest.Alert{MessageID: "PLAT0010", Message: "CPU over temperature", Severity: 6})
	fmt.Println("acknowledged:", ds[0].Acked)
	ev := <-l.Events()
	fmt.Println(ev.Target, ev.Severity, ev.Code, ev.Description)
	// Output:
	// subscribed: 1
	// acknowledged: true
	// pc-1 critical PLAT0010 CPU over temperature
}

func ExampleClient_Inventory() {
	sim, c := startSim(dashtest.Config{Name: "pc-2"})
	defer sim.Close()
	defer c.Close()

	inv, err := c.Inventory(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(inv.System[1].Manufacturer, inv.System[1].Model)
	fmt.Println(len(inv.Memory), "memory modules,", inv.Memory[0].CapacityMB, "MB each")
	// Output:
	// oobkit Systems Sim 9000
	// 2 memory modules, 8192 MB each
}
