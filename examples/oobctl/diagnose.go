package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/diagnose"
	"github.com/oobkit/oobkit/profile"
	"github.com/oobkit/oobkit/wmi"
)

// cmdDiagnose is "diagnose [--protocol P] [--fix ACTION]": package
// diagnose for the one computer of the command line, with the profile the
// job used (--profile of --profile-store, else the store's default, and
// the runtime profile; or --user for every protocol). It changes nothing
// unless --fix names the action the diagnosis proposes.
func (a *app) cmdDiagnose(ctx context.Context, args []string) error {
	var proto, fix string
	var probeTimeout time.Duration
	pos, err := a.commandArgs("diagnose", args, func(fs *flag.FlagSet) {
		fs.StringVar(&proto, "protocol", "amt", "")
		fs.StringVar(&fix, "fix", "", "")
		fs.DurationVar(&probeTimeout, "probe-timeout", 3*time.Second, "")
	})
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("diagnose takes no arguments")
	}
	p, err := oobkit.ParseProtocol(proto)
	if err != nil {
		return usagef("--protocol: %v", err)
	}
	if fix != "" && diagnose.Action(fix) != diagnose.ActionRebootOS {
		return usagef("--fix: the only action is %s", diagnose.ActionRebootOS)
	}
	target, err := a.oneTarget()
	if err != nil {
		return err
	}
	req := diagnose.Request{Target: target, Protocol: p, Timeout: probeTimeout, Fix: diagnose.Action(fix)}
	if req.Profile, req.Runtime, err = a.diagnoseProfile(ctx); err != nil {
		return err
	}
	if c, ok := req.Profile.Credential(oobkit.SNMP); !ok || c.Community.IsZero() {
		if s := a.getenv("OOBKIT_SNMP_COMMUNITY"); s != "" {
			req.Profile.Protocols[oobkit.SNMP] = profile.Settings{Enabled: true, Credential: oobkit.Credential{Auth: oobkit.AuthCommunity, Community: oobkit.NewSecret(s)}}
		}
	}
	if req.Fix == diagnose.ActionRebootOS {
		// The OS agent: WMI with the profile's credential.
		cred, ok := req.Profile.Credential(oobkit.WMI)
		if !ok {
			return usagef("--fix %s reboots through the OS agent (WMI): the profile must enable WMI", fix)
		}
		c, err := wmi.New(target, cred, a.wmiOptions()...)
		if err != nil {
			return setupf("%w", err)
		}
		defer c.Close()
		req.Rebooter = c
	}
	ctx, cancel := context.WithTimeout(ctx, a.opt.timeout)
	defer cancel()
	d, runErr := diagnose.Run(ctx, req)
	if d == nil {
		return setupf("%v", runErr)
	}
	if a.opt.json {
		if err := writeJSON(a.stdout, d); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "STEP\tOK\tDETAIL")
		for _, s := range d.Steps {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, yesNo(s.OK), s.Detail)
		}
		_ = tw.Flush()
		fmt.Fprintf(a.stdout, "\nCause (%s): %s\nNext: %s\n", d.Cause, d.Words, d.Next)
		switch {
		case d.Fixed:
			fmt.Fprintf(a.stdout, "Done: %s\n", d.Fix)
		case d.Fix != diagnose.ActionNone:
			fmt.Fprintf(a.stdout, "Proposed: oobctl diagnose --fix %s (nothing was changed)\n", d.Fix)
		}
	}
	if runErr != nil {
		return setupf("%v", runErr)
	}
	return nil
}

// diagnoseProfile is the profile the job used and the runtime profile.
func (a *app) diagnoseProfile(ctx context.Context) (profile.Profile, *profile.Runtime, error) {
	if a.opt.user != "" {
		pw := a.getenv("OOBKIT_PASSWORD")
		if pw == "" {
			return profile.Profile{}, nil, usagef("--user needs the password in $OOBKIT_PASSWORD")
		}
		pr := profile.Profile{Name: "--user", Protocols: map[oobkit.Protocol]profile.Settings{}}
		for p, list := range a.userCredentials(pw) {
			pr.Protocols[p] = profile.Settings{Enabled: true, Credential: list[0].Credential}
		}
		return pr, nil, nil
	}
	st, err := a.openStore()
	if err != nil {
		return profile.Profile{}, nil, err
	}
	rt, err := a.loadRuntime(ctx, st)
	if err != nil {
		return profile.Profile{}, nil, err
	}
	var pr profile.Profile
	if a.opt.profile != "" {
		pr, err = st.Get(ctx, a.opt.profile)
	} else {
		pr, err = st.Default(ctx)
	}
	if err != nil {
		return profile.Profile{}, nil, setupf("%w", err)
	}
	if pr.Protocols == nil {
		pr.Protocols = map[oobkit.Protocol]profile.Settings{}
	}
	return pr, rt, nil
}
