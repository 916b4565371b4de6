package simfleet_test

import (
	"context"
	"fmt"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/connect"
	"github.com/oobkit/oobkit/simfleet"
	"github.com/oobkit/oobkit/tasks"
)

// A program's own test of a job against a mixed fleet: an AMT device, an
// IPMI BMC and a DASH computer, reached through the default connector
// with the fleet's one user, each only over the protocols its label lists.
func Example() {
	fleet, err := simfleet.New(simfleet.Config{AMT: 1, IPMI: 1, DASH: 1})
	if err != nil {
		panic(err)
	}
	defer fleet.Close()

	creds := connect.UserCredentials(simfleet.User, oobkit.NewSecret(simfleet.Password), connect.UserOptions{})
	conn := connect.Default(creds)
	runner := tasks.NewRunner(conn, tasks.WithTargetTimeout(time.Minute),
		tasks.WithTargetProtocols(connect.TargetProtocols(conn.Protocols())))
	job, err := tasks.ParseJob([]byte(`{name: status, steps: [{id: state, task: powerstate}]}`))
	if err != nil {
		panic(err)
	}
	rep, err := runner.Run(context.Background(), job, fleet.Targets())
	if err != nil {
		panic(err)
	}
	for _, res := range rep.Results {
		st := res.Output("state").(*tasks.PowerStateOutput)
		c := fleet.Computer(res.Target)
		fmt.Printf("%s (%s): %s via %s, as the simulator says: %v\n", res.Target, c.Target.Labels[simfleet.LabelProtocols], res.Status, res.Protocol, st.State.IsOn() == c.PowerOn())
	}
	// Output:
	// amt-01 (amt,redirection): ok via amt, as the simulator says: true
	// bmc-01 (ipmi): ok via ipmi, as the simulator says: true
	// dash-01 (dash): ok via dash, as the simulator says: true
}
