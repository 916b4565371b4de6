// Package jetstream runs oobkit jobs ([tasks.Job]) across many machines over
// NATS JetStream, for estates one process can no longer reach or drive:
// tens of thousands of computers, several sites.
//
// A [Dispatcher] publishes one work item per target (the job as JSON, the
// target, the job's deadline) to a work-queue stream, on the subject
// <prefix>.<site>.<jobID>. [Worker]s, in any number of processes on any
// number of machines, pull the items of their site, run each with
// [tasks.Runner.RunTarget] using their own Connector, profiles and
// credentials, write the result to a key-value bucket under
// <jobID>.<targetIndex>, and acknowledge. The dispatcher watches the bucket
// and assembles the same [tasks.Report] that [tasks.Runner.Run] returns:
// one Result per target, in the order given, with the same fields.
//
//	// where the job is started
//	d := jetstream.NewDispatcher(js, jetstream.DispatcherOptions{Timeout: 10 * time.Minute})
//	rep, err := d.Run(ctx, job, targets)
//
//	// on each machine that can reach a site's computers
//	w := jetstream.NewWorker(js, runner, jetstream.WorkerOptions{Site: "paris"})
//	err := w.Run(ctx) // until ctx ends
//
// js is a nats.go jetstream.JetStream (jetstream.New(nc)); runner is a
// [tasks.Runner] built with the worker's own dialers and credentials.
//
// # Guarantees
//
//   - A target is reported once. Results are written create-only, so a
//     second delivery of an item (its worker died after writing, or its
//     acknowledgement was lost) finds the result and only acknowledges; a
//     redelivered item is checked before its target runs again.
//   - A worker that dies mid-item (process killed, connection lost) stops
//     acknowledging; JetStream hands the item to another worker after
//     WorkerOptions.AckWait. A target that runs long keeps its item with
//     in-progress acknowledgements every third of AckWait. A worker whose
//     context ends cancels its targets and hands their items back, offered
//     again after its PollWait.
//   - Sites: a target's "site" label (DispatcherOptions.SiteLabel) picks the
//     subject; the workers of a site share one durable consumer filtered on
//     <prefix>.<site>.>, so a worker never takes another site's targets.
//     Targets without the label, and workers without a Site, use "default".
//   - Deadlines: when Run's context ends or DispatcherOptions.Timeout passes,
//     targets without a result report [tasks.StatusCanceled] (class timeout
//     or canceled, as in-process), the job's queued items are removed, and
//     workers cancel the job's targets in progress (told on a core NATS
//     subject; a worker that misses it stops at the deadline the items
//     carry) and write no result for them.
//
// # Progress and schedules
//
// DispatcherOptions.Progress receives TargetStarted events (workers announce
// each target they start on a core NATS subject) and TargetDone events with
// Done and Total, as the in-process runner emits them; StepDone events stay
// on the worker (its own Runner's WithProgress sees them). [RunJob] is
// [tasks.RunJob] over a Dispatcher, for [tasks.Scheduler].
//
// # Differences from in-process results
//
// A Result that crossed JetStream holds each step's Output as the JSON the
// worker wrote (json.RawMessage): marshalling the Report gives the same JSON
// as in-process, and [DecodeOutput] reads an output into its typed form
// (e.g. *tasks.PowerStateOutput). Result.Err returns an error rebuilt from
// the Code, DeviceCode and Error the worker wrote: the same text, and
// errors.Is matches the same class (oobkit.ErrAuth…), though it is not the
// worker's error value.
//
// # What lives on the server
//
// The stream (default OOBKIT_WORK, WorkQueue retention, subjects
// oobkit.work.>), the bucket (default oobkit_results, 24 h TTL) and one
// durable consumer per site (oobkit-worker-<site>) are created on first use
// when missing; existing ones are used as configured, so operators may tune
// replicas and limits. A dispatcher removes a job's results once collected
// unless DispatcherOptions.KeepResults is set. Workers and dispatchers also
// use two core NATS subjects outside the stream: <prefix>-started.<jobID>
// (progress) and <prefix>-ended.<jobID> (cancellation).
//
// # Security
//
// Work items carry no credentials: each worker resolves its own. But a
// worker runs whatever job an item holds (power off included), so anyone
// allowed to publish under the subject prefix can drive the fleet. Secure
// the connection as for any NATS deployment (TLS, user credentials passed to
// nats.Connect) and grant publish permission on <prefix>.> and
// <prefix>-ended.> to dispatchers only.
package jetstream
