package jetstream_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
	"github.com/oobkit/oobkit/tasks"
	"github.com/oobkit/oobkit/tasks/jetstream"
)

// A job over three simulated BMCs, run by one dispatcher and two workers
// through an embedded NATS server. In production the server is a NATS
// deployment and each worker runs in its own process, near its site.
func Example() {
	fleet, _ := ipmitest.NewFleet(3, ipmitest.Config{})
	defer fleet.Close()
	fleet.BMCs[1].SetPowerOn(true)

	dir, _ := os.MkdirTemp("", "nats")
	defer os.RemoveAll(dir)
	ns, _ := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true})
	ns.Start()
	defer ns.WaitForShutdown()
	defer ns.Shutdown()
	ns.ReadyForConnections(10 * time.Second)

	ctx, stopWorkers := context.WithCancel(context.Background())
	defer stopWorkers()
	done := make(chan error, 2)
	for range 2 {
		// Each worker: its own connection, dialers and credentials.
		nc, _ := nats.Connect(ns.ClientURL())
		defer nc.Close()
		js, _ := natsjs.New(nc)
		conn := tasks.NewConnector(tasks.StaticCredentials{oobkit.IPMI: {{Name: "lab",
			Credential: oobkit.UserPassword(ipmitest.BMCUser, ipmitest.BMCPassword)}}})
		conn.Register(oobkit.IPMI, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
			return ipmi.New(t, c)
		})
		w := jetstream.NewWorker(js, tasks.NewRunner(conn), jetstream.WorkerOptions{})
		go func() { done <- w.Run(ctx) }()
	}

	nc, _ := nats.Connect(ns.ClientURL())
	defer nc.Close()
	js, _ := natsjs.New(nc)
	d := jetstream.NewDispatcher(js, jetstream.DispatcherOptions{Timeout: time.Minute})
	job := &tasks.Job{Name: "status", Steps: []tasks.Step{{ID: "state", Task: &tasks.PowerStateTask{}}}}
	rep, err := d.Run(context.Background(), job, fleet.Targets())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, res := range rep.Results {
		var out tasks.PowerStateOutput
		_, _ = jetstream.DecodeOutput(&res, "state", &out)
		fmt.Println(res.Target, res.Status, res.Protocol, out.State)
	}
	stopWorkers()
	fmt.Println(<-done, <-done)
	// Output:
	// bmc-0 ok ipmi legacy-off:13
	// bmc-1 ok ipmi legacy-on:12
	// bmc-2 ok ipmi legacy-off:13
	// <nil> <nil>
}
