package wmi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/wmi"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

// TestStartProcessSearchPath: the simulator finds the program of a command
// line as CreateProcess does
// (https://learn.microsoft.com/windows/win32/api/processthreadsapi/nf-processthreadsapi-createprocessw,
// lpCommandLine): "If the file name does not contain an extension, .exe is
// appended. ... If the file name ends in a period (.) with no extension, or
// if the file name contains a path, .exe is not appended. If the file name
// does not contain a directory path, the system searches for the
// executable file" (the current directory, then the system directories).
func TestStartProcessSearchPath(t *testing.T) {
	pc := newComputer(t, false)
	pc.Do(func(c *wmitest.Computer) { c.Files[`c:\tools\agent.exe`] = true })
	c := ntlmClient(t, pc)
	exe := func(pid uint32) string {
		for _, p := range pc.Processes() {
			if p.PID == pid {
				return p.ExecutablePath
			}
		}
		return ""
	}
	for _, tc := range []struct{ cmdline, dir, want string }{
		{"cmd /c echo hi", "", `C:\Windows\System32\cmd.exe`},
		{"CMD.EXE /c ver", "", `C:\Windows\System32\cmd.exe`},
		{"notepad", "", `C:\Windows\System32\notepad.exe`},
		{"agent /install", `C:\tools`, `c:\tools\agent.exe`},
	} {
		pid, err := c.StartProcess(ctx(t), wmi.StartOptions{CommandLine: tc.cmdline, Directory: tc.dir})
		require.NoError(t, err, tc.cmdline)
		assert.Equal(t, tc.want, exe(pid), tc.cmdline)
	}
	for _, cmdline := range []string{`C:\Windows\System32\cmd /c ver`, "cmd. /c ver", "agent /install"} {
		_, err := c.StartProcess(ctx(t), wmi.StartOptions{CommandLine: cmdline})
		require.ErrorIs(t, err, oobkit.ErrInvalidArgument, "%s: a path gets no .exe, a trailing period none, and agent.exe is not on the search path", cmdline)
	}
}
