package main

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/oobkit/oobkit/connect"
	"github.com/oobkit/oobkit/filter"
	"github.com/oobkit/oobkit/rollout"
	"github.com/oobkit/oobkit/tasks"
)

// cmdFilter handles System Defense policies. verify works on a policy file
// (or the default quarantine policy) without touching any computer; apply,
// remove and status act on the computers of the command line through AMT
// (tasks "filter", with policy status for status).
func (a *app) cmdFilter(ctx context.Context, args []string) error {
	var mgmt, policyName, taskServer, iface, out string
	var httpPort, ticklePort uint
	var force, nsOnly bool
	var waves, confirmCmd string
	var policyTimeout time.Duration
	var addPorts, removePorts stringList
	pos, err := a.commandArgs("filter", args, func(fs *flag.FlagSet) {
		fs.StringVar(&mgmt, "mgmt", "", "")
		fs.UintVar(&httpPort, "http-port", 0, "")
		fs.UintVar(&ticklePort, "tickle-port", 0, "")
		fs.StringVar(&policyName, "policy", "", "")
		fs.BoolVar(&force, "force", false, "")
		fs.Var(&addPorts, "add-port", "")
		fs.Var(&removePorts, "remove-port", "")
		fs.StringVar(&taskServer, "task-server", "", "")
		fs.BoolVar(&nsOnly, "ns-only", false, "")
		fs.StringVar(&iface, "interface", "", "")
		fs.StringVar(&out, "out", "", "")
		fs.StringVar(&waves, "waves", "1,10%,100%", "")
		fs.StringVar(&confirmCmd, "confirm-cmd", "", "")
		fs.DurationVar(&policyTimeout, "policy-timeout", rollout.DefaultTimeout, "")
	})
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("filter wants verify [FILE], apply [FILE], rollout [FILE], ports, export, remove or status")
	}
	if httpPort > 65535 || ticklePort > 65535 {
		return usagef("--http-port and --tickle-port must be ports")
	}
	edits := portEdits{add: addPorts, remove: removePorts, taskServer: taskServer, nsOnly: nsOnly}
	if pos[0] != "apply" && pos[0] != "verify" && pos[0] != "ports" && pos[0] != "rollout" && edits.any() {
		return usagef("--add-port, --remove-port, --task-server and --ns-only edit the quarantine policy of filter apply, verify and ports")
	}
	if pos[0] != "export" && (iface != "" || out != "") {
		return usagef("--interface and --out are for filter export")
	}
	switch pos[0] {
	case "verify":
	case "apply":
		t := &tasks.NetworkFilterTask{Policy: policyName, ManagementServer: mgmt, HTTPPort: uint16(httpPort), TicklePort: uint16(ticklePort), Force: force}
		edits.set(t)
		return a.filterApply(ctx, pos[1:], t)
	case "rollout":
		t := &tasks.NetworkFilterTask{ManagementServer: mgmt, HTTPPort: uint16(httpPort), TicklePort: uint16(ticklePort), Force: force}
		edits.set(t)
		return a.filterRollout(ctx, pos[1:], t, waves, confirmCmd, policyTimeout)
	case "ports":
		if len(pos) > 1 {
			return usagef("filter ports takes no arguments")
		}
		return a.filterPorts(mgmt, uint16(httpPort), uint16(ticklePort), edits)
	case "export":
		if len(pos) > 1 {
			return usagef("filter export takes no arguments (--out FILE or DIR)")
		}
		return a.filterExport(ctx, iface, out)
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
	if len(pos) == 2 && edits.any() {
		return usagef("filter verify: the port flags edit the quarantine policy, not a policy file")
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
	} else {
		t := &tasks.NetworkFilterTask{ManagementServer: mgmt, HTTPPort: ports.HTTP, TicklePort: ports.Tickle}
		edits.set(t)
		// The task builds the policy with the same edits apply makes.
		if policy, err = t.BuildPolicy(); err != nil {
			return usagef("%v", err)
		}
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
func (a *app) filterApply(ctx context.Context, pos []string, t *tasks.NetworkFilterTask) error {
	if len(pos) > 1 {
		return usagef("filter apply takes at most one policy file")
	}
	policyName, mgmt := t.Policy, t.ManagementServer
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
	case tasks.FilterRemove, tasks.FilterStatus, tasks.FilterExport:
		return usagef("use filter %s", t.Policy)
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

// portEdits are the flags that edit the quarantine policy's kept ports.
type portEdits struct {
	add, remove []string
	taskServer  string
	nsOnly      bool
}

func (e portEdits) any() bool {
	return len(e.add)+len(e.remove) > 0 || e.taskServer != "" || e.nsOnly
}

func (e portEdits) set(t *tasks.NetworkFilterTask) {
	t.AddPorts, t.RemovePorts, t.TaskServer, t.NotificationServerOnly = e.add, e.remove, e.taskServer, e.nsOnly
}

// filterPorts prints the ports the quarantine policy keeps open: the RTSM
// guide's Table C-2 with the command line's edits.
func (a *app) filterPorts(mgmt string, httpPort, ticklePort uint16, edits portEdits) error {
	if mgmt == "" {
		mgmt = "192.0.2.1" // only the IP version and narrowed peers depend on it
	}
	t := &tasks.NetworkFilterTask{ManagementServer: mgmt, HTTPPort: httpPort, TicklePort: ticklePort}
	edits.set(t)
	p, err := t.BuildPolicy()
	if err != nil {
		return usagef("%v", err)
	}
	server, _ := netip.ParseAddr(mgmt)
	opts, err := t.RemediationOptions(server)
	if err != nil {
		return usagef("%v", err)
	}
	list := opts.List(server)
	if a.opt.json {
		rows := make([]map[string]any, 0, len(list))
		for _, k := range list {
			rows = append(rows, map[string]any{"port": k.Port.String(), "type": k.Transport.String(), "direction": k.Directions(),
				"name": k.Name, "peer": portPeer(k), "spec": k.Spec()})
		}
		return writeJSON(a.stdout, map[string]any{"ports": rows, "rules": len(p.Rules)})
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PORT\tTYPE\tDIRECTION\tNAME\tPEER")
	for _, k := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.Port, k.Transport, k.Directions(), orDash(k.Name), portPeer(k))
	}
	_ = tw.Flush()
	fmt.Fprintf(a.stdout, "%d rules; everything else is dropped.\n", len(p.Rules))
	return nil
}

func portPeer(k filter.KeptPort) string {
	switch {
	case k.Transport == filter.TransportEthernet:
		return "-"
	case k.ServerOnly:
		return "management server"
	case k.Peer.Any():
		return "any"
	}
	return k.Peer.String()
}

// filterExport reads back the policy active on one interface of every
// computer and writes it in the filter file format: to standard output or
// --out FILE for one computer, to --out DIR as NAME.xml for several.
func (a *app) filterExport(ctx context.Context, iface, out string) error {
	if iface == "" {
		iface = "wired"
	}
	targets, err := a.loadTargets()
	if err != nil {
		return err
	}
	toDir := len(targets) > 1
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		toDir = true
	}
	if toDir && out == "" && !a.opt.json {
		return usagef("filter export of %d computers needs --out DIR (one file per computer)", len(targets))
	}
	job := oneStep("filter export", &tasks.NetworkFilterTask{Policy: tasks.FilterExport, Interfaces: []string{iface}})
	if job.Protocols, err = a.protocolList(); err != nil {
		return err
	}
	if err := job.Validate(); err != nil {
		return usagef("%v", err)
	}
	var conn *tasks.Connector
	if a.opt.nats == "" {
		creds, err := a.credentials(ctx)
		if err != nil {
			return err
		}
		conn = connect.Default(creds)
	}
	rep, err := a.execute(ctx, conn, job, targets)
	if err != nil {
		return err
	}
	if a.opt.json {
		return a.printReport(rep)
	}
	if toDir {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return setupf("%w", err)
		}
	}
	for i := range rep.Results {
		r := &rep.Results[i]
		o, _ := r.Output("filter").(*tasks.NetworkFilterOutput)
		if r.Status != tasks.StatusOK || o == nil {
			continue
		}
		switch {
		case toDir:
			path := filepath.Join(out, exportFileName(r.Target)+".xml")
			if err := os.WriteFile(path, []byte(o.Export), 0o644); err != nil {
				return setupf("%w", err)
			}
			fmt.Fprintf(a.stderr, "%s: %s policy %q (%d rules) -> %s\n", r.Target, iface, o.Policy, o.Rules, path)
		case out != "":
			if err := os.WriteFile(out, []byte(o.Export), 0o644); err != nil {
				return setupf("%w", err)
			}
			fmt.Fprintf(a.stderr, "%s: %s policy %q (%d rules) -> %s\n", r.Target, iface, o.Policy, o.Rules, out)
		default:
			fmt.Fprint(a.stdout, o.Export)
		}
	}
	if failed := rep.Failed(); len(failed) > 0 {
		writeTable(a.stderr, rep)
		return errTargetsFailed
	}
	return nil
}

// exportFileName makes a target's name safe as a file name.
func exportFileName(target string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r == 0 {
			return '_'
		}
		return r
	}, target)
}
