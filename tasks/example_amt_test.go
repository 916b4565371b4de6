package tasks_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"github.com/oobkit/oobkit/internal/simconv"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/redirecttest"
	"github.com/oobkit/oobkit/tasks"
)

// Quarantine a fleet of AMT computers with the default remediation policy,
// keeping the management server reachable, read back what the devices
// enforce, then lift the quarantine — here
// over three simulated AMT devices on one listener.
func ExampleNetworkFilterTask() {
	fleet, err := amttest.NewFleet(amttest.FleetConfig{Size: 3})
	if err != nil {
		panic(err)
	}
	defer fleet.Close()
	conn := tasks.NewConnector(tasks.StaticCredentials{oobkit.AMT: {{Name: "site", Credential: fleet.Credential(0)}}})
	conn.Register(oobkit.AMT, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return amt.New(t, c, amt.WithTransport(fleet.Transport()))
	})
	r := tasks.NewRunner(conn, tasks.WithProbe(nil))

	job, err := tasks.ParseJob([]byte(`
name: quarantine
steps:
  - task: filter
    with: {policy: remediation, managementServer: 192.0.2.5, antiSpoofing: on}
  - id: check
    task: filter
    with: {policy: status}
`))
	if err != nil {
		panic(err)
	}
	rep, err := r.Run(context.Background(), job, fleet.Targets())
	if err != nil {
		panic(err)
	}
	for i, res := range rep.Results {
		out := res.Output("0").(*tasks.NetworkFilterOutput)
		active := res.Output("check").(*tasks.NetworkFilterOutput).Status.Active
		fmt.Printf("%s: %s, %q on %v, read back: %q on %s, device filters: %v\n", res.Target, res.Status, out.Policy,
			out.Interfaces, active[0].Policy, active[0].Interface, simconv.Active(fleet.Device(i), amt.Wired) != nil)
	}

	lift := &tasks.Job{Name: "lift", Steps: []tasks.Step{{Task: &tasks.NetworkFilterTask{Policy: tasks.FilterRemove}}}}
	rep, _ = r.Run(context.Background(), lift, fleet.Targets())
	fmt.Println(rep.Counts()[tasks.StatusOK], "lifted; device 0 filters:", simconv.Active(fleet.Device(0), amt.Wired) != nil)
	// Output:
	// amt-0: ok, "oobkit remediation" on [wired], read back: "oobkit remediation" on wired, device filters: true
	// amt-1: ok, "oobkit remediation" on [wired], read back: "oobkit remediation" on wired, device filters: true
	// amt-2: ok, "oobkit remediation" on [wired], read back: "oobkit remediation" on wired, device filters: true
	// 3 lifted; device 0 filters: false
}

// Boot a computer from a CD image served by this process over IDE-R: the
// simulated AMT device takes the boot order and the power on, and the
// redirection simulator plays the BIOS reading the image.
func ExampleIDERBootTask() {
	image := bytes.Repeat([]byte("oobkit boot image "), 64<<10)[:1<<20]
	sum := sha256.Sum256(image)
	a, err := amttest.NewServer(amttest.Config{Power: oobkit.PowerS5})
	if err != nil {
		panic(err)
	}
	defer a.Close()
	rs, err := redirecttest.NewServer(redirecttest.Config{EndAfterBoot: true,
		Firmware: redirecttest.Boot(redirecttest.BootOptions{Device: redirecttest.CD, SHA256: hex.EncodeToString(sum[:])})})
	if err != nil {
		panic(err)
	}
	defer rs.Close()
	target := a.Target()
	target.Ports[oobkit.Redirection] = rs.Port()

	conn := tasks.NewConnector(tasks.StaticCredentials{
		oobkit.AMT:         {{Name: "site", Credential: a.Credential()}},
		oobkit.Redirection: {{Name: "site", Credential: rs.Credential()}},
	})
	conn.Register(oobkit.AMT, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return amt.New(t, c)
	})
	conn.Register(oobkit.Redirection, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return redirect.New(t, c)
	})
	r := tasks.NewRunner(conn, tasks.WithProbe(nil), tasks.WithTargetProtocols(func(oobkit.Target) []oobkit.Protocol {
		return []oobkit.Protocol{oobkit.AMT}
	}))

	task := &tasks.IDERBootTask{Source: &redirect.Image{R: bytes.NewReader(image), Size: int64(len(image))}, Start: "now"}
	done := make(chan tasks.Result, 1)
	go func() {
		done <- r.RunTarget(context.Background(), &tasks.Job{Name: "ider", Steps: []tasks.Step{{ID: "ider", Task: task}}}, target)
	}()
	boot := <-rs.Boots() // the simulated BIOS read the image
	res := <-done
	out := res.Output("ider").(*tasks.IDERBootOutput)
	fmt.Println(res.Status, "via", res.Protocol, "action:", out.Boot.Action, "ended by:", out.EndedBy)
	fmt.Println("firmware read", boot.Bytes, "bytes, hash ok:", boot.Err == nil, "; served", out.Session.BytesSent >= uint64(len(image)))
	fmt.Println("AMT last boot:", a.BootState().LastBoot, "on:", a.PowerState().IsOn())
	// Output:
	// ok via amt action: on ended by: device
	// firmware read 1048576 bytes, hash ok: true ; served true
	// AMT last boot: ider-cd on: true
}
