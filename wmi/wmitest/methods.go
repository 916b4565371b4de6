package wmitest

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

func itoa(i int) string { return strconv.Itoa(i) }

func sortedProcesses(m map[uint32]*Process) []*Process {
	out := make([]*Process, 0, len(m))
	for _, p := range m {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out
}

func (c *Computer) sortedUsers() []*User {
	out := make([]*User, 0, len(c.users))
	for _, u := range c.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// startService starts s and, first, the services it depends on, as the
// Service Control Manager does. It returns a Win32_Service return value.
func (c *Computer) startService(s *Service, depth int) uint32 {
	switch {
	case depth > len(c.services):
		return 18 // circular dependency
	case s.MarkedForDeletion:
		return 16
	case s.State == "Running":
		return 10
	case s.StartMode == "Disabled":
		return 14
	}
	for _, dep := range s.DependsOn {
		d, ok := c.services[strings.ToLower(dep)]
		if !ok {
			return 12 // dependency deleted
		}
		if d.State == "Running" {
			continue
		}
		if rv := c.startService(d, depth+1); rv != 0 {
			c.logEvent("System", 1, 7001, "Service Control Manager",
				"The "+s.DisplayName+" service depends on the "+d.DisplayName+" service which failed to start.", "")
			return 13 // dependency failure
		}
	}
	if s.StartFailure != 0 {
		c.logEvent("System", 1, 7000, "Service Control Manager", "The "+s.DisplayName+" service failed to start.", "")
		return s.StartFailure
	}
	exe := strings.Fields(s.PathName)
	p := c.spawn(Process{ExecutablePath: exe[0], CommandLine: s.PathName, ParentPID: c.pidOf("services.exe")})
	s.State, s.PID = "Running", p.PID
	c.logEvent("System", 3, 7036, "Service Control Manager", "The "+s.DisplayName+" service entered the running state.", "")
	return 0
}

// stopService stops s; it refuses while services that depend on it run.
func (c *Computer) stopService(s *Service) uint32 {
	switch {
	case s.MarkedForDeletion:
		return 16
	case s.State != "Running" && s.State != "Paused":
		return 6
	case !s.AcceptStop:
		return 5
	}
	for _, o := range c.services {
		if o.State != "Running" {
			continue
		}
		for _, dep := range o.DependsOn {
			if strings.EqualFold(dep, s.Name) {
				return 3
			}
		}
	}
	delete(c.processes, s.PID)
	s.State, s.PID = "Stopped", 0
	c.logEvent("System", 3, 7036, "Service Control Manager", "The "+s.DisplayName+" service entered the stopped state.", "")
	return 0
}

// changeStartMode applies ChangeStartMode's StartMode argument.
func (c *Computer) changeStartMode(s *Service, mode string) uint32 {
	if s.MarkedForDeletion {
		return 16
	}
	m := map[string]string{"automatic": "Auto", "manual": "Manual", "disabled": "Disabled", "boot": "Boot", "system": "System"}[strings.ToLower(mode)]
	switch m {
	case "":
		return 21
	case "Boot", "System":
		return 21 // only drivers start at boot or system time
	}
	s.StartMode = m
	return 0
}

func (c *Computer) pidOf(name string) uint32 {
	for _, p := range c.processes {
		if strings.EqualFold(p.Name, name) {
			return p.PID
		}
	}
	return 0
}

// systemPrograms can be started by bare name (they are on the search path).
var systemPrograms = map[string]string{
	"notepad.exe": `C:\Windows\System32\notepad.exe`, "cmd.exe": `C:\Windows\System32\cmd.exe`,
	"powershell.exe": `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
	"calc.exe":       `C:\Windows\System32\calc.exe`, "ipconfig.exe": `C:\Windows\System32\ipconfig.exe`,
	"msiexec.exe": `C:\Windows\System32\msiexec.exe`,
}

// programPath splits a command line's program and resolves it.
func programPath(cmdline string) string {
	s := strings.TrimSpace(cmdline)
	if strings.HasPrefix(s, `"`) {
		if i := strings.IndexByte(s[1:], '"'); i >= 0 {
			return s[1 : i+1]
		}
		return s[1:]
	}
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i]
	}
	return s
}

