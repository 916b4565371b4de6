package jetstream

import (
	"context"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/tasks"
)

// RunJob returns a function for [tasks.Scheduler.Add] that runs job through
// d over the targets targets() returns at each run, and hands each Report to
// onReport (which may be nil): [tasks.RunJob], dispatched over JetStream.
func RunJob(d *Dispatcher, job *tasks.Job, targets func() []oobkit.Target, onReport func(*tasks.Report, error)) func(context.Context) {
	return func(ctx context.Context) {
		rep, err := d.Run(ctx, job, targets())
		if onReport != nil {
			onReport(rep, err)
		}
	}
}
