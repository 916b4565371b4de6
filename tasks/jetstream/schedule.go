package jetstream

import (
	"context"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/tasks"
)

// RunJob returns a function for [tasks.Scheduler.Add] that runs job through
// d over the targets targets() returns at each run, and hands each Report to
// onReport (which may be nil): [tasks.RunJob], dispatched over JetStream.
// A Dispatcher is a [tasks.Executor], so tasks.RunJob, tasks.RunScheduledJob
// and tasks.AlertHandler take it directly; this stays for existing callers.
func RunJob(d *Dispatcher, job *tasks.Job, targets func() []oobkit.Target, onReport func(*tasks.Report, error)) func(context.Context) {
	return tasks.RunJob(d, job, targets, onReport)
}

var _ tasks.Executor = (*Dispatcher)(nil)
