package amt

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
)

// RedirectionKinds selects the redirection features whose active sessions
// [Client.EndRedirectionSessions] ends. The bits are those AMT adds to 32768
// in AMT_RedirectionService.EnabledState (IDE-R 1, SOL 2).
type RedirectionKinds int

// Redirection kinds.
const (
	// RedirectIDER is IDE redirection.
	RedirectIDER RedirectionKinds = 1 << iota
	// RedirectSOL is serial-over-LAN.
	RedirectSOL
)

// String names the kinds: "ider", "sol", "ider+sol" or "none".
func (k RedirectionKinds) String() string {
	switch k & (RedirectIDER | RedirectSOL) {
	case RedirectIDER:
		return "ider"
	case RedirectSOL:
		return "sol"
	case RedirectIDER | RedirectSOL:
		return "ider+sol"
	}
	return "none"
}

// TakeOver is what [Client.EndRedirectionSessions] did.
type TakeOver struct {
	// Before is AMT_RedirectionService.EnabledState as read first
	// (32768 both disabled, 32769 IDE-R only, 32770 SOL only, 32771 both).
	Before int `json:"before"`
	// During is the state requested to end the sessions (Before with the
	// kinds asked for disabled); equal to Before when none of them was
	// enabled, and nothing was changed.
	During int `json:"during"`
	// Ended are the kinds that were disabled and enabled again.
	Ended RedirectionKinds `json:"ended"`
	// Restored is true once the device reported Before again.
	Restored bool `json:"restored"`
}

// restoreTimeout bounds the restore of the previous state, which runs even
// when the caller's context has ended.
const restoreTimeout = 30 * time.Second

// EndRedirectionSessions ends the device's active redirection sessions of
// kinds (another console's SOL or IDE-R session), so that a new session of
// that kind can start. The RTSM guide says of its SOL and IDE-R tasks: "If
// there is already an active SOL session, it is terminated when the task
// runs." AMT ends the active sessions of a feature when the feature is
// disabled, so the client reads AMT_RedirectionService.EnabledState,
// requests the same state with kinds disabled (RequestStateChange
// 32768–32771, values as in go-wsman-messages amt/redirection), reads the
// state back to confirm, and requests the previous state again. This is the
// sequence RealVNC's AMT mode uses to end a session before a power change
// (https://github.com/Ylianst/MeshCentral/issues/4768). Kinds that are
// disabled already have no session: nothing is changed for them.
//
// The previous state is restored whatever failed once the disable was
// requested, even when ctx has ended (bounded by 30 s); a failed restore is
// part of the returned error. KVM sessions are not ended here.
func (c *Client) EndRedirectionSessions(ctx context.Context, kinds RedirectionKinds) (t TakeOver, err error) {
	const op = "EndRedirectionSessions"
	before, err := c.redirectionState(ctx)
	if err != nil {
		return t, err
	}
	enabled := RedirectionKinds(before - redirNone)
	t = TakeOver{Before: before, During: before, Ended: enabled & kinds & (RedirectIDER | RedirectSOL)}
	if t.Ended == 0 {
		return t, nil
	}
	t.During = redirNone + int(enabled&^t.Ended)
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), restoreTimeout)
		defer cancel()
		rerr := c.requestRedirectionState(rctx, op, t.Before)
		if rerr == nil {
			t.Restored = true
			return
		}
		rerr = fmt.Errorf("restoring AMT_RedirectionService EnabledState %d: %w", t.Before, rerr)
		if err == nil {
			err = rerr
		} else {
			err = errors.Join(err, rerr)
		}
	}()
	return t, c.requestRedirectionState(ctx, op, t.During)
}

// redirectionState reads AMT_RedirectionService.EnabledState, which must be
// one of the four SOL/IDE-R values.
func (c *Client) redirectionState(ctx context.Context) (int, error) {
	rs, err := c.get(ctx, schema.Redirection, wsman.Sel("Name", schema.RedirectionName))
	if err != nil {
		return 0, err
	}
	st, _ := rs.Int("EnabledState")
	if st < redirNone || st > redirIDERSOL {
		return int(st), &oobkit.Error{Protocol: oobkit.AMT, Op: "EndRedirectionSessions", Class: oobkit.ErrDevice,
			Message: fmt.Sprintf("AMT_RedirectionService EnabledState %d is none of 32768–32771", st)}
	}
	return int(st), nil
}

// requestRedirectionState requests state and reads it back.
func (c *Client) requestRedirectionState(ctx context.Context, op string, state int) error {
	in := wsman.MethodInput(schema.Redirection, "RequestStateChange").SetInt("RequestedState", int64(state))
	if _, err := c.invoke(ctx, schema.Redirection, "RequestStateChange", wsman.Sel("Name", schema.RedirectionName), in, stateChangeCodes); err != nil {
		return err
	}
	got, err := c.redirectionState(ctx)
	if err != nil {
		return err
	}
	if got != state {
		return &oobkit.Error{Protocol: oobkit.AMT, Op: op, Class: oobkit.ErrDevice,
			Message: fmt.Sprintf("requested AMT_RedirectionService EnabledState %d, the device reports %d", state, got)}
	}
	return nil
}
