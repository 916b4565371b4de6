package tasks

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/redirect"
)

// IDEROpener is what a client needs to serve an image for an [IDERBootTask]:
// package redirect's Client implements it. Register a redirection dialer
// and credentials for oobkit.Redirection on the [Connector]:
//
//	conn.Register(oobkit.Redirection, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
//		return redirect.New(t, c)
//	})
type IDEROpener interface {
	OpenIDER(ctx context.Context, opts redirect.IDEROptions) (*redirect.IDER, error)
}

// IDERBootTask boots a computer from a disk image served by this process
// over IDE redirection (the RTSM "IDE-R image" boot): it opens the IDE-R
// session to the computer's redirection port (16994, or Target.Ports
// [oobkit.Redirection]), selects the IDE-R CD or floppy as the next boot
// device through AMT and powers the computer on (or resets it), then serves
// the image until the device ends the session, or for Wait, and reports the
// session's statistics. The session is always closed before Run returns.
//
// The image is opened where the task runs: with tasks/jetstream, on the
// worker that takes the target, not where the job was written. Image is a
// file path or an http:// or https:// URL, and each worker must be able to
// read it: the same path on every worker (a shared mount), or a URL every
// worker reaches, read with HTTP range requests as the device asks for
// sectors (any static file server honours them). Source, for programs that
// build the image in memory, does not travel in a job's JSON.
//
// As the RTSM guide warns ("If there is already an active IDE-R session,
// it is terminated when the task runs."), an IDE-R session another console
// holds is ended first, through the computer's AMT client
// ([RedirectionEnder]; the AMT protocol needs a dialer and credentials
// too), and the output's TookOver and the step's notes say so;
// RefuseIfActive fails busy instead, leaving the other session running.
type IDERBootTask struct {
	// Image is the image (an ISO for CD, a floppy image): the path of a
	// file, or an http:// or https:// URL of a server that honours range
	// requests, as seen from where the task runs.
	Image string `json:"image,omitempty"`
	// Source, for programs, serves any io.ReaderAt instead of Image; it is
	// not serialised, so jobs sent to remote workers use Image.
	Source *redirect.Image `json:"-"`
	// HTTPClient fetches an Image URL (default http.DefaultClient, which
	// verifies TLS certificates); not serialised.
	HTTPClient *http.Client `json:"-"`
	// Floppy serves the image as the floppy drive (512-byte sectors) instead
	// of the CD/DVD drive (2048-byte sectors).
	Floppy bool `json:"floppy,omitempty"`
	// Start is when the device attaches the drive: on-reboot (the default:
	// at the reset this task sends), graceful or now.
	Start string `json:"start,omitempty"`
	// Wait bounds how long the image is served after the boot starts; 0
	// serves until the device ends the session (or the target's deadline).
	Wait Duration `json:"wait,omitempty"`
	// Options are the RTSM advanced boot options (lock keyboard…); the
	// device is set by the task.
	Options oobkit.BootOptions `json:"options,omitzero"`
	// NoPower attaches the image and sets the next boot without powering on
	// or resetting.
	NoPower bool `json:"noPower,omitempty"`
	// IgnoreTable boots whatever Table C-3 says about the state read (see
	// [BootTask]); off by default.
	IgnoreTable bool `json:"ignoreTable,omitempty"`
	// RefuseIfActive fails with class busy when another console's IDE-R
	// session is active, instead of ending it (the guide's behaviour).
	RefuseIfActive bool `json:"refuseIfActive,omitempty"`
}

// IDERSessionStats is what an IDE-R session did.
type IDERSessionStats struct {
	Commands        uint64   `json:"commands"`
	Reads           uint64   `json:"reads"`
	CheckConditions uint64   `json:"checkConditions"`
	BytesSent       uint64   `json:"bytesSent"`
	Resets          uint64   `json:"resets"`
	Duration        Duration `json:"duration"`
	// Throughput is image bytes sent per second of session.
	Throughput float64 `json:"throughput"`
}

