package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
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
	d := jetstream.NewDispatcher(js, jetstream.DispatcherOptions{SiteTimeout: a.opt.timeout, Progress: progress})
	if activity.Operator(ctx) == "" {
		// The operator travels with the work items: workers log who asked.
		ctx = activity.WithOperator(ctx, a.operator())
	}
	rep, err := d.Run(ctx, &sent, targets)
	if err != nil {
		return nil, setupf("dispatch: %w", err)
	}
	var idle []string
	for i := range rep.Results {
		var nw *jetstream.NoWorkerError
		if errors.As(rep.Results[i].Err(), &nw) && !slices.Contains(idle, nw.Site) {
			idle = append(idle, nw.Site)
			fmt.Fprintf(a.stderr, "oobctl: no worker took a computer of site %q within --timeout %s (start one: oobctl worker --nats URL --site %s)\n",
				nw.Site, a.opt.timeout, nw.Site)
		}
	}
	rep.DecodeOutputs()
	return rep, nil
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
