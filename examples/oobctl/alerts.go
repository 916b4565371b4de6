package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/snmp"
)

// cmdAlerts listens for SNMP traps and Platform Event Traps and prints each
// event as it arrives (a line, or one JSON object per line with --json),
// until interrupted.
func (a *app) cmdAlerts(ctx context.Context, args []string) error {
	listen := "127.0.0.1:16162"
	var communities stringList
	pos, err := a.commandArgs("alerts", args, func(fs *flag.FlagSet) {
		fs.StringVar(&listen, "listen", listen, "")
		fs.Var(&communities, "community", "")
	})
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "listen" {
		return usagef("alerts wants: alerts listen [--listen ADDR] [--community C]")
	}
	var opts []snmp.ListenerOption
	if len(communities) > 0 {
		secrets := make([]oobkit.Secret, len(communities))
		for i, c := range communities {
			secrets[i] = oobkit.NewSecret(c)
		}
		opts = append(opts, snmp.WithCommunities(secrets...))
	}
	l, err := snmp.Listen(ctx, listen, opts...)
	if err != nil {
		return setupf("listen: %w", err)
	}
	defer l.Close()
	fmt.Fprintf(a.stderr, "listening for traps on %s\n", l.Addr())
	enc := json.NewEncoder(a.stdout)
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-l.Events():
			if !ok {
				return nil
			}
			if a.opt.json {
				if err := enc.Encode(ev); err != nil {
					return err
				}
				continue
			}
			at := ev.Time
			if at.IsZero() {
				at = time.Now()
			}
			fmt.Fprintf(a.stdout, "%s  %-8s  %-15s  %-13s  %s\n", at.Format("15:04:05"), ev.Source,
				orDash(ev.Target), ev.Severity, ev.Description)
		}
	}
}
