// Command sol opens a serial-over-LAN session to an Intel AMT computer with
// package redirect, types a line and prints what the host's serial port
// answers. The computer is a simulated redirection endpoint whose "host"
// is a scripted BIOS.
//
// A SOL session is an io.ReadWriteCloser: wire it to a terminal, an expect
// script or a log file.
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
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
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	dev, err := redirecttest.NewServer(redirecttest.Config{Console: redirecttest.BIOSConsole})
	if err != nil {
		return err
	}
	defer dev.Close()

	client, err := redirect.New(dev.Target(), dev.Credential())
	if err != nil {
		return err
	}
	sol, err := client.OpenSOL(ctx, redirect.SOLSettings{})
	if err != nil {
		return err
	}
	defer sol.Close()

	// Read the BIOS banner up to its prompt, answer it, read the reply.
	r := bufio.NewReader(sol)
	if err := copyUntil(w, r, "> "); err != nil {
		return err
	}
	if _, err := io.WriteString(sol, "boot\r"); err != nil {
		return err
	}
	if err := copyUntil(w, r, "CD...\r\n"); err != nil {
		return err
	}
	return sol.Close()
}

// copyUntil copies from r to w until what was copied ends with marker.
func copyUntil(w io.Writer, r *bufio.Reader, marker string) error {
	var seen strings.Builder
	for !strings.HasSuffix(seen.String(), marker) {
		b, err := r.ReadByte()
		if err != nil {
			return fmt.Errorf("waiting for %q: %w", marker, err)
		}
		seen.WriteByte(b)
	}
	_, err := io.WriteString(w, strings.ReplaceAll(seen.String(), "\r", ""))
	return err
}
