package tasks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/redirect"
)

// SOLOpener is what a client needs for a [SOLTask]: package redirect's
// Client implements it (register a redirection dialer, as for
// [IDERBootTask]).
type SOLOpener interface {
	OpenSOL(ctx context.Context, settings redirect.SOLSettings) (*redirect.SOL, error)
}

// SOLTask opens a serial-over-LAN session to each computer, types Send,
// and records what the host's serial console prints until Expect appears
// or Wait passes, then closes the session: a way to watch a boot or read a
// BIOS or boot-loader screen on many computers.
//
// As the RTSM guide warns ("If there is already an active SOL session, it
// is terminated when the task runs."), a SOL session another console holds
// is ended first, through the computer's AMT client ([RedirectionEnder]),
// and the output's TookOver and the step's notes say so; RefuseIfActive
// fails busy instead, leaving the other session running.
type SOLTask struct {
	// Send is typed to the host's serial port once the session is open.
	Send string `json:"send,omitempty"`
	// Expect ends the capture as soon as the output contains it; when it
	// does not appear within Wait the step fails (class device).
	Expect string `json:"expect,omitempty"`
	// Wait bounds the capture (default 10 s).
	Wait Duration `json:"wait,omitempty"`
	// MaxOutput is how many bytes of output are kept (default 64 KiB); the
	// rest is counted, not kept.
	MaxOutput int `json:"maxOutput,omitempty"`
	// RefuseIfActive fails with class busy when another console's SOL
	// session is active, instead of ending it (the guide's behaviour).
	RefuseIfActive bool `json:"refuseIfActive,omitempty"`
}

// SOLOutput is what a [SOLTask] returns.
type SOLOutput struct {
	// Output is what the host printed, at most MaxOutput bytes.
	Output string `json:"output"`
	// Bytes counts everything the host printed.
	Bytes int `json:"bytes"`
	// Truncated is true when Output holds less than Bytes.
	Truncated bool `json:"truncated,omitempty"`
	// EndedBy says why the capture stopped: "expect" (Expect appeared),
	// "wait" (Wait passed), "device" (the session ended) or "deadline"
	// (the context ended).
	EndedBy string `json:"endedBy"`
	// TookOver is "sol" when the task ended another console's active SOL
	// session to start its own.
	TookOver string `json:"tookOver,omitempty"`
}

// Kind returns "sol".
func (t *SOLTask) Kind() string { return "sol" }

// Validate checks the limits.
func (t *SOLTask) Validate() error {
	if t.Wait < 0 || t.MaxOutput < 0 {
		return &oobkit.Error{Protocol: oobkit.Redirection, Op: "sol", Class: oobkit.ErrInvalidArgument,
			Message: "wait and maxOutput must not be negative"}
	}
	return nil
}

// Run opens the session, types Send and captures the output.
func (t *SOLTask) Run(ctx context.Context, env *Env) (any, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	wait, limit := time.Duration(t.Wait), t.MaxOutput
	if wait == 0 {
		wait = 10 * time.Second
	}
	if limit == 0 {
		limit = 64 << 10
	}
	var sol *redirect.SOL
	out := &SOLOutput{}
	var err error
	out.TookOver, err = openRedirection(ctx, env, amt.RedirectSOL, t.RefuseIfActive, func(c oobkit.Client) error {
		o, err := Capability[SOLOpener](c, "serial-over-LAN")
		if err != nil {
			return err
		}
		sol, err = o.OpenSOL(ctx, redirect.SOLSettings{})
		return err
	})
	if err != nil {
		if out.TookOver != "" {
			return out, err
		}
		return nil, err
	}
	chunks := make(chan []byte, 16)
	readErr := make(chan error, 1)
	go func() {
		defer close(chunks)
		for {
			buf := make([]byte, 4096)
			n, err := sol.Read(buf)
			if n > 0 {
				chunks <- buf[:n]
			}
			if err != nil {
				readErr <- err
				return
			}
		}
	}()
	defer func() { // Close ends the reader; drain what it still hands over
		_ = sol.Close()
		for range chunks {
		}
	}()
	if t.Send != "" {
		if _, err := sol.Write([]byte(t.Send)); err != nil {
			return out, err
		}
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	var kept strings.Builder
	tail := "" // the end of the output, for an Expect split across reads
	for {
		select {
		case b, ok := <-chunks:
			if !ok {
				out.EndedBy = "device"
				err := <-readErr
				if errors.Is(err, io.EOF) {
					err = nil
				}
				if err == nil && t.Expect != "" {
					err = t.notSeen(wait)
				}
				out.Output = kept.String()
				return out, err
			}
			out.Bytes += len(b)
			if room := limit - kept.Len(); room > 0 {
				kept.Write(b[:min(room, len(b))])
			}
			out.Truncated = out.Bytes > kept.Len()
			if t.Expect != "" {
				tail += string(b)
				if strings.Contains(tail, t.Expect) {
					out.EndedBy, out.Output = "expect", kept.String()
					return out, nil
				}
				if keep := len(t.Expect) - 1; len(tail) > keep {
					tail = tail[len(tail)-keep:]
				}
			}
		case <-timer.C:
			out.EndedBy, out.Output = "wait", kept.String()
			if t.Expect != "" {
				return out, t.notSeen(wait)
			}
			return out, nil
		case <-ctx.Done():
			out.EndedBy, out.Output = "deadline", kept.String()
			return out, fmt.Errorf("sol: %w", ctx.Err())
		}
	}
}

func (t *SOLTask) notSeen(wait time.Duration) error {
	return &oobkit.Error{Protocol: oobkit.Redirection, Op: "sol", Class: oobkit.ErrDevice,
		Message: fmt.Sprintf("the host did not print %q within %s", t.Expect, wait)}
}
