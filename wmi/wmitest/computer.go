package wmitest

import (
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsmantest"
	"github.com/oobkit/oobkit/wsmansim"
)

// Process is a simulated running process.
type Process struct {
	PID, ParentPID uint32
	Name           string
	ExecutablePath string
	CommandLine    string
	Created        time.Time
	// UnsavedData makes the process hold back a non-forced shutdown, like
	// an editor asking the user to save.
	UnsavedData bool
	// Environment is what Win32_ProcessStartup.EnvironmentVariables gave
	// the process. Windows does not publish it through WMI; neither does
	// the simulator.
	Environment []string
	// Owner is the account that started the process ("PC42\\Administrator"):
	// the WinRM user a Win32_Process.Create ran as, which is whose rights
	// the process has (Win32_Process.GetOwner).
	Owner  string
	exitAt time.Time // zero: runs until terminated
}

// Service is a simulated Windows service.
type Service struct {
	Name, DisplayName string
	// State is "Running", "Stopped" or "Paused".
	State string
	// StartMode is "Auto", "Manual", "Disabled", "Boot" or "System".
	StartMode  string
	PathName   string
	StartName  string
	AcceptStop bool
	// DependsOn lists services that must run before this one.
	DependsOn []string
	// StartFailure, when non-zero, is the Win32_Service return value every
	// StartService answers (e.g. 15, logon failed; 9, path not found).
	StartFailure uint32
	// MarkedForDeletion makes every control answer 16.
	MarkedForDeletion bool
	PID               uint32
}

// User is a local account.
type User struct {
	Name     string
	Password string
	// Admin: member of the local Administrators group.
	Admin bool
	// Builtin marks the built-in Administrator (RID 500), which UAC remote
	// restrictions do not filter.
	Builtin  bool
	Disabled bool
}

// Event is one event-log record.
type Event struct {
	Log     string
	Record  uint32
	Time    time.Time
	Type    int // 1 error, 2 warning, 3 information, 4 audit success, 5 audit failure
	Code    uint32
	Source  string
	Message string
	User    string
}

// Computer is a simulated Windows computer answering WMI over WinRM. It is
// an http.Handler; [Computer.Start] gives it its own loopback listener, and
// a wsmansim.Host serves many on one. All state is guarded by one mutex;
// exported fields may be changed before the first request, or under
// [Computer.Do] afterwards.
type Computer struct {
	// Name is the NetBIOS computer name ("PC42").
	Name string
	// Domain is the workgroup or domain name.
	Domain string
	// AllowBasic and AllowNTLM say which authentication WinRM offers
	// (WinRM's Auth/Basic and Auth/Negotiate settings).
	AllowBasic, AllowNTLM bool
	// LocalAccountTokenFilterPolicy, when false (the Windows default), makes
	// UAC filter remote logons of local administrators other than the
	// built-in Administrator: WinRM answers them "access denied".
	LocalAccountTokenFilterPolicy bool
	// MinPasswordLength is the local password policy.
	MinPasswordLength int
	// Files lists local executables (lower-case full paths) besides the
	// system ones; Shares maps "\\server\share" (lower case) to whether the
	// computer account may read it.
	Files  map[string]bool
	Shares map[string]bool
	// BootTime is how long a reboot keeps the computer silent.
	BootTime time.Duration
	// HelperRuntime is how long a "cmd /c" or PowerShell -Command process
	// runs before it exits.
	HelperRuntime time.Duration
	// Hardware describes the inventory.
	Hardware Hardware
	// Missing lists WMI classes this computer lacks (e.g.
	// "Win32_PhysicalMemory" on a VM whose WMI provider is broken):
	// enumerating or querying one answers a fault as WinRM does for a
	// class WMI does not know (see lacks).
	Missing []string
	// OnShutdown, when set, is called as Windows goes down (a shutdown or
	// power off, reboot false) or restarts (reboot true), with the
	// computer's lock held: tests wire it to an out-of-band simulator of the
	// same computer (an amttest device entering S5). It must not call the
	// Computer's methods.
	OnShutdown func(reboot bool)

	mu        sync.Mutex
	srv       *wsmantest.Server
	skew      time.Duration // added to the wall clock by Advance
	processes map[uint32]*Process
	services  map[string]*Service
	users     map[string]*User
	logs      map[string][]*Event
	records   map[string]uint32
	nextPID   uint32
	lastBoot  time.Time
	off       bool
	bootAt    time.Time
	ntlm      ntlmState
	shutdowns int
	listener  *listener
	dc        bool
	resets    []PasswordReset
	notices   []ShutdownNotice
	noticed   chan struct{} // closed and replaced on every notice
	pending   *pendingShutdown
	printers  map[string]*Printer
	jobs      map[uint32]*PrintJob
	groups    map[string]*Group
	registry  map[string][]RegistryValue

	// krb, when set by EnableKerberos, accepts domain users' Kerberos tickets.
	krb *krbState
}

