package connect_test

import (
	"fmt"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/connect"
	"github.com/oobkit/oobkit/tasks"
)

// A runner over every protocol, with one user for all of them, that tries
// on each computer only the protocols its "protocols" label lists.
func Example() {
	creds := connect.UserCredentials("admin", oobkit.NewSecret("P@ssw0rd"), connect.UserOptions{})
	conn := connect.Default(creds)
	runner := tasks.NewRunner(conn, tasks.WithTargetProtocols(connect.TargetProtocols(conn.Protocols())))
	_ = runner // runner.Run(ctx, job, targets)

	fmt.Println(conn.Protocols())
	bmc := oobkit.Target{Address: "10.0.0.7", Labels: map[string]string{connect.LabelProtocols: "ipmi"}}
	fmt.Println(connect.TargetProtocols(conn.Protocols())(bmc))
	// Output:
	// [amt dash ipmi wmi snmp redirection asf]
	// [ipmi]
}
