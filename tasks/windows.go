package tasks

import (
	"context"
	"fmt"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/wmi"
)

// The in-band Windows tasks (local password, process, service) run through
// WMI over WinRM; package wmi's Client implements the interfaces below.

// PasswordResetter is what a client needs for a [LocalPasswordTask].
type PasswordResetter interface {
	ResetPassword(ctx context.Context, r wmi.PasswordReset) error
}

// ProcessManager is what a client needs for a [ProcessTask].
type ProcessManager interface {
	StartProcess(ctx context.Context, opts wmi.StartOptions) (uint32, error)
	TerminateProcesses(ctx context.Context, name string) (int, error)
	Processes(ctx context.Context) ([]wmi.Process, error)
}

// ServiceManager is what a client needs for a [ServiceTask].
type ServiceManager interface {
	Service(ctx context.Context, name string) (wmi.Service, error)
	StartService(ctx context.Context, name string) error
	StopService(ctx context.Context, name string) error
	RestartService(ctx context.Context, name string) error
	SetStartMode(ctx context.Context, name string, mode wmi.StartMode) error
}

func invalidTask(kind, format string, a ...any) error {
	return fmt.Errorf("%w: %s: %s", oobkit.ErrInvalidArgument, kind, fmt.Sprintf(format, a...))
}

// runWMI runs fn with the target's WMI client as a T.
func runWMI[T any](ctx context.Context, env *Env, what string, fn func(T) error) error {
	_, err := env.First(ctx, env.Only(oobkit.WMI), func(c oobkit.Client) error {
		v, err := Capability[T](c, what)
		if err != nil {
			return err
		}
		return fn(v)
	})
	return err
}

// LocalPasswordTask resets the password of a local Windows account (the
// RTSM "Password Management" task): the account as COMPUTER\User, the new
// password typed twice, and the administrative user with permission to
// manage the account, who need not be the connection credential (see
// [wmi.PasswordReset]). No password is ever part of the job's JSON, a log
// or a report; each comes from a program (the Secret fields) or from an
// environment variable of the process running the task (the Env fields).
type LocalPasswordTask struct {
	// Account is "COMPUTER\User" (".\User" and "User" name the computer
	// itself).
	Account string `json:"account"`
	// Password is the new password, for programs.
	Password oobkit.Secret `json:"-"`
	// PasswordEnv names an environment variable holding the new password.
	PasswordEnv string `json:"passwordEnv,omitempty"`
	// Confirm is the new password typed again, for programs.
	Confirm oobkit.Secret `json:"-"`
	// ConfirmEnv names an environment variable holding the confirmation.
	ConfirmEnv string `json:"confirmEnv,omitempty"`
	// AdminUser is the administrative user that manages the account
	// ("PC42\helpdesk"); empty: the connection credential acts.
	AdminUser string `json:"adminUser,omitempty"`
	// AdminPassword is AdminUser's password, for programs.
	AdminPassword oobkit.Secret `json:"-"`
	// AdminPasswordEnv names an environment variable holding AdminUser's
	// password.
	AdminPasswordEnv string `json:"adminPasswordEnv,omitempty"`
}

// LocalPasswordOutput is what a [LocalPasswordTask] returns.
type LocalPasswordOutput struct {
	Account string `json:"account"`
	// ResetBy is the account whose rights reset the password: AdminUser,
	// or empty when the connection credential acted.
	ResetBy string `json:"resetBy,omitempty"`
}

// Kind returns "password".
func (t *LocalPasswordTask) Kind() string { return "password" }

// Validate checks that an account, a source of the new password and of its
// confirmation, and a source of the administrative password (when an
// administrative user is named) are given.
func (t *LocalPasswordTask) Validate() error {
	switch {
	case t.Account == "":
		return invalidTask("password", "no account")
	case t.Password.IsZero() && t.PasswordEnv == "":
		return invalidTask("password", "set the password or passwordEnv")
	case t.Confirm.IsZero() && t.ConfirmEnv == "":
		return invalidTask("password", "confirm the new password: set confirm or confirmEnv")
	case t.AdminUser != "" && t.AdminPassword.IsZero() && t.AdminPasswordEnv == "":
		return invalidTask("password", "administrative user %s: set adminPassword or adminPasswordEnv", t.AdminUser)
	case t.AdminUser == "" && (!t.AdminPassword.IsZero() || t.AdminPasswordEnv != ""):
		return invalidTask("password", "an administrative password without adminUser")
	}
	return nil
}

// reset reads the task's secrets and checks the reset as a whole (the
// confirmation matches), before anything is sent.
func (t *LocalPasswordTask) reset() (wmi.PasswordReset, error) {
	r := wmi.PasswordReset{Account: t.Account, AdminUser: t.AdminUser}
	var err error
	if r.NewPassword, err = secretInput(t.Password, t.PasswordEnv, "new password"); err != nil {
		return r, err
	}
	if r.Confirm, err = secretInput(t.Confirm, t.ConfirmEnv, "password confirmation"); err != nil {
		return r, err
	}
	if t.AdminUser != "" {
		if r.AdminPassword, err = secretInput(t.AdminPassword, t.AdminPasswordEnv, "administrative password"); err != nil {
			return r, err
		}
	}
	return r, r.Validate()
}

