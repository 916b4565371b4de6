package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/profile"
	"github.com/oobkit/oobkit/simfleet"
)

// Exit codes.
const (
	exitOK     = 0 // every target succeeded
	exitFailed = 1 // the command ran, and at least one target failed, was skipped or canceled
	exitUsage  = 2 // bad flags, arguments or command
	exitSetup  = 3 // could not start: unreadable targets, job or profile file, simulator failure…
)

const usageText = `oobctl manages computers out of band with the oobkit SDK.

Usage: oobctl [flags] COMMAND [ARGS] [flags]

First time? "oobctl demo" starts a simulated fleet and runs the whole sample job on it.

Commands over many targets (a table per computer; --json for scripts):
  discover                          which management protocols answer
  discover --range CIDR             Out of Band Discovery of a range: what each address offers (AMT,
                                    DASH, IPMI, ASF, WMI; SNMP with $OOBKIT_SNMP_COMMUNITY), version,
                                    state, TLS; --port/--tls-port PROTO=N, --probe-timeout 2s
  power status|on|off|shutdown|reboot|reset|cycle|on-to-bios|reset-to-bios|sleep|hibernate|on-to-bios-terminal|reset-to-bios-terminal
      [--ignore-table]              the guide's power actions; each protocol's table decides (AMT: Table C-3),
                                    --ignore-table sends the action anyway (e.g. to leave "unknown:14");
      [--grace 2m] [--hard]         off/shutdown and reset/reboot go graceful first (WS-Man on AMT 9+, else
      [--message M --countdown 1m]  WMI), read back, hard after --grace; --hard skips the graceful attempt;
                                    --message/--countdown show the Windows user a notice first
  power table                       print Table C-3: which AMT power action is possible in which state
  boot DEVICE                       set the next boot (pxe, hdd, cd, floppy, bios, ider-cd, ider-floppy)
                                    and power on or reset; --no-power only sets it, --ignore-table
                                    overrides the power table
  inventory                         hardware inventory merged from every protocol that answers
  eventlog [--max N]                the event log (AMT message log, IPMI SEL, Windows event logs);
                                    Windows logs show errors only unless --types error,warning,...|all;
                                    --log "Application,DNS Server" --source S --within 24h, --dc adds
                                    the domain-controller logs (absent elsewhere)
  users list                        local users and groups with their members (WMI; the guide's
                                    Table A-1 "Manage Local Users and Groups")
  users add-member|remove-member GROUP ACCOUNT
  users enable|disable ACCOUNT      ACCOUNT as COMPUTER\User, .\User or User
  users reset-password ACCOUNT [--admin-user COMPUTER\User]
                                    new password from $OOBKIT_NEW_PASSWORD, typed again in
                                    $OOBKIT_CONFIRM_PASSWORD (required, must match); the
                                    administrative user's from $OOBKIT_ADMIN_PASSWORD (other
                                    names: --password-env, --confirm-env, --admin-password-env)
  diagnose [--protocol amt] [--fix reboot-os]
                                    why a job failed on one computer: the field notes' playbook and the
                                    guide's Table B-1 (ports, detection, TLS, profile, runtime profile,
                                    power state, inventory); names the cause and the next step; changes
                                    nothing unless --fix names the action it proposes
  portcheck [--ports 16992,16993]   which TCP ports (default: the management ports) are open, closed
                                    (refused) or filtered; needs no credential
  traceroute [--method icmp|udp] [--max-hops 30] [--probe-timeout 1s]
                                    the route to each computer (ICMP where the kernel allows, else
                                    UDP); needs no credential
  job run FILE                      run a job file (YAML or JSON, see package tasks)
  job show REPORT [--failed]        the per-computer grid of a saved --json report: status, return
                                    code, class, device code, step, protocol, credential
  filter apply [FILE] [--mgmt IP] [--policy P] [--force]
                                    apply a System Defense policy (default: the quarantine policy,
                                    verified first; P: remediation, limit-ping, allow-all)
                                    quarantine port list (the RTSM guide's Table C-2), repeatable:
                                    --add-port 8443/tcp --remove-port 137 (or 636/udp, 2054/ethernet),
                                    --task-server IP (50120-50124), --ns-only (80, 52028 to --mgmt only)
  filter rollout [FILE] --mgmt IP [--waves 1,10%%,100%%] [--policy-timeout 10m] [--confirm-cmd CMD]
                                    staged rollout: the first computers (canary) first, with the AMT
                                    policy timeout so the filter lifts itself unless confirmed; each
                                    computer must still reach the server (CMD exit 0, $OOBKIT_TARGET;
                                    default: the flows to --mgmt/--task-server through the policy read
                                    back); a failed wave stops and is removed out of band
  filter remove                     remove every System Defense policy
  filter status                     the policy active on each interface
  filter export [--interface wired|wireless] [--out FILE|DIR]
                                    the active policy in the policy file format (XML), to stdout or
                                    FILE for one computer, to DIR/NAME.xml for several

One computer:
  view [--node NAME] [--custom FILE]
                                    the one-to-one view: every node of the guide's Tables A-4, A-5, A-6
                                    as it arrives, each from the first technology of its row that
                                    answers; --custom adds a view file's nodes (view/samples/)
  wsman identify|enum CLASS|get CLASS Name=Value... [--flavor amt|dash|wmi|openwsman]
        [--endpoint URL] [--namespace NS] [--max N]
                                    browse any WS-Management service by class name or resource URI
  wmi query "SELECT ... FROM Class [WHERE ...]" [--max N]
                                    a WQL query through WinRM
  sol [--refuse-if-active]          serial-over-LAN terminal (Ctrl-] quits)
  ider --image FILE|URL [--floppy] [--refuse-if-active]
                                    serve a CD (or floppy) image (a file or an http(s) URL) over IDE-R until
                                    the device ends the session
                                    sol and ider end another console's active session of their kind first
                                    (through AMT, as the RTSM guide's tasks do) unless --refuse-if-active
  kvm [--snapshot FILE.png] [--actions] [--power ACTION] [--rfb-listen ADDR] [--listen ADDR]
                                    the computer's screen: a PNG screenshot, the viewer's power actions
                                    (Table 3-1, as Table C-3 allows now), plain RFB for desktop viewers,
                                    noVNC in a browser (--novnc DIR, from scripts/novnc.sh); consent
                                    code asked on stdin or --consent-code N

Directory (Active Directory or Samba AD, over LDAPS or StartTLS; never plain LDAP):
  password domain --server DC --admin NAME ACCOUNT... [--accounts-file FILE]
      [--starttls] [--ca FILE] [--server-name N] [--pin SHA256]
                                    reset domain user passwords (the guide's Reset Domain Password), one
                                    line per account with the directory's reason (complexity, history,
                                    no such user…); NAME's password in $OOBKIT_ADMIN_PASSWORD (no
                                    --admin: --user's, in $OOBKIT_PASSWORD); the new one in
                                    $OOBKIT_NEW_PASSWORD and again in $OOBKIT_CONFIRM_PASSWORD
                                    (required, must match), or typed twice on a terminal
  password domain --change --server DC ACCOUNT
                                    the user's own change, old password in $OOBKIT_OLD_PASSWORD, the
                                    new one as for a reset

Local:
  filter ports [--add-port …]       the ports the quarantine policy keeps open, with the port flags
  filter verify [FILE] [--mgmt IP]  check that a System Defense policy (XML; default: the quarantine
                                    policy) keeps the computer manageable from the management server
  profile list|show NAME|put FILE|delete NAME|default NAME
                                    connection profiles in --profile-store (put reads a JSON or YAML
                                    document as written by profile.Export)
  profile runtime [import FILE]     the runtime profile: every credential that worked per computer
                                    and protocol (origin, last worked); import adds provisioning
                                    passwords (a YAML or JSON list of address, user, password)
  activity [--computer C] [--operator-is O] [--protocol P] [--operation OP] [--failed]
           [--since 24h|DATE] [--until DATE] [--limit N]
                                    who did what, where, with which protocol (--activity-log, or
                                    the JetStream stream with --nats)
  activity purge [--max-age D] [--max-size 500M]
                                    remove old rotated segments of --activity-log
  schedule add NAME SPEC JOBFILE [--missed run-once|skip]
                                    keep a durable schedule (cron spec, @daily, or "at RFC3339")
                                    of JOBFILE on the computers given, in --file FILE (default
                                    $OOBKIT_SCHEDULES, or beside --profile-store) or with --nats
                                    in the JetStream bucket; missed runs: run once, or skip
  schedule list | remove NAME       show (next, last, runs, holder) or delete schedules
  schedule run [--once]             run the schedules as they come due until interrupted (--once:
                                    those due now); several runners share each occurrence once
  alerts listen [--listen ADDR] [--community C]
                                    print SNMP traps and PETs as they arrive (default 127.0.0.1:16162)
  demo [--amt N] [--ipmi N] [--dash N] [--wmi N]
                                    start a simulated fleet and run the RTSM sample job on it
                                    (with --nats, through workers started with the simulator
                                    credential: OOBKIT_PASSWORD='%s' oobctl worker --nats URL --user %s)

Distributed (NATS JetStream):
  worker --nats URL [--site S]      run the work items of site S (default "default") with this
                                    process's credentials, until interrupted
  --nats URL on any command over many targets dispatches it to the workers instead of running
  it here; a target's "site" label picks the workers that take it.

Flags (before or after the command):
  --target ADDR         a computer's host name or IP address (repeatable)
  --targets-file FILE   a YAML or JSON list of targets (name, address, ports, labels)
  --only NAME[,NAME]    only these computers of --targets-file, by name
  --user NAME           user name for every protocol; the password is read from $OOBKIT_PASSWORD
  --profile NAME        use the connection profile NAME from --profile-store
  --profile-store FILE  the encrypted profile store (key in FILE.key)
  --kdc HOST[:PORT]      sign --user (user@REALM) in with Kerberos on AMT, WMI and redirection,
                        asking this KDC of the realm (WMI then needs --tls)
  --tls                 use TLS (AMT 16993, DASH 664, redirection 16995) with --user
  --pin SHA256          accept exactly this certificate (implies --tls)
  --insecure            do not verify the certificate (implies --tls)
  --protocols LIST      only these protocols, in this order (amt,dash,ipmi,wmi,redirection,snmp)
  --json                write JSON instead of a table
  --concurrency N       computers handled at once (default 64)
  --timeout D           deadline per computer for the whole command (default 2m)
                        (with --nats also how long a site may go without a worker)
  --nats URL            dispatch over NATS JetStream to oobctl workers (see worker)
  --activity-log FILE   log every operation to FILE (JSON lines, rotated; default $OOBKIT_ACTIVITY_LOG)
  --operator NAME       who runs the command, for the activity log (default $USER)
  --allow-unencrypted   let WMI, wsman, wmi query and custom views (OpenWSMan) log on with basic
                        authentication over plain HTTP (a lab WinRM with AllowUnencrypted; never
                        on a production network); without it basic goes over TLS only

Passwords (never on the command line), the same names for every command:
  OOBKIT_PASSWORD          --user's password
  OOBKIT_ADMIN_PASSWORD    the administrative user's (users --admin-user, password domain --admin)
  OOBKIT_NEW_PASSWORD      a new password (users reset-password, password domain)
  OOBKIT_CONFIRM_PASSWORD  the new password typed again: required, and it must match
  OOBKIT_OLD_PASSWORD      the account's old password (password domain --change)

A target labelled protocols=amt,redirection (as oobsim writes them) is only tried
with those protocols.

Exit status: 0 every computer succeeded; 1 at least one failed, was skipped or
canceled; 2 usage error (flags, arguments, the contents of a job or targets
file); 3 could not start (unreadable file, profile store, no NATS…).
`

