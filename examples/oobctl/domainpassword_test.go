package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/internal/sambatest"
	"github.com/oobkit/oobkit/tasks"
)

// dpwOobctl runs oobctl with the environment env.
func dpwOobctl(t *testing.T, env map[string]string, args ...string) cli {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errw bytes.Buffer
	code := run(ctx, args, strings.NewReader(""), &out, &errw, func(k string) string { return env[k] })
	return cli{code: code, stdout: out.String(), stderr: errw.String()}
}

// Plain LDAP is refused as a usage error before any password is read or
// anything dialed.
func TestPasswordDomainPlaintextRefused(t *testing.T) {
	r := dpwOobctl(t, map[string]string{"OOBKIT_ADMIN_PASSWORD": "Canary-Admin-1", "OOBKIT_NEW_PASSWORD": "Canary-New-1", "OOBKIT_CONFIRM_PASSWORD": "Canary-New-1"},
		"password", "domain", "--server", "ldap://127.0.0.1:1", "--admin", "Administrator", "alice")
	assert.Equal(t, exitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "plain text")
	assert.NotContains(t, r.stderr+r.stdout, "Canary")

	r = dpwOobctl(t, nil, "password", "domain", "--server", "dc1", "alice")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "--admin")
}

// The guide's "Reset Domain Password" from the command line ("2 In the
// Tools Web part, click Reset Domain Password." "3 In the Reset Domain
// Password dialog box, fill in the required fields, and then click OK."),
// against the real Samba AD DC: the required fields are the directory,
// the administrator, the accounts and the new password; one line per
// account, the directory's reason for the one that failed, exit 1; then
// the user's own change.
func TestPasswordDomainSamba(t *testing.T) {
	dc := sambatest.Start(t)
	t.Parallel()
	u1, u2 := sambatest.Name("cli"), sambatest.Name("cli")
	dc.AddUser(t, u1, "Initial-Pw-1")
	dc.AddUser(t, u2, "Initial-Pw-1")
	nobody := sambatest.Name("nobody")
	env := map[string]string{"OOBKIT_ADMIN_PASSWORD": dc.AdminPassword, "OOBKIT_NEW_PASSWORD": "Cli-Reset-Pw-4", "OOBKIT_CONFIRM_PASSWORD": "Cli-Reset-Pw-4"}
	args := []string{"password", "domain", "--server", "ldaps://" + dc.LDAPS, "--ca", dc.CAFile, "--admin", dc.Domain + `\` + dc.AdminUser}

	r := dpwOobctl(t, env, append(args, u1, u2)...)
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "2 accounts: 2 reset, 0 failed, 0 not attempted")

	r = dpwOobctl(t, env, append(args, "--json", u1, nobody)...)
	assert.Equal(t, exitFailed, r.code, r.stdout+r.stderr)
	var rep struct {
		tasks.DomainPasswordOutput
		Class string `json:"class"`
		Error string `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout)
	require.Len(t, rep.Accounts, 2)
	assert.Equal(t, "invalid-argument", rep.Class)
	assert.Equal(t, [3]int{1, 1, 0}, [3]int{rep.Reset, rep.Failed, rep.NotAttempted})
	assert.Contains(t, rep.Error, "1 of 2 accounts not reset")
	assert.Contains(t, r.stdout, `"reason": "no-such-user"`)
	assert.NotContains(t, r.stdout, dc.AdminPassword)
	assert.NotContains(t, r.stdout, "Cli-Reset-Pw-4")

	// A confirmation that differs: a usage error before the directory is
	// asked (TestPasswordConfirmationRequired has the rest).
	r = dpwOobctl(t, map[string]string{"OOBKIT_ADMIN_PASSWORD": dc.AdminPassword, "OOBKIT_NEW_PASSWORD": "Cli-Reset-Pw-5",
		"OOBKIT_CONFIRM_PASSWORD": "Cli-Reset-Pw-6"}, append(args, u1)...)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "confirmation differ")

	// The user's own change, with the old password; a wrong one says so.
	change := []string{"password", "domain", "--change", "--server", dc.LDAPS, "--ca", dc.CAFile}
	r = dpwOobctl(t, map[string]string{"OOBKIT_OLD_PASSWORD": "Cli-Reset-Pw-4", "OOBKIT_NEW_PASSWORD": "Cli-Change-Pw-7", "OOBKIT_CONFIRM_PASSWORD": "Cli-Change-Pw-7"}, append(change, u2)...)
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "password changed")
	r = dpwOobctl(t, map[string]string{"OOBKIT_OLD_PASSWORD": "Never-Was-Pw-9", "OOBKIT_NEW_PASSWORD": "Cli-Change-Pw-8", "OOBKIT_CONFIRM_PASSWORD": "Cli-Change-Pw-8"}, append(change, u2)...)
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stdout, "wrong-old-password")
	assert.NotContains(t, r.stdout, "Never-Was-Pw-9")

	// Verification is on by default: without --ca the DC is not trusted.
	r = dpwOobctl(t, env, "password", "domain", "--server", dc.LDAPS, "--admin", dc.AdminUser, u1)
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stdout, "certificate")
}

