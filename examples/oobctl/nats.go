package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/activity"
	"github.com/oobkit/oobkit/tasks"
	"github.com/oobkit/oobkit/tasks/jetstream"
)

// connectNATS connects to --nats and opens JetStream on the connection.
func (a *app) connectNATS(role string) (*nats.Conn, natsjs.JetStream, error) {
	host, _ := os.Hostname()
	nc, err := nats.Connect(a.opt.nats, nats.Name(fmt.Sprintf("oobctl-%s-%s-%d", role, host, os.Getpid())),
		nats.Timeout(10*time.Second))
	if err != nil {
		return nil, nil, setupf("nats %s: %w", a.opt.nats, err)
	}
	js, err := natsjs.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, setupf("nats %s: jetstream: %w", a.opt.nats, err)
	}
	return nc, js, nil
}

// dispatchNATS runs job over the workers listening on --nats. The per
// computer deadline (--timeout) travels with the job, as workers run with
// their own settings.
func (a *app) dispatchNATS(ctx context.Context, job *tasks.Job, targets []oobkit.Target, progress func(tasks.Progress)) (*tasks.Report, error) {
	nc, js, err := a.connectNATS("dispatcher")
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	sent := *job
	if sent.Timeout == 0 {
		sent.Timeout = tasks.Duration(a.opt.timeout)
	}
	if !a.opt.json && progress == nil {
		fmt.Fprintf(a.stderr, "oobctl: %d computers dispatched over %s; waiting for workers (oobctl worker --nats URL)\n", len(targets), a.opt.nats)
	}
	// A site no worker serves would wait forever: when --timeout passes
	// and a site has had no target taken, the job is given up and its
	// computers say which site has no worker.
	w := newSiteWatch()
	d := jetstream.NewDispatcher(js, jetstream.DispatcherOptions{Progress: func(p tasks.Progress) {
		w.progress(p)
		if progress != nil {
			progress(p)
		}
	}})
	siteOf := map[string]string{}
	for _, t := range targets {
		site := d.Site(t)
		siteOf[t.String()] = site
		w.expect(t.String(), site)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	timer := time.AfterFunc(a.opt.timeout, func() {
		if len(w.idle()) > 0 {
			cancel()
		}
	})
	defer timer.Stop()
	if activity.Operator(ctx) == "" {
		// The operator travels with the work items: workers log who asked.
		ctx = activity.WithOperator(ctx, a.operator())
	}
	rep, err := d.Run(ctx, &sent, targets)
	if err != nil {
		return nil, setupf("dispatch: %w", err)
	}
	if idle := w.idle(); len(idle) > 0 && ctx.Err() != nil {
		for _, site := range idle {
			fmt.Fprintf(a.stderr, "oobctl: no worker took a computer of site %q within --timeout %s (start one: oobctl worker --nats URL --site %s)\n",
				site, a.opt.timeout, site)
		}
		for i := range rep.Results {
			r := &rep.Results[i]
			if site := siteOf[r.Target]; r.Status == tasks.StatusCanceled && slices.Contains(idle, site) {
				r.Error = fmt.Sprintf("no worker serves site %q (waited --timeout %s)", site, a.opt.timeout)
			}
		}
	}
	typedOutputs(rep)
	return rep, nil
}

// siteWatch records which sites' targets a worker took.
type siteWatch struct {
	mu      sync.Mutex
	started map[string]bool // site → a worker took one of its targets
	site    map[string]string
}

func newSiteWatch() *siteWatch {
	return &siteWatch{started: map[string]bool{}, site: map[string]string{}}
}

func (w *siteWatch) expect(target, site string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.site[target] = site
	if _, ok := w.started[site]; !ok {
		w.started[site] = false
	}
}

// progress notes the site of a target a worker started or finished. The
// dispatcher's progress names targets, so the site is looked up from the
// worker's announcement: any event means the target's site is served.
func (w *siteWatch) progress(p tasks.Progress) {
	if p.Kind != tasks.TargetStarted && p.Kind != tasks.TargetDone {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if site, ok := w.site[p.Target]; ok {
		w.started[site] = true
	}
}

// idle returns the sites no worker took a target of, sorted.
func (w *siteWatch) idle() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for s, ok := range w.started {
		if !ok {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// cmdWorker takes the work items of one site from JetStream and runs them
// with this process's credentials until interrupted.
func (a *app) cmdWorker(ctx context.Context, args []string) error {
	var site, name string
	pos, err := a.commandArgs("worker", args, func(fs *flag.FlagSet) {
		fs.StringVar(&site, "site", "", "")
		fs.StringVar(&name, "name", "", "")
	})
	if err != nil {
		return err
	}
	if err := noArgs("worker", pos); err != nil {
		return err
	}
	if a.opt.nats == "" {
		return usagef("worker needs --nats URL")
	}
	creds, err := a.credentials(ctx)
	if err != nil {
		return err
	}
	nc, js, err := a.connectNATS("worker")
	if err != nil {
		return err
	}
	defer nc.Close()
	stream, err := jetstream.NewActivityStream(ctx, js, jetstream.ActivityStreamConfig{})
	if err != nil {
		return setupf("%w", err)
	}
	ctx, conn, closeLog, err := a.connector(ctx, creds, stream)
	if err != nil {
		return err
	}
	defer closeLog()
	defer a.saveRuntime(ctx)
	w := jetstream.NewWorker(js, a.newRunner(conn, nil),
		jetstream.WorkerOptions{Site: site, Name: name, Concurrency: a.opt.concurrency})
	fmt.Fprintf(a.stderr, "oobctl worker: taking site %q from %s; interrupt to stop\n", orDefault(site, jetstream.DefaultSite), a.opt.nats)
	err = w.Run(ctx)
	st := w.Stats()
	fmt.Fprintf(a.stderr, "oobctl worker: stopped after reporting %d computers (%d received, %d redelivered, %d handed back)\n",
		st.Reported, st.Received, st.Redelivered, st.Returned)
	if err != nil {
		return setupf("worker: %w", err)
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// outputTypes maps a task kind to its output type, so outputs that crossed
// JetStream as JSON read back as the in-process runner returns them.
var outputTypes = map[string]func() any{
	"power":      func() any { return &tasks.PowerOutput{} },
	"powerstate": func() any { return &tasks.PowerStateOutput{} },
	"boot":       func() any { return &tasks.BootOutput{} },
	"inventory":  func() any { return &tasks.InventoryOutput{} },
	"discover":   func() any { return &tasks.DiscoverOutput{} },
	"portcheck":  func() any { return &tasks.PortCheckOutput{} },
	"eventlog":   func() any { return &tasks.EventLogOutput{} },
	"alerts":     func() any { return &tasks.AlertSettingsOutput{} },
	"filter":     func() any { return &tasks.NetworkFilterOutput{} },
	"ider":       func() any { return &tasks.IDERBootOutput{} },
	"sol":        func() any { return &tasks.SOLOutput{} },
	"bios":       func() any { return &tasks.BIOSOutput{} },
	"password":   func() any { return &tasks.LocalPasswordOutput{} },
	"process":    func() any { return &tasks.ProcessOutput{} },
	"service":    func() any { return &tasks.ServiceOutput{} },
	"users":      func() any { return &tasks.LocalUsersOutput{} },
}

// typedOutputs replaces the JSON outputs of a dispatched report by typed
// values; outputs of unknown kinds stay JSON.
func typedOutputs(rep *tasks.Report) {
	for i := range rep.Results {
		for j := range rep.Results[i].Steps {
			st := &rep.Results[i].Steps[j]
			raw, ok := st.Output.(json.RawMessage)
			newOut := outputTypes[st.Task]
			if !ok || newOut == nil || len(raw) == 0 || string(raw) == "null" {
				continue
			}
			v := newOut()
			if json.Unmarshal(raw, v) == nil {
				st.Output = v
			}
		}
	}
}
