package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
	"unicode"

	"golang.org/x/term"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/tasks"
)

// writeJSON writes v indented.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeTable writes one line per computer: its status, error class, the
// protocol that acted and what each step found (or why it failed).
func writeTable(w io.Writer, rep *tasks.Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPUTER\tADDRESS\tSTATUS\tCLASS\tPROTOCOL\tTIME\tDETAIL")
	for i := range rep.Results {
		r := &rep.Results[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cell(r.Target), cell(r.Address), r.Status, cell(r.Class),
			orDash(cell(string(r.Protocol))), roundDuration(resultDuration(r)), cell(detail(r)))
	}
	_ = tw.Flush()
	writeSummary(w, rep)
}

// writeSummary writes the counts per status and class.
func writeSummary(w io.Writer, rep *tasks.Report) {
	counts := rep.Counts()
	classes := rep.ByClass()
	var parts []string
	for _, s := range []tasks.Status{tasks.StatusOK, tasks.StatusFailed, tasks.StatusSkipped, tasks.StatusCanceled} {
		if n := counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	var cls []string
	for c, n := range classes {
		if c != "ok" {
			cls = append(cls, fmt.Sprintf("%s %d", c, n))
		}
	}
	sort.Strings(cls)
	line := fmt.Sprintf("%d computers: %s", len(rep.Results), strings.Join(parts, ", "))
	if len(cls) > 0 {
		line += " (" + strings.Join(cls, ", ") + ")"
	}
	fmt.Fprintf(w, "%s in %s\n", line, roundDuration(rep.Finished.Sub(rep.Started)))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func roundDuration(d time.Duration) time.Duration {
	if d > time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(100 * time.Microsecond)
}

// detail summarises a computer's result: the error of every step that
// failed (and what the others returned), a step skipped as unsupported,
// or, when no step ran, why.
func detail(r *tasks.Result) string {
	var parts []string
	failed := false
	for _, st := range r.Steps {
		switch st.Status {
		case tasks.StatusFailed, tasks.StatusCanceled:
			failed = true
			parts = append(parts, fmt.Sprintf("step %s: %s", st.ID, stepFailure(&st)))
		case tasks.StatusSkipped:
			parts = append(parts, fmt.Sprintf("step %s: skipped (%s)", st.ID, orDash(st.Class)))
		default:
			if s := summarise(st.Output); s != "" {
				parts = append(parts, s)
			}
		}
	}
	if r.Status != tasks.StatusOK && !failed {
		msg := r.Error
		if r.Step != "" {
			msg = fmt.Sprintf("step %s: %s", r.Step, r.Error)
		}
		parts = append([]string{msg}, parts...)
	}
	return strings.Join(parts, "; ")
}

// stepFailure is a failed step's error; for a discovery where nothing
// answered, each protocol's own failure.
func stepFailure(st *tasks.StepResult) string {
	if o, ok := st.Output.(*tasks.DiscoverOutput); ok && len(o.Answering()) == 0 && len(o.Protocols) > 0 {
		return discoverSummary(o)
	}
	return st.Error
}

// cell makes device text safe for one table cell: control characters
// (newlines, tabs, escape sequences) are written escaped, as Go quotes
// them, so a device's text cannot start a row, shift a column or drive the
// terminal.
func cell(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if !isControl(r) {
			b.WriteRune(r)
			continue
		}
		q := strconv.QuoteRune(r)
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}

func isControl(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }

// summarise says in a few words what a task returned.
func summarise(out any) string {
	switch o := out.(type) {
	case *tasks.PowerStateOutput:
		return o.State.Token()
	case *tasks.PowerOutput:
		if !o.Changed {
			return fmt.Sprintf("was %s, nothing to do", o.Before.Token())
		}
		kind := "sent"
		if o.Graceful {
			kind = "sent gracefully"
		}
		s := fmt.Sprintf("was %s, %s %s", o.Before.Token(), kind, o.Action)
		if o.Via != "" {
			s += " via " + o.Via
		}
		if o.Fallback != "" {
			s += " (" + o.Fallback + ")"
		}
		return s
	case *tasks.BootOutput:
		if o.Action == oobkit.ActionNone {
			return fmt.Sprintf("next boot %s", o.Device)
		}
		return fmt.Sprintf("boot %s (was %s, %s)", o.Device, o.Before.Token(), o.Action)
	case *tasks.InventoryOutput:
		return inventorySummary(o)
	case *tasks.DiscoverOutput:
		return discoverSummary(o)
	case *tasks.PortCheckOutput:
		return portSummary(o)
	case *tasks.EventLogOutput:
		absent := ""
		if len(o.Absent) > 0 {
			absent = fmt.Sprintf(" (no %s log here)", strings.Join(o.Absent, ", "))
		}
		if len(o.Events) == 0 {
			return "no events" + absent
		}
		return fmt.Sprintf("%d events, newest: %s%s", len(o.Events), o.Events[0].Description, absent)
	case *tasks.NetworkFilterOutput:
		if o.Removed {
			return "every System Defense policy removed"
		}
		if o.Status != nil {
			return filterStatusSummary(o.Status)
		}
		return fmt.Sprintf("policy %q (%d rules) on %s", o.Policy, o.Rules, strings.Join(o.Interfaces, ", "))
	case *tasks.IDERBootOutput:
		return fmt.Sprintf("IDE-R served %d bytes in %s, ended by %s%s", o.Session.BytesSent,
			roundDuration(time.Duration(o.Session.Duration)), o.EndedBy, tookOver(o.TookOver))
	case *tasks.SOLOutput:
		return fmt.Sprintf("SOL: %d bytes printed, ended by %s%s", o.Bytes, o.EndedBy, tookOver(o.TookOver))
	case *tasks.AlertSettingsOutput:
		return fmt.Sprintf("alerts set via %v", o.Applied)
	case *tasks.LocalUsersOutput:
		return o.Summary()
	case nil:
		return ""
	case fmt.Stringer:
		return o.String()
	}
	return ""
}

// filterStatusSummary reads a computer's System Defense state back in one line.
func filterStatusSummary(st *tasks.FilterState) string {
	if len(st.Active) == 0 {
		return "no System Defense policy"
	}
	var parts []string
	for _, p := range st.Active {
		parts = append(parts, fmt.Sprintf("%s: %q (%d rules)", p.Interface, p.Policy, p.Rules))
	}
	return strings.Join(parts, ", ")
}

func inventorySummary(o *tasks.InventoryOutput) string {
	inv := o.Inventory
	if inv == nil {
		return "no inventory"
	}
	var parts []string
	for _, s := range inv.System {
		if name := strings.TrimSpace(s.Manufacturer + " " + s.Model); name != "" {
			parts = append(parts, name)
			break
		}
	}
	parts = append(parts, fmt.Sprintf("%d cpu, %d dimm, %d disk, %d nic, %d sensors",
		len(inv.Processors), len(inv.Memory), len(inv.Disks), len(inv.Network), len(inv.Sensors)))
	s := fmt.Sprintf("%s (from %v)", strings.Join(parts, ", "), o.Sources)
	if inv.Partial() {
		var gaps []string
		for _, g := range inv.Missing {
			gaps = append(gaps, fmt.Sprintf("%s %s: %s", g.Protocol, g.Class, g.ErrorClass))
		}
		s += "; partial, missing " + strings.Join(gaps, ", ")
	}
	return s
}

func discoverSummary(o *tasks.DiscoverOutput) string {
	var parts []string
	for _, p := range o.Protocols {
		if !p.Answered {
			continue
		}
		s := string(p.Protocol)
		var keys []string
		for k := range p.Details {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var kv []string
		for _, k := range keys {
			kv = append(kv, k+"="+p.Details[k])
		}
		if len(kv) > 0 {
			s += " (" + strings.Join(kv, " ") + ")"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		var failed []string
		for _, p := range o.Protocols {
			f := string(p.Protocol) + " " + orDash(p.Class)
			if p.Error != "" {
				f += " (" + p.Error + ")"
			}
			failed = append(failed, f)
		}
		if len(failed) == 0 {
			return "nothing answered"
		}
		return "nothing answered: " + strings.Join(failed, "; ")
	}
	return strings.Join(parts, ", ")
}

// progressBar draws "[####....] 12/40  ok 10  failed 2" on a terminal.
type progressBar struct {
	mu     sync.Mutex
	w      io.Writer
	job    string
	ok     int
	failed int
	last   time.Time
}

// newProgressBar returns a bar on w when w is a terminal, else nil.
func newProgressBar(w io.Writer, job string) *progressBar {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &progressBar{w: w, job: job}
}

// update takes a progress event; it is safe for concurrent use.
func (b *progressBar) update(p tasks.Progress) {
	if p.Kind != tasks.TargetDone {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if p.Result != nil && p.Result.Status == tasks.StatusOK {
		b.ok++
	} else {
		b.failed++
	}
	if p.Done < p.Total && time.Since(b.last) < 100*time.Millisecond {
		return
	}
	b.last = time.Now()
	const width = 30
	filled := width
	if p.Total > 0 {
		filled = width * p.Done / p.Total
	}
	fmt.Fprintf(b.w, "\r%s [%s%s] %d/%d  ok %d  failed %d ", b.job, strings.Repeat("#", filled),
		strings.Repeat(".", width-filled), p.Done, p.Total, b.ok, b.failed)
}

// finish ends the bar's line.
func (b *progressBar) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	fmt.Fprintln(b.w)
}

// resultDuration is how long a computer took: the result's duration, or the
// sum of its steps' when the runner left it zero.
func resultDuration(r *tasks.Result) time.Duration {
	if r.Duration > 0 {
		return time.Duration(r.Duration)
	}
	var d time.Duration
	for _, st := range r.Steps {
		d += time.Duration(st.Duration)
	}
	return d
}

// tookOver tells that a step ended another console's session of kind.
func tookOver(kind string) string {
	if kind == "" {
		return ""
	}
	return " (took over: ended another console's " + kind + " session)"
}

// portSummary lists the open, closed (refused: the host is up) and
// filtered (no answer) ports of a port check.
func portSummary(o *tasks.PortCheckOutput) string {
	list := func(ps []int) string {
		s := make([]string, len(ps))
		for i, p := range ps {
			s[i] = strconv.Itoa(p)
		}
		return strings.Join(s, ",")
	}
	var parts []string
	for _, g := range []struct {
		name  string
		ports []int
	}{{"open", o.Open}, {"closed", o.Closed}, {"filtered", o.Filtered}} {
		if len(g.ports) > 0 {
			parts = append(parts, g.name+" "+list(g.ports))
		}
	}
	if len(parts) == 0 {
		return "no port checked"
	}
	return strings.Join(parts, "; ")
}
