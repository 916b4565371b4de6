package tasks

import (
	"context"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/adpassword"
	"github.com/oobkit/oobkit/internal/sambatest"
)

// dirRunner is a runner for directory jobs: no management protocol, the
// task dials the directory itself.
func dirRunner() *Runner {
	return NewRunner(NewConnector(StaticCredentials{}), WithProbe(nil), WithRetry(fastRetry), WithTargetTimeout(2*time.Minute))
}

func TestDomainPasswordTaskValidate(t *testing.T) {
	ok := func() *DomainPasswordTask {
		return &DomainPasswordTask{Accounts: []string{"alice", `OOBKIT\bob`}, PasswordEnv: "P", ConfirmEnv: "C",
			AdminUser: "Administrator", AdminPasswordEnv: "A"}
	}
	require.NoError(t, ok().Validate())
	for name, mut := range map[string]func(*DomainPasswordTask){
		"no accounts":       func(d *DomainPasswordTask) { d.Accounts = nil },
		"empty account":     func(d *DomainPasswordTask) { d.Accounts = []string{"alice", " "} },
		"duplicate account": func(d *DomainPasswordTask) { d.Accounts = []string{"alice", "ALICE"} },
		"no password":       func(d *DomainPasswordTask) { d.PasswordEnv = "" },
		"no confirmation":   func(d *DomainPasswordTask) { d.ConfirmEnv = "" },
		"no admin":          func(d *DomainPasswordTask) { d.AdminUser = "" },
		"no admin password": func(d *DomainPasswordTask) { d.AdminPasswordEnv = "" },
		"plain ldap":        func(d *DomainPasswordTask) { d.Server = "ldap://dc1.example.com" },
		"bad pin":           func(d *DomainPasswordTask) { d.Server = "dc1"; d.TLS.PinnedSHA256 = "abc" },
	} {
		d := ok()
		mut(d)
		err := d.Validate()
		assert.ErrorIs(t, err, oobkit.ErrInvalidArgument, name)
		if name == "plain ldap" {
			assert.ErrorIs(t, err, adpassword.ReasonPlaintext)
		}
	}
	// Job files name the kind and never carry a password.
	job, err := ParseJob([]byte(`{name: d, steps: [{task: domainpassword, with: {accounts: [alice], passwordEnv: P, confirmEnv: C, adminUser: Administrator, adminPasswordEnv: A, tls: {caFile: /ca.pem}}}]}`))
	require.NoError(t, err)
	require.IsType(t, &DomainPasswordTask{}, job.Steps[0].Task)
	d := &DomainPasswordTask{Accounts: []string{"alice"}, Password: oobkit.NewSecret("Canary-Pw-1"), Confirm: oobkit.NewSecret("Canary-Pw-1"),
		AdminUser: "Administrator", AdminPassword: oobkit.NewSecret("Canary-Admin-1")}
	b, err := json.Marshal(d)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "Canary")
}

// "5 Type and confirm a new password." — a confirmation that differs is
// refused before anything is dialed; every account says it was not
// attempted, and the step fails.
func TestDomainPasswordTaskConfirmationDiffers(t *testing.T) {
	tg := oobkit.Target{Name: "dc", Address: "127.0.0.1"}
	task := &DomainPasswordTask{Server: "127.0.0.1:1", Accounts: []string{"alice", "bob"},
		Password: oobkit.NewSecret("Canary-Pw-1"), Confirm: oobkit.NewSecret("Canary-Pw-2"),
		AdminUser: "Administrator", AdminPassword: oobkit.NewSecret("Canary-Admin-1")}
	res := runOne(t, dirRunner(), tg, task)
	assert.Equal(t, StatusFailed, res.Status)
	assert.Equal(t, "invalid-argument", res.Class, res.Error)
	assert.Contains(t, res.Error, "confirmation differ")
	assert.NotContains(t, res.Error, "Canary")
	out := res.Output("s").(*DomainPasswordOutput)
	assert.Equal(t, 2, out.NotAttempted)
	for _, a := range out.Accounts {
		assert.Equal(t, AccountNotAttempted, a.Status)
	}
}

