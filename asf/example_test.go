package asf_test

import (
	"context"
	"fmt"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/asf"
	"github.com/oobkit/oobkit/asf/asftest"
)

// Ping a simulated device, then power it off through an RSP session.
func Example() {
	dev, err := asftest.NewServer(asftest.Config{})
	if err != nil {
		panic(err)
	}
	defer dev.Close()
	c, err := asf.New(dev.Target(), dev.Credential(), asf.WithSecurePort(dev.SecurePort()))
	if err != nil {
		panic(err)
	}
	defer c.Close()
	ctx := context.Background()
	pong, _ := c.Ping(ctx)
	fmt.Println("ASF:", pong.ASF(), "security extensions:", pong.Security)
	if err := c.SetPower(ctx, oobkit.ActionOff); err != nil {
		panic(err)
	}
	st, _ := c.Status(ctx)
	fmt.Println(st.State, "row", st.State.Row())
	// Output:
	// ASF: true security extensions: true
	// S5/G2 soft-off row 6
}