// IDERBootOutput is what an [IDERBootTask] returns.
type IDERBootOutput struct {
	// Boot is the boot step done through AMT.
	Boot *BootOutput `json:"boot,omitempty"`
	// Session is the IDE-R session's statistics.
	Session IDERSessionStats `json:"session"`
	// EndedBy says why serving stopped: "device" (the device ended the
	// session), "wait" (Wait passed) or "deadline" (the context ended).
	EndedBy string `json:"endedBy,omitempty"`
	// TookOver is "ider" when the task ended another console's active
	// IDE-R session to start its own.
	TookOver string `json:"tookOver,omitempty"`
}

// Kind returns "ider".
func (t *IDERBootTask) Kind() string { return "ider" }

// Validate checks that there is an image and a known start mode.
func (t *IDERBootTask) Validate() error {
	if t.Image == "" && t.Source == nil {
		return invalidIDER("an image is needed")
	}
	if _, err := t.startMode(); err != nil {
		return err
	}
	if t.Wait < 0 {
		return invalidIDER("wait must not be negative")
	}
	return nil
}

func invalidIDER(format string, a ...any) error {
	return &oobkit.Error{Protocol: oobkit.Redirection, Op: "ider boot", Class: oobkit.ErrInvalidArgument, Message: fmt.Sprintf(format, a...)}
}

func (t *IDERBootTask) startMode() (redirect.StartMode, error) {
	switch t.Start {
	case "", "on-reboot":
		return redirect.StartOnReboot, nil
	case "graceful":
		return redirect.StartGraceful, nil
	case "now":
		return redirect.StartNow, nil
	}
	return 0, invalidIDER("unknown start %q (want on-reboot, graceful or now)", t.Start)
}

// Run opens the session, starts the boot and serves the image.
func (t *IDERBootTask) Run(ctx context.Context, env *Env) (any, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	mode, _ := t.startMode()
	img := t.Source
	if img == nil {
		i, c, err := redirect.OpenImageSource(ctx, t.Image, redirect.ImageSourceOptions{HTTPClient: t.HTTPClient})
		if err != nil {
			return nil, err
		}
		defer func() { _ = c.Close() }()
		img = i
	}
	opts := redirect.IDEROptions{Start: mode}
	boot := t.Options
	if t.Floppy {
		opts.Floppy, boot.Device = img, oobkit.BootIDERFloppy
	} else {
		opts.CD, boot.Device = img, oobkit.BootIDERCD
	}

	var session *redirect.IDER
	out := &IDERBootOutput{}
	var err error
	out.TookOver, err = openRedirection(ctx, env, amt.RedirectIDER, t.RefuseIfActive, func(c oobkit.Client) error {
		o, err := Capability[IDEROpener](c, "IDE redirection")
		if err != nil {
			return err
		}
		session, err = o.OpenIDER(ctx, opts)
		return err
	})
	if err != nil {
		if out.TookOver != "" {
			return out, err
		}
		return nil, err
	}
	defer func() { out.Session = iderStats(session.Stats()) }()

	// The boot step asks Table C-3 (power and boot-redirect columns) before
	// it sets the IDE-R boot.
	b, err := (&BootTask{Options: boot, NoPower: t.NoPower, IgnoreTable: t.IgnoreTable, Protocols: []oobkit.Protocol{oobkit.AMT}}).Run(ctx, env)
	out.Boot, _ = b.(*BootOutput)
	if err != nil {
		_ = session.Close()
		return out, err
	}
	out.EndedBy, err = t.serve(ctx, session)
	if cerr := session.Close(); err == nil && out.EndedBy != "device" {
		err = cerr
	}
	return out, err
}

// serve waits until the session ends, Wait passes or ctx ends.
func (t *IDERBootTask) serve(ctx context.Context, s *redirect.IDER) (string, error) {
	var timeout <-chan time.Time
	if t.Wait > 0 {
		timer := time.NewTimer(time.Duration(t.Wait))
		defer timer.Stop()
		timeout = timer.C
	}
	select {
	case <-s.Done():
		return "device", s.Wait(ctx)
	case <-timeout:
		return "wait", nil
	case <-ctx.Done():
		return "deadline", fmt.Errorf("ider boot: the device did not end the IDE-R session: %w", ctx.Err())
	}
}

func iderStats(s redirect.IDERStats) IDERSessionStats {
	return IDERSessionStats{Commands: s.Commands, Reads: s.Reads, CheckConditions: s.CheckConditions, BytesSent: s.BytesSent,
		Resets: s.Resets, Duration: Duration(s.Duration), Throughput: s.Throughput}
}
