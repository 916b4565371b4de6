package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/tasks"
	"github.com/oobkit/oobkit/wmi"
)

// runJob runs job over the computers of the command line and prints the
// report; it returns errTargetsFailed when any computer did not succeed.
func (a *app) runJob(ctx context.Context, job *tasks.Job) error {
	targets, err := a.loadTargets()
	if err != nil {
		return err
	}
	if job.Protocols, err = a.protocolList(); err != nil {
		return err
	}
	if err := job.Validate(); err != nil {
		return usagef("%v", err)
	}
	// Workers (--nats) resolve their own credentials.
	var conn *tasks.Connector
	if a.opt.nats == "" {
		var creds tasks.Credentials = tasks.StaticCredentials{}
		if !a.portCheck || a.opt.user != "" || a.opt.profileStore != "" {
			if creds, err = a.credentials(ctx); err != nil {
				return err
			}
		}
		var closeLog func()
		if ctx, conn, closeLog, err = a.connector(ctx, creds, nil); err != nil {
			return err
		}
		defer closeLog()
	}
	rep, err := a.execute(ctx, conn, job, targets)
	a.saveRuntime(ctx)
	if err != nil {
		return err
	}
	return a.printReport(rep)
}

// execute runs job with a progress bar on a terminal: here, or through
// the workers of --nats.
func (a *app) execute(ctx context.Context, conn *tasks.Connector, job *tasks.Job, targets []oobkit.Target) (*tasks.Report, error) {
	bar := newProgressBar(a.stderr, job.Name)
	var progress func(tasks.Progress)
	if bar != nil {
		progress = bar.update
		defer bar.finish()
	}
	if a.opt.nats != "" {
		return a.dispatchNATS(ctx, job, targets, progress)
	}
	rep, err := a.newRunner(conn, progress).Run(ctx, job, targets)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return rep, nil
}

// printReport writes the table or the JSON report.
func (a *app) printReport(rep *tasks.Report) error {
	if a.opt.json {
		if err := writeJSON(a.stdout, rep); err != nil {
			return err
		}
	} else {
		writeTable(a.stdout, rep)
	}
	if len(rep.Failed()) > 0 {
		return errTargetsFailed
	}
	return nil
}

// powerActionNames lists every power action's token, in oobkit's order.
func powerActionNames() []string {
	var out []string
	for a := oobkit.ActionOn; ; a++ {
		s := a.String()
		if strings.HasPrefix(s, "PowerAction(") {
			return out
		}
		out = append(out, s)
	}
}

func oneStep(name string, t tasks.Task) *tasks.Job {
	return &tasks.Job{Name: name, Steps: []tasks.Step{{ID: t.Kind(), Task: t}}}
}

func noArgs(cmd string, pos []string) error {
	if len(pos) > 0 {
		return usagef("%s takes no arguments, got %q", cmd, strings.Join(pos, " "))
	}
	return nil
}

func (a *app) cmdDiscover(ctx context.Context, args []string) error {
	var cidr string
	var ports, tlsPorts []string
	var probeTimeout time.Duration
	pos, err := a.commandArgs("discover", args, func(fs *flag.FlagSet) {
		discoverRangeFlags(fs, &cidr, &ports, &tlsPorts, &probeTimeout)
	})
	if err != nil {
		return err
	}
	if err := noArgs("discover", pos); err != nil {
		return err
	}
	if cidr != "" {
		return a.cmdDiscoverRange(ctx, cidr, ports, tlsPorts, probeTimeout)
	}
	return a.runJob(ctx, oneStep("discover", &tasks.DiscoverTask{}))
}

func (a *app) cmdPower(ctx context.Context, args []string) error {
	var ignoreTable, hard bool
	var grace, countdown time.Duration
	var message string
	pos, err := a.commandArgs("power", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&ignoreTable, "ignore-table", false, "")
		fs.BoolVar(&hard, "hard", false, "")
		fs.DurationVar(&grace, "grace", 0, "")
		fs.StringVar(&message, "message", "", "")
		fs.DurationVar(&countdown, "countdown", 0, "")
	})
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("power wants one of table, status, %s", strings.Join(powerActionNames(), ", "))
	}
	switch pos[0] {
	case "table":
		return writePowerTable(a.stdout)
	case "status":
		return a.runJob(ctx, oneStep("power status", &tasks.PowerStateTask{}))
	}
	action, err := oobkit.ParsePowerAction(pos[0])
	if err != nil {
		return usagef("power: %v", err)
	}
	t := &tasks.PowerTask{Action: action, IgnoreTable: ignoreTable, Hard: hard, GracePeriod: tasks.Duration(grace)}
	if message != "" || countdown > 0 {
		t.SaveData = &tasks.SaveData{Message: message, Countdown: tasks.Duration(countdown)}
	}
	if err := t.Validate(); err != nil {
		return usagef("power: %v", err)
	}
	return a.runJob(ctx, oneStep("power "+action.String(), t))
}

