package wmi

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// PasswordHelper names the pieces of the password-reset helper, so a
// simulator (wmitest) and an auditor can recognise it.
const (
	// PasswordEnvVar is the environment variable that carries the new
	// password into the helper process.
	PasswordEnvVar = "OOBKIT_NEW_PASSWORD"
	// PasswordEventSource is the Application event-log source the helper
	// reports to.
	PasswordEventSource = "oobkit"
	// PasswordEventOK and PasswordEventFailed are the helper's event IDs.
	PasswordEventOK     = 1000
	PasswordEventFailed = 1001
	// PasswordEventTag starts the helper's event message, followed by the
	// run's correlation ID.
	PasswordEventTag = "oobkit-password"
)

// powershell is the full path of Windows PowerShell 5.1, present on every
// supported Windows; a full path needs no PATH in the helper's environment.
const powershell = `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`

// SetLocalPassword sets the password of a local account ("COMPUTER\User",
// ".\User" or "User") as the client's connection credential, without the
// password ever appearing in a command line, a log or an error. It is
// [Client.ResetPassword] without a confirmation or a separate
// administrative user.
//
// root/cimv2 has no method that sets a user's password (Win32_UserAccount
// offers only Rename), so the password travels as a method parameter of
// Win32_Process.Create: the EnvironmentVariables of its
// ProcessStartupInformation (Win32_ProcessStartup), an embedded instance in
// the SOAP body, never the command line. Command lines are visible to
// anyone who lists processes and are recorded by process-creation auditing
// (Security event 4688); a process's environment is not. The command line
// only names the account and a random correlation ID: it runs Windows
// PowerShell, which calls the ADSI WinNT provider's SetPassword with the
// variable and writes the outcome to the Application log (source "oobkit",
// event 1000 success / 1001 failure with Windows' reason). The client waits
// for the helper to exit and reads that event, so a refusal (password
// policy, unknown user, access denied) is reported, not guessed.
//
// The SOAP body carries the password, and this client does not encrypt
// NTLM messages, so SetLocalPassword refuses a plain-HTTP endpoint unless
// the client was built with [WithAllowUnencrypted]: use TLS (5986).
func (c *Client) SetLocalPassword(ctx context.Context, account string, password oobkit.Secret) error {
	computer, user, err := splitAccount(account)
	if err != nil {
		return err
	}
	if err := c.passwordTransportOK(); err != nil {
		return err
	}
	if password.IsZero() {
		return &oobkit.Error{Protocol: oobkit.WMI, Op: "SetPassword", Class: oobkit.ErrInvalidArgument, Message: "empty password"}
	}
	return c.runPasswordHelper(ctx, c.ws, computer, user, password)
}

// PasswordReset is a local-account password reset as the RTSM guide's
// Password Management task takes it: "Type the user name that you want to
// reset the password for in the following format: COMPUTER\User", "Type and
// confirm a new password", "Type the name and password of an administrative
// user with permissions to manage the specified user account."
type PasswordReset struct {
	// Account is the account whose password is reset: "COMPUTER\User"
	// (".\User" and a bare "User" name the computer connected to).
	Account string
	// NewPassword and Confirm are the new password typed twice; a
	// difference is refused before anything is sent.
	NewPassword, Confirm oobkit.Secret
	// AdminUser and AdminPassword are the administrative user with
	// permission to manage the account ("PC42\helpdesk", "CORP\pwadmin"),
	// separate from the client's connection credential: the helper that sets
	// the password is started over a WinRM session of its own authenticated
	// as this user, so it runs with this user's rights. Empty AdminUser: the
	// connection credential acts.
	AdminUser     string
	AdminPassword oobkit.Secret
}

