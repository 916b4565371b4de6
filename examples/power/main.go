// Command power reads and changes the power state of one Intel AMT computer
// with package amt — here a simulated device started by the program itself.
//
// Against a real computer, build the target and credential the same way:
//
//	target := oobkit.Target{Name: "pc-17", Address: "10.1.2.17"}
//	cred := oobkit.UserPassword("admin", os.Getenv("AMT_PASSWORD"))
//	cred.TLS = oobkit.TLSSettings{Enabled: true, PinnedSHA256: "9f…"}
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	// A simulated AMT 12 desktop, switched off.
	dev, err := amttest.NewServer(amttest.Config{Power: oobkit.PowerS5})
	if err != nil {
		return err
	}
	defer dev.Close()

	client, err := amt.New(dev.Target(), dev.Credential())
	if err != nil {
		return err
	}
	defer client.Close()

	state, err := client.PowerState(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "power state: %s\n", state)

	// The power table decides what is possible: a reset of a computer that
	// is off is refused with oobkit.ErrInvalidState, without a request.
	if err := client.SetPower(ctx, oobkit.ActionReset); err != nil {
		fmt.Fprintf(w, "reset refused: %s (return code %d)\n", oobkit.ClassName(err), oobkit.ReturnCode(err))
	}

	if err := client.SetPower(ctx, oobkit.ActionOn); err != nil {
		return err
	}
	if state, err = client.PowerState(ctx); err != nil {
		return err
	}
	fmt.Fprintf(w, "after power on: %s\n", state)
	return nil
}
