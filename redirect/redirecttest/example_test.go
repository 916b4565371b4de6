package redirecttest_test

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// A simulated device serving TLS with a pinned certificate, booting a
// floppy image and checking its hash.
func ExampleNewServer() {
	img := bytes.Repeat([]byte{0xF6}, 1474560) // a blank 1.44 MB floppy
	sim, err := redirecttest.NewServer(redirecttest.Config{
		TLS:      true,
		Firmware: redirecttest.Boot(redirecttest.BootOptions{Device: redirecttest.Floppy}),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sim.Close()

	c, _ := redirect.New(sim.Target(), sim.Credential()) // the credential pins the certificate
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.OpenIDER(ctx, redirect.IDEROptions{Floppy: &redirect.Image{R: bytes.NewReader(img), Size: int64(len(img))}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	r := <-sim.Boots()
	fmt.Println(r.Device, r.Blocks, r.BlockSize, r.Err)
	// Output: floppy 2880 512 <nil>
}
