package solterm_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/oobkit/oobkit/redirect/solterm"
)

// A script's command sent to a host's serial console and its answer
// printed. A net.Pipe stands for the session redirect.Client.OpenSOL
// returns; this host hangs up after answering, which ends the bridge (a
// host that stays on ends it by staying quiet for Quiet after the input).
func Example() {
	session, console := net.Pipe()
	go func() { // the host: a shell that answers one command and hangs up
		buf := make([]byte, 64)
		n, _ := console.Read(buf)
		fmt.Fprintf(console, "$ %s", buf[:n])
		fmt.Fprint(console, "Linux\n")
		console.Close()
	}()

	// On a terminal: restore, interactive := solterm.MakeRaw(os.Stdin),
	// and Options{Interactive: interactive} (Ctrl-] quits).
	err := solterm.Bridge(context.Background(), session, strings.NewReader("uname\n"), os.Stdout,
		solterm.Options{Quiet: time.Minute})
	fmt.Println(err)
	// Output:
	// $ uname
	// Linux
	// <nil>
}
