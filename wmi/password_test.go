package wmi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/wmi"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

const canary = "Canary-7f3a9c1e-Secret"

func TestSetLocalPassword(t *testing.T) {
	pc := newComputer(t, true)
	var logs bytes.Buffer
	var hookMu sync.Mutex
	var hookSeen []string
	hooks := oobkit.Hooks{
		OnRequest: func(r oobkit.HookRequest) { hookMu.Lock(); hookSeen = append(hookSeen, fmt.Sprint(r)); hookMu.Unlock() },
		OnResponse: func(r oobkit.HookRequest, resp oobkit.HookResponse) {
			hookMu.Lock()
			hookSeen = append(hookSeen, fmt.Sprint(r), fmt.Sprint(resp.Err))
			hookMu.Unlock()
		},
	}
	c := tlsClient(t, pc, wmi.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))), wmi.WithHooks(hooks))

	require.NoError(t, c.SetLocalPassword(ctx(t), `PC42\alice`, oobkit.NewSecret(canary)))
	pw, _ := pc.Password("alice")
	assert.Equal(t, canary, pw, "the password changed")

	// The canary appears nowhere but the account: not in a command line,
	// an event, a log line, a hook, or the client's printed form.
	var seen strings.Builder
	for _, p := range pc.Processes() {
		seen.WriteString(p.CommandLine)
	}
	for _, log := range []string{"Application", "Security", "System"} {
		for _, e := range pc.Events(log) {
			seen.WriteString(e.Message)
		}
	}
	procs, err := c.Processes(ctx(t))
	require.NoError(t, err)
	b, _ := json.Marshal(procs)
	seen.Write(b)
	events, err := c.Events(ctx(t), wmi.EventQuery{Types: wmi.AllEventTypes})
	require.NoError(t, err)
	b, _ = json.Marshal(events)
	seen.Write(b)
	seen.WriteString(logs.String())
	hookMu.Lock()
	seen.WriteString(strings.Join(hookSeen, " "))
	hookMu.Unlock()
	seen.WriteString(fmt.Sprintf("%v %+v %#v", c, c, c))
	assert.NotContains(t, seen.String(), canary)
	assert.NotContains(t, seen.String(), "Canary")

	// Windows' own audit trail shows the reset happened.
	assert.Contains(t, seen.String(), "An attempt was made to reset an account's password. Target Account Name: alice")
}

func TestSetLocalPasswordFailures(t *testing.T) {
	pc := newComputer(t, true)
	c := tlsClient(t, pc)
	tests := []struct {
		name, account, password string
		class                   error
		text                    string
	}{
		{"policy", `alice`, "short", oobkit.ErrInvalidArgument, "password policy"},
		{"unknown user", `.\nobody`, canary, oobkit.ErrInvalidArgument, "could not be found"},
		{"other computer", `OTHERPC\alice`, canary, oobkit.ErrDevice, "network path was not found"},
		{"quote in name", `PC42\al'ice`, canary, oobkit.ErrInvalidArgument, "does not allow"},
		{"too long", `a123456789012345678901`, canary, oobkit.ErrInvalidArgument, "1 to 20"},
		{"bad computer", `PC 42\alice`, canary, oobkit.ErrInvalidArgument, "computer name"},
		{"empty password", `alice`, "", oobkit.ErrInvalidArgument, "empty password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.SetLocalPassword(ctx(t), tt.account, oobkit.NewSecret(tt.password))
			require.ErrorIs(t, err, tt.class)
			assert.Contains(t, err.Error(), tt.text)
			if tt.password != "" {
				assert.NotContains(t, err.Error(), tt.password)
			}
		})
	}
	pw, _ := pc.Password("alice")
	assert.Equal(t, "Alice-Passw0rd", pw, "no failure changed the password")
}

func TestSetLocalPasswordRefusesPlainHTTP(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	err := c.SetLocalPassword(ctx(t), "alice", oobkit.NewSecret(canary))
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Zero(t, pc.Server().Counters().Requests)

	c = ntlmClient(t, pc, wmi.WithAllowUnencrypted())
	require.NoError(t, c.SetLocalPassword(ctx(t), "alice", oobkit.NewSecret(canary)))
	pw, _ := pc.Password("alice")
	assert.Equal(t, canary, pw)
}

// TestPasswordEnvironmentNotCommandLine: the simulator saw the secret only
// in the helper's environment.
func TestPasswordEnvironmentNotCommandLine(t *testing.T) {
	pc := newComputer(t, true)
	pc.Do(func(pc *wmitest.Computer) { pc.HelperRuntime = 0 })
	c := tlsClient(t, pc)
	require.NoError(t, c.SetLocalPassword(ctx(t), "alice", oobkit.NewSecret(canary)))
	events := pc.Events("Security")
	var creation string
	for _, e := range events {
		if e.Code == 4688 {
			creation = e.Message
		}
	}
	require.NotEmpty(t, creation, "process creation was audited")
	assert.Contains(t, creation, "SetPassword($env:"+wmi.PasswordEnvVar+")")
	assert.NotContains(t, creation, canary)
}

