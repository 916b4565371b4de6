package wmi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// LocalUser is a local account (Win32_UserAccount with LocalAccount TRUE,
// https://learn.microsoft.com/windows/win32/cimwin32prov/win32-useraccount).
type LocalUser struct {
	Name, Domain, FullName, Description string
	SID                                 string
	Disabled, Lockout                   bool
	PasswordRequired, PasswordExpires   bool
	Status                              string
}

// LocalGroup is a local group (Win32_Group,
// https://learn.microsoft.com/windows/win32/cimwin32prov/win32-group) with
// its members from Win32_GroupUser
// (https://learn.microsoft.com/windows/win32/cimwin32prov/win32-groupuser),
// each "DOMAIN\Name".
type LocalGroup struct {
	Name, Domain, Description, SID string
	Members                        []string
}

// LocalUsers lists the local accounts (guide Table A-1, "Manage Local
// Users and Groups").
func (c *Client) LocalUsers(ctx context.Context) ([]LocalUser, error) {
	items, err := c.query(ctx, "SELECT * FROM Win32_UserAccount WHERE LocalAccount = TRUE", 0)
	if err != nil {
		return nil, err
	}
	out := make([]LocalUser, 0, len(items))
	for _, u := range items {
		out = append(out, decodeLocalUser(u))
	}
	return out, nil
}

// decodeLocalUser reads a Win32_UserAccount instance.
func decodeLocalUser(u *wsman.Instance) LocalUser {
	return LocalUser{Name: text(u, "Name"), Domain: text(u, "Domain"), FullName: text(u, "FullName"),
		Description: text(u, "Description"), SID: text(u, "SID"), Disabled: u.Bool("Disabled"), Lockout: u.Bool("Lockout"),
		PasswordRequired: u.Bool("PasswordRequired"), PasswordExpires: u.Bool("PasswordExpires"), Status: text(u, "Status")}
}

// decodeLocalGroup reads a Win32_Group instance (without its members).
func decodeLocalGroup(g *wsman.Instance) LocalGroup {
	return LocalGroup{Name: text(g, "Name"), Domain: text(g, "Domain"), Description: text(g, "Description"), SID: text(g, "SID")}
}

