package tasks

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/adpassword"
)

func init() {
	RegisterKind("domainpassword", func() Task { return &DomainPasswordTask{} })
	RegisterOutput("domainpassword", func() any { return &DomainPasswordOutput{} })
}

// DomainPasswordTask resets the passwords of domain user accounts (the
// RTSM "Reset Domain Password" tool, for many accounts at once) over LDAPS
// with package adpassword: one connection to the domain controller, one
// administrator bind, then each account in turn. The new password is typed
// twice, as the local password task's; no password is ever part of the
// job's JSON, a log or a report (each comes from a program, the Secret
// fields, or from an environment variable of the process running the
// task, the Env fields).
//
// The target is the domain controller: Server, when empty, is the target's
// address, LDAPS on 636 or the target's port for "ldap" (Target.Ports).
// Run the job on one target per domain.
//
// Every account gets its own line in the output — reset, failed (with the
// directory's reason and message) or not attempted (the connection or the
// deadline was lost before its turn) — and the step fails when any account
// was not reset, so a run that did half the accounts never looks finished.
// A retried step resets again the accounts it had already reset (the same
// password, so the outcome is the same).
//
// Outside a job, [ResetDomainPasswords] does the same in one call and
// [ChangeDomainPassword] is the user's own change.
type DomainPasswordTask struct {
	// Server is the domain controller (see [adpassword.Config].Server);
	// empty: the target's address.
	Server string `json:"server,omitempty"`
	// StartTLS upgrades an ldap:// Server with StartTLS. Plain LDAP is
	// refused when the job is checked.
	StartTLS bool `json:"startTLS,omitempty"`
	// TLS says how the directory's certificate is verified (system roots
	// by default; caFile, pinnedSHA256, serverName).
	TLS oobkit.TLSSettings `json:"tls,omitzero"`
	// BaseDN is where accounts are searched; empty: the domain's
	// defaultNamingContext.
	BaseDN string `json:"baseDN,omitempty"`
	// Accounts are the accounts to reset: sAMAccountName, DOMAIN\name,
	// user@domain or a DN.
	Accounts []string `json:"accounts"`
	// Password is the new password, for programs.
	Password oobkit.Secret `json:"-"`
	// PasswordEnv names an environment variable holding the new password.
	PasswordEnv string `json:"passwordEnv,omitempty"`
	// Confirm is the new password typed again, for programs.
	Confirm oobkit.Secret `json:"-"`
	// ConfirmEnv names an environment variable holding the confirmation.
	ConfirmEnv string `json:"confirmEnv,omitempty"`
	// AdminUser is the domain administrator (or delegate) that resets the
	// passwords: DOMAIN\name, name@domain, a DN or a bare name.
	AdminUser string `json:"adminUser"`
	// AdminPassword is AdminUser's password, for programs.
	AdminPassword oobkit.Secret `json:"-"`
	// AdminPasswordEnv names an environment variable holding AdminUser's
	// password.
	AdminPasswordEnv string `json:"adminPasswordEnv,omitempty"`
}

// Outcomes of one account of a [DomainPasswordTask].
const (
	AccountReset = "reset"
	// AccountChanged is the outcome of [ChangeDomainPassword] that worked.
	AccountChanged      = "changed"
	AccountFailed       = "failed"
	AccountNotAttempted = "not-attempted"
)

// errNotAttempted is the (unclassified) failure of an account the task did
// not reach.
var errNotAttempted = errors.New("not attempted")

// DomainAccountResult is what happened to one account.
type DomainAccountResult struct {
	// Account is the name as the task gave it.
	Account string `json:"account"`
	// DN is the account's distinguished name, when it was found.
	DN string `json:"dn,omitempty"`
	// Status is reset (changed for [ChangeDomainPassword]), failed or
	// not-attempted.
	Status string `json:"status"`
	// Reason is the failure's [adpassword.Reason] ("history",
	// "complexity", "no-such-user"…), when it has one.
	Reason string `json:"reason,omitempty"`
	// Code and Class are the failure's stable return code and class name
	// ([oobkit.ReturnCode], [oobkit.ClassName]); 0 and "ok" when reset,
	// 1 and "failed" when not attempted (the refusal's when the input was
	// refused).
	Code  int    `json:"code"`
	Class string `json:"class"`
	// DeviceCode is the directory's code ("19/0000052D").
	DeviceCode string `json:"deviceCode,omitempty"`
	// Error is the failure's text, with the directory's own message.
	Error string `json:"error,omitempty"`
}

// DomainPasswordOutput is what a [DomainPasswordTask] returns.
type DomainPasswordOutput struct {
	// Server is the directory the task reached (or tried).
	Server string `json:"server"`
	// ResetBy is the administrative user whose rights reset the passwords.
	ResetBy string `json:"resetBy"`
	// Accounts has one line per account, in the task's order.
	Accounts []DomainAccountResult `json:"accounts"`
	// Reset, Failed and NotAttempted count the lines by status.
	Reset        int `json:"reset"`
	Failed       int `json:"failed"`
	NotAttempted int `json:"notAttempted"`
}

