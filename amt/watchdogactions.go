package amt

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
)

// WatchdogState is one agent watchdog state: a CurrentState value of
// AMT_AgentPresenceWatchdog and a bit of the OldState and NewState
// bitmaps AddAction takes (Intel's CIM framework, AMT_AgentPresenceWatchdog.h,
// https://github.com/intel/lms: "1 - NotStarted, 2 - Stopped, 4 - Running,
// 8 - Expired, 16 - Suspended"). States combine with |.
type WatchdogState uint16

// The watchdog states.
const (
	WatchdogNotStarted WatchdogState = 1
	WatchdogStopped    WatchdogState = 2
	WatchdogRunning    WatchdogState = 4
	WatchdogExpired    WatchdogState = 8
	WatchdogSuspended  WatchdogState = 16
	// WatchdogAnyState is every state (31, which MeshCommander shows as
	// "Any State").
	WatchdogAnyState WatchdogState = 31
)

// NewWatchdogAction is an action to add to a watchdog: on a transition
// from a state in From to one in To, create an event and/or activate or
// deactivate the agent presence System Defense policy.
type NewWatchdogAction struct {
	From, To WatchdogState
	// Event: create an event on the transition (EventOnTransition).
	Event bool
	// SystemDefense is "", "activate policy" (ActionSd 0) or "deactivate
	// policy" (ActionSd 1).
	SystemDefense string
}

// watchdogActionCodes are the ReturnValues of AddAction and
// DeleteAllActions. The SDK documents only success for these methods; 1,
// 23 and 36 are AMT's general PT_STATUS codes (internal error, maximum
// limit reached, invalid parameter) as other AMT methods return them, not
// checked against a device for these two.
var watchdogActionCodes = returnCodes{
	1:  {Class: oobkit.ErrDevice, Text: "internal error"},
	23: {Class: oobkit.ErrInvalidState, Text: "the maximum number of actions is reached"},
	36: {Class: oobkit.ErrInvalidArgument, Text: "invalid parameter"},
}

// watchdogSelector is the DeviceID selector of the watchdog of agent id:
// the GUID's 16 bytes in Base64, in the order written. MeshCommander
// builds it so (btoa(hex2rstr(guid without dashes))) and sends DeviceID as
// the only selector of AddAction and DeleteAllActions; so does this.
func watchdogSelector(op, id string) (wsman.Selectors, error) {
	b, err := hex.DecodeString(strings.ReplaceAll(id, "-", ""))
	if err != nil || len(b) != 16 {
		return nil, argErr(op, "agent ID %q is not a GUID", id)
	}
	return wsman.Sel("DeviceID", base64.StdEncoding.EncodeToString(b)), nil
}

// AddWatchdogAction adds an action to the watchdog of agent agentID (its
// GUID, as [AgentWatchdog].AgentID shows it) with
// AMT_AgentPresenceWatchdog.AddAction: the firmware creates the
// AMT_StateTransitionCondition, the AMT_AgentPresenceWatchdogAction and
// their links that [Client.AgentWatchdogs] reads back. ActionEac (the EAC
// posture) is not sent.
func (c *Client) AddWatchdogAction(ctx context.Context, agentID string, a NewWatchdogAction) error {
	const op = "AddWatchdogAction"
	sel, err := watchdogSelector(op, agentID)
	if err != nil {
		return err
	}
	if a.From == 0 || a.To == 0 || a.From > WatchdogAnyState || a.To > WatchdogAnyState {
		return argErr(op, "states %d → %d are not combinations of the watchdog states 1, 2, 4, 8, 16", a.From, a.To)
	}
	in := wsman.MethodInput(schema.AgentWatchdog, "AddAction").Set("OldState", strconv.Itoa(int(a.From))).
		Set("NewState", strconv.Itoa(int(a.To))).Set("EventOnTransition", strconv.FormatBool(a.Event))
	switch a.SystemDefense {
	case "":
	case "activate policy":
		in.Set("ActionSd", "0")
	case "deactivate policy":
		in.Set("ActionSd", "1")
	default:
		return argErr(op, "system defense action %q is none of \"activate policy\", \"deactivate policy\"", a.SystemDefense)
	}
	if !a.Event && a.SystemDefense == "" {
		return argErr(op, "the action does nothing: neither an event nor a system defense action")
	}
	_, err = c.invoke(ctx, schema.AgentWatchdog, "AddAction", sel, in, watchdogActionCodes)
	return err
}

// DeleteWatchdogActions removes every action of the watchdog of agent
// agentID (AMT_AgentPresenceWatchdog.DeleteAllActions; the SDK has no
// method to remove one action).
func (c *Client) DeleteWatchdogActions(ctx context.Context, agentID string) error {
	const op = "DeleteWatchdogActions"
	sel, err := watchdogSelector(op, agentID)
	if err != nil {
		return err
	}
	_, err = c.invoke(ctx, schema.AgentWatchdog, "DeleteAllActions", sel, nil, watchdogActionCodes)
	return err
}
