package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/adpassword"
	"github.com/oobkit/oobkit/tasks"
)

// cmdPassword dispatches "password domain".
func (a *app) cmdPassword(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "domain" {
		return usagef("password: want \"password domain\"")
	}
	return a.cmdDomainPassword(ctx, args[1:])
}

// cmdDomainPassword resets domain user passwords as an administrator (the
// guide's "Reset Domain Password", for one account or many, through the
// tasks package's domainpassword task), or with --change changes one
// account's own password with its old one.
func (a *app) cmdDomainPassword(ctx context.Context, args []string) error {
	var server, ca, serverName, admin, accountsFile string
	var startTLS, change bool
	pos, err := a.commandArgs("password", args, func(fs *flag.FlagSet) {
		fs.StringVar(&server, "server", "", "")
		fs.BoolVar(&startTLS, "starttls", false, "")
		fs.StringVar(&ca, "ca", "", "")
		fs.StringVar(&serverName, "server-name", "", "")
		fs.StringVar(&admin, "admin", "", "")
		fs.StringVar(&accountsFile, "accounts-file", "", "")
		fs.BoolVar(&change, "change", false, "")
	})
	if err != nil {
		return err
	}
	if server == "" && len(a.opt.targets) == 1 {
		server = a.opt.targets[0]
	}
	if server == "" {
		return usagef("password domain: give --server DC (ldaps://dc1.example.com, or ldap://… with --starttls)")
	}
	accounts := pos
	if accountsFile != "" {
		more, err := readAccounts(accountsFile)
		if err != nil {
			return err
		}
		accounts = append(accounts, more...)
	}
	if len(accounts) == 0 {
		return usagef("password domain: name the account(s) to reset")
	}
	cfg := adpassword.Config{Server: server, StartTLS: startTLS, TLS: oobkit.TLSSettings{
		CAFile: ca, ServerName: serverName, PinnedSHA256: a.opt.pin, InsecureSkipVerify: a.opt.insecure}}
	if err := cfg.Validate(); err != nil { // plain LDAP is refused here, before any password is read
		return usagef("password domain: %v", err)
	}
	if change {
		return a.changeDomainPassword(ctx, cfg, accounts, admin)
	}
	adminPW, err := a.domainAdmin(&admin)
	if err != nil {
		return err
	}
	newPW, confirm, err := a.newPassword("password domain")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, a.opt.timeout)
	defer cancel()
	out, err := tasks.ResetDomainPasswords(ctx, cfg, oobkit.Credential{Username: admin, Password: adminPW}, accounts, newPW, confirm)
	if a.opt.json {
		if werr := writeJSON(a.stdout, struct {
			*tasks.DomainPasswordOutput
			Code  int    `json:"code"`
			Class string `json:"class"`
			Error string `json:"error,omitempty"`
		}{out, oobkit.ReturnCode(err), oobkit.ClassName(err), errText(err)}); werr != nil {
			return werr
		}
	} else {
		writeDomainPasswordTable(a, out, err)
	}
	if err != nil {
		return errTargetsFailed
	}
	return nil
}

// domainAdmin returns the password of the administrator resetting domain
// passwords: --admin NAME's from $OOBKIT_ADMIN_PASSWORD, or --user's (the
// administrator when --admin is absent) from $OOBKIT_PASSWORD.
func (a *app) domainAdmin(admin *string) (oobkit.Secret, error) {
	env := envAdminPassword
	if *admin == "" {
		*admin, env = a.opt.user, envPassword
	}
	if *admin == "" {
		return oobkit.Secret{}, usagef("password domain: give --admin NAME (its password in $%s), or --change for a user's own change", envAdminPassword)
	}
	pw := a.getenv(env)
	if pw == "" {
		return oobkit.Secret{}, usagef("password domain: the password of %s goes in $%s", *admin, env)
	}
	return oobkit.NewSecret(pw), nil
}

