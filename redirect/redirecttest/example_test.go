package redirecttest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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

// With EndAfterBoot the device ends the IDE-R session once the firmware is
// done, so the client can simply wait; a failed boot (here an image that is
// not a whole number of sectors, so the padded read does not match the
// expected hash) ends it too, and the report says why.
func ExampleConfig_endAfterBoot() {
	img := bytes.Repeat([]byte("boot"), 1000) // 4000 bytes: not a whole 2048-byte sector
	sum := sha256.Sum256(img)
	sim, err := redirecttest.NewServer(redirecttest.Config{
		EndAfterBoot: true,
		Firmware:     redirecttest.Boot(redirecttest.BootOptions{Device: redirecttest.CD, SHA256: hex.EncodeToString(sum[:])}),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sim.Close()

	c, _ := redirect.New(sim.Target(), sim.Credential())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := c.OpenIDER(ctx, redirect.IDEROptions{CD: &redirect.Image{R: bytes.NewReader(img), Size: int64(len(img))}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	fmt.Println("session ended by the device:", s.Wait(ctx) == nil)
	r := <-sim.Boots()
	fmt.Println("bytes read:", r.Bytes, "boot failed:", r.Err != nil)
	// Output:
	// session ended by the device: true
	// bytes read: 4096 boot failed: true
}
