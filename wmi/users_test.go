package wmi_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/wmi"
)

// TestManageLocalUsersAndGroups implements the guide's Table A-1 row
// "x WMI Manage Local Users and Groups": list users, groups and
// memberships, add and remove members, disable and enable accounts.
func TestManageLocalUsersAndGroups(t *testing.T) {
	pc := newComputer(t, true)
	c := tlsClient(t, pc)

	users, err := c.LocalUsers(ctx(t))
	require.NoError(t, err)
	require.Len(t, users, 3)
	assert.Equal(t, wmi.LocalUser{Name: "Administrator", Domain: "PC42", SID: "S-1-5-21-3623811015-3361044348-30300820-500",
		PasswordRequired: true, Status: "OK"}, users[0])
	assert.Equal(t, "alice", users[1].Name)
	assert.Equal(t, "S-1-5-21-3623811015-3361044348-30300820-1001", users[1].SID)
	assert.Equal(t, "helpdesk", users[2].Name)

	groups, err := c.LocalGroups(ctx(t))
	require.NoError(t, err)
	byName := map[string]wmi.LocalGroup{}
	var names []string
	for _, g := range groups {
		byName[g.Name] = g
		names = append(names, g.Name)
	}
	assert.Equal(t, []string{"Administrators", "Guests", "Remote Desktop Users", "Remote Management Users", "Users"}, names)
	assert.Equal(t, "S-1-5-32-544", byName["Administrators"].SID)
	assert.Equal(t, "PC42", byName["Administrators"].Domain)
	assert.Equal(t, []string{`PC42\Administrator`, `PC42\helpdesk`}, byName["Administrators"].Members)
	assert.Equal(t, []string{`PC42\alice`, `PC42\helpdesk`}, byName["Users"].Members)
	assert.Empty(t, byName["Remote Desktop Users"].Members)

	// Add and remove a member.
	require.NoError(t, c.AddGroupMember(ctx(t), "Remote Desktop Users", `PC42\alice`))
	m, _ := pc.Members("Remote Desktop Users")
	assert.Equal(t, []string{"alice"}, m)
	err = c.AddGroupMember(ctx(t), "Remote Desktop Users", "alice")
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "already a member")
	require.NoError(t, c.RemoveGroupMember(ctx(t), "Remote Desktop Users", "alice"))
	m, _ = pc.Members("Remote Desktop Users")
	assert.Empty(t, m)
	err = c.RemoveGroupMember(ctx(t), "Remote Desktop Users", "alice")
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "not a member")
	err = c.AddGroupMember(ctx(t), "No Such Group", "alice")
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	err = c.AddGroupMember(ctx(t), "Users", "nobody")
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	err = c.AddGroupMember(ctx(t), "Users'; evil", "alice")
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument, "refused before anything runs")

	// Administrators: membership decides who WinRM lets in.
	require.NoError(t, c.AddGroupMember(ctx(t), "Administrators", "alice"))
	groups, err = c.LocalGroups(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, []string{`PC42\Administrator`, `PC42\alice`, `PC42\helpdesk`}, groups[0].Members)
	require.NoError(t, c.RemoveGroupMember(ctx(t), "Administrators", "alice"))

	// Disable and enable: Put of Win32_UserAccount.Disabled.
	require.NoError(t, c.SetAccountDisabled(ctx(t), `PC42\alice`, true))
	users, err = c.LocalUsers(ctx(t))
	require.NoError(t, err)
	assert.True(t, users[1].Disabled)
	assert.Equal(t, "Degraded", users[1].Status)
	require.NoError(t, c.SetAccountDisabled(ctx(t), "alice", false))
	users, err = c.LocalUsers(ctx(t))
	require.NoError(t, err)
	assert.False(t, users[1].Disabled)
	err = c.SetAccountDisabled(ctx(t), "nobody", true)
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)

	// The events Windows records.
	var codes []string
	for _, e := range pc.Events("Security") {
		if e.Code == 4732 || e.Code == 4733 {
			codes = append(codes, e.Message)
		}
	}
	assert.Len(t, codes, 4, "4732 and 4733 for each add and remove")
}