// errText is err's text, "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// writeDomainPasswordTable writes one line per account, then the error
// (the accounts not reset, or why none was: a refused administrator, an
// unreachable or untrusted directory).
func writeDomainPasswordTable(a *app, out *tasks.DomainPasswordOutput, err error) {
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tSTATUS\tREASON\tCODE\tDETAIL")
	for _, ar := range out.Accounts {
		detail := ar.DN
		if ar.Status != tasks.AccountReset {
			detail = ar.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cell(ar.Account), ar.Status, orDash(ar.Reason), orDash(ar.DeviceCode), orDash(cell(detail)))
	}
	_ = tw.Flush()
	if err != nil {
		fmt.Fprintf(a.stdout, "%s: %s (%s)\n", cell(out.Server), cell(err.Error()), oobkit.ClassName(err))
	}
	fmt.Fprintf(a.stdout, "%d accounts: %d reset, %d failed, %d not attempted\n", len(out.Accounts), out.Reset, out.Failed, out.NotAttempted)
}

// changeDomainPassword is --change: the account's own change, with its old
// password.
func (a *app) changeDomainPassword(ctx context.Context, cfg adpassword.Config, accounts []string, admin string) error {
	if len(accounts) != 1 || admin != "" {
		return usagef("password domain --change: one account, its old password in $%s (no --admin)", envOldPassword)
	}
	old := a.getenv(envOldPassword)
	if old == "" {
		pw, err := a.prompt("old password of " + accounts[0] + ": ")
		if err != nil {
			return usagef("password domain --change: the old password goes in $%s", envOldPassword)
		}
		old = pw
	}
	newPW, confirm, err := a.newPassword("password domain --change")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, a.opt.timeout)
	defer cancel()
	res, err := tasks.ChangeDomainPassword(ctx, cfg, accounts[0], oobkit.NewSecret(old), newPW, confirm)
	if a.opt.json {
		if werr := writeJSON(a.stdout, res); werr != nil {
			return werr
		}
	} else if err == nil {
		fmt.Fprintf(a.stdout, "%s: password changed\n", cell(res.Account))
	} else {
		fmt.Fprintf(a.stdout, "%s: failed (%s, %s): %s\n", cell(res.Account), orDash(res.Reason), res.Class, cell(res.Error))
	}
	if err != nil {
		return errTargetsFailed
	}
	return nil
}

// newPassword returns the new password once its confirmation matched, as
// the guide asks ("Type and confirm a new password."): from
// $OOBKIT_NEW_PASSWORD confirmed by $OOBKIT_CONFIRM_PASSWORD, or typed
// twice on a terminal. A missing or different confirmation is a usage
// error, before anything is sent.
func (a *app) newPassword(cmd string) (newPW, confirmPW oobkit.Secret, err error) {
	var pw, confirm string
	if pw = a.getenv(envNewPassword); pw != "" {
		if confirm = a.getenv(envConfirmPassword); confirm == "" {
			return newPW, confirmPW, usagef("%s: type the new password again in $%s (the guide: \"Type and confirm a new password.\")", cmd, envConfirmPassword)
		}
	} else {
		if pw, err = a.prompt("new password: "); err != nil {
			return newPW, confirmPW, usagef("%s: the new password goes in $%s and again in $%s (or type it twice on a terminal)", cmd, envNewPassword, envConfirmPassword)
		}
		if confirm, err = a.prompt("confirm the new password: "); err != nil {
			return newPW, confirmPW, usagef("%s: the new password was not confirmed: %v", cmd, err)
		}
	}
	newPW, confirmPW = oobkit.NewSecret(pw), oobkit.NewSecret(confirm)
	if !newPW.Equal(confirmPW) {
		return oobkit.Secret{}, oobkit.Secret{}, usagef("%s: the new password and its confirmation differ", cmd)
	}
	return newPW, confirmPW, nil
}

// prompt reads a password from the terminal without echo; it fails when
// stdin is not a terminal.
func (a *app) prompt(what string) (string, error) {
	f, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", fmt.Errorf("stdin is not a terminal")
	}
	fmt.Fprint(a.stderr, what)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(a.stderr)
	return string(b), err
}

// readAccounts reads one account per line; blank lines and # comments are
// skipped.
func readAccounts(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, setupf("accounts file: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, setupf("accounts file: %w", err)
	}
	return out, nil
}

// serverHost is the host of a --server value, for the report's computer.
func serverHost(server string) string {
	if u, err := url.Parse(server); err == nil && u.Host != "" {
		server = u.Host
	}
	if h, _, err := net.SplitHostPort(server); err == nil {
		return h
	}
	return strings.Trim(server, "[]")
}