// ShutdownNotice is what Win32_OperatingSystem.Win32ShutdownTracker showed
// the logged-on user: the countdown, the message and the reason, with the
// flags of the shutdown that follows.
type ShutdownNotice struct {
	// Timeout is the countdown before the shutdown.
	Timeout time.Duration
	// Comment is the message shown to the user.
	Comment string
	// ReasonCode is the shutdown reason (SHTDN_REASON_* flags).
	ReasonCode uint32
	// Flags are the Win32Shutdown flags of the shutdown that follows.
	Flags int64
	// User is the account that asked ("PC42\\Administrator").
	User string
	// At is when the notice was shown (the computer's clock).
	At time.Time
}

// pendingShutdown is a shutdown waiting for its countdown.
type pendingShutdown struct {
	at    time.Time
	flags int64
	user  string
}

// PasswordReset records one password the password helper set: whose, and
// which account the helper ran as (the account whose rights reset it).
type PasswordReset struct {
	// Account is the local account whose password changed.
	Account string
	// By is the account the helper process ran as ("PC42\\helpdesk").
	By string
}

// Standard and domain-controller event logs, as Win32_NTLogEvent.Logfile
// spells them.
var (
	standardLogs = []string{"Application", "Security", "System"}
	dcLogs       = []string{"Directory Service", "DNS Server", "File Replication Service"}
)

// PromoteToDomainController makes the computer a domain controller of
// domain (Win32_ComputerSystem.DomainRole 5, primary domain controller): it
// gains the Directory Service, DNS Server and File Replication Service logs,
// each holding an information, a warning and an error record, as a DC's
// logs do after a boot with a replication hiccup. A workstation has none of
// these logs.
func (c *Computer) PromoteToDomainController(domain string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dc, c.Domain = true, domain
	type seed struct {
		log    string
		typ    int
		code   uint32
		source string
		msg    string
	}
	for _, e := range []seed{
		{"Directory Service", 3, 1000, "NTDS General", "Microsoft Active Directory Domain Services startup complete."},
		{"Directory Service", 2, 2886, "NTDS LDAP", "The security of this directory server can be significantly enhanced by configuring the server to reject SASL LDAP binds that do not request signing."},
		{"Directory Service", 1, 1311, "NTDS KCC", "The Knowledge Consistency Checker (KCC) has detected problems with the following directory partition."},
		{"DNS Server", 3, 2, "Microsoft-Windows-DNS-Server-Service", "The DNS server has started."},
		{"DNS Server", 2, 4013, "Microsoft-Windows-DNS-Server-Service", "The DNS server is waiting for Active Directory Domain Services (AD DS) to signal that the initial synchronization of the directory has been completed."},
		{"DNS Server", 1, 4000, "Microsoft-Windows-DNS-Server-Service", "The DNS server was unable to open Active Directory."},
		{"File Replication Service", 3, 13516, "NtFrs", "The File Replication Service is no longer preventing the computer from becoming a domain controller."},
		{"File Replication Service", 2, 13508, "NtFrs", "The File Replication Service is having trouble enabling replication."},
		{"File Replication Service", 1, 13568, "NtFrs", "The File Replication Service has detected that the replica set is in JRNL_WRAP_ERROR."},
	} {
		c.logEvent(e.log, e.typ, e.code, e.source, e.msg, "")
	}
}

