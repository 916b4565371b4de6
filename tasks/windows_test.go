package tasks

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
	"github.com/oobkit/oobkit/wmi"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

const winAdminPassword = "Adm1n-Passw0rd"

// winRig is a simulated Windows computer (wmitest over TLS, pinned) and a
// runner reaching it through WMI, with an activity log.
func winRig(t *testing.T) (*wmitest.Computer, oobkit.Target, *Runner, *bytes.Buffer) {
	t.Helper()
	pc := wmitest.NewComputer(wmitest.Config{AdminPassword: winAdminPassword})
	require.NoError(t, pc.StartTLS())
	t.Cleanup(func() { _ = pc.Close() })
	cred := oobkit.Credential{Auth: oobkit.AuthBasic, Username: "Administrator", Password: oobkit.NewSecret(winAdminPassword),
		TLS: oobkit.TLSSettings{Enabled: true, PinnedSHA256: pc.Fingerprint()}}
	conn := NewConnector(StaticCredentials{oobkit.WMI: {{Name: "win", Credential: cred}}})
	conn.Register(oobkit.WMI, wmiDialer())
	var log bytes.Buffer
	r := NewRunner(conn, WithProbe(nil), WithRetry(fastRetry), WithTargetTimeout(30*time.Second),
		WithActivityLog(NewActivityLog(&log), "tester"),
		WithTargetProtocols(func(oobkit.Target) []oobkit.Protocol { return []oobkit.Protocol{oobkit.WMI} }))
	return pc, pc.Target(), r, &log
}

func runOne(t *testing.T, r *Runner, tg oobkit.Target, task Task) Result {
	t.Helper()
	return r.RunTarget(context.Background(), &Job{Name: task.Kind(), Steps: []Step{{ID: "s", Task: task}}}, tg)
}

func TestLocalPasswordTask(t *testing.T) {
	const canary = "Canary-5e1d-NewPassw0rd"
	tests := []struct {
		name string
		task func(t *testing.T) *LocalPasswordTask
	}{
		{"password set by a program", func(*testing.T) *LocalPasswordTask {
			return &LocalPasswordTask{Account: `PC42\alice`, Password: oobkit.NewSecret(canary), Confirm: oobkit.NewSecret(canary)}
		}},
		{"password from the environment", func(t *testing.T) *LocalPasswordTask {
			t.Setenv("OOBKIT_TEST_NEW_PASSWORD", canary)
			return &LocalPasswordTask{Account: "alice", PasswordEnv: "OOBKIT_TEST_NEW_PASSWORD", ConfirmEnv: "OOBKIT_TEST_NEW_PASSWORD"}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pc, tg, r, log := winRig(t)
			task := tc.task(t)
			res := runOne(t, r, tg, task)
			require.Equal(t, StatusOK, res.Status, res.Error)
			assert.Equal(t, oobkit.WMI, res.Protocol)
			pw, ok := pc.Password("alice")
			require.True(t, ok)
			assert.Equal(t, canary, pw, "the simulated computer's account has the new password")

			job, err := json.Marshal(&Job{Name: "pw", Steps: []Step{{Task: task}}})
			require.NoError(t, err)
			report, err := json.Marshal(res)
			require.NoError(t, err)
			for what, b := range map[string][]byte{"job": job, "report": report, "activity log": log.Bytes()} {
				assert.NotContains(t, string(b), canary, "the password is not in the %s", what)
			}
		})
	}

	t.Run("refusals", func(t *testing.T) {
		_, tg, r, _ := winRig(t)
		res := runOne(t, r, tg, &LocalPasswordTask{Account: "nobody", Password: oobkit.NewSecret(canary), Confirm: oobkit.NewSecret(canary)})
		assert.Equal(t, StatusFailed, res.Status)
		assert.NotContains(t, res.Error, canary)
		res = runOne(t, r, tg, &LocalPasswordTask{Account: "alice", PasswordEnv: "OOBKIT_TEST_UNSET_VARIABLE", ConfirmEnv: "OOBKIT_TEST_UNSET_VARIABLE"})
		assert.Equal(t, "invalid-argument", res.Class, res.Error)
		assert.ErrorIs(t, (&LocalPasswordTask{Account: "alice"}).Validate(), oobkit.ErrInvalidArgument)
		assert.ErrorIs(t, (&LocalPasswordTask{Account: "alice", Password: oobkit.NewSecret(canary)}).Validate(), oobkit.ErrInvalidArgument,
			"the guide's form confirms the new password")
		assert.ErrorIs(t, (&LocalPasswordTask{Account: "alice", Password: oobkit.NewSecret(canary), Confirm: oobkit.NewSecret(canary),
			AdminUser: "helpdesk"}).Validate(), oobkit.ErrInvalidArgument, "an administrative user needs its password")
	})
}

