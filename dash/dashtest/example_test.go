package dashtest_test

import (
	"context"
	"fmt"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
	"github.com/oobkit/oobkit/wsmansim"
)

// Many simulated computers share one listener through a wsmansim.Host.
func ExampleComputer_AddTo() {
	h := wsmansim.NewHost()
	if err := h.Start(); err != nil {
		panic(err)
	}
	defer h.Close()
	tr := h.Transport()
	defer tr.CloseIdleConnections()

	for i := 0; i < 3; i++ {
		sim := dashtest.NewComputer(dashtest.Config{Name: fmt.Sprintf("pc-%d", i), Power: oobkit.PowerS5})
		target := sim.AddTo(h, fmt.Sprintf("127.0.0.1:%d", 30000+i))
		c, err := dash.New(target, sim.Credential(), dash.WithTransport(tr))
		if err != nil {
			panic(err)
		}
		err = c.SetPower(context.Background(), oobkit.ActionOn)
		fmt.Println(target.Name, oobkit.ClassName(err), sim.PowerState())
	}
	// Output:
	// pc-0 ok 2
	// pc-1 ok 2
	// pc-2 ok 2
}