// Kind returns "domainpassword".
func (t *DomainPasswordTask) Kind() string { return "domainpassword" }

// Validate checks the accounts, the sources of the new password, its
// confirmation and the administrator's password, and refuses a plain-LDAP
// server.
func (t *DomainPasswordTask) Validate() error {
	const kind = "domainpassword"
	switch {
	case len(t.Accounts) == 0:
		return invalidTask(kind, "no accounts")
	case t.Password.IsZero() && t.PasswordEnv == "":
		return invalidTask(kind, "set the password or passwordEnv")
	case t.Confirm.IsZero() && t.ConfirmEnv == "":
		return invalidTask(kind, "confirm the new password: set confirm or confirmEnv")
	case strings.TrimSpace(t.AdminUser) == "":
		return invalidTask(kind, "no adminUser: name the administrative user that resets the passwords")
	case t.AdminPassword.IsZero() && t.AdminPasswordEnv == "":
		return invalidTask(kind, "administrative user %s: set adminPassword or adminPasswordEnv", t.AdminUser)
	}
	seen := map[string]bool{}
	for _, a := range t.Accounts {
		k := strings.ToLower(strings.TrimSpace(a))
		switch {
		case k == "":
			return invalidTask(kind, "an empty account name")
		case seen[k]:
			return invalidTask(kind, "account %s is listed twice", a)
		}
		seen[k] = true
	}
	if t.Server != "" {
		if err := t.config(t.Server).Validate(); err != nil {
			return invalidArgument(kind, err)
		}
	}
	return nil
}

func (t *DomainPasswordTask) config(server string) adpassword.Config {
	return adpassword.Config{Server: server, StartTLS: t.StartTLS, TLS: t.TLS, BaseDN: t.BaseDN}
}

// secrets reads the task's secrets and checks the confirmation, before
// anything is sent.
func (t *DomainPasswordTask) secrets() (newPW, adminPW oobkit.Secret, err error) {
	if newPW, err = secretInput(t.Password, t.PasswordEnv, "new password"); err != nil {
		return
	}
	var confirm oobkit.Secret
	if confirm, err = secretInput(t.Confirm, t.ConfirmEnv, "password confirmation"); err != nil {
		return
	}
	if subtle.ConstantTimeCompare([]byte(newPW.Reveal()), []byte(confirm.Reveal())) != 1 {
		err = invalidTask("domainpassword", "the new password and its confirmation differ")
		return
	}
	if _, err = adpassword.EncodePassword(newPW); err != nil {
		err = invalidArgument("domainpassword: new password", err)
		return
	}
	adminPW, err = secretInput(t.AdminPassword, t.AdminPasswordEnv, "administrative password")
	return
}

// Run checks the task, binds once as the administrator and resets each
// account in turn.
func (t *DomainPasswordTask) Run(ctx context.Context, env *Env) (any, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	server := t.Server
	if server == "" {
		server = env.Target.Address
		if n, ok := env.Target.Ports[adpassword.Protocol]; ok && n > 0 {
			server = net.JoinHostPort(server, strconv.Itoa(n))
		}
	}
	return t.reset(ctx, t.config(server))
}

// ResetDomainPasswords resets the passwords of accounts (sAMAccountName,
// DOMAIN\name, user@domain or a DN) in the directory of cfg to
// newPassword, with one connection and one bind as admin (its Username
// and Password): the guide's "Reset Domain Password" for many accounts, in
// one call, as a [DomainPasswordTask] does it without a job. newPassword
// must equal confirm, the password typed again ("Type and confirm a new
// password."); that, the account list, the administrator and cfg are
// checked before anything is dialed (an error of class
// [oobkit.ErrInvalidArgument], every account not attempted).
//
// The output has one line per account, in order, as the task's; the error
// is nil only when every account was reset, and otherwise names the
// accounts not reset and wraps the first failure (its class and the
// directory's code).
func ResetDomainPasswords(ctx context.Context, cfg adpassword.Config, admin oobkit.Credential, accounts []string, newPassword, confirm oobkit.Secret) (*DomainPasswordOutput, error) {
	t := &DomainPasswordTask{Server: cfg.Server, StartTLS: cfg.StartTLS, TLS: cfg.TLS, BaseDN: cfg.BaseDN,
		Accounts: accounts, Password: newPassword, Confirm: confirm, AdminUser: admin.Username, AdminPassword: admin.Password}
	return t.reset(ctx, cfg)
}