// Validate checks the reset without touching the network: the account's
// form, a new password given and confirmed identically, and a password for
// the administrative user when one is named. Its errors wrap
// oobkit.ErrInvalidArgument and never hold a password.
func (r PasswordReset) Validate() error {
	if _, _, err := splitAccount(r.Account); err != nil {
		return err
	}
	bad := func(msg string) error {
		return &oobkit.Error{Protocol: oobkit.WMI, Op: "SetPassword", Class: oobkit.ErrInvalidArgument, Message: msg}
	}
	switch {
	case r.NewPassword.IsZero():
		return bad("no new password")
	case r.Confirm.IsZero():
		return bad("the new password is not confirmed: type it twice")
	case subtle.ConstantTimeCompare([]byte(r.NewPassword.Reveal()), []byte(r.Confirm.Reveal())) != 1:
		return bad("the new password and its confirmation differ")
	case strings.TrimSpace(r.AdminUser) != r.AdminUser:
		return bad("the administrative user name has surrounding spaces")
	case r.AdminUser != "" && r.AdminPassword.IsZero():
		return bad("administrative user " + r.AdminUser + " has no password")
	case r.AdminUser == "" && !r.AdminPassword.IsZero():
		return bad("an administrative password without an administrative user")
	}
	return nil
}

// ResetPassword resets a local account's password as r describes (see
// [PasswordReset]; the mechanism is [Client.SetLocalPassword]'s). r is
// validated first: a confirmation that differs from the new password is
// refused before any request. With an AdminUser other than the connection
// user, the helper process is created over a second WinRM session
// authenticated as that user (same endpoint, authentication kind and TLS
// settings as the client), so it is that user's right to manage the account
// that Windows checks; waiting for the helper and reading its outcome use
// the connection credential. NTLM authenticates a connection, not a
// request, so a client built WithTransport (a shared connection pool) and
// NTLM refuses a separate AdminUser with ErrUnsupported rather than risk a
// pooled connection authenticated as someone else.
func (c *Client) ResetPassword(ctx context.Context, r PasswordReset) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if err := c.passwordTransportOK(); err != nil {
		return err
	}
	computer, user, _ := splitAccount(r.Account)
	ws := c.ws
	if r.AdminUser != "" && !strings.EqualFold(r.AdminUser, c.user) {
		admin, err := c.sessionAs(r.AdminUser, r.AdminPassword)
		if err != nil {
			return err
		}
		defer admin.CloseIdleConnections()
		ws = admin
	}
	err := c.runPasswordHelper(ctx, ws, computer, user, r.NewPassword)
	if err != nil && ws != c.ws {
		var oe *oobkit.Error
		if errors.As(err, &oe) && errors.Is(err, oobkit.ErrAuth) {
			cp := *oe
			cp.Message = "administrative user " + r.AdminUser + ": " + cp.Message
			return &cp
		}
	}
	return err
}

// passwordTransportOK refuses to send a password in a SOAP body over plain
// HTTP unless the caller allowed it.
func (c *Client) passwordTransportOK() error {
	if !c.tls && !c.unencrypted {
		return &oobkit.Error{Protocol: oobkit.WMI, Op: "SetPassword", Class: oobkit.ErrInvalidArgument,
			Message: "refusing to send a password over plain HTTP: connect with TLS (5986) or pass WithAllowUnencrypted"}
	}
	return nil
}

// sessionAs opens a second WS-Management session to the same computer as
// user, with the client's endpoint, authentication kind, TLS settings and
// options.
func (c *Client) sessionAs(user string, password oobkit.Secret) (*wsman.Client, error) {
	opts := c.baseOpts
	if c.sharedRT {
		if c.auth == oobkit.AuthNTLM {
			return nil, &oobkit.Error{Protocol: oobkit.WMI, Op: "SetPassword", Class: oobkit.ErrUnsupported,
				Message: "a separate administrative user over NTLM needs the client's own connections: build the client without WithTransport, or use basic authentication over TLS"}
		}
		opts = append(append([]wsman.Option(nil), opts...), wsman.WithTransport(c.rt))
	}
	return wsman.New(c.endpoint, oobkit.Credential{Auth: c.auth, Username: user, Password: password, TLS: c.tlsCfg}, opts...)
}

// runPasswordHelper starts the helper through session ws, waits for it and
// reads its outcome through the client's own session.
func (c *Client) runPasswordHelper(ctx context.Context, ws *wsman.Client, computer, user string, password oobkit.Secret) error {
	var idb [8]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return fmt.Errorf("wmi: random correlation ID: %w", err)
	}
	id := hex.EncodeToString(idb[:])
	cmd := passwordCommand(computer, user, id)
	env := []string{PasswordEnvVar + "=" + password.Reveal(), `SystemRoot=C:\Windows`}
	since := time.Now()
	pid, err := c.createWith(ctx, ws, cmd, "", env, "password helper for "+user)
	if err != nil {
		return err
	}
	c.log.Debug("wmi password helper started", "target", c.target.String(), "user", user, "pid", pid, "id", id)
	if err := c.waitProcessExit(ctx, pid); err != nil {
		return err
	}
	return c.passwordOutcome(ctx, user, id, since)
}

