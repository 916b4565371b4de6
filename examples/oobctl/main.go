// Command oobctl manages computers out of band with the oobkit SDK: one thin
// binary, every feature a subcommand, a readable table by default and JSON
// with --json.
//
//	oobctl demo                                   # a simulated fleet, the RTSM sample job end to end
//	oobctl --targets-file fleet.yaml --user admin power status
//	oobctl --target 10.1.2.17 --profile lab --profile-store ~/.oobkit/profiles power on
//	oobctl --targets-file fleet.yaml --user admin filter apply --mgmt 10.0.0.5   # quarantine, verified first
//
// Over NATS JetStream, workers near the computers run what a dispatcher sends:
//
//	oobctl worker --nats nats://mq:4222 --site paris --profile-store ~/.oobkit/profiles
//	oobctl --nats nats://mq:4222 --targets-file fleet.yaml power status
//	oobctl demo --nats nats://mq:4222   # workers on this machine, with the simulator credential
//
// Run `oobctl help` for the commands, flags and exit codes.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
