package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/activity"
	"github.com/oobkit/oobkit/connect"
	"github.com/oobkit/oobkit/profile"
	"github.com/oobkit/oobkit/tasks"
	"github.com/oobkit/oobkit/tasks/jetstream"
)

// runtimePath is where the runtime profile of --profile-store lives,
// encrypted with the store's key.
func (a *app) runtimePath() string { return a.opt.profileStore + ".runtime" }

// loadRuntime returns the runtime profile of the store st: every credential
// that worked on each computer, kept between runs (saved by saveRuntime).
func (a *app) loadRuntime(ctx context.Context, st profile.Store) (*profile.Runtime, error) {
	key, err := profile.LoadOrCreateKeyFile(a.opt.profileStore + ".key")
	if err != nil {
		return nil, setupf("runtime profile: %w", err)
	}
	rt := profile.NewRuntime(st)
	if err := rt.Load(ctx, a.runtimePath(), key); err != nil {
		return nil, setupf("%w", err)
	}
	a.runtime, a.runtimeKey = rt, key
	return rt, nil
}

// saveRuntime writes back what the runtime profile learned; a failure is
// reported, not fatal (the command itself is done).
func (a *app) saveRuntime(ctx context.Context) {
	if a.runtime == nil {
		return
	}
	if err := a.runtime.Save(context.WithoutCancel(ctx), a.runtimePath(), a.runtimeKey); err != nil {
		fmt.Fprintf(a.stderr, "oobctl: saving the runtime profile: %v\n", err)
	}
}

// activityPath is --activity-log, else $OOBKIT_ACTIVITY_LOG.
func (a *app) activityPath() string {
	if a.opt.activityLog != "" {
		return a.opt.activityLog
	}
	return a.getenv("OOBKIT_ACTIVITY_LOG")
}

// operator is --operator, else $USER.
func (a *app) operator() string {
	if a.opt.operator != "" {
		return a.opt.operator
	}
	return a.getenv("USER")
}

// connector returns the connector of creds with the activity log attached
// (the file of --activity-log, and on a worker the JetStream stream), and a
// function that closes the log. ctx gains the operator.
func (a *app) connector(ctx context.Context, creds tasks.Credentials, stream *jetstream.ActivityStream) (context.Context, *tasks.Connector, func(), error) {
	conn := connect.New(creds, connect.Options{WMI: a.wmiOptions()})
	var sinks []activity.Sink
	closeFn := func() {}
	if path := a.activityPath(); path != "" {
		l, err := activity.OpenFile(path)
		if err != nil {
			return ctx, nil, nil, setupf("%w", err)
		}
		sinks = append(sinks, l)
		closeFn = func() {
			if err := l.Err(); err != nil {
				fmt.Fprintf(a.stderr, "oobctl: activity log: %v\n", err)
			}
			_ = l.Close()
		}
	}
	if stream != nil {
		sinks = append(sinks, stream)
	}
	if len(sinks) > 0 {
		conn.SetActivity(activity.Multi(sinks...))
	}
	return activity.WithOperator(ctx, a.operator()), conn, closeFn, nil
}

// oneToOne runs fn on one computer's client of protocol p, as a one-to-one
// session: credentials in the usual order, what worked learned (origin
// one-to-one) and kept, the operation in the activity log. The session stays
// open until the returned function is called.
func (a *app) oneToOne(ctx context.Context, t oobkit.Target, p oobkit.Protocol, op string, fn func(oobkit.Client) error) (func(), error) {
	return a.oneToOneSession(ctx, t, []oobkit.Protocol{p}, func(ctx context.Context, sess *tasks.Session) error {
		return sess.UseAs(ctx, p, op, fn)
	})
}

// oneToOneSession is oneToOne running use on a session of t's protocols.
func (a *app) oneToOneSession(ctx context.Context, t oobkit.Target, protocols []oobkit.Protocol, use func(context.Context, *tasks.Session) error) (func(), error) {
	creds, err := a.credentialsFor(ctx, profile.OriginOneToOne)
	if err != nil {
		return nil, err
	}
	ctx, conn, closeLog, err := a.connector(ctx, creds, nil)
	if err != nil {
		return nil, err
	}
	sess := conn.Session(t, protocols...)
	err = use(ctx, sess)
	a.saveRuntime(ctx)
	done := func() {
		_ = sess.Close()
		closeLog()
	}
	if err != nil {
		done()
		return nil, err
	}
	return done, nil
}

