package main

import (
	"context"
	"errors"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/connect"
	"github.com/oobkit/oobkit/profile"
	"github.com/oobkit/oobkit/targets"
	"github.com/oobkit/oobkit/tasks"
	"github.com/oobkit/oobkit/wmi"
)

// loadTargets returns the targets of --target and --targets-file.
func (a *app) loadTargets() ([]oobkit.Target, error) {
	var out []oobkit.Target
	for _, addr := range a.opt.targets {
		out = append(out, oobkit.Target{Address: addr})
	}
	if a.opt.targetsFile != "" {
		list, err := targets.Load(a.opt.targetsFile)
		if errors.Is(err, oobkit.ErrInvalidArgument) {
			return nil, usagef("%s", withoutClass(err))
		}
		if err != nil {
			return nil, setupf("targets file: %w", err)
		}
		out = append(out, list...)
	}
	if a.opt.only != "" {
		if a.opt.targetsFile == "" {
			return nil, usagef("--only picks computers of --targets-file by name; give --targets-file")
		}
		var err error
		if out, err = targets.Pick(out, splitList(a.opt.only)...); err != nil {
			return nil, usagef("--only: %s in the targets file", withoutClass(err))
		}
	}
	if len(out) == 0 {
		return nil, usagef("no computers: give --target ADDR or --targets-file FILE")
	}
	for _, t := range out {
		if err := t.Validate(); err != nil {
			return nil, usagef("%v", err)
		}
	}
	return out, nil
}

// withoutClass is err's text without its "invalid argument: " class,
// which the usage exit code already says.
func withoutClass(err error) string {
	return strings.Replace(err.Error(), oobkit.ErrInvalidArgument.Error()+": ", "", 1)
}

// openStore opens --profile-store.
func (a *app) openStore() (*profile.FileStore, error) {
	if a.opt.profileStore == "" {
		return nil, usagef("this command needs --profile-store FILE")
	}
	st, err := profile.OpenFile(a.opt.profileStore)
	if err != nil {
		return nil, setupf("profile store: %w", err)
	}
	return st, nil
}

// credentials returns where credentials come from: --user with
// $OOBKIT_PASSWORD for every protocol, or a profile store (the --profile
// profile first, then the store's default, then the runtime profile: every
// credential that worked before, kept in <store>.runtime).
func (a *app) credentials(ctx context.Context) (tasks.Credentials, error) {
	return a.credentialsFor(ctx, profile.OriginTask)
}

// credentialsFor is credentials for a command of the given kind: what works
// is learned with that origin (one-to-one or task).
func (a *app) credentialsFor(ctx context.Context, origin profile.Origin) (tasks.Credentials, error) {
	o := a.opt
	if o.user != "" {
		pw := a.getenv("OOBKIT_PASSWORD")
		if pw == "" {
			return nil, usagef("--user needs the password in $OOBKIT_PASSWORD")
		}
		return a.userCredentials(pw), nil
	}
	if o.profileStore == "" {
		return nil, usagef("no credentials: give --user (password in $OOBKIT_PASSWORD) or --profile-store FILE [--profile NAME]")
	}
	st, err := a.openStore()
	if err != nil {
		return nil, err
	}
	rt, err := a.loadRuntime(ctx, st)
	if err != nil {
		return nil, err
	}
	pc := tasks.ProfileCredentials{Runtime: rt, Origin: origin}
	if o.profile != "" {
		p, err := st.Get(ctx, o.profile)
		if err != nil {
			return nil, setupf("%w", err)
		}
		pc.Explicit = &p
	}
	return pc, nil
}

func (a *app) tlsSettings() oobkit.TLSSettings {
	o := a.opt
	return oobkit.TLSSettings{Enabled: o.tls || o.pin != "" || o.insecure, PinnedSHA256: o.pin, InsecureSkipVerify: o.insecure}
}

// userCredentials is --user with password pw for every protocol; WMI
// logs on with basic over plain HTTP under --allow-unencrypted without TLS.
func (a *app) userCredentials(pw string) tasks.StaticCredentials {
	return connect.UserCredentials(a.opt.user, oobkit.NewSecret(pw), connect.UserOptions{
		Name: "--user", TLS: a.tlsSettings(), WMIBasic: a.opt.allowPlain && !a.tlsSettings().Enabled, KDC: a.opt.kdc,
	})
}

// newRunner builds the runner of one-to-many commands.
func (a *app) newRunner(conn *tasks.Connector, progress func(tasks.Progress)) *tasks.Runner {
	opts := []tasks.Option{
		tasks.WithConcurrency(a.opt.concurrency),
		tasks.WithTargetTimeout(a.opt.timeout),
		tasks.WithTargetProtocols(connect.TargetProtocols(conn.Protocols())),
	}
	if progress != nil {
		opts = append(opts, tasks.WithProgress(progress))
	}
	if a.portCheck {
		opts = append(opts, tasks.WithProbe(nil))
	}
	return tasks.NewRunner(conn, opts...)
}

// oneTarget returns the single computer of a one-to-one command.
func (a *app) oneTarget() (oobkit.Target, error) {
	ts, err := a.loadTargets()
	if err != nil {
		return oobkit.Target{}, err
	}
	if len(ts) != 1 {
		return oobkit.Target{}, usagef("this command works on one computer; %d given", len(ts))
	}
	return ts[0], nil
}

// wmiOptions are the WMI client options of the command line.
func (a *app) wmiOptions() []wmi.Option {
	if a.opt.allowPlain {
		return []wmi.Option{wmi.WithAllowUnencrypted()}
	}
	return nil
}