// ChangeDomainPassword changes account's own password from oldPassword to
// newPassword ([adpassword.Change]: the account binds itself, so the
// directory applies the policy a user faces) after checking that
// newPassword equals confirm, the password typed again, before anything is
// dialed. It returns the account's line as a [DomainPasswordTask] reports
// one: Status [AccountChanged], [AccountFailed] (with the directory's
// reason, code and message; a wrong old password is
// adpassword.ReasonWrongOldPassword) or [AccountNotAttempted] (the input
// was refused), and the error.
func ChangeDomainPassword(ctx context.Context, cfg adpassword.Config, account string, oldPassword, newPassword, confirm oobkit.Secret) (DomainAccountResult, error) {
	r := DomainAccountResult{Account: account, Status: AccountNotAttempted, Code: oobkit.CodeFailed, Class: oobkit.ClassName(errNotAttempted)}
	const kind = "domainpassword"
	var err error
	switch {
	case strings.TrimSpace(account) == "":
		err = invalidTask(kind, "no account")
	case oldPassword.IsZero():
		err = invalidTask(kind, "no old password")
	case newPassword.IsZero():
		err = invalidTask(kind, "no new password")
	case subtle.ConstantTimeCompare([]byte(newPassword.Reveal()), []byte(confirm.Reveal())) != 1:
		err = invalidTask(kind, "the new password and its confirmation differ")
	}
	if err == nil {
		if verr := cfg.Validate(); verr != nil {
			err = invalidArgument(kind, verr)
		}
	}
	if err != nil {
		r.Code, r.Class, r.Error = oobkit.ReturnCode(err), oobkit.ClassName(err), err.Error()
		return r, err
	}
	err = adpassword.Change(ctx, cfg, account, oldPassword, newPassword)
	if err == nil {
		r.Status, r.Code, r.Class = AccountChanged, oobkit.CodeOK, oobkit.ClassName(nil)
		return r, nil
	}
	r.Status, r.Reason, r.Code, r.Class = AccountFailed, string(adpassword.ReasonOf(err)), oobkit.ReturnCode(err), oobkit.ClassName(err)
	r.DeviceCode, r.Error = oobkit.DeviceCode(err), err.Error()
	return r, err
}

// reset checks t (its secrets included) and resets its accounts in the
// directory of cfg.
func (t *DomainPasswordTask) reset(ctx context.Context, cfg adpassword.Config) (*DomainPasswordOutput, error) {
	out := &DomainPasswordOutput{Server: cfg.Server, ResetBy: t.AdminUser}
	for _, a := range t.Accounts {
		out.Accounts = append(out.Accounts, DomainAccountResult{Account: a, Status: AccountNotAttempted, Code: oobkit.CodeFailed, Class: oobkit.ClassName(errNotAttempted)})
	}
	out.NotAttempted = len(out.Accounts)
	if err := t.Validate(); err != nil {
		return out, err
	}
	if err := cfg.Validate(); err != nil {
		return out, invalidArgument("domainpassword", err)
	}
	newPW, adminPW, err := t.secrets()
	if err != nil {
		return out, err
	}
	conn, err := adpassword.Dial(ctx, cfg, oobkit.Credential{Username: t.AdminUser, Password: adminPW})
	if err != nil {
		return out, err
	}
	defer conn.Close()
	var first error
	for i := range out.Accounts {
		r := &out.Accounts[i]
		if ctx.Err() != nil {
			break
		}
		dn, err := conn.Reset(ctx, r.Account, newPW)
		r.DN = dn
		out.NotAttempted--
		if err == nil {
			r.Status, r.Code, r.Class = AccountReset, oobkit.CodeOK, oobkit.ClassName(nil)
			out.Reset++
			continue
		}
		r.Status, r.Reason, r.Code, r.Class = AccountFailed, string(adpassword.ReasonOf(err)), oobkit.ReturnCode(err), oobkit.ClassName(err)
		r.DeviceCode, r.Error = oobkit.DeviceCode(err), err.Error()
		out.Failed++
		if first == nil {
			first = err
		}
		if errors.Is(err, oobkit.ErrUnreachable) || ctx.Err() != nil { // the connection is gone: the rest are not attempted
			break
		}
	}
	if out.Reset == len(out.Accounts) {
		return out, nil
	}
	if first == nil {
		first = ctx.Err()
	}
	// The error names the accounts not reset (the first few: the output has
	// them all) and carries the first failure's class and directory code.
	const named = 10
	var notReset []string
	for _, r := range out.Accounts {
		if r.Status != AccountReset && len(notReset) <= named {
			notReset = append(notReset, r.Account)
		}
	}
	if len(notReset) > named {
		notReset = append(notReset[:named], "…")
	}
	return out, fmt.Errorf("%d of %d accounts not reset (%s; %d failed, %d not attempted): %w",
		out.Failed+out.NotAttempted, len(out.Accounts), strings.Join(notReset, ", "), out.Failed, out.NotAttempted, first)
}
