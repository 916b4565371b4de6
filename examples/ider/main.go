// Command ider serves a boot image to an Intel AMT computer over IDE
// redirection with package redirect. The image is any io.ReaderAt (a file,
// a bytes.Reader, an mmap); here a generated 4 MiB "CD", served to a
// simulated device whose firmware boots from it and reports the SHA-256 of
// what it read.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	// 4 MiB, a whole number of 2048-byte CD sectors.
	iso := bytes.Repeat([]byte("oobkit boot img\n"), 4<<20/16)
	sum := sha256.Sum256(iso)

	// The simulated firmware boots from the CD drive, checks the image's
	// hash and ends the session once it has booted.
	dev, err := redirecttest.NewServer(redirecttest.Config{
		Firmware:     redirecttest.Boot(redirecttest.BootOptions{Device: redirecttest.CD, SHA256: hex.EncodeToString(sum[:])}),
		EndAfterBoot: true,
	})
	if err != nil {
		return err
	}
	defer dev.Close()

	client, err := redirect.New(dev.Target(), dev.Credential())
	if err != nil {
		return err
	}
	sess, err := client.OpenIDER(ctx, redirect.IDEROptions{
		CD: &redirect.Image{R: bytes.NewReader(iso), Size: int64(len(iso))},
	})
	if err != nil {
		return err
	}
	// In real life the next step is amt.Client.SetNextBoot with
	// oobkit.BootIDERCD and a power on or reset; the simulator boots at once.
	if err := sess.Wait(ctx); err != nil {
		return err
	}
	if err := sess.Close(); err != nil {
		return err
	}
	boot := <-dev.Boots()
	if boot.Err != nil {
		return boot.Err
	}
	fmt.Fprintf(w, "the firmware booted from the %s: %d bytes read, hash matches: %v\n",
		boot.Device, boot.Bytes, boot.SHA256 == hex.EncodeToString(sum[:]))
	return nil
}