// TestLocalPasswordTaskConfirmationDiffers: the guide's Password Management
// task, "5 Type and confirm a new password." A confirmation that differs is
// refused before the computer sees a single request.
func TestLocalPasswordTaskConfirmationDiffers(t *testing.T) {
	pc, tg, r, _ := winRig(t)
	t.Setenv("OOBKIT_TEST_NEW_PASSWORD", "Canary-1-NewPassw0rd")
	t.Setenv("OOBKIT_TEST_CONFIRM", "Canary-1-NewPassw0rb")
	res := runOne(t, r, tg, &LocalPasswordTask{Account: `PC42\alice`, PasswordEnv: "OOBKIT_TEST_NEW_PASSWORD", ConfirmEnv: "OOBKIT_TEST_CONFIRM"})
	assert.Equal(t, StatusFailed, res.Status)
	assert.Equal(t, "invalid-argument", res.Class, res.Error)
	assert.Contains(t, res.Error, "confirmation differ")
	assert.NotContains(t, res.Error, "Canary")
	assert.Zero(t, pc.Counters().Requests, "refused before any request")
	pw, _ := pc.Password("alice")
	assert.Equal(t, "Alice-Passw0rd", pw)
}

// TestLocalPasswordTaskAdministrativeUser: "6 Type the name and password of
// an administrative user with permissions to manage the specified user
// account." The runner connects as Administrator; the step names helpdesk,
// and the simulated computer records helpdesk as the account that reset
// alice's password.
func TestLocalPasswordTaskAdministrativeUser(t *testing.T) {
	pc, tg, r, log := winRig(t)
	pc.Do(func(pc *wmitest.Computer) { pc.LocalAccountTokenFilterPolicy = true })
	pc.AddUser(wmitest.User{Name: "helpdesk", Password: "Help-Desk-9", Admin: true})
	t.Setenv("OOBKIT_TEST_ADMIN_PASSWORD", "Help-Desk-9")
	task := &LocalPasswordTask{Account: `PC42\alice`, Password: oobkit.NewSecret("Canary-2-NewPassw0rd"), Confirm: oobkit.NewSecret("Canary-2-NewPassw0rd"),
		AdminUser: `PC42\helpdesk`, AdminPasswordEnv: "OOBKIT_TEST_ADMIN_PASSWORD"}
	res := runOne(t, r, tg, task)
	require.Equal(t, StatusOK, res.Status, res.Error)
	assert.Equal(t, `PC42\helpdesk`, res.Output("s").(*LocalPasswordOutput).ResetBy)
	assert.Equal(t, []wmitest.PasswordReset{{Account: "alice", By: `PC42\helpdesk`}}, pc.PasswordResets())
	job, err := json.Marshal(&Job{Name: "pw", Steps: []Step{{Task: task}}})
	require.NoError(t, err)
	for what, b := range map[string][]byte{"job": job, "activity log": log.Bytes()} {
		assert.NotContains(t, string(b), "Help-Desk-9", what)
		assert.NotContains(t, string(b), "Canary-2", what)
	}
}