// usage returns the usage text.
func usage() string { return fmt.Sprintf(usageText, simfleet.Password, simfleet.User) }

// usage returns the usage of the command being run, or all of it.
func (a *app) usage() string {
	if a.cmd == "" {
		return usage()
	}
	return commandUsage(a.cmd)
}

// usageError is a mistake in the command line; it exits 2 with the usage.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

// setupError is a failure before any computer was contacted; it exits 3.
type setupError struct{ err error }

func (e *setupError) Error() string { return e.err.Error() }
func (e *setupError) Unwrap() error { return e.err }

func setupf(format string, args ...any) error { return &setupError{err: fmt.Errorf(format, args...)} }

// errTargetsFailed says some computer failed; the output already told which.
var errTargetsFailed = errors.New("some computers failed")

// options are the global flags.
type options struct {
	targets      stringList
	targetsFile  string
	only         string
	allowPlain   bool
	user         string
	profile      string
	profileStore string
	tls          bool
	pin          string
	insecure     bool
	kdc          string
	protocols    string
	json         bool
	concurrency  int
	timeout      time.Duration
	nats         string
	activityLog  string
	operator     string
}

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// app is one invocation of oobctl.
type app struct {
	opt options
	// cmd is the command being run, once known: help and usage errors
	// show its usage rather than all of it.
	cmd    string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// runtime is the runtime profile loaded from --profile-store, saved
	// back after the command.
	runtime    *profile.Runtime
	runtimeKey profile.Key
	// portCheck says the command is portcheck: no credential needed, no
	// reachability probe.
	portCheck bool
}

