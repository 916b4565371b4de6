package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/examples/internal/simfleet"
	"github.com/oobkit/oobkit/profile"
	"github.com/oobkit/oobkit/tasks"
)

// demoStep is one step of the RTSM sample job: power on, boot from an IDE-R
// image, quarantine, inventory, remove the filter, restore the power state.
type demoStep struct {
	// What the step does, for the output.
	What string
	// Kind is the task kind it needs.
	Kind string
	// Step is the step, nil when this build has no such task.
	Step *tasks.Step
}

// demoPlan returns the sample job's steps in order. A step whose task kind
// this build of package tasks does not have is listed without a Step: it is
// left out of the job, never faked, and the output says so.
func demoPlan() []demoStep {
	return []demoStep{
		{What: "power on", Kind: "power", Step: &tasks.Step{ID: "on", Task: &tasks.PowerTask{Action: oobkit.ActionOn}}},
		{What: "boot from an IDE-R image", Kind: "ider"},
		{What: "quarantine with the default System Defense policy (verified first)", Kind: "filter"},
		{What: "collect inventory", Kind: "inventory", Step: &tasks.Step{ID: "inventory", Task: &tasks.InventoryTask{}}},
		{What: "remove the filter", Kind: "filter"},
		{What: "restore the power state", Kind: "power", Step: &tasks.Step{ID: "restore", Task: &tasks.PowerTask{Restore: "on"}}},
		{What: "read the power state back", Kind: "powerstate", Step: &tasks.Step{ID: "now", Task: &tasks.PowerStateTask{}}},
	}
}

// demoJob builds the job from the plan's available steps.
func demoJob(plan []demoStep) *tasks.Job {
	job := &tasks.Job{Name: "rtsm-sample"}
	for _, s := range plan {
		if s.Step != nil {
			job.Steps = append(job.Steps, *s.Step)
		}
	}
	return job
}

// demoComputer is what the demo checked on one simulated computer, from the
// simulator itself rather than from the SDK's report.
type demoComputer struct {
	Name        string `json:"name"`
	Protocols   string `json:"protocols"`
	Firmware    string `json:"firmware,omitempty"`
	InitiallyOn bool   `json:"initiallyOn"`
	OnNow       bool   `json:"onNow"`
	Restored    bool   `json:"restored"`
}

// demoOutput is the demo's JSON output.
type demoOutput struct {
	Ran        []string       `json:"ran"`
	NotInBuild []string       `json:"notInBuild"`
	Computers  []demoComputer `json:"computers"`
	Report     *tasks.Report  `json:"report"`
}

