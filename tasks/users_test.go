package tasks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// TestLocalUsersTask: the guide's Table A-1 row "x WMI Manage Local Users
// and Groups" as a task (the x: one-to-many).
func TestLocalUsersTask(t *testing.T) {
	pc, tg, r, _ := winRig(t)
	res := runOne(t, r, tg, &LocalUsersTask{Action: UsersAddMember, Group: "Remote Desktop Users", Account: `PC42\alice`})
	require.Equal(t, StatusOK, res.Status, res.Error)
	m, _ := pc.Members("Remote Desktop Users")
	assert.Equal(t, []string{"alice"}, m)
	out := res.Steps[0].Output.(*LocalUsersOutput)
	assert.Contains(t, out.Summary(), "Remote Desktop Users: alice")

	res = runOne(t, r, tg, &LocalUsersTask{Action: UsersDisable, Account: "alice"})
	require.Equal(t, StatusOK, res.Status, res.Error)
	assert.Contains(t, res.Steps[0].Output.(*LocalUsersOutput).Summary(), "alice (disabled)")
	res = runOne(t, r, tg, &LocalUsersTask{Action: UsersEnable, Account: "alice"})
	require.Equal(t, StatusOK, res.Status, res.Error)
	res = runOne(t, r, tg, &LocalUsersTask{Action: UsersRemoveMember, Group: "Remote Desktop Users", Account: "alice"})
	require.Equal(t, StatusOK, res.Status, res.Error)
	m, _ = pc.Members("Remote Desktop Users")
	assert.Empty(t, m)

	res = runOne(t, r, tg, &LocalUsersTask{Action: UsersRemoveMember, Group: "Remote Desktop Users", Account: "alice"})
	assert.Equal(t, StatusFailed, res.Status)
	assert.Contains(t, res.Error, "not a member")

	for _, bad := range []*LocalUsersTask{{Action: "rename"}, {Action: UsersAddMember, Group: "Users"}, {Action: UsersDisable}} {
		assert.ErrorIs(t, bad.Validate(), oobkit.ErrInvalidArgument)
	}
}