// cmdActivity queries or purges the activity log.
func (a *app) cmdActivity(ctx context.Context, args []string) error {
	var (
		computer, operator, protocol, operation, since, until string
		failed                                                bool
		limit                                                 int
		maxAge                                                time.Duration
		maxSize                                               string
	)
	pos, err := a.commandArgs("activity", args, func(fs *flag.FlagSet) {
		fs.StringVar(&computer, "computer", "", "")
		fs.StringVar(&operator, "operator-is", "", "")
		fs.StringVar(&protocol, "protocol", "", "")
		fs.StringVar(&operation, "operation", "", "")
		fs.StringVar(&since, "since", "", "")
		fs.StringVar(&until, "until", "", "")
		fs.BoolVar(&failed, "failed", false, "")
		fs.IntVar(&limit, "limit", 0, "")
		fs.DurationVar(&maxAge, "max-age", 0, "")
		fs.StringVar(&maxSize, "max-size", "", "")
	})
	if err != nil {
		return err
	}
	if len(pos) == 1 && pos[0] == "purge" {
		return a.activityPurge(maxAge, maxSize)
	}
	if len(pos) != 0 {
		return usagef("activity wants no argument (a query) or purge")
	}
	now := time.Now()
	f := activity.Filter{Computer: computer, Operator: operator, Operation: operation, Limit: limit}
	if failed {
		f.Outcome = activity.Failed
	}
	if protocol != "" {
		if f.Protocol, err = oobkit.ParseProtocol(protocol); err != nil {
			return usagef("--protocol: %v", err)
		}
	}
	if f.Since, err = parseWhen(since, now); err != nil {
		return usagef("--since: %v", err)
	}
	if f.Until, err = parseWhen(until, now); err != nil {
		return usagef("--until: %v", err)
	}
	var recs []activity.Record
	if a.opt.nats != "" {
		nc, js, err := a.connectNATS("activity")
		if err != nil {
			return err
		}
		defer nc.Close()
		s, err := jetstream.NewActivityStream(ctx, js, jetstream.ActivityStreamConfig{})
		if err != nil {
			return setupf("%w", err)
		}
		if recs, err = s.Query(ctx, f); err != nil {
			return setupf("activity: %w", err)
		}
	} else {
		path := a.activityPath()
		if path == "" {
			return usagef("activity needs --activity-log FILE (or $OOBKIT_ACTIVITY_LOG) or --nats URL")
		}
		if recs, err = activity.Query(path, f); err != nil {
			return setupf("%w", err)
		}
	}
	if a.opt.json {
		if recs == nil {
			recs = []activity.Record{}
		}
		return writeJSON(a.stdout, recs)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tOPERATOR\tCOMPUTER\tPROTOCOL\tOPERATION\tOUTCOME\tCLASS\tCODE\tCREDENTIAL\tJOB")
	for _, r := range recs {
		job := r.Job
		if r.Step != "" {
			job += "/" + r.Step
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.Time.Local().Format(time.DateTime), orDash(r.Operator),
			r.Computer, r.Protocol, r.Operation, r.Outcome, r.Class, r.Code, orDash(r.Credential), orDash(job))
	}
	return tw.Flush()
}

// parseWhen reads an RFC 3339 time, a date, or a duration back from now.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, time.DateTime, time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("want a duration back from now (24h), a date or an RFC 3339 time, not %q", s)
}