// TestResetPasswordConfirmationMismatch: the guide's Password Management
// steps, "5 Type and confirm a new password." A confirmation that differs
// (or is missing) is refused before any request reaches the computer.
func TestResetPasswordConfirmationMismatch(t *testing.T) {
	pc := newComputer(t, true)
	c := tlsClient(t, pc)
	for name, r := range map[string]wmi.PasswordReset{
		"differ":         {Account: `PC42\alice`, NewPassword: oobkit.NewSecret(canary), Confirm: oobkit.NewSecret(canary + "x")},
		"not confirmed":  {Account: `PC42\alice`, NewPassword: oobkit.NewSecret(canary)},
		"no password":    {Account: `PC42\alice`},
		"admin, no pass": {Account: `PC42\alice`, NewPassword: oobkit.NewSecret(canary), Confirm: oobkit.NewSecret(canary), AdminUser: `PC42\helpdesk`},
		"bad account":    {Account: `PC42\al'ice`, NewPassword: oobkit.NewSecret(canary), Confirm: oobkit.NewSecret(canary)},
	} {
		err := c.ResetPassword(ctx(t), r)
		require.ErrorIs(t, err, oobkit.ErrInvalidArgument, name)
		assert.NotContains(t, err.Error(), canary, name)
		assert.ErrorIs(t, r.Validate(), oobkit.ErrInvalidArgument, name)
	}
	err := c.ResetPassword(ctx(t), wmi.PasswordReset{Account: `PC42\alice`, NewPassword: oobkit.NewSecret(canary), Confirm: oobkit.NewSecret("Canary-typo")})
	assert.Contains(t, err.Error(), "confirmation differ")
	assert.Zero(t, pc.Counters().Requests, "nothing was sent")
	pw, _ := pc.Password("alice")
	assert.Equal(t, "Alice-Passw0rd", pw)
}

// TestResetPasswordAsAdministrativeUser: step "6 Type the name and password
// of an administrative user with permissions to manage the specified user
// account." The client connects as the built-in Administrator; the helper
// that sets alice's password runs as helpdesk, the administrative user given
// with the reset, and the simulator records that account as the one that
// reset it.
func TestResetPasswordAsAdministrativeUser(t *testing.T) {
	pc := newComputer(t, true)
	pc.Do(func(pc *wmitest.Computer) { pc.LocalAccountTokenFilterPolicy = true })
	pc.AddUser(wmitest.User{Name: "helpdesk", Password: "Help-Desk-9", Admin: true})
	c := tlsClient(t, pc)

	require.NoError(t, c.ResetPassword(ctx(t), wmi.PasswordReset{
		Account: `PC42\alice`, NewPassword: oobkit.NewSecret(canary), Confirm: oobkit.NewSecret(canary),
		AdminUser: `PC42\helpdesk`, AdminPassword: oobkit.NewSecret("Help-Desk-9"),
	}))
	pw, _ := pc.Password("alice")
	assert.Equal(t, canary, pw)
	assert.Equal(t, []wmitest.PasswordReset{{Account: "alice", By: `PC42\helpdesk`}}, pc.PasswordResets(),
		"the administrative user, not the connection credential, ran the helper")

	// Without an administrative user the connection credential acts.
	require.NoError(t, c.ResetPassword(ctx(t), wmi.PasswordReset{
		Account: "alice", NewPassword: oobkit.NewSecret("Second-Passw0rd"), Confirm: oobkit.NewSecret("Second-Passw0rd")}))
	assert.Equal(t, `PC42\Administrator`, pc.PasswordResets()[1].By)

	// A wrong administrative password is an authentication error that says
	// whose, and changes nothing.
	err := c.ResetPassword(ctx(t), wmi.PasswordReset{
		Account: "alice", NewPassword: oobkit.NewSecret("Third-Passw0rd"), Confirm: oobkit.NewSecret("Third-Passw0rd"),
		AdminUser: `PC42\helpdesk`, AdminPassword: oobkit.NewSecret("wrong-guess"),
	})
	require.ErrorIs(t, err, oobkit.ErrAuth)
	assert.Contains(t, err.Error(), `administrative user PC42\helpdesk`)
	assert.NotContains(t, err.Error(), "wrong-guess")
	assert.Len(t, pc.PasswordResets(), 2)
	pw, _ = pc.Password("alice")
	assert.Equal(t, "Second-Passw0rd", pw)

	// A standard user may not manage another account: WinRM refuses it.
	err = c.ResetPassword(ctx(t), wmi.PasswordReset{
		Account: "helpdesk", NewPassword: oobkit.NewSecret("Fourth-Passw0rd"), Confirm: oobkit.NewSecret("Fourth-Passw0rd"),
		AdminUser: `PC42\alice`, AdminPassword: oobkit.NewSecret("Second-Passw0rd"),
	})
	require.ErrorIs(t, err, oobkit.ErrAuth)
	pw, _ = pc.Password("helpdesk")
	assert.Equal(t, "Help-Desk-9", pw)
}

// TestResetPasswordSharedNTLMPool: NTLM authenticates connections, so a
// client on a shared pool refuses to open a second identity on it.
func TestResetPasswordSharedNTLMPool(t *testing.T) {
	pc := newComputer(t, false)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c := ntlmClient(t, pc, wmi.WithTransport(tr), wmi.WithAllowUnencrypted())
	err := c.ResetPassword(ctx(t), wmi.PasswordReset{Account: "alice", NewPassword: oobkit.NewSecret(canary), Confirm: oobkit.NewSecret(canary),
		AdminUser: "helpdesk", AdminPassword: oobkit.NewSecret(adminPassword)})
	require.ErrorIs(t, err, oobkit.ErrUnsupported)
	assert.Zero(t, pc.Counters().Requests)
}
