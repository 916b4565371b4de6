// Command oobsim runs a simulated fleet on loopback until interrupted:
// Intel AMT devices with mixed firmware (some powered off), each with a
// redirection endpoint for SOL and IDE-R, IPMI BMCs, DASH computers and
// Windows computers answering WMI. It writes the
// targets file and a connection profile, and prints how to point oobctl at
// the fleet:
//
//	go run ./examples/oobsim --amt 8 --ipmi 2 --dir /tmp/fleet
//	OOBKIT_PASSWORD=… go run ./examples/oobctl --targets-file /tmp/fleet/targets.yaml --user admin power status
//
// With --faults the last AMT devices misbehave (refused password,
// unprovisioned, an open redirection session); --latency slows every AMT
// answer.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/profile"
	"github.com/oobkit/oobkit/simfleet"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "oobsim: %v\n", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// files are what oobsim writes for oobctl.
type files struct {
	Targets, Profile string
}

// run starts the fleet, writes the files, prints how to use them and waits
// for ctx to end.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("oobsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	nAMT := fs.Int("amt", 8, "number of AMT devices")
	nIPMI := fs.Int("ipmi", 2, "number of IPMI BMCs")
	nDASH := fs.Int("dash", 1, "number of DASH computers")
	nWMI := fs.Int("wmi", 1, "number of Windows computers answering WMI (WinRM, NTLM)")
	faults := fs.Bool("faults", false, "make the last three AMT devices misbehave (auth, unprovisioned, busy)")
	latency := fs.Duration("latency", 0, "delay every AMT answer by this much")
	dir := fs.String("dir", "", "directory for targets.yaml and profile.yaml (default: a new temporary directory)")
	asJSON := fs.Bool("json", false, "write targets.json instead of targets.yaml")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %v", errUsage, fs.Args())
	}
	fleet, err := simfleet.New(simfleet.Config{AMT: *nAMT, IPMI: *nIPMI, DASH: *nDASH, WMI: *nWMI, Faults: *faults})
	if err != nil {
		return err
	}
	defer fleet.Close()
	if *latency > 0 {
		fleet.SetFaults(amttest.Faults{Latency: *latency})
	}
	// What oobsim writes goes when it stops (Ctrl-C included: main's
	// context ends, run returns, the deferred clean-up runs): the profile
	// document holds the simulator's password, and the targets name ports
	// that close with the fleet. A temporary directory goes whole.
	if *dir == "" {
		if *dir, err = os.MkdirTemp("", "oobsim-"); err != nil {
			return err
		}
		defer func() { _ = os.RemoveAll(*dir) }()
	}
	f, err := writeFiles(ctx, fleet, *dir, *asJSON)
	defer func() {
		for _, p := range []string{f.Targets, f.Profile} {
			if p != "" {
				_ = os.Remove(p)
			}
		}
	}()
	if err != nil {
		return err
	}
	printUsage(stdout, fleet, f)
	<-ctx.Done()
	fmt.Fprintln(stderr, "oobsim: stopping")
	return nil
}

// writeFiles writes the targets file and the profile document (with the
// simulator's password, mode 0600) into dir.
func writeFiles(ctx context.Context, fleet *simfleet.Fleet, dir string, asJSON bool) (files, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return files{}, err
	}
	f := files{Targets: filepath.Join(dir, "targets.yaml")}
	data, err := yaml.Marshal(fleet.Targets())
	if asJSON {
		f.Targets = filepath.Join(dir, "targets.json")
		data, err = json.MarshalIndent(fleet.Targets(), "", "  ")
	}
	if err != nil {
		return files{}, err
	}
	if err := os.WriteFile(f.Targets, data, 0o600); err != nil {
		return files{Targets: f.Targets}, err
	}
	f.Profile = filepath.Join(dir, "profile.yaml")
	store := profile.NewMemoryStore()
	if err := store.Put(ctx, fleet.Profile()); err != nil {
		return files{Targets: f.Targets}, err
	}
	var doc bytes.Buffer
	if err := profile.Export(ctx, store, &doc, profile.ExportOptions{Format: profile.YAML, IncludeSecrets: true}); err != nil {
		return files{Targets: f.Targets}, err
	}
	if err := os.WriteFile(f.Profile, doc.Bytes(), 0o600); err != nil {
		return f, err
	}
	return f, nil
}

func printUsage(w io.Writer, fleet *simfleet.Fleet, f files) {
	fmt.Fprintf(w, "oobsim: %d simulated computers on 127.0.0.1 (started %s)\n\n", len(fleet.Computers), time.Now().Format(time.TimeOnly))
	for _, c := range fleet.Computers {
		state := "off"
		if c.InitiallyOn {
			state = "on"
		}
		extra := ""
		if c.Fault != "" {
			extra = "  fault: " + c.Fault
		}
		fmt.Fprintf(w, "  %-8s %-16s ports %v  %s%s\n", c.Target.Name, c.Target.Labels[simfleet.LabelProtocols], c.Target.Ports, state, extra)
	}
	fmt.Fprintf(w, "\ntargets file: %s\nprofile:      %s (simulator password, mode 0600)\n\n", f.Targets, f.Profile)
	fmt.Fprintf(w, "Try (simulator credential, user %s):\n", simfleet.User)
	fmt.Fprintf(w, "  export OOBKIT_PASSWORD='%s'\n", simfleet.Password)
	fmt.Fprintf(w, "  go run ./examples/oobctl --targets-file %s --user %s power status\n", f.Targets, simfleet.User)
	fmt.Fprintf(w, "or with a profile store:\n")
	store := filepath.Join(filepath.Dir(f.Profile), "profiles")
	fmt.Fprintf(w, "  go run ./examples/oobctl --profile-store %s profile put %s\n", store, f.Profile)
	fmt.Fprintf(w, "  go run ./examples/oobctl --profile-store %s --profile %s --targets-file %s inventory\n\n", store, simfleet.ProfileName, f.Targets)
	fmt.Fprintln(w, "Interrupt (Ctrl-C) to stop; the files above are removed then.")
}