// run runs oobctl with args and returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	a.opt.concurrency = 64
	a.opt.timeout = 2 * time.Minute
	err := a.dispatch(ctx, args)
	var ue *usageError
	var se *setupError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, a.usage())
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "oobctl: %s\n\n%s", ue.msg, a.usage())
		return exitUsage
	case errors.Is(err, errTargetsFailed):
		return exitFailed
	case errors.As(err, &se):
		fmt.Fprintf(stderr, "oobctl: %v\n", err)
		return exitSetup
	default:
		fmt.Fprintf(stderr, "oobctl: %v\n", err)
		return exitFailed
	}
}

// flagSet returns a flag set holding the global flags (keeping values
// already parsed) for command name; the caller adds the command's own.
func (a *app) flagSet(name string) *flag.FlagSet {
	o := &a.opt
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(&o.targets, "target", "")
	fs.StringVar(&o.targetsFile, "targets-file", o.targetsFile, "")
	fs.StringVar(&o.only, "only", o.only, "")
	fs.BoolVar(&o.allowPlain, "allow-unencrypted", o.allowPlain, "")
	fs.StringVar(&o.user, "user", o.user, "")
	fs.StringVar(&o.profile, "profile", o.profile, "")
	fs.StringVar(&o.profileStore, "profile-store", o.profileStore, "")
	fs.BoolVar(&o.tls, "tls", o.tls, "")
	fs.StringVar(&o.pin, "pin", o.pin, "")
	fs.BoolVar(&o.insecure, "insecure", o.insecure, "")
	fs.StringVar(&o.kdc, "kdc", o.kdc, "")
	fs.StringVar(&o.protocols, "protocols", o.protocols, "")
	fs.BoolVar(&o.json, "json", o.json, "")
	fs.IntVar(&o.concurrency, "concurrency", o.concurrency, "")
	fs.Func("timeout", "", func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil {
			return errors.New("want a duration such as 30s or 2m")
		}
		o.timeout = d
		return nil
	})
	fs.StringVar(&o.nats, "nats", o.nats, "")
	fs.StringVar(&o.activityLog, "activity-log", o.activityLog, "")
	fs.StringVar(&o.operator, "operator", o.operator, "")
	return fs
}