func TestProcessTask(t *testing.T) {
	pc, tg, r, _ := winRig(t)
	res := runOne(t, r, tg, &ProcessTask{Action: ProcessStart, CommandLine: "notepad.exe"})
	require.Equal(t, StatusOK, res.Status, res.Error)
	pid := res.Output("s").(*ProcessOutput).PID
	require.NotZero(t, pid)
	found := false
	for _, p := range pc.Processes() {
		found = found || (p.PID == pid && p.Name == "notepad.exe")
	}
	assert.True(t, found, "the simulated computer runs the new process")

	res = runOne(t, r, tg, &ProcessTask{Action: ProcessList, Name: "NOTEPAD.EXE"})
	require.Equal(t, StatusOK, res.Status, res.Error)
	listed := res.Output("s").(*ProcessOutput).Processes
	require.Len(t, listed, 1)
	assert.Equal(t, pid, listed[0].PID)

	res = runOne(t, r, tg, &ProcessTask{Action: ProcessTerminate, Name: "notepad.exe"})
	require.Equal(t, StatusOK, res.Status, res.Error)
	assert.Equal(t, 1, res.Output("s").(*ProcessOutput).Terminated)
	for _, p := range pc.Processes() {
		assert.NotEqual(t, pid, p.PID, "the process is gone")
	}

	for _, bad := range []*ProcessTask{{Action: "kill"}, {Action: ProcessStart}, {Action: ProcessTerminate}} {
		assert.ErrorIs(t, bad.Validate(), oobkit.ErrInvalidArgument)
	}
}

func TestServiceTask(t *testing.T) {
	pc, tg, r, _ := winRig(t)
	steps := []struct {
		task      *ServiceTask
		wantState string
		wantMode  string
	}{
		{&ServiceTask{Action: ServiceStop, Name: "Spooler"}, "Stopped", "Auto"},
		{&ServiceTask{Action: ServiceStartMode, Name: "Spooler", StartMode: wmi.StartDisabled}, "Stopped", "Disabled"},
		{&ServiceTask{Action: ServiceStartMode, Name: "Spooler", StartMode: wmi.StartAutomatic}, "Stopped", "Auto"},
		{&ServiceTask{Action: ServiceStart, Name: "Spooler"}, "Running", "Auto"},
		{&ServiceTask{Action: ServiceRestart, Name: "Spooler"}, "Running", "Auto"},
		{&ServiceTask{Action: ServiceQuery, Name: "Spooler"}, "Running", "Auto"},
	}
	for _, st := range steps {
		res := runOne(t, r, tg, st.task)
		require.Equal(t, StatusOK, res.Status, "%s: %s", st.task.Action, res.Error)
		svc := res.Output("s").(*ServiceOutput).Service
		assert.Equal(t, st.wantState, svc.State, st.task.Action)
		state, mode, ok := pc.ServiceState("Spooler")
		require.True(t, ok)
		assert.Equal(t, st.wantState, state, "%s: the simulated service's state", st.task.Action)
		assert.Equal(t, st.wantMode, mode, "%s: the simulated service's start mode", st.task.Action)
	}

	res := runOne(t, r, tg, &ServiceTask{Action: ServiceStart, Name: "Spooler"})
	assert.Equal(t, "invalid-state", res.Class, "starting a running service: %s", res.Error)
	res = runOne(t, r, tg, &ServiceTask{Action: ServiceQuery, Name: "NoSuchService"})
	assert.Equal(t, StatusFailed, res.Status)
	assert.ErrorIs(t, (&ServiceTask{Action: ServiceStartMode, Name: "Spooler", StartMode: "Sometimes"}).Validate(), oobkit.ErrInvalidArgument)
}

