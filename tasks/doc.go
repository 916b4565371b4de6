// Package tasks is oobkit's one-to-many engine, the Real-Time System
// Manager "Task Server" as a library: tasks that act on one computer, jobs
// of ordered tasks whose later steps read earlier outputs, a runner that fans
// a job out over thousands of computers, schedules, alert rules and an
// activity log.
//
// # Connecting
//
// A [Connector] holds a [Dialer] per protocol (one line per protocol package:
// ipmi.New, amt.New…) and a [Credentials] source, usually
// [ProfileCredentials] over package profile's runtime profile: the job's
// explicit profile, then the default profile, then the credential that last
// worked on the computer; the one that works is reported back. Tasks find
// out what a client can do by type assertion on the oobkit capability
// interfaces ([oobkit.PowerController], [oobkit.InventoryReader]…), and pick
// among protocols by preference order ([Env.First]). Every step result says
// which protocol acted and which were tried.
//
// # Tasks
//
// Built in, and named so in job files: "power" ([PowerTask]: on, off,
// shutdown, reset, reboot, cycle, to-BIOS, with boot options such as lock
// keyboard, and "restore" of an earlier step's state; graceful actions go
// through WMI first, then hard out of band), "powerstate", "boot"
// ([BootTask]: PXE, disk, CD, floppy, IDE-R device), "inventory" (merged
// from every protocol that answers; output status "partial", with a step
// note naming each missing class, when a device lacked some), "discover" (which protocols answer),
// "portcheck", "eventlog", "alerts" ([AlertSettingsTask]) and "filter"
// ([NetworkFilterTask]: AMT System Defense remediation, limit PING, allow
// all or a custom policy, verified before it is applied; removed; or read back
// with policy "status", or in the filter file format with "export") and
// "ider" ([IDERBootTask]: serve a disk image over IDE redirection, boot the
// computer from it through AMT and report the session's statistics),
// "bios" ([BIOSTask], through DASH), and through WMI "password"
// ([LocalPasswordTask]), "users" ([LocalUsersTask]), "process" ([ProcessTask]) and "service"
// ([ServiceTask]); through LDAPS to a domain controller (the target)
// "domainpassword" ([DomainPasswordTask], many accounts). Secrets a task needs (a BIOS or new account password)
// are set by a program or read from an environment variable where the task
// runs; they never travel in a job's JSON.
// Products add their own with [RegisterKind].
//
// # Running
//
// [Runner.Run] runs a [Job] on every target with bounded concurrency, a
// per-target deadline, retries with backoff for the error classes where a
// retry helps (unreachable, busy), a quick reachability probe that skips
// dead hosts early ([TCPProbe]), cancellation and progress events. The
// [Report] holds one [Result] per target whose Status, Code
// ([oobkit.ReturnCode]), Class, DeviceCode and Step say why a target failed
// in one field. [Runner.RunTarget] runs the job on one target with the same
// semantics; a distributed executor (tasks/jetstream) calls it on workers.
//
// A mixed fleet runs one job: a step with [Step.SkipUnsupported] skips the
// computers that lack its capability (an IPMI server has no System
// Defense), reported [StatusSkipped] with class "unsupported", and their
// following steps run.
//
// # Scheduling, alerts, audit
//
// A [Scheduler] runs jobs once, at a time or on a cron expression, without
// overlapping runs of the same entry. An [AlertHandler] runs a job on the
// computer that sent an event matching an [AlertRule] ("turn off computers in
// critical state"). Both run jobs through an [Executor]: a [Runner] in
// this process, or tasks/jetstream's Dispatcher on workers ([RunJob],
// [RunScheduledJob], [DurableScheduler]). An [ActivityLog] records who ran what, where, through
// which protocol and with what result, as JSON lines, never a secret.
package tasks
