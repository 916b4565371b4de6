package tasks

import (
	"context"
	"fmt"
	"strings"

	"github.com/oobkit/oobkit/wmi"
)

func init() { RegisterKind("users", func() Task { return &LocalUsersTask{} }) }

// UserManager is what a client needs for a [LocalUsersTask]; package wmi's
// Client implements it.
type UserManager interface {
	LocalUsers(ctx context.Context) ([]wmi.LocalUser, error)
	LocalGroups(ctx context.Context) ([]wmi.LocalGroup, error)
	AddGroupMember(ctx context.Context, group, account string) error
	RemoveGroupMember(ctx context.Context, group, account string) error
	SetAccountDisabled(ctx context.Context, account string, disabled bool) error
}

// Actions of a [LocalUsersTask].
const (
	UsersList         = "list"
	UsersAddMember    = "add-member"
	UsersRemoveMember = "remove-member"
	UsersEnable       = "enable"
	UsersDisable      = "disable"
)

// LocalUsersTask manages local users and groups of a Windows computer over
// WMI (the RTSM guide's Table A-1 "Manage Local Users and Groups"): list
// the accounts and groups with their members, add an account to a group or
// remove it, enable or disable an account. Local passwords are reset by
// [LocalPasswordTask].
type LocalUsersTask struct {
	// Action is list, add-member, remove-member, enable or disable.
	Action string `json:"action"`
	// Group is the local group of add-member and remove-member.
	Group string `json:"group,omitempty"`
	// Account is "COMPUTER\User", ".\User" or "User".
	Account string `json:"account,omitempty"`
}

// LocalUsersOutput is what a [LocalUsersTask] returns: the accounts and
// groups after the action.
type LocalUsersOutput struct {
	Action string           `json:"action"`
	Users  []wmi.LocalUser  `json:"users,omitempty"`
	Groups []wmi.LocalGroup `json:"groups,omitempty"`
}

// Kind returns "users".
func (t *LocalUsersTask) Kind() string { return "users" }

// Validate checks the action and its arguments.
func (t *LocalUsersTask) Validate() error {
	switch t.Action {
	case UsersList:
	case UsersAddMember, UsersRemoveMember:
		if t.Group == "" || t.Account == "" {
			return invalidTask("users", "%s needs group and account", t.Action)
		}
	case UsersEnable, UsersDisable:
		if t.Account == "" {
			return invalidTask("users", "%s needs account", t.Action)
		}
	default:
		return invalidTask("users", "unknown action %q (want list, add-member, remove-member, enable or disable)", t.Action)
	}
	return nil
}

// Run does the action, then lists the accounts and groups.
func (t *LocalUsersTask) Run(ctx context.Context, env *Env) (any, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	out := &LocalUsersOutput{Action: t.Action}
	err := runWMI(ctx, env, "local users and groups", func(m UserManager) error {
		var err error
		switch t.Action {
		case UsersAddMember:
			err = m.AddGroupMember(ctx, t.Group, t.Account)
		case UsersRemoveMember:
			err = m.RemoveGroupMember(ctx, t.Group, t.Account)
		case UsersEnable, UsersDisable:
			err = m.SetAccountDisabled(ctx, t.Account, t.Action == UsersDisable)
		}
		if err != nil {
			return err
		}
		if out.Users, err = m.LocalUsers(ctx); err != nil {
			return err
		}
		out.Groups, err = m.LocalGroups(ctx)
		return err
	})
	return out, err
}

// Summary says in one line what the computer's accounts look like.
func (o *LocalUsersOutput) Summary() string {
	var users []string
	for _, u := range o.Users {
		s := u.Name
		if u.Disabled {
			s += " (disabled)"
		}
		users = append(users, s)
	}
	var groups []string
	for _, g := range o.Groups {
		if len(g.Members) > 0 {
			var names []string
			for _, m := range g.Members {
				names = append(names, m[strings.IndexByte(m, '\\')+1:])
			}
			groups = append(groups, fmt.Sprintf("%s: %s", g.Name, strings.Join(names, ",")))
		}
	}
	return fmt.Sprintf("users %s; %s", strings.Join(users, ", "), strings.Join(groups, "; "))
}
