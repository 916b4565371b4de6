package wmi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
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
// ".\User" or "User") without the password ever appearing in a command
// line, a log or an error.
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
// policy, unknown user) is reported, not guessed.
//
// The SOAP body carries the password, and this client does not encrypt
// NTLM messages, so SetLocalPassword refuses a plain-HTTP endpoint unless
// the client was built with [WithAllowUnencrypted]: use TLS (5986).
func (c *Client) SetLocalPassword(ctx context.Context, account string, password oobkit.Secret) error {
	computer, user, err := splitAccount(account)
	if err != nil {
		return err
	}
	if !c.tls && !c.unencrypted {
		return &oobkit.Error{Protocol: oobkit.WMI, Op: "SetPassword", Class: oobkit.ErrInvalidArgument,
			Message: "refusing to send a password over plain HTTP: connect with TLS (5986) or pass WithAllowUnencrypted"}
	}
	if password.IsZero() {
		return &oobkit.Error{Protocol: oobkit.WMI, Op: "SetPassword", Class: oobkit.ErrInvalidArgument, Message: "empty password"}
	}
	var idb [8]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return fmt.Errorf("wmi: random correlation ID: %w", err)
	}
	id := hex.EncodeToString(idb[:])
	cmd := passwordCommand(computer, user, id)
	env := []string{PasswordEnvVar + "=" + password.Reveal(), `SystemRoot=C:\Windows`}
	since := time.Now()
	pid, err := c.create(ctx, cmd, "", env, "password helper for "+user)
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
	events, err := c.Events(ctx, EventQuery{Logs: []string{"Application"}, Source: PasswordEventSource, Max: 50})
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
			if strings.Contains(l, "could not be found") || strings.Contains(l, "password policy") {
				class = oobkit.ErrInvalidArgument
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
