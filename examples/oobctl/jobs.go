package main

import (
	"context"
	"flag"
	"strconv"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/tasks"
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
		creds, err := a.credentials(ctx)
		if err != nil {
			return err
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
	pos, err := a.commandArgs("discover", args, nil)
	if err != nil {
		return err
	}
	if err := noArgs("discover", pos); err != nil {
		return err
	}
	return a.runJob(ctx, oneStep("discover", &tasks.DiscoverTask{}))
}

func (a *app) cmdPower(ctx context.Context, args []string) error {
	pos, err := a.commandArgs("power", args, nil)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("power wants one of status, on, off, shutdown, reboot, reset, cycle")
	}
	if pos[0] == "status" {
		return a.runJob(ctx, oneStep("power status", &tasks.PowerStateTask{}))
	}
	action, err := oobkit.ParsePowerAction(pos[0])
	if err != nil {
		return usagef("power: %v", err)
	}
	return a.runJob(ctx, oneStep("power "+action.String(), &tasks.PowerTask{Action: action}))
}

func (a *app) cmdBoot(ctx context.Context, args []string) error {
	var noPower, persistent, efi bool
	pos, err := a.commandArgs("boot", args, func(fs *flag.FlagSet) {
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
	t := &tasks.BootTask{Options: oobkit.BootOptions{Device: dev, Persistent: persistent, EFI: efi}, NoPower: noPower}
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
	pos, err := a.commandArgs("eventlog", args, func(fs *flag.FlagSet) {
		fs.IntVar(&max, "max", 50, "")
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
	return a.runJob(ctx, oneStep("eventlog", &tasks.EventLogTask{Max: max}))
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
	if err != nil {
		return setupf("job file: %w", err)
	}
	return a.runJob(ctx, job)
}