// IsDomainController reports whether PromoteToDomainController was called.
func (c *Computer) IsDomainController() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dc
}

// PasswordResets returns the passwords the password helper set, oldest
// first.
func (c *Computer) PasswordResets() []PasswordReset {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]PasswordReset(nil), c.resets...)
}

// logNames lists the event logs the computer has; call with c.mu held.
func (c *Computer) logNames() []string {
	if c.dc {
		return append(append([]string(nil), standardLogs...), dcLogs...)
	}
	return standardLogs
}

// NewComputer returns a running computer described by cfg (default "PC42")
// in workgroup "WORKGROUP" with the built-in Administrator (password
// cfg.AdminPassword, default DefaultAdminPassword), a second local
// administrator "helpdesk" (same password; filtered by UAC remote
// restrictions), a standard user "alice", system processes, a set of
// services with dependencies, and event logs. Both basic and NTLM
// authentication are offered. It is not yet serving: it is the computer
// to customise (users, policy, domain) before Start or StartTLS, or to
// serve with many others on one wsmansim.Host (Server); NewServer builds
// and starts one in a single call. (cfg.TLS is NewServer's: a Computer is
// served over TLS by StartTLS.)
func NewComputer(cfg Config) *Computer {
	if cfg.AdminPassword == "" {
		cfg.AdminPassword = DefaultAdminPassword
	}
	c := &Computer{
		Name: "PC42", Domain: "WORKGROUP", AllowBasic: true, AllowNTLM: true,
		MinPasswordLength: 8, Files: map[string]bool{}, Shares: map[string]bool{},
		BootTime: 200 * time.Millisecond, HelperRuntime: 20 * time.Millisecond, Hardware: DefaultHardware(),
		processes: map[uint32]*Process{}, services: map[string]*Service{},
		users: map[string]*User{}, logs: map[string][]*Event{}, records: map[string]uint32{}, nextPID: 1000,
		noticed: make(chan struct{}),
	}
	c.initManaged()
	c.AddUser(User{Name: "Administrator", Password: cfg.AdminPassword, Admin: true, Builtin: true})
	c.AddUser(User{Name: "helpdesk", Password: cfg.AdminPassword, Admin: true})
	c.AddUser(User{Name: "alice", Password: "Alice-Passw0rd"})
	for _, s := range defaultServices() {
		c.services[strings.ToLower(s.Name)] = s
	}
	c.srv = wsmantest.New("", "")
	c.srv.Mode = wsmantest.AuthCustom
	c.srv.Authenticator = c.authenticate
	c.srv.FaultStatus = 500 // WinRM answers faults with HTTP 500
	c.routes()
	c.mu.Lock()
	c.boot()
	c.mu.Unlock()
	if cfg.Name != "" {
		c.Name = cfg.Name
	}
	if cfg.Power != oobkit.PowerUnknown && !cfg.Power.IsOn() {
		c.PowerOff()
	}
	return c
}

// Server returns the computer's WS-Management device: an http.Handler
// (for a wsmansim.Host) with fault injection (SetFaults) and counters.
func (c *Computer) Server() wsmansim.Device { return c.srv }

// Faults are the transport faults a computer can inject (latency, a dropped
// or malformed answer, an oversize body, a wrong-auth storm, busy),
// optionally only for some actions or a number of requests. It is the
// shared WS-Management simulator's type, named here so code outside this
// module can use it.
type Faults = wsmansim.Faults

// Counters are the requests, 401 challenges and TCP connections the
// computer saw.
type Counters = wsmansim.Counters

// SetFaults injects transport faults into the next requests.
func (c *Computer) SetFaults(f Faults) { c.srv.SetFaults(f) }

// Counters returns what the computer has seen so far.
func (c *Computer) Counters() Counters { return c.srv.Counters() }

// Do runs f with the computer's state locked, for tests that change it.
func (c *Computer) Do(f func(c *Computer)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(c)
}