func TestBIOSTask(t *testing.T) {
	const biosPassword = "B1os-Adm1n"
	pc, err := dashtest.NewServer(dashtest.Config{BIOSPassword: biosPassword})
	require.NoError(t, err)
	t.Cleanup(func() { _ = pc.Close() })
	conn := NewConnector(StaticCredentials{oobkit.DASH: {{Name: "dash", Credential: pc.Credential()}}})
	conn.Register(oobkit.DASH, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return dashNew(t, c)
	})
	r := NewRunner(conn, WithProbe(nil), WithRetry(fastRetry), WithTargetTimeout(30*time.Second),
		WithTargetProtocols(func(oobkit.Target) []oobkit.Protocol { return []oobkit.Protocol{oobkit.DASH} }))
	settings := map[string]string{"DASH:WakeOnLAN": "Enabled", "DASH:AssetTag": "A-2002"}

	res := runOne(t, r, pc.Target(), &BIOSTask{Settings: settings, Password: oobkit.NewSecret("wrong")})
	assert.Equal(t, StatusFailed, res.Status, "a wrong BIOS password is refused")
	cur, pending, _ := pc.BIOSValue("DASH:WakeOnLAN")
	assert.Equal(t, "Disabled", cur)
	assert.Empty(t, pending, "nothing changed")

	t.Setenv("OOBKIT_TEST_BIOS_PASSWORD", biosPassword)
	res = runOne(t, r, pc.Target(), &BIOSTask{Settings: settings, PasswordEnv: "OOBKIT_TEST_BIOS_PASSWORD"})
	require.Equal(t, StatusOK, res.Status, res.Error)
	assert.Equal(t, oobkit.DASH, res.Protocol)
	out := res.Output("s").(*BIOSOutput)
	assert.Equal(t, []string{"DASH:AssetTag", "DASH:WakeOnLAN"}, out.Set)
	assert.Equal(t, []string{"DASH:WakeOnLAN"}, out.Pending)
	assert.True(t, out.RestartRequired)
	cur, pending, _ = pc.BIOSValue("DASH:WakeOnLAN")
	assert.Equal(t, []string{"Disabled", "Enabled"}, []string{cur, pending}, "pending until the next restart")
	cur, _, _ = pc.BIOSValue("DASH:AssetTag")
	assert.Equal(t, "A-2002", cur, "applied at once")

	assert.Equal(t, dash.BIOSAdministrator, out.AuthorizedBy)

	assert.ErrorIs(t, (&BIOSTask{}).Validate(), oobkit.ErrInvalidArgument)
}

// TestBIOSTaskSystemPassword: "If BIOS is protected by administrator or
// system passwords, specify the passwords." A BIOS protected only by a
// system password takes it from the step (an administrator password given
// too is refused by the BIOS and the system one is tried); a wrong system
// password is refused.
func TestBIOSTaskSystemPassword(t *testing.T) {
	const system = "Sys-P0wer-On"
	pc, err := dashtest.NewServer(dashtest.Config{SystemPassword: system})
	require.NoError(t, err)
	t.Cleanup(func() { _ = pc.Close() })
	conn := NewConnector(StaticCredentials{oobkit.DASH: {{Name: "dash", Credential: pc.Credential()}}})
	conn.Register(oobkit.DASH, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return dashNew(t, c)
	})
	r := NewRunner(conn, WithProbe(nil), WithRetry(fastRetry), WithTargetTimeout(30*time.Second),
		WithTargetProtocols(func(oobkit.Target) []oobkit.Protocol { return []oobkit.Protocol{oobkit.DASH} }))
	settings := map[string]string{"DASH:AssetTag": "A-3003"}

	res := runOne(t, r, pc.Target(), &BIOSTask{Settings: settings, SystemPassword: oobkit.NewSecret("wrong")})
	assert.Equal(t, StatusFailed, res.Status)
	assert.Equal(t, "auth", res.Class, res.Error)
	cur, _, _ := pc.BIOSValue("DASH:AssetTag")
	assert.Equal(t, "A-1001", cur)

	t.Setenv("OOBKIT_TEST_BIOS_SYSTEM_PASSWORD", system)
	task := &BIOSTask{Settings: settings, Password: oobkit.NewSecret("not-set-here"), SystemPasswordEnv: "OOBKIT_TEST_BIOS_SYSTEM_PASSWORD"}
	res = runOne(t, r, pc.Target(), task)
	require.Equal(t, StatusOK, res.Status, res.Error)
	assert.Equal(t, dash.BIOSSystem, res.Output("s").(*BIOSOutput).AuthorizedBy)
	cur, _, _ = pc.BIOSValue("DASH:AssetTag")
	assert.Equal(t, "A-3003", cur)
	job, err := json.Marshal(&Job{Name: "bios", Steps: []Step{{Task: task}}})
	require.NoError(t, err)
	assert.NotContains(t, string(job), system)
	assert.NotContains(t, string(job), "not-set-here")
}
