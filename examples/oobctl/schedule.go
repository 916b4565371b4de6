package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/oobkit/oobkit/tasks"
	"github.com/oobkit/oobkit/tasks/jetstream"
)

// schedulePath is the schedule file: --file, else $OOBKIT_SCHEDULES, else
// beside --profile-store.
func (a *app) schedulePath(file string) string {
	switch {
	case file != "":
		return file
	case a.getenv("OOBKIT_SCHEDULES") != "":
		return a.getenv("OOBKIT_SCHEDULES")
	case a.opt.profileStore != "":
		return a.opt.profileStore + ".schedules"
	}
	return ""
}

// scheduleStore opens the durable schedule store: the JetStream key-value
// bucket of --nats, shared by every oobctl that runs schedules there, or
// the file (shared by processes of this machine under its lock). The
// returned function closes what it opened.
func (a *app) scheduleStore(ctx context.Context, file string) (tasks.ScheduleStore, func(), error) {
	if a.opt.nats != "" {
		nc, js, err := a.connectNATS("schedules")
		if err != nil {
			return nil, nil, err
		}
		st, err := jetstream.NewScheduleStore(ctx, js, "")
		if err != nil {
			nc.Close()
			return nil, nil, setupf("%w", err)
		}
		return st, nc.Close, nil
	}
	path := a.schedulePath(file)
	if path == "" {
		return nil, nil, usagef("schedule needs a file: --file FILE, $OOBKIT_SCHEDULES or --profile-store (or --nats)")
	}
	return tasks.NewFileScheduleStore(path), func() {}, nil
}

// cmdSchedule adds, lists, removes and runs durable schedules.
func (a *app) cmdSchedule(ctx context.Context, args []string) error {
	var (
		file, missed string
		once         bool
	)
	pos, err := a.commandArgs("schedule", args, func(fs *flag.FlagSet) {
		fs.StringVar(&file, "file", "", "")
		fs.StringVar(&missed, "missed", string(tasks.MissedRunOnce), "")
		fs.BoolVar(&once, "once", false, "")
	})
	if err != nil {
		return err
	}
	const want = "schedule wants: add NAME SPEC JOBFILE [--missed run-once|skip], list, remove NAME, or run [--once]"
	if len(pos) == 0 {
		return usagef(want)
	}
	switch {
	case pos[0] == "add" && len(pos) == 4:
	case pos[0] == "list" && len(pos) == 1:
	case pos[0] == "remove" && len(pos) == 2:
	case pos[0] == "run" && len(pos) == 1:
	default:
		return usagef(want)
	}
	store, closeStore, err := a.scheduleStore(ctx, file)
	if err != nil {
		return err
	}
	defer closeStore()
	switch pos[0] {
	case "add":
		return a.scheduleAdd(ctx, store, pos[1], pos[2], pos[3], tasks.MissedPolicy(missed))
	case "list":
		return a.scheduleList(ctx, store)
	case "remove":
		if _, _, err := store.Get(ctx, pos[1]); err != nil {
			return setupf("%w", err)
		}
		if err := store.Delete(ctx, pos[1]); err != nil {
			return setupf("%w", err)
		}
		fmt.Fprintf(a.stdout, "schedule %s removed\n", pos[1])
		return nil
	}
	return a.scheduleRun(ctx, store, once)
}

func (a *app) scheduleAdd(ctx context.Context, store tasks.ScheduleStore, name, spec, jobFile string, missed tasks.MissedPolicy) error {
	job, err := tasks.LoadJob(jobFile)
	if err != nil {
		return setupf("job file: %w", err)
	}
	targets, err := a.loadTargets()
	if err != nil {
		return err
	}
	if len(targets) == 0 {
		return usagef("schedule add needs the computers: --target or --targets-file")
	}
	if job.Protocols == nil {
		if job.Protocols, err = a.protocolList(); err != nil {
			return err
		}
	}
	rec := tasks.ScheduleRecord{Name: name, Spec: spec, Missed: missed, Job: job, Targets: targets}
	// Add validates and stamps the creation time; the run function is
	// never called by Add.
	if err := tasks.NewDurableScheduler(store, nil, tasks.DurableOptions{}).Add(ctx, rec); err != nil {
		if errors.Is(err, tasks.ErrScheduleExists) {
			return setupf("%w", err)
		}
		return usagef("%v", err)
	}
	fmt.Fprintf(a.stdout, "schedule %s added: %s, job %s on %d computer(s)\n", name, spec, job.Name, len(targets))
	return nil
}

