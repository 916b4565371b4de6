package tasks

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
)

// RedirectionEnder is what a client needs to end another console's active
// redirection session before an [IDERBootTask] or a [SOLTask] starts its
// own: package amt's Client implements it (it disables the kind in
// AMT_RedirectionService, which ends the session, and restores the previous
// state).
type RedirectionEnder interface {
	EndRedirectionSessions(ctx context.Context, kinds amt.RedirectionKinds) (amt.TakeOver, error)
}

// openRedirection runs open on the target's redirection client. The RTSM
// guide warns, for SOL and IDE-R alike: "If there is already an active SOL
// session, it is terminated when the task runs." So when the device answers
// busy and refuse is false, the active session of kind is ended through the
// target's AMT client and open runs once more. It returns the kind's name
// ("sol", "ider") when it ended another session, even if the second open
// failed (the other session is gone all the same), and notes it for the
// activity log.
func openRedirection(ctx context.Context, env *Env, kind amt.RedirectionKinds, refuse bool, open func(oobkit.Client) error) (string, error) {
	if ps := env.Session.Protocols(); !slices.Contains(ps, oobkit.Redirection) && !slices.Contains(ps, oobkit.AMT) {
		// The computer has neither AMT nor its redirection (its protocols,
		// as declared or filtered by the job, leave both out): nothing is
		// dialed, and a step with SkipUnsupported skips it.
		return "", &oobkit.Error{Protocol: oobkit.Redirection, Op: "open " + kindTitle(kind), Class: oobkit.ErrUnsupported,
			Err: &clientLacksError{"the computer has no AMT redirection"}}
	}
	to, retried, err := env.Session.openRedirection(ctx, kind, refuse, open, env.rec.try)
	if to.Ended != 0 {
		env.rec.note(fmt.Sprintf("took over: ended the active %s session (AMT_RedirectionService EnabledState %d, then %d, restored: %t)",
			kindTitle(kind), to.During, to.Before, to.Restored))
	}
	if !retried {
		return "", err
	}
	return kind.String(), err
}

// OpenRedirection runs open on the session's redirection client, ending
// another console's active session of kind first when the device says it
// is busy, as the RTSM guide's SOL and IDE-R tasks do ("If there is already
// an active SOL session, it is terminated when the task runs."): when open
// fails with [oobkit.ErrBusy] and refuse is false, the active session is
// ended through the session's AMT client ([RedirectionEnder], which
// restores AMT_RedirectionService's state) and open runs once more. The
// session must offer both protocols ([Connector.Session](t,
// oobkit.Redirection, oobkit.AMT)).
//
// The returned TakeOver's Ended is not 0 when another console's session
// was ended, even if the second open failed (that session is gone all the
// same). A failure to end it is returned with the busy error. In the
// activity log, a session of a job's step names both operations after the
// step's task kind; a one-to-one session names them after kind ("sol",
// "ider") and "takeover".
func (s *Session) OpenRedirection(ctx context.Context, kind amt.RedirectionKinds, refuse bool, open func(oobkit.Client) error) (amt.TakeOver, error) {
	to, _, err := s.openRedirection(ctx, kind, refuse, open, nil)
	return to, err
}

// openRedirection is OpenRedirection telling tried each protocol it uses
// and whether open ran a second time.
func (s *Session) openRedirection(ctx context.Context, kind amt.RedirectionKinds, refuse bool, open func(oobkit.Client) error,
	tried func(oobkit.Protocol)) (_ amt.TakeOver, retried bool, _ error) {
	if tried == nil {
		tried = func(oobkit.Protocol) {}
	}
	opOpen, opEnd := s.op, s.op
	if opOpen == "" {
		opOpen, opEnd = kind.String(), "takeover"
	}
	tried(oobkit.Redirection)
	use := func() error { return s.UseAs(ctx, oobkit.Redirection, opOpen, open) }
	err := use()
	if err == nil || refuse || !errors.Is(err, oobkit.ErrBusy) {
		return amt.TakeOver{}, false, err
	}
	tried(oobkit.AMT)
	var to amt.TakeOver
	terr := s.UseAs(ctx, oobkit.AMT, opEnd, func(c oobkit.Client) error {
		e, err := Capability[RedirectionEnder](c, "ending a redirection session")
		if err != nil {
			return err
		}
		to, err = e.EndRedirectionSessions(ctx, kind)
		return err
	})
	if terr != nil {
		return to, false, fmt.Errorf("%w; ending the active %s session failed: %w", err, kindTitle(kind), terr)
	}
	if to.Ended == 0 {
		// AMT reports the kind disabled: there was no session to end.
		return to, false, err
	}
	return to, true, use()
}

func kindTitle(k amt.RedirectionKinds) string {
	if k == amt.RedirectSOL {
		return "SOL"
	}
	return "IDE-R"
}
