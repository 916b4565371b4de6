package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/solterm"
	"github.com/oobkit/oobkit/tasks"
)

// cmdSOL opens a serial-over-LAN terminal on one computer. On a terminal,
// stdin goes raw and Ctrl-] quits; from a pipe, the session ends once the
// input is consumed and the host has been quiet for a moment.
func (a *app) cmdSOL(ctx context.Context, args []string) error {
	quiet := solterm.DefaultQuiet
	var refuse bool
	pos, err := a.commandArgs("sol", args, func(fs *flag.FlagSet) {
		fs.DurationVar(&quiet, "quiet", quiet, "")
		fs.BoolVar(&refuse, "refuse-if-active", false, "")
	})
	if err != nil {
		return err
	}
	if err := noArgs("sol", pos); err != nil {
		return err
	}
	t, err := a.oneTarget()
	if err != nil {
		return err
	}
	var sol *redirect.SOL
	var to amt.TakeOver
	done, err := a.oneToOneSession(ctx, t, []oobkit.Protocol{oobkit.Redirection, oobkit.AMT}, func(ctx context.Context, sess *tasks.Session) error {
		var err error
		to, err = sess.OpenRedirection(ctx, amt.RedirectSOL, refuse, func(c oobkit.Client) error {
			cl, err := tasks.Capability[*redirect.Client](c, "serial over LAN")
			if err != nil {
				return err
			}
			sol, err = cl.OpenSOL(ctx, redirect.SOLSettings{RefuseIfActive: refuse})
			return err
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("sol %s: %w (class %s)", t, err, oobkit.ClassName(err))
	}
	defer done()
	defer sol.Close()
	if to.Ended != 0 {
		fmt.Fprintf(a.stderr, "took over: ended the active SOL session of another console on %s\r\n", t)
	}
	restore, interactive := solterm.MakeRaw(a.stdin)
	defer restore()
	if interactive {
		fmt.Fprintf(a.stderr, "connected to %s; Ctrl-] quits\r\n", t)
	}
	return solterm.Bridge(ctx, sol, a.stdin, a.stdout, solterm.Options{Interactive: interactive, Quiet: quiet})
}

// cmdIDER serves a CD (or floppy) image to one computer over IDE-R until the
// device ends the session or the command is interrupted, then prints what
// was served.
func (a *app) cmdIDER(ctx context.Context, args []string) error {
	var image string
	var floppy, refuse bool
	pos, err := a.commandArgs("ider", args, func(fs *flag.FlagSet) {
		fs.StringVar(&image, "image", "", "")
		fs.BoolVar(&floppy, "floppy", false, "")
		fs.BoolVar(&refuse, "refuse-if-active", false, "")
	})
	if err != nil {
		return err
	}
	if err := noArgs("ider", pos); err != nil {
		return err
	}
	if image == "" {
		return usagef("ider needs --image FILE")
	}
	t, err := a.oneTarget()
	if err != nil {
		return err
	}
	img, f, err := redirect.OpenImageSource(ctx, image, redirect.ImageSourceOptions{})
	if err != nil {
		return setupf("%w", err)
	}
	defer f.Close()
	opts := redirect.IDEROptions{CD: img, RefuseIfActive: refuse}
	if floppy {
		opts = redirect.IDEROptions{Floppy: img, RefuseIfActive: refuse}
	}
	var sess *redirect.IDER
	var to amt.TakeOver
	done, err := a.oneToOneSession(ctx, t, []oobkit.Protocol{oobkit.Redirection, oobkit.AMT}, func(ctx context.Context, s *tasks.Session) error {
		var err error
		to, err = s.OpenRedirection(ctx, amt.RedirectIDER, refuse, func(c oobkit.Client) error {
			cl, err := tasks.Capability[*redirect.Client](c, "IDE redirection")
			if err != nil {
				return err
			}
			sess, err = cl.OpenIDER(ctx, opts)
			return err
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("ider %s: %w (class %s)", t, err, oobkit.ClassName(err))
	}
	defer done()
	if to.Ended != 0 {
		fmt.Fprintf(a.stderr, "took over: ended the active IDE-R session of another console on %s\n", t)
	}
	fmt.Fprintf(a.stderr, "serving %s (%d bytes) to %s; interrupt to stop\n", image, img.Size, t)
	werr := sess.Wait(ctx)
	cerr := sess.Close()
	st := sess.Stats()
	if a.opt.json {
		if err := writeJSON(a.stdout, st); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(a.stdout, "%s: %d commands, %d reads, %d bytes sent in %s (%.1f MB/s)\n",
			t, st.Commands, st.Reads, st.BytesSent, roundDuration(st.Duration), st.Throughput/1e6)
	}
	if werr != nil && !errors.Is(werr, context.Canceled) {
		return werr
	}
	if werr == nil {
		return nil
	}
	return cerr
}
