package wmi_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/wmi"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

// startExample starts a simulated computer and an NTLM client for it.
func startExample() (*wmitest.Computer, *wmi.Client) {
	pc := wmitest.NewComputer(wmitest.Config{AdminPassword: "Adm1n-Passw0rd"})
	if err := pc.Start(); err != nil {
		log.Fatal(err)
	}
	c, err := wmi.New(pc.Target(), oobkit.Credential{
		Auth: oobkit.AuthNTLM, Username: `PC42\Administrator`, Password: oobkit.NewSecret("Adm1n-Passw0rd"),
	}, wmi.WithPollInterval(10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	return pc, c
}

func ExampleClient_RestartService() {
	pc, c := startExample()
	defer pc.Close()
	defer c.Close()
	ctx := context.Background()

	if err := c.RestartService(ctx, "Spooler"); err != nil {
		log.Fatal(err)
	}
	s, _ := c.Service(ctx, "Spooler")
	fmt.Println(s.DisplayName, s.State)

	err := c.StartService(ctx, "Spooler")
	fmt.Println(errors.Is(err, oobkit.ErrInvalidState), oobkit.DeviceCode(err))
	fmt.Println(err)
	// Output:
	// Print Spooler Running
	// true 10
	// wmi: StartService: invalid state (code 10): service "Spooler": the service is already running
}

func ExampleClient_StartProcess() {
	pc, c := startExample()
	defer pc.Close()
	defer c.Close()
	pc.Do(func(pc *wmitest.Computer) { pc.Shares[`\\fileserver\tools`] = true })
	ctx := context.Background()

	if _, err := c.StartProcess(ctx, wmi.StartOptions{CommandLine: `\\fileserver\tools\agent.exe /install`}); err != nil {
		log.Fatal(err)
	}
	n, err := c.TerminateProcesses(ctx, "agent.exe")
	fmt.Println(n, err)
	// Output: 1 <nil>
}

func ExampleClient_Shutdown() {
	pc, c := startExample()
	defer pc.Close()
	defer c.Close()
	ctx := context.Background()

	// The first choice of a power task: ask Windows, and let the user save.
	err := c.Shutdown(ctx, wmi.ShutdownOptions{PowerOff: true})
	fmt.Println(err, pc.IsOn())
	_, err = c.PowerState(ctx)
	fmt.Println(errors.Is(err, oobkit.ErrUnreachable))
	// Output:
	// <nil> false
	// true
}

func ExampleClient_SetLocalPassword() {
	pc := wmitest.NewComputer(wmitest.Config{AdminPassword: "Adm1n-Passw0rd"})
	if err := pc.StartTLS(); err != nil {
		log.Fatal(err)
	}
	defer pc.Close()
	c, err := wmi.New(pc.Target(), oobkit.Credential{
		Username: "Administrator", Password: oobkit.NewSecret("Adm1n-Passw0rd"),
		TLS: oobkit.TLSSettings{Enabled: true, PinnedSHA256: pc.Fingerprint()},
	}, wmi.WithPollInterval(10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	err = c.SetLocalPassword(context.Background(), `PC42\alice`, oobkit.NewSecret("N3w-Passw0rd!"))
	pw, _ := pc.Password("alice")
	fmt.Println(err, pw == "N3w-Passw0rd!")
	// Output: <nil> true
}

func ExampleClient_Events() {
	pc, c := startExample()
	defer pc.Close()
	defer c.Close()
	pc.LogEvent(wmitest.Event{Log: "System", Type: 1, Code: 41, Source: "Microsoft-Windows-Kernel-Power",
		Message: "The system has rebooted without cleanly shutting down first."})

	events, err := c.Events(context.Background(), wmi.EventQuery{Logs: []string{"System"},
		Types: []wmi.EventType{wmi.EventError}, Max: 5})
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range events {
		fmt.Println(e.Severity, e.Code, e.Entity)
	}
	// Output: critical 41 Microsoft-Windows-Kernel-Power
}

func ExampleClient_Inventory() {
	pc, c := startExample()
	defer pc.Close()
	defer c.Close()
	inv, err := c.Inventory(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	os, _ := inv.Property("os.name")
	fmt.Println(inv.System[0].Model, inv.System[0].Serial, os, len(inv.Memory), inv.Processors[0].Cores)
	// Output: OptiDesk 7000 CZC1234XYZ Microsoft Windows 11 Pro 2 16
}

func ExampleClient_ReadNode() {
	pc, c := startExample()
	defer pc.Close()
	defer c.Close()
	ctx := context.Background()

	n, _ := wmi.NodeByName("Monitor")
	fmt.Println(n.Group, "/", n.Name, "→", n.Class)
	class, monitors, err := c.ReadNode(ctx, "Monitor")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(class, monitors[0].Get("ScreenWidth"), "x", monitors[0].Get("ScreenHeight"))

	// A class Windows retired is served by its replacement.
	class, _, _ = c.ReadNode(ctx, "Logical Memory Configuration")
	fmt.Println(class)
	// Output:
	// Input and Output Devices / Monitor → Win32_DesktopMonitor
	// Win32_DesktopMonitor 2560 x 1440
	// Win32_OperatingSystem
}

func ExampleClient_Query() {
	pc, c := startExample()
	defer pc.Close()
	defer c.Close()

	shares, err := c.Query(context.Background(), "SELECT Name, Path FROM Win32_Share WHERE Type = 0")
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range shares {
		fmt.Println(s.Get("Name"), s.Get("Path"))
	}
	_, err = c.Query(context.Background(), "SELECT Name Path FROM Win32_Share")
	fmt.Println(errors.Is(err, oobkit.ErrInvalidArgument))
	// Output:
	// Scans C:\Scans
	// true
}
