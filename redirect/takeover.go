package redirect

import (
	"context"
	"errors"
	"fmt"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/redirect/internal/wire"
)

// Kind is a redirection session kind, as a [TakeOverFunc] is asked to end.
type Kind int

// Session kinds a [TakeOverFunc] can be asked to end.
const (
	KindSOL Kind = iota + 1
	KindIDER
)

// String returns "SOL" or "IDE-R".
func (k Kind) String() string {
	switch k {
	case KindSOL:
		return "SOL"
	case KindIDER:
		return "IDE-R"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

func kindOfTag(tag string) Kind {
	if tag == wire.TagSOL {
		return KindSOL
	}
	return KindIDER
}

// TakeOverFunc ends the device's active session of kind, another console's,
// so that a new one can start. The redirection protocol has no message for
// it: the device ends a session when its feature is disabled in
// AMT_RedirectionService, which package amt does with
// (*amt.Client).EndRedirectionSessions over WS-Management:
//
//	ac, _ := amt.New(target, cred)
//	rc, _ := redirect.New(target, cred, redirect.WithTakeOver(func(ctx context.Context, k redirect.Kind) error {
//		kinds := amt.RedirectIDER
//		if k == redirect.KindSOL {
//			kinds = amt.RedirectSOL
//		}
//		_, err := ac.EndRedirectionSessions(ctx, kinds)
//		return err
//	}))
type TakeOverFunc func(ctx context.Context, kind Kind) error

// WithTakeOver makes OpenSOL and OpenIDER end an active session of their
// kind instead of refusing, as the RTSM guide's tasks do ("If there is
// already an active SOL session, it is terminated when the task runs."):
// when the device answers the session start with BUSY, the client calls end
// and starts the session once more. Without it, or with RefuseIfActive in
// the call's settings, a busy device is refused with [oobkit.ErrBusy]. The
// session reports the take-over (SOL.TookOver, IDER.TookOver) and the
// client logs it at Info level.
func WithTakeOver(end TakeOverFunc) Option { return func(c *config) { c.takeOver = end } }

// ErrEndedByDevice is the cause of the error a running session ends with
// when the device sends END_REDIRECTION_SESSION: the device ended the
// session, because another console took it over (see [WithTakeOver]) or
// the feature was disabled. Its class is [oobkit.ErrDevice], not
// [oobkit.ErrBusy]: a job that retries busy steps must not take the session
// back, nor run its boot again. A connection that just closes is reported
// as lost ([oobkit.ErrUnreachable]), as before.
var ErrEndedByDevice = errors.New("session ended by the device: taken over by another console, or the feature was disabled")

func endedByDevice(op string) error {
	return classErr(op, oobkit.ErrDevice, "", ErrEndedByDevice)
}

// openTakingOver opens a session of kind tag; on BUSY, unless refuse, it
// ends the active session through the take-over function and tries once
// more. It reports whether it took over.
func (c *Client) openTakingOver(ctx context.Context, tag string, refuse bool) (*conn, bool, error) {
	s, err := c.open(ctx, tag)
	if err == nil || refuse || c.cfg.takeOver == nil || !errors.Is(err, oobkit.ErrBusy) {
		return s, false, err
	}
	kind := kindOfTag(tag)
	if terr := c.cfg.takeOver(ctx, kind); terr != nil {
		return nil, false, fmt.Errorf("%w; ending it failed: %w", err, terr)
	}
	c.cfg.log.Info("ended the device's active redirection session to start this one", "target", c.target.String(), "kind", kind.String())
	s, err = c.open(ctx, tag)
	return s, err == nil, err
}