// Advance moves the computer's clock forward by d, as if d had passed: a
// reboot whose BootTime has elapsed completes, helper processes past their
// runtime exit, and new events and processes carry the later time. Tests use
// it instead of sleeping.
func (c *Computer) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.skew += d
	c.tick()
}

// now is the computer's clock: the wall clock plus what Advance added.
func (c *Computer) now() time.Time { return time.Now().Add(c.skew) }

// AddUser adds or replaces a local account.
func (c *Computer) AddUser(u User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp := u
	low := strings.ToLower(u.Name)
	if _, replaced := c.users[low]; !replaced && !u.Builtin {
		// A new local account joins Users, as "net user /add" and the
		// Local Users and Groups console do.
		if g := c.groups["users"]; g != nil {
			g.members = append(g.members, low)
		}
	}
	c.users[low] = &cp
}

// Password returns a local account's current password (for tests that
// check a reset), and whether the account exists.
func (c *Computer) Password(user string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, ok := c.users[strings.ToLower(user)]
	if !ok {
		return "", false
	}
	return u.Password, true
}

// AddService adds or replaces a service.
func (c *Computer) AddService(s Service) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp := s
	c.services[strings.ToLower(s.Name)] = &cp
}

// ServiceState returns a service's state and start mode.
func (c *Computer) ServiceState(name string) (state, startMode string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.services[strings.ToLower(name)]
	if !ok {
		return "", "", false
	}
	return s.State, s.StartMode, true
}

// StartProcess starts a process directly (as a logged-on user would) and
// returns its PID.
func (c *Computer) StartProcess(p Process) uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.spawn(p).PID
}

// Processes returns a copy of the running processes, by PID.
func (c *Computer) Processes() []Process {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reap()
	out := make([]Process, 0, len(c.processes))
	for _, p := range c.processes {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out
}

// Events returns a copy of one log's records, newest first.
func (c *Computer) Events(log string) []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Event
	for _, e := range c.logsNewestFirst(log) {
		out = append(out, *e)
	}
	return out
}

// LogEvent appends a record to a log (Application, System, Security, or on
// a domain controller Directory Service, DNS Server, File Replication
// Service). A record for a log the computer does not have is kept but never
// served, as Windows cannot write to a log that does not exist.
func (c *Computer) LogEvent(e Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.logEvent(e.Log, e.Type, e.Code, e.Source, e.Message, e.User)
}

// IsOn reports whether Windows is running (not shut down, not rebooting).
func (c *Computer) IsOn() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tick()
	return !c.off
}

// Shutdowns counts the shutdowns and reboots Windows has carried out.
func (c *Computer) Shutdowns() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.shutdowns
}

// Notices returns what Win32ShutdownTracker showed the user, oldest first.
func (c *Computer) Notices() []ShutdownNotice {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]ShutdownNotice(nil), c.notices...)
}

// NoticeShown returns a channel closed when the next Win32ShutdownTracker
// notice is shown, so a test can wait for it (then move the clock past the
// countdown with [Computer.Advance]) without sleeping.
func (c *Computer) NoticeShown() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.noticed
}

// PowerOff cuts the power under Windows, as an out-of-band hard power off
// does: no shutdown, no events; Windows stops answering until PowerOn.
func (c *Computer) PowerOff() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off, c.bootAt, c.pending = true, time.Time{}, nil
}

// PowerOn boots a computer that was shut down (as an out-of-band power-on
// would).
func (c *Computer) PowerOn() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.off {
		c.boot()
	}
}

// boot starts Windows: system processes, automatic services, boot events.
func (c *Computer) boot() {
	c.off, c.bootAt = false, time.Time{}
	c.lastBoot = c.now()
	c.processes = map[uint32]*Process{}
	for _, p := range []Process{
		{PID: 4, Name: "System"},
		{Name: "smss.exe", ExecutablePath: `C:\Windows\System32\smss.exe`, ParentPID: 4},
		{Name: "csrss.exe", ExecutablePath: `C:\Windows\System32\csrss.exe`},
		{Name: "wininit.exe", ExecutablePath: `C:\Windows\System32\wininit.exe`},
		{Name: "services.exe", ExecutablePath: `C:\Windows\System32\services.exe`},
		{Name: "lsass.exe", ExecutablePath: `C:\Windows\System32\lsass.exe`},
		{Name: "explorer.exe", ExecutablePath: `C:\Windows\explorer.exe`},
	} {
		c.spawn(p)
	}
	c.logEvent("System", 3, 6005, "EventLog", "The Event log service was started.", "")
	for _, s := range c.sortedServices() {
		s.State, s.PID = "Stopped", 0
	}
	for _, s := range c.sortedServices() {
		if s.StartMode == "Auto" && s.State != "Running" {
			c.startService(s, 0)
		}
	}
}

