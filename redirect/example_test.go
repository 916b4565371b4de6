package redirect_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// Open a serial-over-LAN terminal and talk to the host's console (here the
// simulator's scripted BIOS).
func ExampleClient_OpenSOL() {
	sim, _ := redirecttest.NewServer(redirecttest.Config{Console: redirecttest.ScriptConsole(
		redirecttest.Step{Expect: "hello", Send: "hi from the BIOS\r\n"},
	)})
	defer sim.Close()

	c, err := redirect.New(sim.Target(), sim.Credential())
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sol, err := c.OpenSOL(ctx, redirect.SOLSettings{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sol.Close()
	io.WriteString(sol, "hello\r")
	line := make([]byte, len("hi from the BIOS\r\n"))
	io.ReadFull(sol, line)
	fmt.Printf("%q\n", line)
	// Output: "hi from the BIOS\r\n"
}

// Serve a CD image over IDE-R to firmware that boots from it.
func ExampleClient_OpenIDER() {
	iso := bytes.Repeat([]byte("oobkit"), 100000) // any io.ReaderAt
	sim, _ := redirecttest.NewServer(redirecttest.Config{Firmware: redirecttest.BootFirmware(redirecttest.CD)})
	defer sim.Close()

	c, _ := redirect.New(sim.Target(), sim.Credential())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.OpenIDER(ctx, redirect.IDEROptions{
		CD:    &redirect.Image{R: bytes.NewReader(iso), Size: int64(len(iso))},
		Start: redirect.StartNow,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	boot := <-sim.Boots()
	fmt.Println("firmware read", boot.Bytes, "bytes in", boot.Blocks, "sectors of", boot.BlockSize, "error:", boot.Err)
	st := s.Stats()
	fmt.Println("reads served:", st.Reads)
	fmt.Println(s.Close())
	// Output:
	// firmware read 600064 bytes in 293 sectors of 2048 error: <nil>
	// reads served: 11
	// <nil>
}

// Errors carry the oobkit class: a disabled feature is ErrUnsupported, a
// session already active is ErrBusy, a wrong password ErrAuth.
func ExampleClient_OpenSOL_errors() {
	sim, _ := redirecttest.NewServer(redirecttest.Config{DisableSOL: true})
	defer sim.Close()
	c, _ := redirect.New(sim.Target(), sim.Credential())
	_, err := c.OpenSOL(context.Background(), redirect.SOLSettings{})
	fmt.Println(errors.Is(err, oobkit.ErrUnsupported), oobkit.ReturnCode(err))

	sim.SetEnabled(redirecttest.SOL, true)
	release := sim.Occupy(redirecttest.SOL)
	_, err = c.OpenSOL(context.Background(), redirect.SOLSettings{})
	fmt.Println(errors.Is(err, oobkit.ErrBusy), oobkit.ReturnCode(err))
	release()

	bad, _ := redirect.New(sim.Target(), oobkit.UserPassword("admin", "wrong"))
	_, err = bad.OpenSOL(context.Background(), redirect.SOLSettings{})
	fmt.Println(errors.Is(err, oobkit.ErrAuth), oobkit.ReturnCode(err))
	// Output:
	// true 6
	// true 7
	// true 4
}

// Hand the KVM channel to a VNC library; it starts with the RFB version.
func ExampleClient_OpenKVM() {
	sim, _ := redirecttest.NewServer(redirecttest.Config{})
	defer sim.Close()
	c, _ := redirect.New(sim.Target(), sim.Credential())
	conn, err := c.OpenKVM(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	ver := make([]byte, 12)
	io.ReadFull(conn, ver)
	fmt.Printf("%q\n", ver)
	// Output: "RFB 003.008\n"
}