// parse parses args with fs, flags and positional arguments interleaved.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func (a *app) dispatch(ctx context.Context, args []string) error {
	fs := a.flagSet("oobctl")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return usagef("no command given")
	}
	if err := a.checkOptions(); err != nil {
		return err
	}
	cmd, args := rest[0], rest[1:]
	if cmd != "help" {
		a.cmd = cmd
	}
	switch cmd {
	case "help":
		if len(args) > 0 {
			a.cmd = args[0]
		}
		return flag.ErrHelp
	case "discover":
		return a.cmdDiscover(ctx, args)
	case "power":
		return a.cmdPower(ctx, args)
	case "boot":
		return a.cmdBoot(ctx, args)
	case "inventory":
		return a.cmdInventory(ctx, args)
	case "eventlog":
		return a.cmdEventLog(ctx, args)
	case "portcheck":
		return a.cmdPortCheck(ctx, args)
	case "job":
		return a.cmdJob(ctx, args)
	case "sol":
		return a.cmdSOL(ctx, args)
	case "ider":
		return a.cmdIDER(ctx, args)
	case "kvm":
		return a.cmdKVM(ctx, args)
	case "filter":
		return a.cmdFilter(ctx, args)
	case "diagnose":
		return a.cmdDiagnose(ctx, args)
	case "profile":
		return a.cmdProfile(ctx, args)
	case "alerts":
		return a.cmdAlerts(ctx, args)
	case "demo":
		return a.cmdDemo(ctx, args)
	case "worker":
		return a.cmdWorker(ctx, args)
	case "activity":
		return a.cmdActivity(ctx, args)
	case "schedule":
		return a.cmdSchedule(ctx, args)
	case "users":
		return a.cmdUsers(ctx, args)
	case "view":
		return a.cmdView(ctx, args)
	case "wsman":
		return a.cmdWSMan(ctx, args)
	case "wmi":
		return a.cmdWMI(ctx, args)
	case "traceroute":
		return a.cmdTraceroute(ctx, args)
	case "password":
		return a.cmdPassword(ctx, args) // domainpassword.go
	}
	return usagef("unknown command %q", cmd)
}