// passwordCommand builds the helper's command line: no secret, only the
// account (checked by splitAccount to hold no quote or shell character) and
// the correlation ID.
func passwordCommand(computer, user, id string) string {
	script := fmt.Sprintf(`$id='%s'; try { ([ADSI]'WinNT://%s/%s,user').SetPassword($env:%s); $t='Information'; $e=%d; $m='password set' } `+
		`catch { $t='Error'; $e=%d; $m=$_.Exception.InnerException.Message; if (-not $m) { $m=$_.Exception.Message } }; `+
		`[Diagnostics.EventLog]::WriteEntry('%s', ('%s '+$id+' %s: '+$m), $t, $e)`,
		id, computer, user, PasswordEnvVar, PasswordEventOK, PasswordEventFailed, PasswordEventSource, PasswordEventTag, user)
	return powershell + ` -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "` + script + `"`
}

// passwordOutcome finds the helper's event and turns it into the result.
func (c *Client) passwordOutcome(ctx context.Context, user, id string, since time.Time) error {
	events, err := c.Events(ctx, EventQuery{Logs: []string{LogApplication}, Source: PasswordEventSource,
		Types: []EventType{EventInformation, EventError}, Max: 50})
	if err != nil {
		return err
	}
	tag := PasswordEventTag + " " + id + " "
	for _, e := range events {
		if !strings.HasPrefix(e.Description, tag) {
			continue
		}
		switch e.Code {
		case fmt.Sprint(PasswordEventOK):
			return nil
		default:
			reason := strings.TrimPrefix(e.Description, tag)
			class := oobkit.ErrDevice
			l := strings.ToLower(reason)
			switch {
			case strings.Contains(l, "could not be found") || strings.Contains(l, "password policy"):
				class = oobkit.ErrInvalidArgument
			case strings.Contains(l, "access is denied"):
				class = oobkit.ErrAuth
			}
			return &oobkit.Error{Protocol: oobkit.WMI, Op: "SetPassword", Class: class, DeviceCode: e.Code, Message: reason}
		}
	}
	return &oobkit.Error{Protocol: oobkit.WMI, Op: "SetPassword", Class: oobkit.ErrDevice,
		Message: fmt.Sprintf("the password helper for %s exited without reporting (started %s): PowerShell missing or blocked by policy?", user, since.UTC().Format(time.RFC3339))}
}

// splitAccount reads "COMPUTER\User", ".\User" or "User" and refuses names
// Windows does not allow in local accounts (and so cannot break out of the
// helper's quoting).
func splitAccount(account string) (computer, user string, err error) {
	computer, user = ".", account
	if i := strings.IndexByte(account, '\\'); i >= 0 {
		computer, user = account[:i], account[i+1:]
	}
	bad := func(msg string) (string, string, error) {
		return "", "", &oobkit.Error{Protocol: oobkit.WMI, Op: "SetPassword", Class: oobkit.ErrInvalidArgument,
			Message: fmt.Sprintf("account %q: %s", account, msg)}
	}
	if computer == "" {
		computer = "."
	}
	if computer != "." {
		for _, r := range computer {
			if !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return bad("the computer name may hold only letters, digits, '-' and '_'")
			}
		}
		if len(computer) > 15 {
			return bad("a NetBIOS computer name has at most 15 characters")
		}
	}
	if user == "" || len(user) > 20 || strings.TrimSpace(user) != user {
		return bad("a local user name has 1 to 20 characters and no surrounding spaces")
	}
	// Windows forbids " / \ [ ] : ; | = , + * ? < > in user names; ' $ ` %
	// and control characters are refused too because they mean something
	// to PowerShell or cmd.
	if strings.ContainsAny(user, "\"/\\[]:;|=,+*?<>'$`%@") || strings.IndexFunc(user, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return bad("the user name holds a character Windows does not allow")
	}
	return computer, user, nil
}