// parseSize reads a byte count with an optional K, M or G suffix.
func parseSize(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	mult := int64(1)
	switch u := strings.ToUpper(s[len(s)-1:]); u {
	case "K", "M", "G":
		mult = map[string]int64{"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[u]
		s = s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("want a size such as 500M, not %q", s)
	}
	return n * mult, nil
}

func (a *app) activityPurge(maxAge time.Duration, maxSize string) error {
	size, err := parseSize(maxSize)
	if err != nil {
		return usagef("--max-size: %v", err)
	}
	if maxAge <= 0 && size <= 0 {
		return usagef("activity purge wants --max-age D and/or --max-size N")
	}
	path := a.activityPath()
	if path == "" {
		return usagef("activity purge needs --activity-log FILE (or $OOBKIT_ACTIVITY_LOG); a JetStream stream purges itself by its limits")
	}
	st, err := activity.Purge(path, activity.PurgePolicy{MaxAge: maxAge, MaxTotal: size}, time.Now())
	if err != nil {
		return setupf("purge: %w", err)
	}
	fmt.Fprintf(a.stdout, "purged %d segment(s), %d bytes from %s\n", st.Segments, st.Bytes, filepath.Base(path))
	return nil
}

// jobShow prints the per-computer grid of a saved JSON report (as --json
// writes it): what the field notes reach through nested status windows —
// "Now you'll get a grid with the status of the Task, including the status
// and return code, if present" — in one look.
func (a *app) jobShow(path string, failedOnly bool) error {
	f, err := os.Open(path)
	if err != nil {
		return setupf("report: %w", err)
	}
	defer f.Close()
	rep, err := readReport(f)
	if err != nil {
		return setupf("report %s: %w", path, err)
	}
	if failedOnly {
		rep.Results = rep.Failed()
	}
	if a.opt.json {
		return writeJSON(a.stdout, rep)
	}
	writeGrid(a.stdout, rep)
	return nil
}

func readReport(r io.Reader) (*tasks.Report, error) {
	var rep tasks.Report
	dec := json.NewDecoder(r)
	if err := dec.Decode(&rep); err != nil {
		return nil, fmt.Errorf("not a JSON job report: %w", err)
	}
	if rep.Results == nil && rep.Job == "" {
		return nil, fmt.Errorf("not a JSON job report: no job and no results")
	}
	return &rep, nil
}

// writeGrid writes one line per computer: status, return code, class,
// device code, the step that failed, the protocol, the credential that
// worked (source:profile) or those refused, and the error.
func writeGrid(w io.Writer, rep *tasks.Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPUTER\tADDRESS\tSTATUS\tCODE\tCLASS\tDEVICE\tSTEP\tPROTOCOL\tCREDENTIAL\tERROR")
	for i := range rep.Results {
		r := &rep.Results[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Target, r.Address, r.Status, r.Code, r.Class,
			orDash(r.DeviceCode), orDash(r.Step), orDash(string(r.Protocol)), orDash(credentialSummary(r)), orDash(oneLine(r.Error, 80)))
	}
	_ = tw.Flush()
	writeSummary(w, rep)
}

// credentialSummary says which credential sources worked and which were
// refused: "runtime:lab" or "refused task:ops,default:site".
func credentialSummary(r *tasks.Result) string {
	var ok, refused []string
	for _, c := range r.Credentials {
		s := c.Source + ":" + c.Profile
		switch c.Outcome {
		case tasks.CredentialAccepted:
			ok = append(ok, s)
		case tasks.CredentialRefused:
			refused = append(refused, s)
		}
	}
	out := strings.Join(ok, ",")
	if len(refused) > 0 {
		if out != "" {
			out += " "
		}
		out += "refused " + strings.Join(refused, ",")
	}
	return out
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n-1] + "…"
	}
	return s
}

// cmdProfileRuntime lists the runtime profile, or imports provisioning
// passwords into it.
func (a *app) profileRuntime(ctx context.Context, st profile.Store, args []string) error {
	rt, err := a.loadRuntime(ctx, st)
	if err != nil {
		return err
	}
	if len(args) == 2 && args[0] == "import" {
		fh, err := os.Open(args[1])
		if err != nil {
			return setupf("%w", err)
		}
		defer fh.Close()
		format := profile.YAML
		if strings.EqualFold(filepath.Ext(args[1]), ".json") {
			format = profile.JSON
		}
		n, err := rt.ImportProvisioning(fh, format)
		if err != nil {
			return setupf("import %s: %w", args[1], err)
		}
		if err := rt.Save(ctx, a.runtimePath(), a.runtimeKey); err != nil {
			return setupf("%w", err)
		}
		fmt.Fprintf(a.stdout, "imported %d provisioned password(s) into the runtime profile\n", n)
		return nil
	}
	if len(args) != 0 {
		return usagef("profile runtime wants no argument (list) or import FILE")
	}
	list := rt.List()
	if a.opt.json {
		type row struct {
			Target, Protocol, Profile, Origin, User string
			Learned, LastSuccess                    time.Time
			Failures                                int
		}
		rows := []row{}
		for _, e := range list {
			rows = append(rows, row{e.Target, string(e.Protocol), e.Profile, string(e.Origin), e.Settings.Credential.Username, e.Learned, e.LastSuccess, e.Failures})
		}
		return writeJSON(a.stdout, rows)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPUTER\tPROTOCOL\tPROFILE\tORIGIN\tUSER\tLAST WORKED\tLEARNED")
	for _, e := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Target, e.Protocol, orDash(e.Profile), e.Origin,
			orDash(e.Settings.Credential.Username), e.LastSuccess.Local().Format(time.DateTime), e.Learned.Local().Format(time.DateTime))
	}
	return tw.Flush()
}