func (c *Computer) sortedServices() []*Service {
	out := make([]*Service, 0, len(c.services))
	for _, s := range c.services {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// tick applies time: a shutdown countdown running out, a reboot finishing,
// helper processes exiting.
func (c *Computer) tick() {
	if p := c.pending; p != nil && !c.off && !c.now().Before(p.at) {
		c.pending = nil
		c.shutdown(p.flags, p.user)
	}
	if c.off && !c.bootAt.IsZero() && !c.now().Before(c.bootAt) {
		c.boot()
	}
	c.reap()
}

func (c *Computer) reap() {
	now := c.now()
	for pid, p := range c.processes {
		if !p.exitAt.IsZero() && !now.Before(p.exitAt) {
			delete(c.processes, pid)
		}
	}
}

// spawn starts a process, giving it a PID unless it has one.
func (c *Computer) spawn(p Process) *Process {
	if p.PID == 0 {
		c.nextPID += 4
		p.PID = c.nextPID
	}
	if p.Name == "" {
		p.Name = path.Base(strings.ReplaceAll(p.ExecutablePath, `\`, "/"))
	}
	if p.Created.IsZero() {
		p.Created = c.now()
	}
	cp := p
	c.processes[p.PID] = &cp
	return &cp
}

func (c *Computer) logEvent(log string, typ int, code uint32, source, msg, user string) {
	c.records[log]++
	c.logs[log] = append(c.logs[log], &Event{Log: log, Record: c.records[log], Time: c.now(), Type: typ,
		Code: code, Source: source, Message: msg, User: user})
	if n := len(c.logs[log]); n > 5000 { // a log has a maximum size; oldest records go
		c.logs[log] = c.logs[log][n-5000:]
	}
}

func (c *Computer) logsNewestFirst(log string) []*Event {
	src := c.logs[log]
	out := make([]*Event, len(src))
	for i, e := range src {
		out[len(src)-1-i] = e
	}
	return out
}

func defaultServices() []*Service {
	svc := func(name, display, mode, exe string, deps ...string) *Service {
		return &Service{Name: name, DisplayName: display, StartMode: mode, State: "Stopped",
			PathName: `C:\Windows\System32\` + exe, StartName: "LocalSystem", AcceptStop: true, DependsOn: deps}
	}
	rpc := svc("RpcSs", "Remote Procedure Call (RPC)", "Auto", "svchost.exe -k rpcss")
	rpc.AcceptStop = false
	broken := svc("BrokenSvc", "Service With A Bad Account", "Manual", "brokensvc.exe")
	broken.StartName, broken.StartFailure = `.\svcaccount`, 15
	return []*Service{
		rpc,
		svc("WinRM", "Windows Remote Management (WS-Management)", "Auto", "svchost.exe -k NetworkService", "RpcSs"),
		svc("Spooler", "Print Spooler", "Auto", "spoolsv.exe", "RpcSs"),
		svc("Fax", "Fax", "Manual", "fxssvc.exe", "Spooler"),
		svc("W32Time", "Windows Time", "Manual", "svchost.exe -k LocalService"),
		svc("RemoteRegistry", "Remote Registry", "Disabled", "svchost.exe -k localService"),
		svc("wuauserv", "Windows Update", "Manual", "svchost.exe -k netsvcs", "RpcSs"),
		svc("InvReport", "Inventory Reporter", "Manual", "invreport.exe", "RemoteRegistry"),
		broken,
	}
}