// TestGroupMemberNeedsAdmin: only an administrator may change a group
// (NetLocalGroupAddMembers), and WinRM itself admits only administrators:
// a standard user is refused before any helper runs.
func TestGroupMemberNeedsAdmin(t *testing.T) {
	pc := newComputer(t, true)
	cred := oobkit.Credential{Auth: oobkit.AuthBasic, Username: "alice", Password: oobkit.NewSecret("Alice-Passw0rd"),
		TLS: oobkit.TLSSettings{Enabled: true, PinnedSHA256: pc.Fingerprint()}}
	c, err := wmi.New(pc.Target(), cred, wmi.WithPollInterval(5*time.Millisecond), wmi.WithTimeout(5*time.Second))
	require.NoError(t, err)
	defer c.Close()
	err = c.AddGroupMember(ctx(t), "Administrators", "alice")
	assert.ErrorIs(t, err, oobkit.ErrAuth)
	err = c.SetAccountDisabled(ctx(t), `PC42\Administrator`, true)
	assert.ErrorIs(t, err, oobkit.ErrAuth)
	m, _ := pc.Members("Administrators")
	assert.Equal(t, []string{"Administrator", "helpdesk"}, m)
}

// TestGroupUserNotWritable: Windows' CIMWin32 provider does not create or
// delete Win32_GroupUser instances; wmitest answers as Windows does, which
// is why membership goes through ADSI (see AddGroupMember).
func TestGroupUserNotWritable(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	err := wmi.DeleteInstanceForTest(ctx(t), c, "Win32_GroupUser")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "0x80041024")
}

// TestResetLocalPasswordAdminUser: the guide's local password reset with
// its administrative user ("Type the name and password of an
// administrative user with permissions to manage the specified user
// account"), reused by oobctl users reset-password.
func TestResetLocalPasswordAdminUser(t *testing.T) {
	pc := newComputer(t, true)
	c := tlsClient(t, pc)
	err := c.ResetPassword(ctx(t), wmi.PasswordReset{Account: `PC42\alice`, NewPassword: oobkit.NewSecret("N3w-Passw0rd!"),
		Confirm: oobkit.NewSecret("N3w-Passw0rd!"), AdminUser: `PC42\Administrator`, AdminPassword: oobkit.NewSecret(adminPassword)})
	require.NoError(t, err)
	pw, _ := pc.Password("alice")
	assert.Equal(t, "N3w-Passw0rd!", pw)
}

// TestHelperResult: the group helper's outcome is read from the event its
// script writes, "oobkit-group ID Group User: reason". The text comes from
// the computer, so a message ending in ":" or holding none must not panic
// (it did: the reason was sliced from past the colon's index + 2).
func TestHelperResult(t *testing.T) {
	tag := "oobkit-group 00aa "
	ev := func(code, msg string) []oobkit.Event { return []oobkit.Event{{Code: code, Description: msg}} }
	assert.NoError(t, wmi.HelperResult(ev("1000", tag+"Users alice: member added"), "Add", tag))

	err := wmi.HelperResult(ev("1001", tag+"Users alice: Access is denied."), "Add", tag)
	assert.ErrorIs(t, err, oobkit.ErrAuth)
	assert.Contains(t, err.Error(), "Access is denied.")
	err = wmi.HelperResult(ev("1001", tag+"Users alice: The group name could not be found."), "Add", tag)
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)

	for _, msg := range []string{tag + "Users alice:", tag + "Users alice: ", tag + "no colon at all", tag} {
		var err error
		require.NotPanics(t, func() { err = wmi.HelperResult(ev("1001", msg), "Add", tag) }, msg)
		assert.ErrorIs(t, err, oobkit.ErrDevice, msg)
		assert.NotErrorIs(t, err, wmi.ErrNoHelperEvent, msg)
	}
	assert.ErrorIs(t, wmi.HelperResult(ev("1001", "oobkit-group 00bb Users alice: x"), "Add", tag), wmi.ErrNoHelperEvent,
		"another run's event is not this one's")
}