// checkOptions refuses contradictory global flags.
func (a *app) checkOptions() error {
	o := a.opt
	if o.concurrency < 1 {
		return usagef("--concurrency must be at least 1")
	}
	if o.timeout <= 0 {
		return usagef("--timeout must be positive")
	}
	if o.pin != "" && o.insecure {
		return usagef("--pin and --insecure contradict each other")
	}
	if o.pin != "" {
		if _, err := (oobkit.TLSSettings{PinnedSHA256: o.pin}).NormalizedPin(); err != nil {
			return usagef("--pin: %v", err)
		}
	}
	if o.user != "" && o.profile != "" {
		return usagef("--user and --profile are alternatives: give one")
	}
	if o.profile != "" && o.profileStore == "" {
		return usagef("--profile needs --profile-store")
	}
	if o.profile != "" && (o.tls || o.pin != "" || o.insecure) {
		return usagef("--tls, --pin and --insecure go with --user; a profile carries its own TLS settings")
	}
	if o.kdc != "" && (o.user == "" || !strings.Contains(o.user, "@")) {
		return usagef("--kdc goes with --user user@REALM")
	}
	if _, err := a.protocolList(); err != nil {
		return err
	}
	return nil
}

// protocolList parses --protocols.
func (a *app) protocolList() ([]oobkit.Protocol, error) {
	if a.opt.protocols == "" {
		return nil, nil
	}
	var out []oobkit.Protocol
	for _, s := range strings.Split(a.opt.protocols, ",") {
		p, err := oobkit.ParseProtocol(s)
		if err != nil {
			return nil, usagef("--protocols: %v", err)
		}
		out = append(out, p)
	}
	return out, nil
}

// commandArgs parses a command's arguments: its own flags (added by extra)
// and the global ones. It re-checks the global options, as they may follow
// the command.
func (a *app) commandArgs(name string, args []string, extra func(fs *flag.FlagSet)) ([]string, error) {
	fs := a.flagSet(name)
	if extra != nil {
		extra(fs)
	}
	pos, err := parse(fs, args)
	if err != nil {
		return nil, err
	}
	return pos, a.checkOptions()
}
