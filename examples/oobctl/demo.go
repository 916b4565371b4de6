package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/connect"
	"github.com/oobkit/oobkit/filter"
	"github.com/oobkit/oobkit/profile"
	"github.com/oobkit/oobkit/simfleet"
	"github.com/oobkit/oobkit/tasks"
)

// demoManagementServer is where the simulated computers reach their
// management server: this process, on loopback. The quarantine keeps its
// flows open.
const demoManagementServer = "127.0.0.1"

// demoStep is one step of the RTSM sample job.
type demoStep struct {
	// What the step does, for the output.
	What string
	// AMTOnly marks the steps that need AMT with redirection and System
	// Defense (IDE-R boot, quarantine, its removal): only AMT computers take
	// them.
	AMTOnly bool
	Step    tasks.Step
}

// demoPlan returns the RTSM sample job's steps in order: power on, boot from
// the IDE-R image, quarantine with the default System Defense policy,
// collect inventory, remove the filter, restore the power state, and read
// the state back. Removing the filter and restoring the power state are
// clean-up steps ([tasks.Step.Always]): they run even when a step before them
// failed, so no computer is left quarantined or on.
func demoPlan(image string) []demoStep {
	return []demoStep{
		{What: "power on", Step: tasks.Step{ID: "on", Task: &tasks.PowerTask{Action: oobkit.ActionOn}}},
		{What: "boot from an IDE-R image", AMTOnly: true, Step: tasks.Step{ID: "boot", Task: &tasks.IDERBootTask{Image: image}}},
		{What: "quarantine with the default System Defense policy (verified first)", AMTOnly: true, Step: tasks.Step{ID: "quarantine",
			Task: &tasks.NetworkFilterTask{Policy: tasks.FilterRemediation, ManagementServer: demoManagementServer}}},
		{What: "collect inventory", Step: tasks.Step{ID: "inventory", Task: &tasks.InventoryTask{}}},
		{What: "remove the filter", AMTOnly: true, Step: tasks.Step{ID: "lift", Always: true, Task: &tasks.NetworkFilterTask{Policy: tasks.FilterRemove}}},
		{What: "restore the power state", Step: tasks.Step{ID: "restore", Always: true, Task: &tasks.PowerTask{Restore: "on"}}},
		{What: "read the power state back", Step: tasks.Step{ID: "now", Task: &tasks.PowerStateTask{}}},
	}
}

// demoJob builds the one job the whole mixed fleet runs: the AMT-only
// steps skip the computers that lack their capability
// ([tasks.Step.SkipUnsupported]), which report them skipped (unsupported).
func demoJob(plan []demoStep) *tasks.Job {
	job := &tasks.Job{Name: "rtsm-sample"}
	for _, s := range plan {
		st := s.Step
		st.SkipUnsupported = s.AMTOnly
		job.Steps = append(job.Steps, st)
	}
	return job
}

// hasAMT says whether a simulated computer takes the whole job.
func hasAMT(t oobkit.Target) bool {
	ps := strings.Split(t.Labels[simfleet.LabelProtocols], ",")
	return slices.Contains(ps, string(oobkit.AMT)) && slices.Contains(ps, string(oobkit.Redirection))
}

// demoComputer is what the demo checked on one simulated computer, read
// from the simulators rather than from the SDK's report.
type demoComputer struct {
	Name        string `json:"name"`
	Protocols   string `json:"protocols"`
	Firmware    string `json:"firmware,omitempty"`
	WholeJob    bool   `json:"wholeJob"`
	InitiallyOn bool   `json:"initiallyOn"`
	OnNow       bool   `json:"onNow"`
	Restored    bool   `json:"restored"`
	// Boot is what the host's BIOS read over IDE-R (AMT computers).
	Boot *demoBoot `json:"boot,omitempty"`
	// Quarantine is what the device saw of System Defense (AMT computers).
	Quarantine *simfleet.Quarantine `json:"quarantine,omitempty"`
	// QuarantineOK says the policy was applied once, held while the
	// inventory was read, saw no power change and is gone.
	QuarantineOK bool `json:"quarantineOK,omitempty"`
	// OK says every check on the simulators passed.
	OK bool `json:"ok"`
}

