package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/simfleet"
)

// TestUsersCommand: oobctl users does the guide's Table A-1 "Manage Local
// Users and Groups" on a Windows computer: list, add and remove a member,
// disable and enable an account, reset a local password with an
// administrative user.
func TestUsersCommand(t *testing.T) {
	f, targets := startFleet(t, simfleet.Config{WMI: 1})
	w := f.Computers[0].WMI
	base := []string{"--targets-file", targets, "--user", simfleet.User, "users"}

	res := oobctl(t, nil, append(base, "list")...)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	assert.Regexp(t, `win-01 .* ok .*users Administrator, admin, alice, helpdesk; Administrators: Administrator,admin,helpdesk`, res.stdout)

	res = oobctl(t, nil, append(base, "add-member", "Remote Desktop Users", "alice")...)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	assert.Contains(t, res.stdout, "Remote Desktop Users: alice")
	m, _ := w.Members("Remote Desktop Users")
	assert.Equal(t, []string{"alice"}, m)

	res = oobctl(t, nil, append(base, "remove-member", "Remote Desktop Users", "alice")...)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	m, _ = w.Members("Remote Desktop Users")
	assert.Empty(t, m)

	res = oobctl(t, nil, append(base, "disable", "alice")...)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	assert.Contains(t, res.stdout, "alice (disabled)")
	res = oobctl(t, nil, append(base, "enable", "alice", "--json")...)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	assert.Contains(t, res.stdout, `"Disabled": false`)

	// reset-password: the secrets come from the environment only.
	const newPW = "Reset-Passw0rd-42"
	t.Setenv("OOBKIT_NEW_PASSWORD", newPW)
	t.Setenv("OOBKIT_CONFIRM_PASSWORD", newPW)
	t.Setenv("OOBKIT_ADMIN_PASSWORD", simfleet.Password)
	env := func(k string) string {
		if k == "OOBKIT_PASSWORD" {
			return simfleet.Password
		}
		return map[string]string{"OOBKIT_NEW_PASSWORD": newPW, "OOBKIT_CONFIRM_PASSWORD": newPW, "OOBKIT_ADMIN_PASSWORD": simfleet.Password}[k]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errw strings.Builder
	code := run(ctx, append(base, "reset-password", `.\alice`, "--admin-user", "Administrator", "--allow-unencrypted"), strings.NewReader(""), &out, &errw, env)
	require.Equal(t, exitOK, code, out.String()+errw.String())
	pw, _ := w.Password("alice")
	assert.Equal(t, newPW, pw)
	assert.NotContains(t, out.String()+errw.String(), newPW)

	for _, bad := range [][]string{{}, {"rename"}, {"add-member", "Users"}, {"disable"}, {"list", "--admin-user", "x"}, {"reset-password", "alice"}} {
		res = oobctl(t, nil, append(base, bad...)...)
		assert.Equal(t, exitUsage, res.code, bad)
	}
}

// The guide's Password Management steps: "5 Type and confirm a new
// password." users reset-password requires the confirmation
// ($OOBKIT_CONFIRM_PASSWORD) and refuses one that differs as a usage error
// (exit 2) before the computer is contacted: its password is unchanged
// and the simulator saw no request.
func TestUsersResetPasswordConfirmation(t *testing.T) {
	f, targets := startFleet(t, simfleet.Config{WMI: 1})
	w := f.Computers[0].WMI
	before, _ := w.Password("alice")
	requests := w.Counters().Requests
	args := []string{"--targets-file", targets, "--user", simfleet.User, "users", "reset-password", `.\alice`, "--admin-user", "Administrator"}
	for name, confirm := range map[string]string{"missing": "", "different": "Other-Passw0rd-43"} {
		env := map[string]string{"OOBKIT_PASSWORD": simfleet.Password, "OOBKIT_ADMIN_PASSWORD": simfleet.Password,
			"OOBKIT_NEW_PASSWORD": "Reset-Passw0rd-42", "OOBKIT_CONFIRM_PASSWORD": confirm}
		r := dpwOobctl(t, env, args...)
		assert.Equal(t, exitUsage, r.code, name, r.stdout+r.stderr)
		assert.NotContains(t, r.stdout+r.stderr, "Reset-Passw0rd-42", name)
	}
	after, _ := w.Password("alice")
	assert.Equal(t, before, after)
	assert.Equal(t, requests, w.Counters().Requests, "nothing sent")
}
