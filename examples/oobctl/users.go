package main

import (
	"context"
	"flag"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/tasks"
)

// The password environment variables of every oobctl command (cli.go's
// help lists them): a command never takes a password on its command line.
const (
	// envPassword is --user's password, for every protocol (and the
	// administrator of "password domain" when --admin is absent).
	envPassword = "OOBKIT_PASSWORD"
	// envAdminPassword is the administrative user's: users reset-password
	// --admin-user, password domain --admin.
	envAdminPassword = "OOBKIT_ADMIN_PASSWORD"
	// envNewPassword and envConfirmPassword are the new password and the
	// same typed again, both required ("Type and confirm a new password.").
	envNewPassword     = "OOBKIT_NEW_PASSWORD"
	envConfirmPassword = "OOBKIT_CONFIRM_PASSWORD"
	// envOldPassword is the account's own old password (password domain
	// --change).
	envOldPassword = "OOBKIT_OLD_PASSWORD"
)

// cmdUsers manages local users and groups: a users step per computer, or
// for reset-password the password step (see tasks.LocalPasswordTask).
func (a *app) cmdUsers(ctx context.Context, args []string) error {
	adminUser := ""
	pwEnv, confirmEnv, adminEnv := envNewPassword, envConfirmPassword, envAdminPassword
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
		// "Type and confirm a new password.": both are required and must
		// match, checked here before any computer is contacted.
		if a.getenv(pwEnv) == "" || a.getenv(confirmEnv) == "" {
			return usagef("users reset-password reads the new password from $%s and its confirmation from $%s", pwEnv, confirmEnv)
		}
		if !oobkit.NewSecret(a.getenv(pwEnv)).Equal(oobkit.NewSecret(a.getenv(confirmEnv))) {
			return usagef("users reset-password: the new password ($%s) and its confirmation ($%s) differ", pwEnv, confirmEnv)
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