// Run checks the reset, then sets the password through WMI.
func (t *LocalPasswordTask) Run(ctx context.Context, env *Env) (any, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	r, err := t.reset()
	if err != nil {
		return nil, err
	}
	err = runWMI(ctx, env, "local password reset", func(s PasswordResetter) error {
		return s.ResetPassword(ctx, r)
	})
	return &LocalPasswordOutput{Account: t.Account, ResetBy: t.AdminUser}, err
}

// Process actions of a [ProcessTask].
const (
	ProcessStart     = "start"
	ProcessTerminate = "terminate"
	ProcessList      = "list"
)

// ProcessTask starts a process, terminates every process of an image name,
// or lists processes on a Windows computer (the RTSM "Manage process").
type ProcessTask struct {
	// Action is start, terminate or list.
	Action string `json:"action"`
	// CommandLine and Directory describe the process to start.
	CommandLine string `json:"commandLine,omitempty"`
	Directory   string `json:"directory,omitempty"`
	// Name is the image name to terminate ("notepad.exe") or, for list, to
	// keep (case-insensitive; empty lists all).
	Name string `json:"name,omitempty"`
}

// ProcessOutput is what a [ProcessTask] returns.
type ProcessOutput struct {
	// PID of the started process.
	PID uint32 `json:"pid,omitempty"`
	// Terminated counts the processes ended.
	Terminated int `json:"terminated,omitempty"`
	// Processes are the processes listed.
	Processes []wmi.Process `json:"processes,omitempty"`
}

// Kind returns "process".
func (t *ProcessTask) Kind() string { return "process" }

// Validate checks the action and its arguments.
func (t *ProcessTask) Validate() error {
	switch t.Action {
	case ProcessStart:
		if t.CommandLine == "" {
			return invalidTask("process", "start needs commandLine")
		}
	case ProcessTerminate:
		if t.Name == "" {
			return invalidTask("process", "terminate needs name")
		}
	case ProcessList:
	default:
		return invalidTask("process", "unknown action %q (want start, terminate or list)", t.Action)
	}
	return nil
}

// Run does the action through WMI.
func (t *ProcessTask) Run(ctx context.Context, env *Env) (any, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	out := &ProcessOutput{}
	err := runWMI(ctx, env, "process management", func(m ProcessManager) error {
		var err error
		switch t.Action {
		case ProcessStart:
			out.PID, err = m.StartProcess(ctx, wmi.StartOptions{CommandLine: t.CommandLine, Directory: t.Directory})
		case ProcessTerminate:
			out.Terminated, err = m.TerminateProcesses(ctx, t.Name)
		case ProcessList:
			var all []wmi.Process
			all, err = m.Processes(ctx)
			for _, p := range all {
				if t.Name == "" || strings.EqualFold(p.Name, t.Name) {
					out.Processes = append(out.Processes, p)
				}
			}
		}
		return err
	})
	return out, err
}

// Service actions of a [ServiceTask].
const (
	ServiceQuery     = "query"
	ServiceStart     = "start"
	ServiceStop      = "stop"
	ServiceRestart   = "restart"
	ServiceStartMode = "start-mode"
)

// ServiceTask queries, starts, stops or restarts a Windows service, or
// changes its start mode (the RTSM "Manage service").
type ServiceTask struct {
	// Action is query, start, stop, restart or start-mode.
	Action string `json:"action"`
	// Name is the service's name ("Spooler").
	Name string `json:"name"`
	// StartMode is the new start mode for start-mode: Automatic, Manual or
	// Disabled.
	StartMode wmi.StartMode `json:"startMode,omitempty"`
}

// ServiceOutput is what a [ServiceTask] returns: the service as read after
// the action.
type ServiceOutput struct {
	Service wmi.Service `json:"service"`
}

// Kind returns "service".
func (t *ServiceTask) Kind() string { return "service" }

// Validate checks the action and its arguments.
func (t *ServiceTask) Validate() error {
	if t.Name == "" {
		return invalidTask("service", "no name")
	}
	switch t.Action {
	case ServiceQuery, ServiceStart, ServiceStop, ServiceRestart:
	case ServiceStartMode:
		switch t.StartMode {
		case wmi.StartAutomatic, wmi.StartManual, wmi.StartDisabled:
		default:
			return invalidTask("service", "start mode %q (want Automatic, Manual or Disabled)", t.StartMode)
		}
	default:
		return invalidTask("service", "unknown action %q (want query, start, stop, restart or start-mode)", t.Action)
	}
	return nil
}

// Run does the action through WMI and reads the service back.
func (t *ServiceTask) Run(ctx context.Context, env *Env) (any, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	out := &ServiceOutput{}
	err := runWMI(ctx, env, "service management", func(m ServiceManager) error {
		var err error
		switch t.Action {
		case ServiceStart:
			err = m.StartService(ctx, t.Name)
		case ServiceStop:
			err = m.StopService(ctx, t.Name)
		case ServiceRestart:
			err = m.RestartService(ctx, t.Name)
		case ServiceStartMode:
			err = m.SetStartMode(ctx, t.Name, t.StartMode)
		}
		if err != nil {
			return err
		}
		out.Service, err = m.Service(ctx, t.Name)
		return err
	})
	return out, err
}
