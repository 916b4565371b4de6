package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"text/tabwriter"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/filter"
	"github.com/oobkit/oobkit/rollout"
	"github.com/oobkit/oobkit/tasks"
)

// filterRollout is "filter rollout [FILE] --waves 1,10%,100%": package
// rollout over the computers of the command line, in their order (the
// first are the canaries), each through its AMT client. The confirmation
// that a computer still reaches the management server is --confirm-cmd,
// run once per computer with $OOBKIT_TARGET set to its address (exit 0:
// it reached the server, e.g. its agent checked in); without it, oobctl
// reads back the policy the device holds and checks that the server's
// flows (--mgmt, and the task server's ports with --task-server) pass.
func (a *app) filterRollout(ctx context.Context, pos []string, t *tasks.NetworkFilterTask, waves, confirmCmd string, timeout time.Duration) error {
	if len(pos) > 1 {
		return usagef("filter rollout takes at most one policy file")
	}
	if t.ManagementServer == "" {
		return usagef("filter rollout needs --mgmt IP, the management server every computer must still reach")
	}
	mgmt, err := netip.ParseAddr(t.ManagementServer)
	if err != nil {
		return usagef("--mgmt: %v", err)
	}
	ws, err := rollout.ParseWaves(waves)
	if err != nil {
		return usagef("--waves: %v", err)
	}
	var policy *filter.Policy
	if len(pos) == 1 {
		data, err := os.ReadFile(pos[0])
		if err != nil {
			return setupf("%w", err)
		}
		if policy, err = filter.Unmarshal(data); err != nil {
			return setupf("policy %s: %w", pos[0], err)
		}
	} else if policy, err = t.BuildPolicy(); err != nil {
		return usagef("%v", err)
	}
	flows := filter.RequiredFlows(mgmt, filter.FlowPorts{HTTP: t.HTTPPort, Tickle: t.TicklePort})
	if ts, err := netip.ParseAddr(t.TaskServer); err == nil {
		flows = append(flows, taskServerFlow(ts))
	}
	targets, err := a.loadTargets()
	if err != nil {
		return err
	}
	creds, err := a.credentials(ctx)
	if err != nil {
		return err
	}
	plan := rollout.Plan{Policy: policy, Waves: ws, Timeout: timeout, Concurrency: a.opt.concurrency}
	addr := map[string]string{}
	for _, tg := range targets {
		list, _ := creds.Candidates(ctx, tg, oobkit.AMT)
		if len(list) == 0 {
			return setupf("%s: no AMT credential", tg.Address)
		}
		c, err := amt.New(tg, list[0].Credential)
		if err != nil {
			return setupf("%s: %w", tg.Address, err)
		}
		defer c.Close()
		name := tg.Address
		if tg.Name != "" {
			name = tg.Name
		}
		addr[name] = tg.Address
		plan.Targets = append(plan.Targets, &rollout.AMTTarget{Label: name, Client: c,
			Options: amt.ApplyOptions{Flows: flows, Force: t.Force}})
	}
	plan.Prober = rollout.ProberFunc(func(ctx context.Context, tg rollout.Target) error {
		if confirmCmd != "" {
			cmd := exec.CommandContext(ctx, "/bin/sh", "-c", confirmCmd)
			cmd.Env = append(os.Environ(), "OOBKIT_TARGET="+addr[tg.Name()])
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("--confirm-cmd: %v: %s", err, out)
			}
			return nil
		}
		p, err := tg.(*rollout.AMTTarget).ActivePolicy(ctx)
		if err != nil || p == nil {
			return err
		}
		if f := filter.Verify(p, flows).Failures(); len(f) > 0 {
			return fmt.Errorf("%v", f[0])
		}
		return nil
	})
	rep, runErr := rollout.Run(ctx, plan)
	if rep == nil {
		return setupf("%v", runErr)
	}
	if a.opt.json {
		if err := writeJSON(a.stdout, rep); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "WAVE\tCOMPUTER\tAPPLIED\tREACHED\tCONFIRMED\tREMOVED\tERROR")
		for _, w := range rep.Waves {
			for _, r := range w.Results {
				e := r.Error
				if r.RemoveError != "" {
					e += "; removal: " + r.RemoveError
				}
				fmt.Fprintf(tw, "%d (%s)\t%s\t%s\t%s\t%s\t%s\t%s\n", w.Index, w.Size, r.Target, yesNo(r.Applied), yesNo(r.Reached), yesNo(r.Confirmed), yesNo(r.Removed), orDash(e))
			}
		}
		_ = tw.Flush()
		if len(rep.Untouched) > 0 {
			fmt.Fprintf(a.stdout, "Not given the policy: %d computers\n", len(rep.Untouched))
		}
	}
	if runErr != nil {
		fmt.Fprintf(a.stderr, "oobctl: %v\n", runErr)
		return errTargetsFailed
	}
	return nil
}

// taskServerFlow is a TCP connection from the computer to the task server.
func taskServerFlow(ts netip.Addr) filter.Flow {
	port := filter.TaskServerPorts.First
	return filter.Flow{Name: "task-server", Packets: []filter.Packet{
		{Direction: filter.Transmit, Dst: ts, Protocol: filter.TCP, DstPort: port, Flags: filter.SYN},
		{Direction: filter.Receive, Src: ts, Protocol: filter.TCP, SrcPort: port, Flags: filter.SYN | filter.ACK},
		{Direction: filter.Transmit, Dst: ts, Protocol: filter.TCP, DstPort: port, Flags: filter.ACK | filter.PSH},
		{Direction: filter.Receive, Src: ts, Protocol: filter.TCP, SrcPort: port, Flags: filter.ACK | filter.PSH},
	}}
}
