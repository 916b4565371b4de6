package main

import (
	"context"
	"flag"

	"github.com/oobkit/oobkit/tasks"
)

// cmdUsers manages local users and groups: a users step per computer, or
// for reset-password the password step (see tasks.LocalPasswordTask).
func (a *app) cmdUsers(ctx context.Context, args []string) error {
	adminUser := ""
	pwEnv, confirmEnv, adminEnv := "OOBKIT_NEW_PASSWORD", "OOBKIT_CONFIRM_PASSWORD", "OOBKIT_ADMIN_PASSWORD"
	pos, err := a.commandArgs("users", args, func(fs *flag.FlagSet) {
		fs.StringVar(&adminUser, "admin-user", "", "")
		fs.StringVar(&pwEnv, "password-env", pwEnv, "")
		fs.StringVar(&confirmEnv, "confirm-env", confirmEnv, "")
		fs.StringVar(&adminEnv, "admin-password-env", adminEnv, "")
	})
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("users wants list, add-member, remove-member, enable, disable or reset-password")
	}
	action, rest := pos[0], pos[1:]
	want := map[string]int{tasks.UsersList: 0, tasks.UsersAddMember: 2, tasks.UsersRemoveMember: 2,
		tasks.UsersEnable: 1, tasks.UsersDisable: 1, "reset-password": 1}
	n, ok := want[action]
	switch {
	case !ok:
		return usagef("users: unknown action %q (list, add-member, remove-member, enable, disable, reset-password)", action)
	case len(rest) != n:
		return usagef("users %s takes %d argument(s), got %d", action, n, len(rest))
	}
	if action == "reset-password" {
		if a.getenv(pwEnv) == "" || a.getenv(confirmEnv) == "" {
			return usagef("users reset-password reads the new password from $%s and its confirmation from $%s", pwEnv, confirmEnv)
		}
		t := &tasks.LocalPasswordTask{Account: rest[0], PasswordEnv: pwEnv, ConfirmEnv: confirmEnv, AdminUser: adminUser}
		if adminUser != "" {
			if a.getenv(adminEnv) == "" {
				return usagef("users reset-password --admin-user reads its password from $%s", adminEnv)
			}
			t.AdminPasswordEnv = adminEnv
		}
		return a.runJob(ctx, oneStep("users", t))
	}
	if adminUser != "" {
		return usagef("--admin-user is for reset-password")
	}
	t := &tasks.LocalUsersTask{Action: action}
	switch n {
	case 2:
		t.Group, t.Account = rest[0], rest[1]
	case 1:
		t.Account = rest[0]
	}
	return a.runJob(ctx, oneStep("users", t))
}
