package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/asf"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/profile"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/snmp"
	"github.com/oobkit/oobkit/tasks"
	"github.com/oobkit/oobkit/wmi"
)

// labelProtocols is the target label that lists a computer's protocols.
const labelProtocols = "protocols"

// newConnector registers the dialer of every protocol the SDK has. This is
// the one place a protocol is plugged into oobctl. wmiOpts go to every WMI
// client (--allow-unencrypted).
func newConnector(creds tasks.Credentials, wmiOpts ...wmi.Option) *tasks.Connector {
	conn := tasks.NewConnector(creds)
	conn.Register(oobkit.AMT, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return amt.New(t, c)
	})
	conn.Register(oobkit.DASH, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return dash.New(t, c)
	})
	conn.Register(oobkit.IPMI, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return ipmi.New(t, c)
	})
	conn.Register(oobkit.SNMP, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return snmp.New(t, c)
	})
	conn.Register(oobkit.Redirection, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return redirect.New(t, c)
	})
	conn.Register(oobkit.WMI, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return wmi.New(t, c, wmiOpts...)
	})
	// ASF last: it answers on IPMI's port 623 too, so a computer that
	// speaks IPMI is managed through IPMI first.
	conn.Register(oobkit.ASF, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return asf.New(t, c)
	})
	return conn
}

// targetProtocols returns a computer's protocols: those its "protocols"
// label lists, else every protocol registered.
func targetProtocols(all []oobkit.Protocol) func(oobkit.Target) []oobkit.Protocol {
	return func(t oobkit.Target) []oobkit.Protocol {
		label, ok := t.Labels[labelProtocols]
		if !ok {
			return all
		}
		var out []oobkit.Protocol
		for _, p := range all {
			if slices.Contains(strings.Split(label, ","), string(p)) {
				out = append(out, p)
			}
		}
		return out
	}
}

// loadTargets returns the targets of --target and --targets-file.
func (a *app) loadTargets() ([]oobkit.Target, error) {
	var out []oobkit.Target
	for _, addr := range a.opt.targets {
		out = append(out, oobkit.Target{Address: addr})
	}
	if a.opt.targetsFile != "" {
		data, err := os.ReadFile(a.opt.targetsFile)
		if err != nil {
			return nil, setupf("targets file: %w", err)
		}
		list, err := parseTargets(data)
		if err != nil {
			return nil, usagef("targets file %s: %v", a.opt.targetsFile, err)
		}
		out = append(out, list...)
	}
	if a.opt.only != "" {
		if a.opt.targetsFile == "" {
			return nil, usagef("--only picks computers of --targets-file by name; give --targets-file")
		}
		var err error
		if out, err = pickByName(out, a.opt.only); err != nil {
			return nil, err
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
		creds := userCredentials(o.user, pw, a.tlsSettings(), o.allowPlain && !a.tlsSettings().Enabled)
		if o.kdc != "" {
			kerberosCredentials(creds, o.kdc)
		}
		return creds, nil
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

// userCredentials offers one user and password to every protocol that
// takes them; TLS applies to the protocols that run over TCP. WMI logs on
// with NTLM, which WinRM offers by default (basic needs TLS or
// AllowUnencrypted on the computer); with plainWMI (--allow-unencrypted,
// no TLS) it logs on with basic over plain HTTP, as a lab WinRM allows.
func userCredentials(user, password string, tls oobkit.TLSSettings, plainWMI bool) tasks.StaticCredentials {
	creds := tasks.StaticCredentials{}
	for _, p := range []oobkit.Protocol{oobkit.AMT, oobkit.DASH, oobkit.WMI, oobkit.Redirection, oobkit.IPMI} {
		c := oobkit.UserPassword(user, password)
		if p != oobkit.IPMI {
			c.TLS = tls
		}
		if p == oobkit.WMI && !plainWMI {
			c.Auth = oobkit.AuthNTLM
		}
		creds[p] = []tasks.NamedCredential{{Name: "--user", Source: "explicit", Credential: c}}
	}
	return creds
}

// kerberosCredentials turns the AMT, WMI and redirection credentials into
// Kerberos ones asking kdc (port 88 unless given).
func kerberosCredentials(creds tasks.StaticCredentials, kdc string) {
	if _, _, err := net.SplitHostPort(kdc); err != nil {
		kdc = net.JoinHostPort(kdc, "88")
	}
	for _, p := range []oobkit.Protocol{oobkit.AMT, oobkit.WMI, oobkit.Redirection} {
		for i := range creds[p] {
			c := &creds[p][i].Credential
			c.Auth = oobkit.AuthKerberos
			c.Kerberos = &oobkit.KerberosSettings{KDC: []string{kdc}}
		}
	}
}

// newRunner builds the runner of one-to-many commands.
func (a *app) newRunner(conn *tasks.Connector, progress func(tasks.Progress)) *tasks.Runner {
	opts := []tasks.Option{
		tasks.WithConcurrency(a.opt.concurrency),
		tasks.WithTargetTimeout(a.opt.timeout),
		tasks.WithTargetProtocols(targetProtocols(conn.Protocols())),
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

// parseTargets reads a targets file: a YAML (or JSON) list of targets. A
// key a target does not have is an error naming it, with its line.
func parseTargets(data []byte) ([]oobkit.Target, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var list []oobkit.Target
	if err := dec.Decode(&list); err != nil && !errors.Is(err, io.EOF) {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
		msg = strings.Join(strings.Fields(strings.ReplaceAll(msg, "in type oobkit.Target", "(a target has name, address, guid, ports, labels…)")), " ")
		return nil, fmt.Errorf("want a YAML or JSON list of targets: %s", msg)
	}
	return list, nil
}

// pickByName keeps the targets whose names --only lists, in the file's
// order; a name no target has is a usage error.
func pickByName(ts []oobkit.Target, only string) ([]oobkit.Target, error) {
	want := map[string]bool{}
	for _, n := range splitList(only) {
		want[n] = false
	}
	var out []oobkit.Target
	for _, t := range ts {
		if _, ok := want[t.Name]; ok {
			want[t.Name] = true
			out = append(out, t)
		}
	}
	var missing []string
	for n, found := range want {
		if !found {
			missing = append(missing, strconv.Quote(n))
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, usagef("--only: no computer named %s in the targets file", strings.Join(missing, ", "))
	}
	return out, nil
}

// wmiOptions are the WMI client options of the command line.
func (a *app) wmiOptions() []wmi.Option {
	if a.opt.allowPlain {
		return []wmi.Option{wmi.WithAllowUnencrypted()}
	}
	return nil
}