// decodeGroupMember reads the member ("DOMAIN\Name") a Win32_GroupUser
// instance's PartComponent reference names; false when it names none.
func decodeGroupMember(l *wsman.Instance) (string, bool) {
	p, ok := l.Prop("PartComponent")
	if !ok || p.EPR == nil {
		return "", false
	}
	return p.EPR.Selectors.Get("Domain") + `\` + p.EPR.Selectors.Get("Name"), true
}

// LocalGroups lists the local groups and their members: Win32_Group for
// the groups, then per group the Win32_GroupUser associations whose
// GroupComponent is that group (a WQL WHERE on the reference). Enumerating
// every Win32_GroupUser instead would, on a domain member, make Windows
// walk the domain's groups too, which takes minutes on a large domain.
func (c *Client) LocalGroups(ctx context.Context) ([]LocalGroup, error) {
	items, err := c.query(ctx, "SELECT * FROM Win32_Group WHERE LocalAccount = TRUE", 0)
	if err != nil {
		return nil, err
	}
	out := make([]LocalGroup, 0, len(items))
	for _, g := range items {
		lg := decodeLocalGroup(g)
		path := `Win32_Group.Domain="` + lg.Domain + `",Name="` + lg.Name + `"`
		links, err := c.query(ctx, "SELECT * FROM Win32_GroupUser WHERE GroupComponent = "+quoteWQL(path), 0)
		if err != nil {
			return nil, err
		}
		for _, l := range links {
			if m, ok := decodeGroupMember(l); ok {
				lg.Members = append(lg.Members, m)
			}
		}
		sort.Strings(lg.Members)
		out = append(out, lg)
	}
	return out, nil
}

// SetAccountDisabled disables or enables a local account ("COMPUTER\User",
// ".\User" or "User") by changing Win32_UserAccount.Disabled, a writable
// property, with a WS-Transfer Put of the instance (WMI's PutInstance, as
// a script's objUser.Disabled = True: objUser.Put_() does).
func (c *Client) SetAccountDisabled(ctx context.Context, account string, disabled bool) error {
	computer, user, err := splitAccount(account)
	if err != nil {
		return err
	}
	if computer == "." {
		if computer, err = c.computerName(ctx); err != nil {
			return err
		}
	}
	sel := wsman.Sel("Domain", computer, "Name", user)
	in := wsman.NewInstance(uri("Win32_UserAccount"), "Win32_UserAccount").SetBool("Disabled", disabled)
	if _, err := c.ws.Put(ctx, uri("Win32_UserAccount"), sel, in); err != nil {
		err = explain(err)
		if isNotFound(err) {
			return &oobkit.Error{Protocol: oobkit.WMI, Op: "SetAccountDisabled", Class: oobkit.ErrInvalidArgument, Message: "no local account " + computer + `\` + user, Err: err}
		}
		return err
	}
	return nil
}

// computerName reads the computer's NetBIOS name (the Domain of its local
// accounts).
func (c *Client) computerName(ctx context.Context) (string, error) {
	items, err := c.query(ctx, "SELECT Name FROM Win32_ComputerSystem", 1)
	if err != nil {
		return "", err
	}
	if len(items) == 0 || text(items[0], "Name") == "" {
		return "", &oobkit.Error{Protocol: oobkit.WMI, Op: "query", Class: oobkit.ErrProtocol, Message: "Win32_ComputerSystem has no Name"}
	}
	return text(items[0], "Name"), nil
}

// GroupEventTag starts the group-membership helper's Application-log
// event message (source [PasswordEventSource], like the password helper),
// followed by the run's correlation ID, the group and the account.
const GroupEventTag = "oobkit-group"

// AddGroupMember adds a local account to a local group.
//
// WMI cannot do it: Win32_Group has no method for membership, and
// Win32_GroupUser's GroupComponent and PartComponent are read-only keys of
// an association the CIMWin32 provider only enumerates — it refuses to
// create or delete its instances (the Windows answer is WMI's
// WBEM_E_PROVIDER_NOT_CAPABLE, which wmitest gives too). What Windows
// offers is the NetLocalGroupAddMembers API, reached from a script through
// ADSI's WinNT provider (IADsGroup.Add). So, as [Client.SetLocalPassword]
// does for passwords, the client starts Windows PowerShell with
// Win32_Process.Create to call [ADSI]'WinNT://COMPUTER/Group,group'.Add,
// waits for it, and reads the outcome it writes to the Application log
// (source "oobkit", event 1000 or 1001 with Windows' message: access
// denied, no such group or account, already a member). The command line
// names only the group and the account; no secret is involved.
func (c *Client) AddGroupMember(ctx context.Context, group, account string) error {
	return c.groupMember(ctx, "Add", group, account)
}

// RemoveGroupMember removes a local account from a local group
// (IADsGroup.Remove; see [Client.AddGroupMember] for why not WMI).
func (c *Client) RemoveGroupMember(ctx context.Context, group, account string) error {
	return c.groupMember(ctx, "Remove", group, account)
}

func (c *Client) groupMember(ctx context.Context, op, group, account string) error {
	computer, user, err := splitAccount(account)
	if err != nil {
		return err
	}
	if err := checkGroupName(group); err != nil {
		return err
	}
	var idb [8]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return fmt.Errorf("wmi: random correlation ID: %w", err)
	}
	id := hex.EncodeToString(idb[:])
	script := fmt.Sprintf(`$id='%s'; try { ([ADSI]'WinNT://%s/%s,group').%s('WinNT://%s/%s,user'); $t='Information'; $e=%d; $m='member %s' } `+
		`catch { $t='Error'; $e=%d; $m=$_.Exception.InnerException.Message; if (-not $m) { $m=$_.Exception.Message } }; `+
		`[Diagnostics.EventLog]::WriteEntry('%s', ('%s '+$id+' %s %s: '+$m), $t, $e)`,
		id, ".", group, op, computer, user, PasswordEventOK, map[string]string{"Add": "added", "Remove": "removed"}[op],
		PasswordEventFailed, PasswordEventSource, GroupEventTag, group, user)
	cmd := powershell + ` -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "` + script + `"`
	since := time.Now()
	pid, err := c.createWith(ctx, c.ws, cmd, "", []string{`SystemRoot=C:\Windows`}, "group helper for "+group)
	if err != nil {
		return err
	}
	if err := c.waitProcessExit(ctx, pid); err != nil {
		return err
	}
	return c.helperOutcome(ctx, op+"GroupMember", GroupEventTag+" "+id+" ", "the group helper for "+group, since)
}

// helperOutcome finds a helper's event by its tag and turns it into the
// result.
func (c *Client) helperOutcome(ctx context.Context, op, tag, what string, since time.Time) error {
	events, err := c.Events(ctx, EventQuery{Logs: []string{LogApplication}, Source: PasswordEventSource,
		Types: []EventType{EventInformation, EventError}, Max: 50})
	if err != nil {
		return err
	}
	if err := helperResult(events, op, tag); !errors.Is(err, errNoHelperEvent) {
		return err
	}
	return &oobkit.Error{Protocol: oobkit.WMI, Op: op, Class: oobkit.ErrDevice,
		Message: fmt.Sprintf("%s exited without reporting (started %s): PowerShell missing or blocked by policy?", what, since.UTC().Format(time.RFC3339))}
}

// errNoHelperEvent says no event carries the helper's tag.
var errNoHelperEvent = errors.New("no helper event")

// helperResult reads the outcome of the helper run tagged tag from the
// Application-log events its script wrote: nil for event
// [PasswordEventOK], an error quoting Windows' reason (what follows the
// first ": " of the message) otherwise, errNoHelperEvent when no event
// carries the tag. The event text comes from the computer: a message
// without ": " (or ending in ":") is quoted whole or as empty, never
// sliced out of range.
func helperResult(events []oobkit.Event, op, tag string) error {
	for _, e := range events {
		if !strings.HasPrefix(e.Description, tag) {
			continue
		}
		if e.Code == fmt.Sprint(PasswordEventOK) {
			return nil
		}
		_, reason, found := strings.Cut(e.Description, ":")
		if found {
			reason = strings.TrimPrefix(reason, " ")
		} else {
			reason = e.Description
		}
		if reason == "" {
			reason = "the helper failed without a reason (event " + e.Code + ")"
		}
		class := oobkit.ErrDevice
		l := strings.ToLower(reason)
		switch {
		case strings.Contains(l, "could not be found"), strings.Contains(l, "already a member"), strings.Contains(l, "not a member"):
			class = oobkit.ErrInvalidArgument
		case strings.Contains(l, "access is denied"):
			class = oobkit.ErrAuth
		}
		return &oobkit.Error{Protocol: oobkit.WMI, Op: op, Class: class, DeviceCode: e.Code, Message: reason}
	}
	return errNoHelperEvent
}

// checkGroupName refuses names Windows does not allow in local groups
// (and so cannot break out of the helper's quoting).
func checkGroupName(g string) error {
	if g == "" || len(g) > 256 || strings.TrimSpace(g) != g ||
		strings.ContainsAny(g, "\"/\\[]:;|=,+*?<>'$`%@") || strings.IndexFunc(g, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return &oobkit.Error{Protocol: oobkit.WMI, Op: "group", Class: oobkit.ErrInvalidArgument,
			Message: fmt.Sprintf("group %q: a local group name has no surrounding spaces and none of \" / \\ [ ] : ; | = , + * ? < > ' $ ` %% @", g)}
	}
	return nil
}
