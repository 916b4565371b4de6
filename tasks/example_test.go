package tasks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
	"github.com/oobkit/oobkit/tasks"
)

// Power on every computer, collect inventory, then turn off again only the
// computers that were off — here over two embedded IPMI BMCs, one on and one
// off.
func Example() {
	fleet, err := ipmitest.NewFleet(2, ipmitest.Config{Name: "node"})
	if err != nil {
		panic(err)
	}
	defer fleet.Close()
	fleet.BMCs[0].SetPowerOn(true)

	creds := tasks.StaticCredentials{oobkit.IPMI: {{Name: "lab", Credential: oobkit.UserPassword(ipmitest.BMCUser, ipmitest.BMCPassword)}}}
	conn := tasks.NewConnector(creds)
	conn.Register(oobkit.IPMI, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return ipmi.New(t, c)
	})
	job, err := tasks.ParseJob([]byte(`
name: maintenance
steps:
  - {id: on, task: power, with: {action: on}}
  - {task: inventory}
  - {task: power, with: {restore: on}}
`))
	if err != nil {
		panic(err)
	}
	r := tasks.NewRunner(conn, tasks.WithConcurrency(16), tasks.WithTargetTimeout(30*time.Second))
	rep, err := r.Run(context.Background(), job, fleet.Targets())
	if err != nil {
		panic(err)
	}
	for i, res := range rep.Results {
		on := res.Output("on").(*tasks.PowerOutput)
		fmt.Printf("%s: %s via %s, was %s, powered on by the job: %v, on now: %v\n",
			res.Target, res.Status, res.Protocol, on.Before.Token(), on.Changed, fleet.BMCs[i].PowerOn())
	}
	// Output:
	// node-0: ok via ipmi, was legacy-on, powered on by the job: false, on now: true
	// node-1: ok via ipmi, was legacy-off, powered on by the job: true, on now: false
}

// A job file names tasks by kind; unknown fields are errors.
func ExampleParseJob() {
	_, err := tasks.ParseJob([]byte(`{name: typo, steps: [{task: power, with: {acton: on}}]}`))
	fmt.Println(oobkit.ClassName(err))
	job, _ := tasks.ParseJob([]byte(`{name: status, steps: [{task: powerstate}, {task: portcheck, with: {ports: [16992, 16993]}}]}`))
	for _, st := range job.Steps {
		fmt.Println(st.ID, st.Task.Kind())
	}
	// Output:
	// invalid-argument
	// 0 powerstate
	// 1 portcheck
}

// Read a saved report (oobctl --json, or a file a scheduler wrote) and act
// on why each computer failed: Err works on a report read back from JSON as
// on one the runner returned.
func ExampleResult_Err() {
	saved := []byte(`{"job":"status","results":[
 {"target":"pc-1","address":"192.0.2.1","status":"ok","code":0,"class":"ok","steps":[]},
 {"target":"pc-2","address":"192.0.2.2","status":"failed","code":4,"class":"auth","error":"amt: get: authentication failed","steps":[]},
 {"target":"pc-3","address":"192.0.2.3","status":"failed","code":7,"class":"busy","deviceCode":"0x82","error":"amt: busy (code 0x82)","steps":[]}]}`)
	var rep tasks.Report
	if err := json.Unmarshal(saved, &rep); err != nil {
		panic(err)
	}
	for _, res := range rep.Failed() {
		err := res.Err()
		switch {
		case errors.Is(err, oobkit.ErrAuth):
			fmt.Println(res.Target, "needs a credential:", err)
		case errors.Is(err, oobkit.ErrBusy):
			fmt.Println(res.Target, "is busy, device code", oobkit.DeviceCode(err))
		}
	}
	// Output:
	// pc-2 needs a credential: amt: get: authentication failed
	// pc-3 is busy, device code 0x82
}

// A report read back from a file (or collected over JetStream) holds each
// step's output as JSON; DecodeOutputs types them as the in-process runner
// returns them, by the output type registered with each task kind.
func ExampleReport_DecodeOutputs() {
	var rep tasks.Report
	_ = json.Unmarshal([]byte(`{"job":"status","results":[{"target":"pc-1","status":"ok",
 "steps":[{"id":"state","task":"powerstate","status":"ok","output":{"state":"S0"}}]}]}`), &rep)
	fmt.Printf("%T\n", rep.Results[0].Output("state"))
	rep.DecodeOutputs()
	out := rep.Results[0].Output("state").(*tasks.PowerStateOutput)
	fmt.Printf("%T on=%v\n", out, out.State.IsOn())
	// Output:
	// map[string]interface {}
	// *tasks.PowerStateOutput on=true
}