// The guide resets a domain user password as a tool ("You can reset a
// domain user password.") and local passwords "on multiple computers at a
// time"; this task does the domain reset for many accounts against the
// real Samba AD DC. Each account has its own outcome: reset, refused by the
// policy (the directory's words kept), or unknown; the step fails because
// not every account was reset, and the ones reset sign in with the new
// password.
func TestDomainPasswordTaskSamba(t *testing.T) {
	dc := sambatest.Start(t) // not parallel: it sets environment variables
	u1, u2, weak := sambatest.Name("many"), sambatest.Name("many"), sambatest.Name("weak")
	for _, u := range []string{u1, u2, weak} {
		dc.AddUser(t, u, "Initial-Pw-1")
	}
	// weak's own policy asks for 30 characters: its reset is refused.
	group, pso := sambatest.Name("g"), sambatest.Name("pso")
	dc.Tool(t, "group", "add", group)
	t.Cleanup(func() { _, _ = dc.TryTool("group", "delete", group) })
	dc.Tool(t, "group", "addmembers", group, weak)
	dc.Tool(t, "domain", "passwordsettings", "pso", "create", pso, "1", "--min-pwd-length=30", "--min-pwd-age=0", "--history-length=0")
	t.Cleanup(func() { _, _ = dc.TryTool("domain", "passwordsettings", "pso", "delete", pso) })
	dc.Tool(t, "domain", "passwordsettings", "pso", "apply", pso, group)

	nobody := sambatest.Name("nobody")
	t.Setenv("OOBKIT_TEST_DOMAIN_PW", "Many-Reset-Pw-7")
	t.Setenv("OOBKIT_TEST_DOMAIN_ADMIN_PW", dc.AdminPassword)
	task := &DomainPasswordTask{TLS: oobkit.TLSSettings{CAFile: dc.CAFile},
		Accounts:    []string{u1, weak, nobody, dc.Domain + `\` + u2},
		PasswordEnv: "OOBKIT_TEST_DOMAIN_PW", ConfirmEnv: "OOBKIT_TEST_DOMAIN_PW",
		AdminUser: dc.AdminUser, AdminPasswordEnv: "OOBKIT_TEST_DOMAIN_ADMIN_PW"}
	_, port, err := net.SplitHostPort(dc.LDAPS)
	require.NoError(t, err)
	n, err := strconv.Atoi(port)
	require.NoError(t, err)
	// The target is the domain controller.
	tg := oobkit.Target{Name: "dc1", Address: dc.IP, Ports: map[oobkit.Protocol]int{adpassword.Protocol: n}}
	res := runOne(t, dirRunner(), tg, task)

	assert.Equal(t, StatusFailed, res.Status)
	assert.Equal(t, "invalid-argument", res.Class)
	assert.Equal(t, "19/0000052D", res.DeviceCode, res.Error)
	assert.Contains(t, res.Error, "2 of 4 accounts not reset ("+weak+", "+nobody+"; 2 failed, 0 not attempted)")
	assert.NotContains(t, res.Error, "Many-Reset-Pw-7")
	out := res.Output("s").(*DomainPasswordOutput)
	assert.Equal(t, dc.AdminUser, out.ResetBy)
	assert.Equal(t, [3]int{2, 2, 0}, [3]int{out.Reset, out.Failed, out.NotAttempted})
	byName := map[string]DomainAccountResult{}
	for _, a := range out.Accounts {
		byName[a.Account] = a
	}
	assert.Equal(t, AccountReset, byName[u1].Status)
	assert.True(t, strings.HasPrefix(byName[u1].DN, "CN="+u1+","), byName[u1].DN)
	assert.Equal(t, AccountReset, byName[dc.Domain+`\`+u2].Status)
	assert.Equal(t, AccountFailed, byName[weak].Status)
	assert.Equal(t, "too-short", byName[weak].Reason)
	assert.Equal(t, oobkit.CodeInvalidArgument, byName[weak].Code)
	assert.Contains(t, byName[weak].Error, "check_password_restrictions: the password is too short")
	assert.Equal(t, "no-such-user", byName[nobody].Reason)

	// The reset accounts sign in with the new password, the refused one
	// still with its old one.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := adpassword.Config{Server: dc.LDAPS, TLS: oobkit.TLSSettings{CAFile: dc.CAFile}}
	for user, pw := range map[string]string{u1: "Many-Reset-Pw-7", u2: "Many-Reset-Pw-7", weak: "Initial-Pw-1"} {
		c, err := adpassword.Dial(ctx, cfg, oobkit.UserPassword(user, pw))
		require.NoError(t, err, user)
		_ = c.Close()
	}

	// The report survives JSON and keeps every account's line.
	b, err := json.Marshal(res)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"reason":"too-short"`)
	assert.NotContains(t, string(b), "Many-Reset-Pw-7")
	assert.NotContains(t, string(b), dc.AdminPassword)
}

// A wrong administrator password: nothing is reset, every account says
// not-attempted, the step fails auth.
func TestDomainPasswordTaskSambaWrongAdmin(t *testing.T) {
	dc := sambatest.Start(t)
	t.Parallel()
	u := sambatest.Name("wadm")
	dc.AddUser(t, u, "Initial-Pw-1")
	task := &DomainPasswordTask{Server: dc.LDAPS, TLS: oobkit.TLSSettings{CAFile: dc.CAFile}, Accounts: []string{u},
		Password: oobkit.NewSecret("New-Pw-22x"), Confirm: oobkit.NewSecret("New-Pw-22x"),
		AdminUser: dc.AdminUser, AdminPassword: oobkit.NewSecret("Wrong-Admin-Pw-1")}
	res := runOne(t, dirRunner(), oobkit.Target{Name: "dc1", Address: dc.IP}, task)
	assert.Equal(t, StatusFailed, res.Status)
	assert.Equal(t, "auth", res.Class, res.Error)
	assert.NotContains(t, res.Error, "Wrong-Admin-Pw-1")
	out := res.Output("s").(*DomainPasswordOutput)
	assert.Equal(t, AccountNotAttempted, out.Accounts[0].Status)
	assert.Equal(t, oobkit.CodeFailed, out.Accounts[0].Code)
	assert.Equal(t, "failed", out.Accounts[0].Class)
	assert.Equal(t, 1, out.NotAttempted)
}

// noDial is a directory configuration whose dialer fails the test: what is
// checked "before anything is dialed" must not reach it.
func noDial(t *testing.T) adpassword.Config {
	return adpassword.Config{Server: "dc1.example.com", DialContext: func(context.Context, string, string) (net.Conn, error) {
		t.Error("dialed the directory")
		return nil, net.ErrClosed
	}}
}

// "5 Type and confirm a new password." — ResetDomainPasswords and
// ChangeDomainPassword refuse a missing or different confirmation before
// anything is dialed, with the class of a caller's mistake; every account
// says it was not attempted and no password is in the error.
func TestDomainPasswordFunctionsConfirm(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin := oobkit.UserPassword("Administrator", "Canary-Admin-1")
	for name, confirm := range map[string]oobkit.Secret{"missing": {}, "different": oobkit.NewSecret("Canary-Pw-2")} {
		out, err := ResetDomainPasswords(ctx, noDial(t), admin, []string{"alice", "bob"}, oobkit.NewSecret("Canary-Pw-1"), confirm)
		require.ErrorIs(t, err, oobkit.ErrInvalidArgument, name)
		assert.NotContains(t, err.Error(), "Canary", name)
		require.NotNil(t, out, name)
		assert.Equal(t, [3]int{0, 0, 2}, [3]int{out.Reset, out.Failed, out.NotAttempted}, name)
		assert.Equal(t, "dc1.example.com", out.Server)
		assert.Equal(t, "Administrator", out.ResetBy)
		for _, a := range out.Accounts {
			assert.Equal(t, AccountNotAttempted, a.Status, name)
		}

		r, err := ChangeDomainPassword(ctx, noDial(t), "alice", oobkit.NewSecret("Canary-Old-1"), oobkit.NewSecret("Canary-Pw-1"), confirm)
		require.ErrorIs(t, err, oobkit.ErrInvalidArgument, name)
		assert.Contains(t, err.Error(), "confirmation differ", name)
		assert.Equal(t, AccountNotAttempted, r.Status, name)
		assert.Equal(t, "invalid-argument", r.Class, name)
		assert.NotContains(t, r.Error, "Canary", name)
	}
	// The other inputs are checked before the dial too.
	for name, call := range map[string]func() error{
		"no accounts": func() error {
			_, err := ResetDomainPasswords(ctx, noDial(t), admin, nil, oobkit.NewSecret("P-w-1x"), oobkit.NewSecret("P-w-1x"))
			return err
		},
		"no admin password": func() error {
			_, err := ResetDomainPasswords(ctx, noDial(t), oobkit.Credential{Username: "Administrator"}, []string{"alice"}, oobkit.NewSecret("P-w-1x"), oobkit.NewSecret("P-w-1x"))
			return err
		},
		"plain ldap": func() error {
			cfg := noDial(t)
			cfg.Server = "ldap://dc1.example.com"
			_, err := ResetDomainPasswords(ctx, cfg, admin, []string{"alice"}, oobkit.NewSecret("P-w-1x"), oobkit.NewSecret("P-w-1x"))
			return err
		},
		"change, plain ldap": func() error {
			cfg := noDial(t)
			cfg.Server = "ldap://dc1.example.com"
			_, err := ChangeDomainPassword(ctx, cfg, "alice", oobkit.NewSecret("Old-1x"), oobkit.NewSecret("P-w-1x"), oobkit.NewSecret("P-w-1x"))
			return err
		},
		"change, no old password": func() error {
			_, err := ChangeDomainPassword(ctx, noDial(t), "alice", oobkit.Secret{}, oobkit.NewSecret("P-w-1x"), oobkit.NewSecret("P-w-1x"))
			return err
		},
	} {
		assert.ErrorIs(t, call(), oobkit.ErrInvalidArgument, name)
	}
}

// The guide's "Reset Domain Password" in one call (no job, no runner)
// against the real Samba AD DC: one bind, one line per account; then the
// user's own change with its old password, and a wrong old password.
func TestDomainPasswordFunctionsSamba(t *testing.T) {
	dc := sambatest.Start(t)
	t.Parallel()
	u1, u2, nobody := sambatest.Name("one"), sambatest.Name("one"), sambatest.Name("nobody")
	dc.AddUser(t, u1, "Initial-Pw-1")
	dc.AddUser(t, u2, "Initial-Pw-1")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := adpassword.Config{Server: dc.LDAPS, TLS: oobkit.TLSSettings{CAFile: dc.CAFile}}
	newPW := oobkit.NewSecret("One-Call-Pw-3")

	out, err := ResetDomainPasswords(ctx, cfg, oobkit.UserPassword(dc.AdminUser, dc.AdminPassword), []string{u1, nobody, u2}, newPW, newPW)
	require.Error(t, err)
	assert.ErrorIs(t, err, adpassword.ReasonNoSuchUser)
	assert.Contains(t, err.Error(), "1 of 3 accounts not reset ("+nobody+"; 1 failed, 0 not attempted)")
	assert.Equal(t, dc.LDAPS, out.Server)
	assert.Equal(t, [3]int{2, 1, 0}, [3]int{out.Reset, out.Failed, out.NotAttempted})
	assert.Equal(t, AccountReset, out.Accounts[0].Status)
	assert.True(t, strings.HasPrefix(out.Accounts[0].DN, "CN="+u1+","), out.Accounts[0].DN)
	assert.Equal(t, "no-such-user", out.Accounts[1].Reason)
	assert.Equal(t, AccountReset, out.Accounts[2].Status)

	out, err = ResetDomainPasswords(ctx, cfg, oobkit.UserPassword(dc.AdminUser, dc.AdminPassword), []string{u1}, newPW, newPW)
	require.NoError(t, err)
	assert.Equal(t, 1, out.Reset)

	r, err := ChangeDomainPassword(ctx, cfg, u2, newPW, oobkit.NewSecret("One-Change-Pw-4"), oobkit.NewSecret("One-Change-Pw-4"))
	require.NoError(t, err)
	assert.Equal(t, DomainAccountResult{Account: u2, Status: AccountChanged, Code: oobkit.CodeOK, Class: "ok"}, r)
	c, err := adpassword.Dial(ctx, cfg, oobkit.UserPassword(u2, "One-Change-Pw-4"))
	require.NoError(t, err, "the changed password signs in")
	_ = c.Close()

	r, err = ChangeDomainPassword(ctx, cfg, u2, oobkit.NewSecret("Never-Was-Pw-9"), oobkit.NewSecret("One-Change-Pw-5"), oobkit.NewSecret("One-Change-Pw-5"))
	require.ErrorIs(t, err, adpassword.ReasonWrongOldPassword)
	assert.Equal(t, AccountFailed, r.Status)
	assert.Equal(t, "wrong-old-password", r.Reason)
	assert.Equal(t, "auth", r.Class)
	assert.NotContains(t, r.Error, "Never-Was-Pw-9")
}