// scheduleRow is a schedule as list shows it.
type scheduleRow struct {
	tasks.ScheduleRecord
	Next time.Time `json:"next,omitzero"`
}

func (a *app) scheduleList(ctx context.Context, store tasks.ScheduleStore) error {
	names, err := store.List(ctx)
	if err != nil {
		return setupf("%w", err)
	}
	rows := make([]scheduleRow, 0, len(names))
	for _, n := range names {
		rec, _, err := store.Get(ctx, n)
		if errors.Is(err, tasks.ErrScheduleNotFound) {
			continue // removed meanwhile
		} else if err != nil {
			return setupf("%w", err)
		}
		row := scheduleRow{ScheduleRecord: rec}
		if sched, err := rec.Schedule(); err == nil {
			base := rec.Last
			if base.IsZero() {
				base = rec.Created.Add(-time.Nanosecond)
			}
			row.Next = sched.Next(base)
		}
		rows = append(rows, row)
	}
	if a.opt.json {
		return writeJSON(a.stdout, rows)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSPEC\tMISSED\tJOB\tCOMPUTERS\tNEXT\tLAST\tRUNS\tSKIPPED\tTAKEOVERS\tHELD BY")
	for _, r := range rows {
		job, missed, holder := "-", string(r.Missed), "-"
		if r.Job != nil {
			job = r.Job.Name
		}
		if missed == "" {
			missed = string(tasks.MissedRunOnce)
		}
		if r.Lease != nil && !r.Lease.Done {
			holder = r.Lease.Owner
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%d\t%d\t%d\t%s\n", r.Name, r.Spec, missed, job, len(r.Targets),
			when(r.Next), when(r.Last), r.Runs, r.Skipped, r.Takeovers, holder)
	}
	return tw.Flush()
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format(time.DateTime)
}

// scheduleRun runs the schedules due, here or through the workers of
// --nats, until interrupted (or, with once, those due now). Several
// `schedule run` sharing a store run each occurrence once between them.
func (a *app) scheduleRun(ctx context.Context, store tasks.ScheduleStore, once bool) error {
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
	var (
		mu     sync.Mutex // occurrences of several schedules may run at once
		failed bool
	)
	run := func(ctx context.Context, rec tasks.ScheduleRecord, at time.Time) error {
		if rec.Job == nil {
			return fmt.Errorf("schedule %s has no job", rec.Name)
		}
		fmt.Fprintf(a.stderr, "oobctl: schedule %s: occurrence %s: job %s on %d computer(s)\n", rec.Name, at.Local().Format(time.DateTime), rec.Job.Name, len(rec.Targets))
		rep, err := a.execute(ctx, conn, rec.Job, rec.Targets)
		a.saveRuntime(ctx)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			fmt.Fprintf(a.stderr, "oobctl: schedule %s: %v\n", rec.Name, err)
			failed = true
			return err
		}
		if err := a.printReport(rep); err != nil {
			failed = true
		}
		return nil
	}
	host, _ := os.Hostname()
	d := tasks.NewDurableScheduler(store, run, tasks.DurableOptions{Owner: fmt.Sprintf("oobctl-%s-%d", host, os.Getpid())})
	if !once {
		return d.Run(ctx)
	}
	_, err := d.Tick(ctx)
	d.Wait()
	if err != nil {
		return setupf("%w", err)
	}
	if failed {
		return errTargetsFailed
	}
	return nil
}
