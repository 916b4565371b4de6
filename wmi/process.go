package wmi

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// Process is one running process (Win32_Process).
type Process struct {
	PID            uint32 // ProcessId
	ParentPID      uint32 // ParentProcessId (the parent may have exited)
	Name           string // image name, "notepad.exe"
	ExecutablePath string // full path of the image
	// CommandLine is empty for processes the account may not inspect.
	CommandLine     string
	Created         time.Time // CreationDate
	Threads         uint32    // ThreadCount
	WorkingSetBytes uint64    // WorkingSetSize
	SessionID       uint32    // 0 for services, the logon session for user processes
}

// decodeProcess reads a Win32_Process instance.
func decodeProcess(in *wsman.Instance) Process {
	return Process{
		PID:             uint32(uintProp(in, "ProcessId")),
		ParentPID:       uint32(uintProp(in, "ParentProcessId")),
		Name:            text(in, "Name"),
		ExecutablePath:  text(in, "ExecutablePath"),
		CommandLine:     text(in, "CommandLine"),
		Created:         timeProp(in, "CreationDate"),
		Threads:         uint32(uintProp(in, "ThreadCount")),
		WorkingSetBytes: uintProp(in, "WorkingSetSize"),
		SessionID:       uint32(uintProp(in, "SessionId")),
	}
}

// Processes lists the running processes.
func (c *Client) Processes(ctx context.Context) ([]Process, error) {
	items, err := c.enumerate(ctx, "Win32_Process")
	if err != nil {
		return nil, err
	}
	out := make([]Process, 0, len(items))
	for _, it := range items {
		out = append(out, decodeProcess(it))
	}
	return out, nil
}

// StartOptions describe a process to start.
type StartOptions struct {
	// CommandLine is what to run: "notepad.exe", "C:\Tools\x.exe /q" or a
	// UNC path "\\server\share\setup.exe /s". A program outside the system
	// search path needs its full path. A UNC path is opened with the
	// computer's network identity (there is no credential delegation over
	// WinRM), so the share must grant the computer account read access.
	CommandLine string
	// Directory is the working directory (empty: the WMI provider's).
	Directory string
}

// StartProcess starts a process with Win32_Process.Create and returns its
// PID. Windows does not let WMI start interactive processes remotely: the
// process runs hidden, in session 0.
func (c *Client) StartProcess(ctx context.Context, opts StartOptions) (uint32, error) {
	if strings.TrimSpace(opts.CommandLine) == "" || strings.ContainsRune(opts.CommandLine, 0) {
		return 0, &oobkit.Error{Protocol: oobkit.WMI, Op: "Create", Class: oobkit.ErrInvalidArgument, Message: "empty command line"}
	}
	return c.create(ctx, opts.CommandLine, opts.Directory, nil, program(opts.CommandLine))
}

// create invokes Win32_Process.Create. env, when set, travels in a
// Win32_ProcessStartup embedded instance (EnvironmentVariables), never in
// the command line. subject names the process in errors.
func (c *Client) create(ctx context.Context, cmdline, dir string, env []string, subject string) (uint32, error) {
	return c.createWith(ctx, c.ws, cmdline, dir, env, subject)
}

