package wmitest

import "strings"

// resolveProgram finds the executable a command line's first token names,
// as CreateProcess does for Win32_Process.Create (which starts the process
// with CreateProcess). From the documentation of CreateProcessW's
// lpCommandLine
// (https://learn.microsoft.com/windows/win32/api/processthreadsapi/nf-processthreadsapi-createprocessw):
// "If the file name does not contain an extension, .exe is appended. ...
// If the file name ends in a period (.) with no extension, or if the file
// name contains a path, .exe is not appended. If the file name does not
// contain a directory path, the system searches for the executable file in
// the following sequence": the application's directory, the current
// directory, the 32-bit system directory, the 16-bit system directory, the
// Windows directory, then PATH. Here: the current directory dir (when
// given), C:\Windows\System32, C:\Windows\System, C:\Windows, and the
// default system PATH entries. The result is the executable's path as the
// computer knows it, or "" when none exists.
func (c *Computer) resolveProgram(prog, dir string) string {
	low := strings.ToLower(prog)
	if strings.ContainsAny(low, `\/`) || (len(low) >= 2 && low[1] == ':') {
		if c.Files[low] || isSystemPath(low) {
			return prog
		}
		return ""
	}
	name := low
	switch {
	case strings.HasSuffix(name, "."):
		name = strings.TrimSuffix(name, ".")
	case !strings.Contains(name, "."):
		name += ".exe"
	}
	var dirs []string
	if dir != "" {
		dirs = append(dirs, strings.TrimRight(strings.ToLower(dir), `\`))
	}
	dirs = append(dirs, `c:\windows\system32`, `c:\windows\system`, `c:\windows`,
		`c:\windows\system32\wbem`, `c:\windows\system32\windowspowershell\v1.0`)
	for _, d := range dirs {
		p := d + `\` + name
		if c.Files[p] {
			return p
		}
		for _, sys := range systemPrograms {
			if strings.EqualFold(sys, p) {
				return sys
			}
		}
	}
	return ""
}