// writePowerTable prints the RTSM guide's Table C-3 as oobkit holds it
// (oobkit.PowerTable), its footnotes, and per state the power actions of
// Table 3-1 that it leaves applicable (oobkit.AvailableActions).
func writePowerTable(w io.Writer) error {
	fmt.Fprintln(w, "Table C-3: Intel AMT power management capabilities (RTSM guide)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tSTATE\tAMT REBOOT\tAMT POWER OFF\tAMT POWER ON\tBOOT REDIRECT\tPOWER STATE (GUIDE)")
	for _, r := range oobkit.PowerTable() {
		fmt.Fprintf(tw, "%d\t%s\t%v\t%v\t%v\t%v\t%s\n", r.State.Code(), r.State.Token(), r.Reboot, r.PowerOff, r.PowerOn, r.BootRedirect, r.State.Name())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "1 %s\n2 %s\n\nApplicable power actions (Table 3-1) by state; other states: none.\n", oobkit.PowerTableNotes[1], oobkit.PowerTableNotes[2])
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, st := range oobkit.PowerStates() {
		acts := oobkit.AvailableActions(st)
		if len(acts) == 0 {
			continue
		}
		labels := make([]string, len(acts))
		for i, a := range acts {
			labels[i] = a.Label()
		}
		fmt.Fprintf(tw, "%v\t%s\n", st, strings.Join(labels, ", "))
	}
	return tw.Flush()
}

func (a *app) cmdBoot(ctx context.Context, args []string) error {
	var noPower, persistent, efi, ignoreTable bool
	pos, err := a.commandArgs("boot", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&ignoreTable, "ignore-table", false, "")
		fs.BoolVar(&noPower, "no-power", false, "")
		fs.BoolVar(&persistent, "persistent", false, "")
		fs.BoolVar(&efi, "efi", false, "")
	})
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("boot wants one device: pxe, hdd, cd, floppy, bios, ider-cd, ider-floppy")
	}
	dev, err := oobkit.ParseBootDevice(pos[0])
	if err != nil {
		return usagef("boot: %v", err)
	}
	t := &tasks.BootTask{Options: oobkit.BootOptions{Device: dev, Persistent: persistent, EFI: efi}, NoPower: noPower, IgnoreTable: ignoreTable}
	return a.runJob(ctx, oneStep("boot "+dev.String(), t))
}

func (a *app) cmdInventory(ctx context.Context, args []string) error {
	pos, err := a.commandArgs("inventory", args, nil)
	if err != nil {
		return err
	}
	if err := noArgs("inventory", pos); err != nil {
		return err
	}
	return a.runJob(ctx, oneStep("inventory", &tasks.InventoryTask{}))
}

func (a *app) cmdEventLog(ctx context.Context, args []string) error {
	var max int
	var logs, types, source string
	var within time.Duration
	var dc bool
	pos, err := a.commandArgs("eventlog", args, func(fs *flag.FlagSet) {
		fs.IntVar(&max, "max", 50, "")
		fs.StringVar(&logs, "log", "", "")
		fs.StringVar(&types, "types", "", "")
		fs.StringVar(&source, "source", "", "")
		fs.DurationVar(&within, "within", 0, "")
		fs.BoolVar(&dc, "dc", false, "")
	})
	if err != nil {
		return err
	}
	if err := noArgs("eventlog", pos); err != nil {
		return err
	}
	if max < 0 {
		return usagef("--max must not be negative")
	}
	if within < 0 {
		return usagef("--within must not be negative")
	}
	task := &tasks.EventLogTask{Max: max, Source: source, Within: tasks.Duration(within), DomainControllerLogs: dc}
	task.Logs = splitList(logs)
	for _, name := range splitList(types) {
		if name == "all" {
			task.Types = wmi.AllEventTypes
			continue
		}
		typ, err := wmi.ParseEventType(name)
		if err != nil {
			return usagef("--types: %q is not an event type (error, warning, information, audit-success, audit-failure, all)", name)
		}
		task.Types = append(task.Types, typ)
	}
	return a.runJob(ctx, oneStep("eventlog", task))
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (a *app) cmdPortCheck(ctx context.Context, args []string) error {
	var ports string
	pos, err := a.commandArgs("portcheck", args, func(fs *flag.FlagSet) {
		fs.StringVar(&ports, "ports", "", "")
	})
	if err != nil {
		return err
	}
	if err := noArgs("portcheck", pos); err != nil {
		return err
	}
	t := &tasks.PortCheckTask{}
	// A port check sends nothing but TCP connections: no credential, and no
	// reachability probe of the management ports, which would skip a
	// computer whose asked ports are the only ones listening.
	a.portCheck = true
	if ports != "" {
		for _, s := range strings.Split(ports, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n < 1 || n > 65535 {
				return usagef("--ports: %q is not a port", s)
			}
			t.Ports = append(t.Ports, n)
		}
	}
	return a.runJob(ctx, oneStep("portcheck", t))
}

func (a *app) cmdJob(ctx context.Context, args []string) error {
	var failed bool
	pos, err := a.commandArgs("job", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&failed, "failed", false, "")
	})
	if err != nil {
		return err
	}
	if len(pos) == 2 && pos[0] == "show" {
		return a.jobShow(pos[1], failed)
	}
	if len(pos) != 2 || pos[0] != "run" {
		return usagef("job wants: job run FILE, or job show REPORT [--failed]")
	}
	job, err := tasks.LoadJob(pos[1])
	switch {
	case errors.Is(err, oobkit.ErrInvalidArgument): // what the file says: a usage error
		return usagef("job file %s: %v", pos[1], err)
	case err != nil:
		return setupf("job file: %w", err)
	}
	return a.runJob(ctx, job)
}