func (a *app) cmdDemo(ctx context.Context, args []string) error {
	nAMT, nIPMI, nDASH := 6, 2, 1
	pos, err := a.commandArgs("demo", args, func(fs *flag.FlagSet) {
		fs.IntVar(&nAMT, "amt", nAMT, "")
		fs.IntVar(&nIPMI, "ipmi", nIPMI, "")
		fs.IntVar(&nDASH, "dash", nDASH, "")
	})
	if err != nil {
		return err
	}
	if err := noArgs("demo", pos); err != nil {
		return err
	}
	if nAMT < 0 || nIPMI < 0 || nDASH < 0 || nAMT+nIPMI+nDASH == 0 || nAMT+nIPMI+nDASH > 500 {
		return usagef("demo wants between 1 and 500 computers (--amt, --ipmi, --dash)")
	}
	fleet, err := simfleet.Start(simfleet.Config{AMT: nAMT, IPMI: nIPMI, DASH: nDASH})
	if err != nil {
		return setupf("simulated fleet: %w", err)
	}
	defer fleet.Close()

	// The fleet's profile becomes the default of an in-memory store; the
	// runtime profile resolves it for every computer.
	store := profile.NewMemoryStore()
	if err := store.Put(ctx, fleet.Profile()); err != nil {
		return setupf("profile: %w", err)
	}
	if err := store.SetDefault(ctx, simfleet.ProfileName); err != nil {
		return setupf("profile: %w", err)
	}
	conn := newConnector(tasks.ProfileCredentials{Runtime: profile.NewRuntime(store)})

	plan := demoPlan()
	job := demoJob(plan)
	if err := job.Validate(); err != nil {
		return err
	}
	if !a.opt.json {
		fmt.Fprintf(a.stdout, "Simulated fleet: %d AMT devices (firmware %s), %d IPMI BMCs and %d DASH computers on 127.0.0.1.\n",
			nAMT, strings.Join(simfleet.Firmwares[:min(nAMT, len(simfleet.Firmwares))], ", "), nIPMI, nDASH)
		fmt.Fprintf(a.stdout, "Job %q:\n", job.Name)
		for i, s := range plan {
			mark := "runs"
			if s.Step == nil {
				mark = fmt.Sprintf("left out: no %q task kind in this build", s.Kind)
			}
			fmt.Fprintf(a.stdout, "  %d. %-70s %s\n", i+1, s.What, mark)
		}
		fmt.Fprintln(a.stdout)
	}
	rep, err := a.execute(ctx, conn, job, fleet.Targets())
	if err != nil {
		return err
	}
	out := demoOutput{Report: rep}
	for _, s := range plan {
		if s.Step != nil {
			out.Ran = append(out.Ran, s.What)
		} else {
			out.NotInBuild = append(out.NotInBuild, s.What)
		}
	}
	allRestored := true
	for _, c := range fleet.Computers {
		dc := demoComputer{
			Name: c.Target.Name, Protocols: c.Target.Labels[simfleet.LabelProtocols], Firmware: c.Target.Labels["firmware"],
			InitiallyOn: c.InitiallyOn, OnNow: c.PowerOn(),
		}
		dc.Restored = dc.OnNow == dc.InitiallyOn
		allRestored = allRestored && dc.Restored
		out.Computers = append(out.Computers, dc)
	}
	if a.opt.json {
		if err := writeJSON(a.stdout, out); err != nil {
			return err
		}
	} else {
		writeDemoTable(a.stdout, rep, out.Computers)
	}
	if len(rep.Failed()) > 0 || !allRestored {
		return errTargetsFailed
	}
	return nil
}

// writeDemoTable writes one line per computer: what it was, what each step
// did, the state read back and whether the simulator is back where it began.
func writeDemoTable(w io.Writer, rep *tasks.Report, computers []demoComputer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPUTER\tPROTOCOL\tFIRMWARE\tWAS\tPOWER ON\tINVENTORY\tRESTORE\tNOW\tRESTORED\tRESULT\tTIME")
	for i := range rep.Results {
		r := &rep.Results[i]
		c := computers[slices.IndexFunc(computers, func(c demoComputer) bool { return c.Name == r.Target })]
		was, on, inv, restore, now := "-", "-", "-", "-", "-"
		if o, ok := r.Output("on").(*tasks.PowerOutput); ok {
			was = o.Before.Token()
			on = powerCell(o)
		}
		if o, ok := r.Output("inventory").(*tasks.InventoryOutput); ok && o.Inventory != nil {
			inv = fmt.Sprintf("%d items", inventoryItems(o.Inventory))
		}
		if o, ok := r.Output("restore").(*tasks.PowerOutput); ok {
			restore = powerCell(o)
		}
		if o, ok := r.Output("now").(*tasks.PowerStateOutput); ok {
			now = o.State.Token()
		}
		result := string(r.Status)
		if r.Status != tasks.StatusOK {
			result = fmt.Sprintf("%s (%s at step %s)", r.Status, r.Class, r.Step)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Target, orDash(string(r.Protocol)), orDash(c.Firmware),
			was, on, inv, restore, now, yesNo(c.Restored), result, roundDuration(resultDuration(r)))
	}
	_ = tw.Flush()
	writeSummary(w, rep)
}

func powerCell(o *tasks.PowerOutput) string {
	if !o.Changed {
		return "kept"
	}
	return "sent " + o.Action.String()
}

func inventoryItems(inv *oobkit.Inventory) int {
	return len(inv.System) + len(inv.BIOS) + len(inv.Processors) + len(inv.Memory) + len(inv.Disks) +
		len(inv.Network) + len(inv.Sensors) + len(inv.Software) + len(inv.Properties)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "NO"
}
