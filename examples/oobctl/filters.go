package main

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"text/tabwriter"

	"github.com/oobkit/oobkit/filter"
	"github.com/oobkit/oobkit/tasks"
)

// cmdFilter handles System Defense policies. verify works on a policy file
// (or the default quarantine policy) without touching any computer; apply,
// remove and status act on the computers of the command line through AMT
// (tasks "filter", with policy status for status).
func (a *app) cmdFilter(ctx context.Context, args []string) error {
	var mgmt, policyName string
	var httpPort, ticklePort uint
	var force bool
	pos, err := a.commandArgs("filter", args, func(fs *flag.FlagSet) {
		fs.StringVar(&mgmt, "mgmt", "", "")
		fs.UintVar(&httpPort, "http-port", 0, "")
		fs.UintVar(&ticklePort, "tickle-port", 0, "")
		fs.StringVar(&policyName, "policy", "", "")
		fs.BoolVar(&force, "force", false, "")
	})
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("filter wants verify [FILE], apply [FILE], remove or status")
	}
	if httpPort > 65535 || ticklePort > 65535 {
		return usagef("--http-port and --tickle-port must be ports")
	}
	switch pos[0] {
	case "verify":
	case "apply":
		return a.filterApply(ctx, pos[1:], mgmt, policyName, uint16(httpPort), uint16(ticklePort), force)
	case "remove":
		if len(pos) > 1 {
			return usagef("filter remove takes no arguments")
		}
		return a.runJob(ctx, &tasks.Job{Name: "filter remove", Steps: []tasks.Step{{ID: "filter", Task: &tasks.NetworkFilterTask{Policy: tasks.FilterRemove}}}})
	case "status":
		if len(pos) > 1 {
			return usagef("filter status takes no arguments")
		}
		return a.runJob(ctx, oneStep("filter status", &tasks.NetworkFilterTask{Policy: tasks.FilterStatus}))
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

// filterApply applies a policy file (custom) or a built-in policy to every
// computer; the task verifies it before anything is sent.
func (a *app) filterApply(ctx context.Context, pos []string, mgmt, policyName string, httpPort, ticklePort uint16, force bool) error {
	if len(pos) > 1 {
		return usagef("filter apply takes at most one policy file")
	}
	t := &tasks.NetworkFilterTask{Policy: policyName, ManagementServer: mgmt, HTTPPort: httpPort, TicklePort: ticklePort, Force: force}
	if len(pos) == 1 {
		if policyName != "" && policyName != tasks.FilterCustom {
			return usagef("filter apply: a policy file and --policy %s are alternatives", policyName)
		}
		data, err := os.ReadFile(pos[0])
		if err != nil {
			return setupf("%w", err)
		}
		// Inline, so that workers elsewhere (--nats) have the policy too.
		t.Policy, t.XML = tasks.FilterCustom, string(data)
	}
	switch t.Policy {
	case "", tasks.FilterRemediation:
		if mgmt == "" {
			return usagef("filter apply needs --mgmt IP, the management server the quarantined computer must still reach")
		}
	case tasks.FilterLimitPing, tasks.FilterAllowAll, tasks.FilterCustom:
	case tasks.FilterRemove:
		return usagef("use filter remove")
	default:
		return usagef("--policy: unknown policy %q (want remediation, limit-ping or allow-all)", t.Policy)
	}
	if mgmt != "" {
		if _, err := netip.ParseAddr(mgmt); err != nil {
			return usagef("--mgmt: %v", err)
		}
	}
	// The policy is verified here first, so a policy that would cut the
	// computers off is refused before any of them is contacted.
	if err := t.Validate(); err != nil {
		return setupf("filter apply: %w", err)
	}
	return a.runJob(ctx, &tasks.Job{Name: "filter apply", Steps: []tasks.Step{{ID: "filter", Task: t}}})
}