// createProcess is Win32_Process.Create: it returns the return value and
// the new PID.
func (c *Computer) createProcess(cmdline, dir string, env []string, owner string) (uint32, uint32) {
	prog := programPath(cmdline)
	if prog == "" {
		return 21, 0
	}
	low := strings.ToLower(prog)
	exe := ""
	switch {
	case strings.HasPrefix(low, `\\`):
		parts := strings.SplitN(low[2:], `\`, 3)
		if len(parts) < 3 {
			return 9, 0
		}
		readable, ok := c.Shares[`\\`+parts[0]+`\`+parts[1]]
		if !ok {
			return 9, 0
		}
		if !readable {
			return 2, 0
		}
		exe = prog
	default:
		if exe = c.resolveProgram(prog, dir); exe == "" {
			return 9, 0 // "Path not found"
		}
	}
	p := Process{ExecutablePath: exe, CommandLine: cmdline, ParentPID: c.pidOf("services.exe"), Environment: env, Owner: owner}
	lowCmd := strings.ToLower(cmdline)
	if strings.Contains(lowCmd, " /c ") || strings.Contains(lowCmd, " -command ") {
		p.exitAt = c.now().Add(c.HelperRuntime)
	}
	np := c.spawn(p)
	c.logEvent("Security", 4, 4688, "Microsoft-Windows-Security-Auditing",
		"A new process has been created. New Process Name: "+exe+" Process Command Line: "+cmdline, "")
	if strings.HasSuffix(strings.ToLower(exe), `powershell.exe`) {
		c.runPowerShell(cmdline, env, owner)
	}
	return 0, np.PID
}

func isSystemPath(low string) bool {
	for _, p := range systemPrograms {
		if strings.ToLower(p) == low {
			return true
		}
	}
	return false
}

// passwordHelper recognises the ADSI SetPassword helper that package wmi
// runs: the account in the command line, the password in an environment
// variable, the outcome written to the Application log.
var passwordHelper = regexp.MustCompile(`\$id='([0-9a-f]+)'.*\[ADSI\]'WinNT://([^/]+)/([^,']+),user'\)\.SetPassword\(\$env:([A-Za-z_][A-Za-z0-9_]*)\).*WriteEntry\('([^']+)', \('([^ ']+) '`)

// groupHelper recognises the ADSI group-membership helper package wmi
// runs: IADsGroup.Add or Remove through the WinNT provider, outcome to the
// Application log.
var groupHelper = regexp.MustCompile(`\$id='([0-9a-f]+)'.*\[ADSI\]'WinNT://([^/]+)/([^,']+),group'\)\.(Add|Remove)\('WinNT://([^/]+)/([^,']+),user'\).*WriteEntry\('([^']+)', \('([^ ']+) '`)

// runGroupHelper carries out IADsGroup.Add or Remove as Windows does
// (NetLocalGroupAddMembers / DelMembers: administrators only; an unknown
// group or account, a member already there or not there, each with
// Windows' message), reporting like the password helper.
func (c *Computer) runGroupHelper(m []string, owner string) {
	id, computer, group, op, memberComputer, member, source, tag := m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
	report := func(ok bool, msg string) {
		typ, code := 3, uint32(1000)
		if !ok {
			typ, code = 1, 1001
		}
		c.logEvent("Application", typ, code, source, tag+" "+id+" "+group+" "+member+": "+msg, "")
	}
	_, ownerName, _ := strings.Cut(owner, `\`)
	actor := c.users[strings.ToLower(ownerName)]
	g := c.groups[strings.ToLower(group)]
	u := c.users[strings.ToLower(member)]
	local := func(n string) bool { return n == "." || strings.EqualFold(n, c.Name) }
	switch {
	case !local(computer) || !local(memberComputer):
		report(false, "The network path was not found.")
	case actor == nil || !actor.Admin:
		report(false, "Access is denied.")
	case g == nil:
		report(false, "The group name could not be found.")
	case u == nil:
		report(false, "The user name could not be found.")
	case op == "Add":
		if msg := c.addMember(g, u); msg != "" {
			report(false, msg)
			return
		}
		c.logEvent("Security", 4, 4732, "Microsoft-Windows-Security-Auditing",
			"A member was added to a security-enabled local group. Member: "+u.Name+" Group Name: "+g.Name+" Subject Account Name: "+ownerName, "")
		report(true, "member added")
	default:
		if msg := c.removeMember(g, u); msg != "" {
			report(false, msg)
			return
		}
		c.logEvent("Security", 4, 4733, "Microsoft-Windows-Security-Auditing",
			"A member was removed from a security-enabled local group. Member: "+u.Name+" Group Name: "+g.Name+" Subject Account Name: "+ownerName, "")
		report(true, "member removed")
	}
}

// runPowerShell carries out what the simulator understands of a PowerShell
// command line: the password helper. Anything else just runs and exits.
func (c *Computer) runPowerShell(cmdline string, env []string, owner string) {
	if m := groupHelper.FindStringSubmatch(cmdline); m != nil {
		c.runGroupHelper(m, owner)
		return
	}
	m := passwordHelper.FindStringSubmatch(cmdline)
	if m == nil {
		return
	}
	id, computer, user, envVar, source, tag := m[1], m[2], m[3], m[4], m[5], m[6]
	report := func(ok bool, msg string) {
		typ, code := 3, uint32(1000)
		if !ok {
			typ, code = 1, 1001
		}
		c.logEvent("Application", typ, code, source, tag+" "+id+" "+user+": "+msg, "")
	}
	if computer != "." && !strings.EqualFold(computer, c.Name) {
		report(false, "The network path was not found.")
		return
	}
	pw, found := "", false
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.EqualFold(k, envVar) {
			pw, found = v, true
		}
	}
	u, ok := c.users[strings.ToLower(user)]
	_, ownerName, _ := strings.Cut(owner, `\`)
	actor := c.users[strings.ToLower(ownerName)]
	switch {
	case actor == nil || !actor.Admin:
		// Only an administrator may set another account's password
		// (NetUserSetInfo level 1003 needs it).
		report(false, "Access is denied.")
	case !ok:
		report(false, "The user name could not be found.")
	case !found || len(pw) < c.MinPasswordLength:
		report(false, "The password does not meet the password policy requirements. Check the minimum password length, password complexity and password history requirements.")
	default:
		u.Password = pw
		c.resets = append(c.resets, PasswordReset{Account: u.Name, By: owner})
		c.logEvent("Security", 4, 4724, "Microsoft-Windows-Security-Auditing",
			"An attempt was made to reset an account's password. Target Account Name: "+u.Name+" Subject Account Name: "+ownerName, "")
		report(true, "password set")
	}
}

// shutdown is Win32_OperatingSystem.Win32Shutdown. Flags: 0 log off,
// 1 shutdown, 2 reboot, 8 power off, +4 force.
func (c *Computer) shutdown(flags int64, user string) uint32 {
	force := flags&4 != 0
	action := flags &^ 4
	switch action {
	case 0:
		c.logEvent("System", 3, 7002, "Microsoft-Windows-Winlogon", "User Logoff Notification for Customer Experience Improvement Program", "")
		return 0
	case 1, 2, 8:
	default:
		return 87 // ERROR_INVALID_PARAMETER
	}
	kind := map[int64]string{1: "shutdown", 2: "restart", 8: "power off"}[action]
	if !force {
		for _, p := range c.processes {
			if p.UnsavedData {
				// The application asks the user to save; the user keeps
				// working and Windows cancels the shutdown.
				c.logEvent("System", 3, 1073, "User32", "The attempt to "+kind+" "+c.Name+" failed.", user)
				return 0
			}
		}
	}
	c.logEvent("System", 3, 1074, "User32", "The process C:\\Windows\\system32\\wbem\\wmiprvse.exe ("+c.Name+
		") has initiated the "+kind+" of computer "+c.Name+" on behalf of user "+user+".", user)
	c.shutdowns++
	c.off, c.pending = true, nil
	if c.OnShutdown != nil {
		c.OnShutdown(action == 2)
	}
	c.bootAt = time.Time{}
	if action == 2 {
		c.bootAt = c.now().Add(c.BootTime)
	}
	return 0
}

// shutdownTracker is Win32_OperatingSystem.Win32ShutdownTracker: Win32Shutdown
// with a countdown, a message and a reason shown to the logged-on user
// (learn.microsoft.com/windows/win32/cimwin32prov/win32shutdowntracker-method-in-class-win32-operatingsystem).
// With no countdown it is Win32Shutdown at once; otherwise the shutdown
// happens when the computer's clock passes the countdown, and a non-forced
// one may then still be held back by an application with unsaved data.
func (c *Computer) shutdownTracker(timeout uint32, comment string, reason uint32, flags int64, user string) uint32 {
	switch flags &^ 4 {
	case 0, 1, 2, 8:
	default:
		return 87 // ERROR_INVALID_PARAMETER
	}
	if c.pending != nil {
		return 1190 // ERROR_SHUTDOWN_IS_SCHEDULED
	}
	c.notices = append(c.notices, ShutdownNotice{Timeout: time.Duration(timeout) * time.Second, Comment: comment,
		ReasonCode: reason, Flags: flags, User: user, At: c.now()})
	close(c.noticed)
	c.noticed = make(chan struct{})
	if timeout == 0 {
		return c.shutdown(flags, user)
	}
	c.pending = &pendingShutdown{at: c.now().Add(time.Duration(timeout) * time.Second), flags: flags, user: user}
	return 0
}