// The guide's Password Management steps: "5 Type and confirm a new
// password." The confirmation is required, for the domain reset and change
// as for the local reset: missing or different, it is a usage error
// (exit 2) before anything is sent — here the directory is a closed port,
// so any attempt would fail with exit 1 instead. The names are the same
// for every command, and --help lists them.
func TestPasswordConfirmationRequired(t *testing.T) {
	reset := []string{"password", "domain", "--server", "ldaps://127.0.0.1:1", "--admin", "Administrator", "alice"}
	change := []string{"password", "domain", "--change", "--server", "ldaps://127.0.0.1:1", "alice"}
	base := map[string]string{"OOBKIT_ADMIN_PASSWORD": "Canary-Admin-1", "OOBKIT_OLD_PASSWORD": "Canary-Old-1", "OOBKIT_NEW_PASSWORD": "Canary-New-1"}
	says := map[string]string{"missing": "$OOBKIT_CONFIRM_PASSWORD", "different": "confirmation differ"}
	for name, confirm := range map[string]string{"missing": "", "different": "Canary-New-2"} {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		if confirm != "" {
			env["OOBKIT_CONFIRM_PASSWORD"] = confirm
		}
		// The old name of the confirmation no longer confirms.
		env["OOBKIT_NEW_PASSWORD_CONFIRM"] = "Canary-New-1"
		for _, args := range [][]string{reset, change} {
			r := dpwOobctl(t, env, args...)
			assert.Equal(t, exitUsage, r.code, "%s %v: %s", name, args, r.stdout+r.stderr)
			assert.Contains(t, r.stderr, says[name], name)
			assert.NotContains(t, r.stdout+r.stderr, "Canary", name)
			assert.Empty(t, r.stdout, name)
		}
	}
	// Confirmed, the reset reaches for the directory (and fails: closed).
	env := map[string]string{"OOBKIT_ADMIN_PASSWORD": "Canary-Admin-1", "OOBKIT_NEW_PASSWORD": "Canary-New-1", "OOBKIT_CONFIRM_PASSWORD": "Canary-New-1"}
	r := dpwOobctl(t, env, reset...)
	assert.Equal(t, exitFailed, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "unreachable")
	// --admin's password is $OOBKIT_ADMIN_PASSWORD, not --user's.
	r = dpwOobctl(t, map[string]string{"OOBKIT_PASSWORD": "Canary-Admin-1", "OOBKIT_NEW_PASSWORD": "Canary-New-1", "OOBKIT_CONFIRM_PASSWORD": "Canary-New-1"}, reset...)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "$OOBKIT_ADMIN_PASSWORD")

	h := dpwOobctl(t, nil, "--help")
	help := h.stdout + h.stderr
	for _, name := range []string{"OOBKIT_PASSWORD", "OOBKIT_ADMIN_PASSWORD", "OOBKIT_NEW_PASSWORD", "OOBKIT_CONFIRM_PASSWORD", "OOBKIT_OLD_PASSWORD"} {
		assert.Contains(t, help, name)
	}
	assert.NotContains(t, help, "OOBKIT_NEW_PASSWORD_CONFIRM")
}