// createWith invokes Win32_Process.Create through session ws: the process
// runs as the account ws authenticated.
func (c *Client) createWith(ctx context.Context, ws *wsman.Client, cmdline, dir string, env []string, subject string) (uint32, error) {
	res := uri("Win32_Process")
	body := etree.NewElement("p:Create_INPUT")
	body.CreateAttr("xmlns:p", res)
	body.CreateElement("p:CommandLine").SetText(cmdline)
	if dir != "" {
		body.CreateElement("p:CurrentDirectory").SetText(dir)
	}
	if len(env) > 0 {
		st := body.CreateElement("p:ProcessStartupInformation")
		st.CreateAttr("xmlns:xsi", wsman.NSXSI)
		st.CreateAttr("xmlns:q", uri("Win32_ProcessStartup"))
		st.CreateAttr("xsi:type", "q:Win32_ProcessStartup_Type")
		for _, e := range env {
			st.CreateElement("q:EnvironmentVariables").SetText(e)
		}
		st.CreateElement("q:ShowWindow").SetText("0") // SW_HIDE
	}
	env2, err := ws.Do(ctx, &wsman.Message{Action: res + "/Create", ResourceURI: res, Body: body})
	if err != nil {
		return 0, explain(err)
	}
	out := env2.Content()
	if out == nil || out.Tag != "Create_OUTPUT" {
		return 0, &oobkit.Error{Protocol: oobkit.WMI, Op: "Create", Class: oobkit.ErrProtocol, Message: "response has no Create_OUTPUT"}
	}
	in := wsman.ParseInstance(out)
	rv, ok := in.ReturnValue()
	if !ok {
		return 0, &oobkit.Error{Protocol: oobkit.WMI, Op: "Create", Class: oobkit.ErrProtocol, Message: "Create_OUTPUT has no ReturnValue"}
	}
	if err := processError("Create", subject, rv); err != nil {
		return 0, err
	}
	pid, err := strconv.ParseUint(text(in, "ProcessId"), 10, 32)
	if err != nil {
		return 0, &oobkit.Error{Protocol: oobkit.WMI, Op: "Create", Class: oobkit.ErrProtocol, Message: "Create_OUTPUT has no ProcessId"}
	}
	return uint32(pid), nil
}

// program returns the first word of a command line (quoted or not), for
// error messages that must not repeat arguments.
func program(cmdline string) string {
	s := strings.TrimSpace(cmdline)
	if strings.HasPrefix(s, `"`) {
		if i := strings.IndexByte(s[1:], '"'); i >= 0 {
			return s[1 : i+1]
		}
	}
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i]
	}
	return s
}

// TerminateProcess ends the process with pid (Win32_Process.Terminate,
// exit code 1). A PID that no longer exists is an error wrapping
// oobkit.ErrInvalidArgument.
func (c *Client) TerminateProcess(ctx context.Context, pid uint32) error {
	in := wsman.MethodInput(uri("Win32_Process"), "Terminate").SetInt("Reason", 1)
	_, rv, err := c.invoke(ctx, "Win32_Process", "Terminate", wsman.Sel("Handle", strconv.FormatUint(uint64(pid), 10)), in)
	if err != nil {
		if isNotFound(err) {
			return &oobkit.Error{Protocol: oobkit.WMI, Op: "Terminate", Class: oobkit.ErrInvalidArgument,
				Message: fmt.Sprintf("no process with PID %d", pid), Err: err}
		}
		return err
	}
	return processError("Terminate", fmt.Sprintf("PID %d", pid), rv)
}

// TerminateProcesses ends every process whose image name is name
// ("notepad.exe", case-insensitive) and returns how many it ended. No
// matching process is not an error (0 is returned); the first failure stops
// the loop and is returned with the count so far.
func (c *Client) TerminateProcesses(ctx context.Context, name string) (int, error) {
	if strings.TrimSpace(name) == "" {
		return 0, &oobkit.Error{Protocol: oobkit.WMI, Op: "Terminate", Class: oobkit.ErrInvalidArgument, Message: "empty process name"}
	}
	items, err := c.query(ctx, "SELECT * FROM Win32_Process WHERE Name = "+quoteWQL(name), 0)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, it := range items {
		p := decodeProcess(it)
		if err := c.TerminateProcess(ctx, p.PID); err != nil {
			if isNotFound(err) {
				continue // it ended on its own meanwhile
			}
			return n, err
		}
		n++
	}
	return n, nil
}

// waitProcessExit polls until the process with pid is gone or ctx ends.
func (c *Client) waitProcessExit(ctx context.Context, pid uint32) error {
	for {
		items, err := c.query(ctx, fmt.Sprintf("SELECT * FROM Win32_Process WHERE ProcessId = %d", pid), 1)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		if err := c.wait(ctx); err != nil {
			return err
		}
	}
}
