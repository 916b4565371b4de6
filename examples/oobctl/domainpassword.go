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

// Environment variables of `oobctl password domain`.
const (
	envNewPassword     = "OOBKIT_NEW_PASSWORD"
	envConfirmPassword = "OOBKIT_NEW_PASSWORD_CONFIRM"
	envOldPassword     = "OOBKIT_OLD_PASSWORD"
	envAdminPassword   = "OOBKIT_PASSWORD"
)

// A dispatched report's domainpassword outputs read back typed (see
// outputTypes).
func init() {
	outputTypes["domainpassword"] = func() any { return &tasks.DomainPasswordOutput{} }
}

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
	if admin == "" {
		admin = a.opt.user
	}
	if admin == "" {
		return usagef("password domain: give --admin NAME (its password in $%s), or --change for a user's own change", envAdminPassword)
	}
	adminPW := a.getenv(envAdminPassword)
	if adminPW == "" {
		return usagef("password domain: the password of %s goes in $%s", admin, envAdminPassword)
	}
	newPW, confirm, err := a.newPassword()
	if err != nil {
		return err
	}
	task := &tasks.DomainPasswordTask{Server: server, StartTLS: startTLS, TLS: cfg.TLS, Accounts: accounts,
		Password: newPW, Confirm: confirm, AdminUser: admin, AdminPassword: oobkit.NewSecret(adminPW)}
	if err := task.Validate(); err != nil {
		return usagef("%v", err)
	}
	host := serverHost(server)
	job := oneStep("password domain", task)
	runner := tasks.NewRunner(tasks.NewConnector(tasks.StaticCredentials{}), tasks.WithProbe(nil), tasks.WithTargetTimeout(a.opt.timeout))
	rep, err := runner.Run(ctx, job, []oobkit.Target{{Name: host, Address: host}})
	if err != nil {
		return usagef("%v", err)
	}
	if a.opt.json {
		if err := writeJSON(a.stdout, rep); err != nil {
			return err
		}
	} else {
		writeDomainPasswordTable(a, rep)
	}
	if len(rep.Failed()) > 0 {
		return errTargetsFailed
	}
	return nil
}

// writeDomainPasswordTable writes one line per account, then the step's
// error when it failed before any account (a refused administrator, an
// unreachable or untrusted directory).
func writeDomainPasswordTable(a *app, rep *tasks.Report) {
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tSTATUS\tREASON\tCODE\tDETAIL")
	var out *tasks.DomainPasswordOutput
	for _, r := range rep.Results {
		for _, st := range r.Steps {
			if o, ok := st.Output.(*tasks.DomainPasswordOutput); ok {
				out = o
			}
		}
	}
	if out != nil {
		for _, ar := range out.Accounts {
			detail := ar.DN
			if ar.Status != tasks.AccountReset {
				detail = ar.Error
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cell(ar.Account), ar.Status, orDash(ar.Reason), orDash(ar.DeviceCode), orDash(cell(detail)))
		}
	}
	_ = tw.Flush()
	for _, r := range rep.Results {
		if r.Status != tasks.StatusOK {
			fmt.Fprintf(a.stdout, "%s: %s (%s)\n", cell(r.Target), cell(r.Error), r.Class)
		}
	}
	if out != nil {
		fmt.Fprintf(a.stdout, "%d accounts: %d reset, %d failed, %d not attempted\n", len(out.Accounts), out.Reset, out.Failed, out.NotAttempted)
	}
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
	newPW, confirm, err := a.newPassword()
	if err != nil {
		return err
	}
	if !newPW.Equal(confirm) {
		return usagef("password domain: the new password and its confirmation differ")
	}
	ctx, cancel := context.WithTimeout(ctx, a.opt.timeout)
	defer cancel()
	err = adpassword.Change(ctx, cfg, accounts[0], oobkit.NewSecret(old), newPW)
	res := struct {
		Account string `json:"account"`
		Status  string `json:"status"`
		Reason  string `json:"reason,omitempty"`
		Code    int    `json:"code"`
		Class   string `json:"class"`
		Device  string `json:"deviceCode,omitempty"`
		Error   string `json:"error,omitempty"`
	}{Account: accounts[0], Status: "changed", Code: oobkit.ReturnCode(err), Class: oobkit.ClassName(err)}
	if err != nil {
		res.Status, res.Reason, res.Device, res.Error = "failed", string(adpassword.ReasonOf(err)), oobkit.DeviceCode(err), err.Error()
	}
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

// newPassword returns the new password and its confirmation: from
// $OOBKIT_NEW_PASSWORD (confirmed by $OOBKIT_NEW_PASSWORD_CONFIRM when set),
// or typed twice on a terminal, as the guide asks ("Type and confirm a new
// password.").
func (a *app) newPassword() (oobkit.Secret, oobkit.Secret, error) {
	if pw := a.getenv(envNewPassword); pw != "" {
		confirm := a.getenv(envConfirmPassword)
		if confirm == "" {
			confirm = pw
		}
		return oobkit.NewSecret(pw), oobkit.NewSecret(confirm), nil
	}
	pw, err := a.prompt("new password: ")
	if err != nil {
		return oobkit.Secret{}, oobkit.Secret{}, usagef("password domain: the new password goes in $%s (or type it on a terminal)", envNewPassword)
	}
	confirm, err := a.prompt("confirm the new password: ")
	if err != nil {
		return oobkit.Secret{}, oobkit.Secret{}, err
	}
	return oobkit.NewSecret(pw), oobkit.NewSecret(confirm), nil
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