// demoBoot is the IDE-R boot as the simulated firmware saw it.
type demoBoot struct {
	Boots  int    `json:"boots"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
	Error  string `json:"error,omitempty"`
	// Whole says the image was read whole and its hash is the image's.
	Whole bool `json:"whole"`
}

// demoOutput is the demo's JSON output.
type demoOutput struct {
	Steps     []string       `json:"steps"`
	Image     bootImage      `json:"image"`
	Computers []demoComputer `json:"computers"`
	Report    *tasks.Report  `json:"report"`
}

// failed says whether any computer failed the job or a check.
func (o *demoOutput) failed() bool {
	if len(o.Report.Failed()) > 0 {
		return true
	}
	for _, c := range o.Computers {
		if !c.OK {
			return true
		}
	}
	return false
}

func (a *app) cmdDemo(ctx context.Context, args []string) error {
	cfg := simfleet.Config{AMT: 6, IPMI: 2, DASH: 1, WMI: 1}
	pos, err := a.commandArgs("demo", args, func(fs *flag.FlagSet) {
		fs.IntVar(&cfg.AMT, "amt", cfg.AMT, "")
		fs.IntVar(&cfg.IPMI, "ipmi", cfg.IPMI, "")
		fs.IntVar(&cfg.DASH, "dash", cfg.DASH, "")
		fs.IntVar(&cfg.WMI, "wmi", cfg.WMI, "")
	})
	if err != nil {
		return err
	}
	if err := noArgs("demo", pos); err != nil {
		return err
	}
	n := cfg.AMT + cfg.IPMI + cfg.DASH + cfg.WMI
	if cfg.AMT < 0 || cfg.IPMI < 0 || cfg.DASH < 0 || cfg.WMI < 0 || n == 0 || n > 500 {
		return usagef("demo wants between 1 and 500 computers (--amt, --ipmi, --dash, --wmi)")
	}
	dir, err := os.MkdirTemp("", "oobctl-demo-")
	if err != nil {
		return setupf("%w", err)
	}
	defer os.RemoveAll(dir)
	image, err := writeDemoImage(dir)
	if err != nil {
		return setupf("boot image: %w", err)
	}
	cfg.BootImageSHA256 = image.SHA256
	fleet, err := simfleet.New(cfg)
	if err != nil {
		return setupf("simulated fleet: %w", err)
	}
	defer fleet.Close()
	if !a.opt.json {
		fmt.Fprintf(a.stdout, "Simulated fleet on 127.0.0.1: %d AMT devices (firmware %s), %d IPMI BMCs, %d DASH and %d Windows (WMI) computers.\n",
			cfg.AMT, strings.Join(simfleet.Firmwares[:min(cfg.AMT, len(simfleet.Firmwares))], ", "), cfg.IPMI, cfg.DASH, cfg.WMI)
	}
	out, err := a.runDemo(ctx, fleet, image)
	if err != nil {
		return err
	}
	if a.opt.json {
		if err := writeJSON(a.stdout, out); err != nil {
			return err
		}
	} else {
		writeDemoTable(a.stdout, out)
	}
	if out.failed() {
		return errTargetsFailed
	}
	return nil
}

// runDemo runs the sample job on fleet, whose AMT hosts expect image, and
// checks every computer on its simulator.
func (a *app) runDemo(ctx context.Context, fleet *simfleet.Fleet, image bootImage) (*demoOutput, error) {
	// The fleet's profile becomes the default of an in-memory store; the
	// runtime profile resolves it for every computer. (With --nats the
	// workers use their own credentials.)
	store := profile.NewMemoryStore()
	if err := store.Put(ctx, fleet.Profile()); err != nil {
		return nil, setupf("profile: %w", err)
	}
	if err := store.SetDefault(ctx, simfleet.ProfileName); err != nil {
		return nil, setupf("profile: %w", err)
	}
	conn := connect.Default(tasks.ProfileCredentials{Runtime: profile.NewRuntime(store)})

	plan := demoPlan(image.Path)
	job := demoJob(plan)
	if err := job.Validate(); err != nil {
		return nil, err
	}
	out := &demoOutput{Image: image}
	for _, s := range plan {
		what := s.What
		if s.AMTOnly {
			what += " [AMT computers]"
		}
		out.Steps = append(out.Steps, what)
	}
	if !a.opt.json {
		a.writeDemoPlan(out.Steps, image)
	}
	rep, err := a.execute(ctx, conn, job, fleet.Targets())
	if err != nil {
		return nil, err
	}
	out.Report = rep
	for _, c := range fleet.Computers {
		out.Computers = append(out.Computers, checkComputer(c, image))
	}
	return out, nil
}

// writeDemoPlan prints the job and the quarantine policy's verification.
func (a *app) writeDemoPlan(steps []string, image bootImage) {
	fmt.Fprintf(a.stdout, "Job %q (one job for the whole fleet; IPMI, DASH and WMI computers have no IDE-R or System Defense: those steps report them skipped (unsupported)):\n", "rtsm-sample")
	for i, s := range steps {
		fmt.Fprintf(a.stdout, "  %d. %s\n", i+1, s)
	}
	mgmt := netip.MustParseAddr(demoManagementServer)
	if p, err := filter.DefaultRemediation(mgmt, filter.RemediationOptions{}); err == nil {
		rep := filter.Verify(p, filter.RequiredFlows(mgmt, filter.FlowPorts{}))
		passed := 0
		for _, r := range rep.Results {
			if r.Passed {
				passed++
			}
		}
		fmt.Fprintf(a.stdout, "Quarantine policy %q: %d rules; %d of %d flows the management server %s needs pass.\n",
			p.Name, len(p.Rules), passed, len(rep.Results), mgmt)
	}
	fmt.Fprintf(a.stdout, "IDE-R image: %d bytes, sha256 %s…\n\n", image.Size, image.SHA256[:16])
}

// checkComputer reads what the simulators say about one computer.
func checkComputer(c *simfleet.Computer, image bootImage) demoComputer {
	dc := demoComputer{
		Name: c.Target.Name, Protocols: c.Target.Labels[simfleet.LabelProtocols], Firmware: c.Target.Labels["firmware"],
		WholeJob: hasAMT(c.Target), InitiallyOn: c.InitiallyOn, OnNow: c.PowerOn(),
	}
	dc.Restored = dc.OnNow == dc.InitiallyOn
	dc.OK = dc.Restored
	if !dc.WholeJob {
		return dc
	}
	boots := c.BootReports()
	b := &demoBoot{Boots: len(boots)}
	if len(boots) > 0 {
		last := boots[len(boots)-1]
		b.Bytes, b.SHA256 = last.Bytes, last.SHA256
		if last.Err != nil {
			b.Error = last.Err.Error()
		}
		b.Whole = len(boots) == 1 && last.Err == nil && last.Bytes == image.Size && last.SHA256 == image.SHA256
	}
	dc.Boot = b
	q := c.Quarantine()
	dc.Quarantine = &q
	// The inventory is read between quarantine and lift: the device must
	// have answered it (CIM_Processor is one of its classes) under the
	// policy, and no power change may have happened under it.
	dc.QuarantineOK = q.Applied == 1 && q.Served["CIM_Processor"] > 0 && q.PowerChanges == 0 && !q.Active
	dc.OK = dc.OK && b.Whole && dc.QuarantineOK
	return dc
}

// writeDemoTable writes one line per computer: what each step did, what the
// simulators saw, and whether the computer is back where it began.
func writeDemoTable(w io.Writer, out *demoOutput) {
	rep := out.Report
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPUTER\tPROTOCOL\tFIRMWARE\tWAS\tPOWER ON\tIDE-R BOOT\tQUARANTINE\tINVENTORY\tRESTORE\tNOW\tRESTORED\tRESULT\tTIME")
	for i := range rep.Results {
		r := &rep.Results[i]
		c := out.Computers[slices.IndexFunc(out.Computers, func(c demoComputer) bool { return c.Name == r.Target })]
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
		} else if !c.OK {
			result = "CHECK FAILED"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Target, orDash(string(r.Protocol)), orDash(c.Firmware),
			was, on, bootCell(c.Boot), quarantineCell(c), inv, restore, now, yesNo(c.Restored), result, roundDuration(resultDuration(r)))
	}
	_ = tw.Flush()
	writeSummary(w, rep)
}

func bootCell(b *demoBoot) string {
	switch {
	case b == nil:
		return "-"
	case b.Whole:
		return fmt.Sprintf("read %d KiB, hash ok", b.Bytes>>10)
	case b.Error != "":
		return "FAILED: " + b.Error
	}
	return fmt.Sprintf("%d boots, %d bytes", b.Boots, b.Bytes)
}

func quarantineCell(c demoComputer) string {
	switch {
	case c.Quarantine == nil:
		return "-"
	case c.QuarantineOK:
		return "held, lifted"
	case c.Quarantine.Active:
		return "STILL ACTIVE"
	}
	return fmt.Sprintf("applied %d, %d power changes under it", c.Quarantine.Applied, c.Quarantine.PowerChanges)
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
