package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/kvmbridge"
	"github.com/oobkit/oobkit/tasks"
)

// cmdKVM opens a KVM session on one computer: --snapshot writes a PNG of
// its screen, --actions lists the viewer's power actions the current state
// allows, --power runs one, --rfb-listen serves plain RFB for desktop
// viewers and --listen serves the noVNC browser console, until interrupted.
// User consent, when the device requires it, asks for the code on stdin
// (or takes --consent-code).
func (a *app) cmdKVM(ctx context.Context, args []string) error {
	var snapshot, rfbListen, listen, novnc, power, code string
	var actions bool
	pos, err := a.commandArgs("kvm", args, func(fs *flag.FlagSet) {
		fs.StringVar(&snapshot, "snapshot", "", "")
		fs.StringVar(&rfbListen, "rfb-listen", "", "")
		fs.StringVar(&listen, "listen", "", "")
		fs.StringVar(&novnc, "novnc", "node_modules/@novnc/novnc", "")
		fs.StringVar(&power, "power", "", "")
		fs.StringVar(&code, "consent-code", "", "")
		fs.BoolVar(&actions, "actions", false, "")
	})
	if err != nil {
		return err
	}
	if err := noArgs("kvm", pos); err != nil {
		return err
	}
	if snapshot == "" && rfbListen == "" && listen == "" && power == "" && !actions {
		return usagef("kvm needs --snapshot FILE, --actions, --power ACTION, --rfb-listen ADDR or --listen ADDR")
	}
	t, err := a.oneTarget()
	if err != nil {
		return err
	}
	// WS-Management for consent and power, when a credential is there.
	var ac *amt.Client
	amtDone, err := a.oneToOne(ctx, t, oobkit.AMT, "kvm-consent", func(c oobkit.Client) error {
		cl, err := tasks.Capability[*amt.Client](c, "user consent")
		if err != nil {
			return err
		}
		if _, err := cl.ConsentGranted(ctx); err != nil {
			return err
		}
		ac = cl
		return nil
	})
	if err != nil {
		ac = nil
	} else {
		defer amtDone()
	}
	opts := redirect.KVMOptions{ConsentCode: func(ctx context.Context) (int, error) {
		if code == "" {
			fmt.Fprint(a.stderr, "user consent code shown on the computer's screen: ")
			line, err := bufio.NewReader(a.stdin).ReadString('\n')
			if err != nil && line == "" {
				return 0, err
			}
			code = strings.TrimSpace(line)
		}
		return strconv.Atoi(code)
	}}
	if ac != nil {
		opts.Consent, opts.Power, opts.State = ac, ac, ac
	}
	var k *redirect.KVM
	done, err := a.oneToOne(ctx, t, oobkit.Redirection, "kvm", func(c oobkit.Client) error {
		cl, err := tasks.Capability[*redirect.Client](c, "KVM")
		if err != nil {
			return err
		}
		k, err = cl.OpenKVMSession(ctx, opts)
		return err
	})
	if err != nil {
		return fmt.Errorf("kvm %s: %w (class %s)", t, err, oobkit.ClassName(err))
	}
	defer done()
	defer k.Close()
	w, h := k.Size()
	fmt.Fprintf(a.stderr, "KVM %s: %q %d×%d\n", t, k.Name(), w, h)
	if actions {
		st, acts, err := k.PowerActions(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "power state %v (%s)\n", st, st.Name())
		for _, act := range acts {
			fmt.Fprintf(a.stdout, "  %-24s %s\n", act, act.Label())
		}
	}
	if power != "" {
		act, err := oobkit.ParsePowerAction(power)
		if err != nil {
			return usagef("%v", err)
		}
		if err := k.Power(ctx, act); err != nil {
			return fmt.Errorf("kvm %s: %s: %w (class %s)", t, act.Label(), err, oobkit.ClassName(err))
		}
		fmt.Fprintf(a.stdout, "%s: done\n", act.Label())
	}
	if snapshot != "" {
		img, err := k.Screenshot(ctx)
		if err != nil {
			return fmt.Errorf("kvm %s: screenshot: %w", t, err)
		}
		f, err := os.Create(snapshot)
		if err != nil {
			return err
		}
		if err := png.Encode(f, img); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "wrote %s (%d×%d)\n", snapshot, w, h)
	}
	if rfbListen == "" && listen == "" {
		return nil
	}
	b, err := kvmbridge.New(ctx, k.Conn, kvmbridge.Config{Name: "oobkit KVM " + t.String()})
	if err != nil {
		return err
	}
	defer b.Close()
	errs := make(chan error, 2)
	if rfbListen != "" {
		ln, err := net.Listen("tcp", rfbListen)
		if err != nil {
			return setupf("--rfb-listen: %w", err)
		}
		fmt.Fprintf(a.stdout, "RFB viewers: %s (one at a time, no password: keep it on loopback)\n", ln.Addr())
		go func() { errs <- b.ListenRFB(ctx, ln) }()
	}
	if listen != "" {
		if _, err := os.Stat(novnc + "/core/rfb.js"); err != nil {
			return setupf("--listen needs noVNC in %s: run scripts/novnc.sh (npm install @novnc/novnc)", novnc)
		}
		ln, err := net.Listen("tcp", listen)
		if err != nil {
			return setupf("--listen: %w", err)
		}
		srv := &http.Server{Handler: kvmbridge.Handler(b, novnc)}
		fmt.Fprintf(a.stdout, "browser console: http://%s/?token=%s (the token works once)\n", ln.Addr(), b.Token())
		go func() { errs <- srv.Serve(ln) }()
		defer srv.Close()
	}
	select {
	case <-ctx.Done():
		return nil
	case <-k.Done():
		return fmt.Errorf("kvm %s: the session ended: %w", t, k.Err())
	case err := <-errs:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}
