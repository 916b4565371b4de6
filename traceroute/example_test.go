package traceroute_test

import (
	"context"
	"fmt"
	"time"

	"github.com/oobkit/oobkit/traceroute"
)

// Trace the route to a computer and print each hop.
func ExampleTrace() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := traceroute.Trace(ctx, "127.0.0.1", traceroute.Options{Method: traceroute.UDP, MaxHops: 3})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Reached, len(res.Hops), res.Hops[0].Addr)
	// Output: true 1 127.0.0.1
}
