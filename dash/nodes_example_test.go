package dash_test

import (
	"context"
	"fmt"

	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
)

// Read the "Sensors" node (DSP1009): numeric sensors with their value and
// unit, discrete ones with their state.
func ExampleClient_Sensors() {
	sim, err := dashtest.NewServer(dashtest.Config{})
	if err != nil {
		panic(err)
	}
	defer sim.Close()
	c, err := dash.New(sim.Target(), sim.Credential())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	sensors, err := c.Sensors(context.Background())
	if err != nil {
		panic(err)
	}
	for _, s := range sensors {
		if s.Value != nil {
			fmt.Printf("%s: %g %s (%s)\n", s.Name, *s.Value, s.Unit, s.State)
		} else {
			fmt.Printf("%s: %s\n", s.Name, s.State)
		}
	}
	// Output:
	// CPU Temperature: 45 °C (Normal)
	// 12V Rail: 12.05 V (Normal)
	// Chassis Intrusion: Normal
}
