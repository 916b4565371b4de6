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
	env.rec.try(oobkit.Redirection)
	use := func() error { return env.Session.Use(ctx, oobkit.Redirection, open) }
	err := use()
	if err == nil || refuse || !errors.Is(err, oobkit.ErrBusy) {
		return "", err
	}
	env.rec.try(oobkit.AMT)
	var to amt.TakeOver
	terr := env.Session.Use(ctx, oobkit.AMT, func(c oobkit.Client) error {
		e, err := Capability[RedirectionEnder](c, "ending a redirection session")
		if err != nil {
			return err
		}
		to, err = e.EndRedirectionSessions(ctx, kind)
		return err
	})
	if to.Ended != 0 {
		env.rec.note(fmt.Sprintf("took over: ended the active %s session (AMT_RedirectionService EnabledState %d, then %d, restored: %t)",
			kindTitle(kind), to.During, to.Before, to.Restored))
	}
	if terr != nil {
		return "", fmt.Errorf("%w; ending the active %s session failed: %w", err, kindTitle(kind), terr)
	}
	if to.Ended == 0 {
		// AMT reports the kind disabled: there was no session to end.
		return "", err
	}
	return kind.String(), use()
}

func kindTitle(k amt.RedirectionKinds) string {
	if k == amt.RedirectSOL {
		return "SOL"
	}
	return "IDE-R"
}
