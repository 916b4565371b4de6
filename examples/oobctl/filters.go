package main

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"text/tabwriter"

	"github.com/oobkit/oobkit/filter"
	"github.com/oobkit/oobkit/tasks"
)

// cmdFilter handles System Defense policies. verify works on a policy file
// (or the default quarantine policy) without touching any computer. apply,
// remove and status need a filter task in package tasks.
func (a *app) cmdFilter(ctx context.Context, args []string) error {
	var mgmt string
	var httpPort, ticklePort uint
	pos, err := a.commandArgs("filter", args, func(fs *flag.FlagSet) {
		fs.StringVar(&mgmt, "mgmt", "", "")
		fs.UintVar(&httpPort, "http-port", 0, "")
		fs.UintVar(&ticklePort, "tickle-port", 0, "")
	})
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("filter wants verify [FILE], apply, remove or status")
	}
	switch pos[0] {
	case "verify":
	case "apply", "remove", "status":
		if !slices.Contains(tasks.Kinds(), "filter") {
			return setupf("filter %s: this build of package tasks has no filter task yet", pos[0])
		}
		return setupf("filter %s: not wired into oobctl yet", pos[0])
	default:
		return usagef("filter: unknown action %q", pos[0])
	}
	if len(pos) > 2 {
		return usagef("filter verify takes at most one policy file")
	}
	if mgmt == "" {
		return usagef("filter verify needs --mgmt IP, the management server's address")
	}
	server, err := netip.ParseAddr(mgmt)
	if err != nil {
		return usagef("--mgmt: %v", err)
	}
	if httpPort > 65535 || ticklePort > 65535 {
		return usagef("--http-port and --tickle-port must be ports")
	}
	ports := filter.FlowPorts{HTTP: uint16(httpPort), Tickle: uint16(ticklePort)}
	var policy *filter.Policy
	source := "default quarantine policy"
	if len(pos) == 2 {
		data, err := os.ReadFile(pos[1])
		if err != nil {
			return setupf("%w", err)
		}
		if policy, err = filter.Unmarshal(data); err != nil {
			return setupf("policy %s: %w", pos[1], err)
		}
		source = pos[1]
	} else if policy, err = filter.DefaultRemediation(server, filter.RemediationOptions{HTTPPort: ports.HTTP, TicklePort: ports.Tickle}); err != nil {
		return usagef("%v", err)
	}
	rep := filter.Verify(policy, filter.RequiredFlows(server, ports))
	if a.opt.json {
		if err := writeJSON(a.stdout, map[string]any{"policy": source, "ok": rep.OK(), "flows": rep.Results}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(a.stdout, "Policy %s, management server %s:\n", source, server)
		tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "FLOW\tPASSES\tBLOCKED BY")
		for _, r := range rep.Results {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Flow, yesNo(r.Passed), orDash(r.Blocker))
		}
		_ = tw.Flush()
	}
	if !rep.OK() {
		fmt.Fprintln(a.stderr, "oobctl: the policy would cut the computer off from its management server")
		return errTargetsFailed
	}
	return nil
}
