package wmitest

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// Printer is a print queue of the computer (Win32_Printer).
type Printer struct {
	Name, DriverName, PortName, Location string
	Shared                               bool
	Default                              bool
	// Paused is the queue's state after Win32_Printer.Pause (no job prints
	// until Resume).
	Paused bool
}

// PrintJob is a job in a print queue (Win32_PrintJob).
type PrintJob struct {
	ID                uint32
	Printer           string
	Document, Owner   string
	TotalPages, Bytes uint64
	Submitted         time.Time
}

// Group is a local group (Win32_Group). Membership of Administrators is
// each [User]'s Admin flag; other groups keep their members here.
type Group struct {
	Name, Description string
	// SID is the group's security identifier (builtin groups have the
	// well-known S-1-5-32-RID ones).
	SID     string
	members []string // lower-case account names
}

// RegistryValue is one value under a registry key, as StdRegProv reports
// it: Type is the REG_* number (1 REG_SZ, 2 REG_EXPAND_SZ, 3 REG_BINARY, 4
// REG_DWORD, 7 REG_MULTI_SZ, 11 REG_QWORD) and Data its value(s) as text.
type RegistryValue struct {
	Name string
	Type int
	Data []string
}

// HKEY numbers StdRegProv takes in hDefKey
// (https://learn.microsoft.com/previous-versions/windows/desktop/regprov/stdregprov).
const (
	hkeyClassesRoot  = 2147483648
	hkeyCurrentUser  = 2147483649
	hkeyLocalMachine = 2147483650
	hkeyUsers        = 2147483651
)

var hiveNames = map[uint64]string{hkeyClassesRoot: "HKCR", hkeyCurrentUser: "HKCU", hkeyLocalMachine: "HKLM", hkeyUsers: "HKU"}

// machineSID is the computer's account domain SID prefix.
const machineSID = "S-1-5-21-3623811015-3361044348-30300820"

func (c *Computer) initManaged() {
	c.printers = map[string]*Printer{}
	for _, p := range []Printer{
		{Name: "HP LaserJet M507 (Floor 2)", DriverName: "HP Universal Printing PCL 6", PortName: "IP_192.0.2.50", Location: "Floor 2, copy room", Shared: true, Default: true},
		{Name: "Microsoft Print to PDF", DriverName: "Microsoft Print To PDF", PortName: "PORTPROMPT:"},
	} {
		cp := p
		c.printers[strings.ToLower(p.Name)] = &cp
	}
	c.jobs = map[uint32]*PrintJob{}
	base := time.Date(2026, 12, 4, 9, 15, 0, 0, time.UTC)
	for _, j := range []PrintJob{
		{ID: 12, Printer: "HP LaserJet M507 (Floor 2)", Document: "Quarterly report.docx", Owner: "alice", TotalPages: 14, Bytes: 1843200, Submitted: base},
		{ID: 13, Printer: "HP LaserJet M507 (Floor 2)", Document: "Expenses.xlsx", Owner: "alice", TotalPages: 2, Bytes: 204800, Submitted: base.Add(3 * time.Minute)},
	} {
		cp := j
		c.jobs[j.ID] = &cp
	}
	c.groups = map[string]*Group{}
	for _, g := range []Group{
		{Name: "Administrators", SID: "S-1-5-32-544", Description: "Administrators have complete and unrestricted access to the computer/domain"},
		{Name: "Guests", SID: "S-1-5-32-546", Description: "Guests have the same access as members of the Users group by default, except for the Guest account which is further restricted"},
		{Name: "Remote Desktop Users", SID: "S-1-5-32-555", Description: "Members in this group are granted the right to logon remotely"},
		{Name: "Remote Management Users", SID: "S-1-5-32-580", Description: "Members of this group can access WMI resources over management protocols (such as WS-Management via the Windows Remote Management service). This applies only to WMI namespaces that grant access to the user."},
		{Name: "Users", SID: "S-1-5-32-545", Description: "Users are prevented from making accidental or intentional system-wide changes and can run most applications"},
	} {
		cp := g
		c.groups[strings.ToLower(g.Name)] = &cp
	}
	c.registry = map[string][]RegistryValue{
		`hklm\software\microsoft\windows nt\currentversion`: {
			{Name: "ProductName", Type: 1, Data: []string{"Windows 10 Pro"}}, // Windows 11 still says 10 here
			{Name: "DisplayVersion", Type: 1, Data: []string{"23H2"}},
			{Name: "CurrentBuild", Type: 1, Data: []string{c.Hardware.Build}},
			{Name: "SystemRoot", Type: 1, Data: []string{`C:\Windows`}},
			{Name: "CurrentMajorVersionNumber", Type: 4, Data: []string{"10"}},
			{Name: "InstallTime", Type: 11, Data: []string{"133699518000000000"}},
			{Name: "PathName", Type: 2, Data: []string{`%SystemRoot%`}},
		},
		`hklm\system\currentcontrolset\control\session manager\environment`: {
			{Name: "PATHEXT", Type: 1, Data: []string{".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC"}},
			{Name: "ComSpec", Type: 2, Data: []string{`%SystemRoot%\system32\cmd.exe`}},
		},
		`hklm\system\currentcontrolset\services\lanmanserver\parameters`: {
			{Name: "NullSessionPipes", Type: 7, Data: []string{"", ""}},
			{Name: "Guid", Type: 3, Data: []string{"18", "52", "86", "120"}},
		},
	}
}

// rid returns a local account's relative ID: 500 for the built-in
// Administrator, 1000 and up for the others, in name order.
func (c *Computer) userSID(u *User) string {
	if u.Builtin {
		return machineSID + "-500"
	}
	n := 1001
	for _, o := range c.sortedUsers() {
		if o == u {
			break
		}
		if !o.Builtin {
			n++
		}
	}
	return machineSID + "-" + strconv.Itoa(n)
}

func (c *Computer) sortedPrinters() []*Printer {
	out := make([]*Printer, 0, len(c.printers))
	for _, p := range c.printers {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (c *Computer) sortedJobs() []*PrintJob {
	out := make([]*PrintJob, 0, len(c.jobs))
	for _, j := range c.jobs {
		out = append(out, j)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (c *Computer) sortedGroups() []*Group {
	out := make([]*Group, 0, len(c.groups))
	for _, g := range c.groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// printerObject renders Win32_Printer
// (https://learn.microsoft.com/windows/win32/cimwin32prov/win32-printer):
// a paused queue has ExtendedPrinterStatus 8 ("Paused") and PrinterStatus 1
// ("Other"); an idle one 3 ("Idle") in both.
func (c *Computer) printerObject(p *Printer) *object {
	status, ext, state := uint64(3), uint64(3), uint64(0)
	if p.Paused {
		status, ext, state = 1, 8, 1
	}
	jobs := uint64(0)
	for _, j := range c.jobs {
		if strings.EqualFold(j.Printer, p.Name) {
			jobs++
		}
	}
	o := newObject("Win32_Printer").str("DeviceID", p.Name).str("Name", p.Name).str("DriverName", p.DriverName).
		str("PortName", p.PortName).boolean("Shared", p.Shared)
	if p.Shared {
		o.str("ShareName", strings.Fields(p.Name)[0])
	} else {
		o.null("ShareName")
	}
	return o.boolean("Default", p.Default).boolean("Local", true).boolean("Network", false).
		num("PrinterStatus", status).num("ExtendedPrinterStatus", ext).num("PrinterState", state).
		boolean("WorkOffline", false).str("Status", "OK").str("Location", p.Location).str("SystemName", c.Name).
		num("JobCountSinceLastReset", jobs)
}

// jobObject renders Win32_PrintJob
// (https://learn.microsoft.com/windows/win32/cimwin32prov/win32-printjob):
// its key Name is "printer, job ID".
func jobObject(computer string, j *PrintJob) *object {
	name := j.Printer + ", " + strconv.FormatUint(uint64(j.ID), 10)
	return newObject("Win32_PrintJob").str("Name", name).num("JobId", uint64(j.ID)).str("Document", j.Document).
		str("Owner", j.Owner).str("Notify", j.Owner).str("HostPrintQueue", `\\`+computer).
		str("DriverName", "HP Universal Printing PCL 6").num("PagesPrinted", 0).num("TotalPages", j.TotalPages).
		num("Size", j.Bytes).str("Status", "OK").null("JobStatus").num("StatusMask", 0).num("Priority", 1).
		num("Position", uint64(j.ID)).datetime("TimeSubmitted", j.Submitted).str("Caption", name).
		str("DataType", "RAW").str("PrintProcessor", "winprint")
}

// groupObject renders Win32_Group
// (https://learn.microsoft.com/windows/win32/cimwin32prov/win32-group):
// a local group's Domain is the computer's name and SIDType 4 (alias).
func (c *Computer) groupObject(g *Group) *object {
	return newObject("Win32_Group").str("Name", g.Name).str("Domain", c.Name).str("Caption", c.Name+`\`+g.Name).
		str("Description", g.Description).boolean("LocalAccount", true).str("SID", g.SID).num("SIDType", 4).str("Status", "OK")
}

// groupUserObject renders a Win32_GroupUser association
// (https://learn.microsoft.com/windows/win32/cimwin32prov/win32-groupuser):
// GroupComponent and PartComponent reference the group and the account.
func (c *Computer) groupUserObject(g *Group, member string) *object {
	name := member
	if u := c.users[member]; u != nil {
		name = u.Name
	}
	return newObject("Win32_GroupUser").ref("GroupComponent", "Win32_Group", "Domain", c.Name, "Name", g.Name).
		ref("PartComponent", "Win32_UserAccount", "Domain", c.Name, "Name", name)
}

// members lists a group's member account names (lower case), name order.
func (c *Computer) members(g *Group) []string {
	if strings.EqualFold(g.Name, "Administrators") {
		var out []string
		for _, u := range c.sortedUsers() {
			if u.Admin {
				out = append(out, strings.ToLower(u.Name))
			}
		}
		return out
	}
	out := append([]string(nil), g.members...)
	sort.Strings(out)
	return out
}

// Members returns the member account names of a local group and whether
// the group exists.
func (c *Computer) Members(group string) ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, ok := c.groups[strings.ToLower(group)]
	if !ok {
		return nil, false
	}
	var out []string
	for _, m := range c.members(g) {
		if u := c.users[m]; u != nil {
			out = append(out, u.Name)
		}
	}
	return out, true
}

// addMember adds an account to a group; ERROR_MEMBER_IN_ALIAS (1378) when
// it is there already.
func (c *Computer) addMember(g *Group, u *User) string {
	if strings.EqualFold(g.Name, "Administrators") {
		if u.Admin {
			return "The specified account name is already a member of the group."
		}
		u.Admin = true
		return ""
	}
	low := strings.ToLower(u.Name)
	for _, m := range g.members {
		if m == low {
			return "The specified account name is already a member of the group."
		}
	}
	g.members = append(g.members, low)
	return ""
}

// removeMember removes an account from a group; ERROR_MEMBER_NOT_IN_ALIAS
// (1377) when it is not there.
func (c *Computer) removeMember(g *Group, u *User) string {
	if strings.EqualFold(g.Name, "Administrators") {
		if !u.Admin {
			return "The specified account name is not a member of the group."
		}
		u.Admin = false
		return ""
	}
	low := strings.ToLower(u.Name)
	for i, m := range g.members {
		if m == low {
			g.members = append(g.members[:i], g.members[i+1:]...)
			return ""
		}
	}
	return "The specified account name is not a member of the group."
}

// SetPrinterPaused pauses or resumes a print queue (as a user at the
// computer would); false when there is no such printer.
func (c *Computer) SetPrinterPaused(name string, paused bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.printers[strings.ToLower(name)]
	if ok {
		p.Paused = paused
	}
	return ok
}

// PrinterPaused reports whether a print queue is paused, and whether it
// exists.
func (c *Computer) PrinterPaused(name string) (paused, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.printers[strings.ToLower(name)]
	if !ok {
		return false, false
	}
	return p.Paused, true
}

// AddPrintJob queues a job (as an application printing would).
func (c *Computer) AddPrintJob(j PrintJob) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp := j
	if cp.Submitted.IsZero() {
		cp.Submitted = c.now()
	}
	c.jobs[j.ID] = &cp
}

// PrintJobs returns the queued jobs by ID.
func (c *Computer) PrintJobs() []PrintJob {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []PrintJob
	for _, j := range c.sortedJobs() {
		out = append(out, *j)
	}
	return out
}

// SetRegistryValues replaces the values of a key ("HKLM\SOFTWARE\…").
func (c *Computer) SetRegistryValues(key string, values []RegistryValue) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.registry[strings.ToLower(key)] = append([]RegistryValue(nil), values...)
}

// notCapable is the fault WinRM gives for an operation the WMI provider
// does not implement (WBEM_E_PROVIDER_NOT_CAPABLE, 0x80041024,
// https://learn.microsoft.com/windows/win32/wmisdk/wmi-error-constants).
func notCapable(what string) error {
	return &wsman.Fault{Code: "Sender", Subcode: "ActionNotSupported",
		Reason: "The action is not supported by the service.",
		Detail: "WMI error 0x80041024: provider is not capable of the attempted operation: " + what}
}

// manageRoutes serves printer management (Win32_Printer Pause and Resume,
// Delete of a Win32_PrintJob), account changes (Put of
// Win32_UserAccount.Disabled; Create and Delete of Win32_GroupUser refused
// as the CIMWin32 provider refuses them) and StdRegProv.
func (c *Computer) manageRoutes() {
	prURI := wsman.WMIBase + "Win32_Printer"
	printerMethod := func(method string, paused bool) {
		c.handle(prURI+"/"+method, prURI, func(r *wsmantest.Request) (*etree.Element, error) {
			p, ok := c.printers[strings.ToLower(r.Selectors.Get("DeviceID"))]
			if !ok {
				return nil, notFound("Win32_Printer " + r.Selectors.Get("DeviceID"))
			}
			p.Paused = paused
			return output("Win32_Printer", method, 0), nil
		})
	}
	printerMethod("Pause", true)
	printerMethod("Resume", false)
	jobURI := wsman.WMIBase + "Win32_PrintJob"
	c.handle(wsman.ActionDelete, jobURI, func(r *wsmantest.Request) (*etree.Element, error) {
		name := r.Selectors.Get("Name")
		printer, id, _ := strings.Cut(name, ", ")
		n, err := strconv.ParseUint(strings.TrimSpace(id), 10, 32)
		j, ok := c.jobs[uint32(n)]
		if err != nil || !ok || !strings.EqualFold(j.Printer, printer) {
			return nil, notFound("Win32_PrintJob " + name)
		}
		delete(c.jobs, j.ID)
		return nil, nil
	})
	c.handle(wsman.ActionGet, jobURI, func(r *wsmantest.Request) (*etree.Element, error) {
		for _, j := range c.jobs {
			if o := jobObject(c.Name, j); strings.EqualFold(r.Selectors.Get("Name"), o.props[0].vals[0]) {
				return o.element(), nil
			}
		}
		return nil, notFound("Win32_PrintJob " + r.Selectors.Get("Name"))
	})
	uaURI := wsman.WMIBase + "Win32_UserAccount"
	findUser := func(r *wsmantest.Request) (*User, error) {
		u := c.users[strings.ToLower(r.Selectors.Get("Name"))]
		if u == nil || !strings.EqualFold(r.Selectors.Get("Domain"), c.Name) {
			return nil, notFound("Win32_UserAccount " + r.Selectors.Get("Domain") + `\` + r.Selectors.Get("Name"))
		}
		return u, nil
	}
	c.handle(wsman.ActionGet, uaURI, func(r *wsmantest.Request) (*etree.Element, error) {
		u, err := findUser(r)
		if err != nil {
			return nil, err
		}
		return c.userObject(u).element(), nil
	})
	c.handle(wsman.ActionPut, uaURI, func(r *wsmantest.Request) (*etree.Element, error) {
		u, err := findUser(r)
		if err != nil {
			return nil, err
		}
		in := r.Instance()
		if in == nil || in.Class != "Win32_UserAccount" {
			return nil, wsmantest.Fault("InvalidRepresentation", "Put needs a Win32_UserAccount")
		}
		if v := strings.TrimSpace(in.Get("Disabled")); v != "" {
			d, err := strconv.ParseBool(v)
			if err != nil {
				return nil, wsmantest.Fault("InvalidRepresentation", "Disabled must be a boolean")
			}
			u.Disabled = d
		}
		return c.userObject(u).element(), nil
	})
	guURI := wsman.WMIBase + "Win32_GroupUser"
	c.handle(wsman.ActionCreate, guURI, func(r *wsmantest.Request) (*etree.Element, error) {
		return nil, notCapable("Win32_GroupUser cannot be created")
	})
	c.handle(wsman.ActionDelete, guURI, func(r *wsmantest.Request) (*etree.Element, error) {
		return nil, notCapable("Win32_GroupUser cannot be deleted")
	})
	c.registryRoutes()
}

// userObject renders Win32_UserAccount
// (https://learn.microsoft.com/windows/win32/cimwin32prov/win32-useraccount).
func (c *Computer) userObject(u *User) *object {
	status := "OK"
	if u.Disabled {
		status = "Degraded"
	}
	return newObject("Win32_UserAccount").str("Name", u.Name).str("Domain", c.Name).str("Caption", c.Name+`\`+u.Name).
		boolean("LocalAccount", true).boolean("Disabled", u.Disabled).num("AccountType", 512).str("SID", c.userSID(u)).
		num("SIDType", 1).str("FullName", "").str("Description", "").boolean("Lockout", false).
		boolean("PasswordRequired", true).boolean("PasswordChangeable", true).boolean("PasswordExpires", false).str("Status", status)
}

// registryRoutes serves StdRegProv's reading methods
// (https://learn.microsoft.com/previous-versions/windows/desktop/regprov/stdregprov):
// EnumKey, EnumValues and the typed Get…Value methods. A missing key or
// value answers ReturnValue 2 (ERROR_FILE_NOT_FOUND), as Windows does; a
// value of another type 2147749893 (WBEM_E_TYPE_MISMATCH, 0x80041005).
func (c *Computer) registryRoutes() {
	uri := wsman.WMIBase + "StdRegProv"
	key := func(in *wsman.Instance) (string, bool) {
		h, err := strconv.ParseUint(strings.TrimSpace(in.Get("hDefKey")), 10, 64)
		if in.Get("hDefKey") == "" {
			h, err = hkeyLocalMachine, nil // the method's default
		}
		hive, ok := hiveNames[h]
		if err != nil || !ok {
			return "", false
		}
		return strings.ToLower(hive + `\` + strings.Trim(in.Get("sSubKeyName"), `\`)), true
	}
	c.handle(uri+"/EnumValues", uri, func(r *wsmantest.Request) (*etree.Element, error) {
		k, ok := key(r.Instance())
		vals, found := c.registry[k]
		if !ok || !found {
			return output("StdRegProv", "EnumValues", 2), nil
		}
		out := output("StdRegProv", "EnumValues", 0)
		rv := out.SelectElement("ReturnValue")
		out.RemoveChild(rv)
		for _, v := range vals {
			out.CreateElement("p:sNames").SetText(v.Name)
		}
		for _, v := range vals {
			out.CreateElement("p:Types").SetText(strconv.Itoa(v.Type))
		}
		out.AddChild(rv)
		return out, nil
	})
	c.handle(uri+"/EnumKey", uri, func(r *wsmantest.Request) (*etree.Element, error) {
		k, ok := key(r.Instance())
		if !ok {
			return output("StdRegProv", "EnumKey", 2), nil
		}
		seen := map[string]bool{}
		var subs []string
		for path := range c.registry {
			if rest, ok := strings.CutPrefix(path, k+`\`); ok {
				first, _, _ := strings.Cut(rest, `\`)
				if !seen[first] {
					seen[first] = true
					subs = append(subs, first)
				}
			}
		}
		if len(subs) == 0 {
			if _, ok := c.registry[k]; !ok {
				return output("StdRegProv", "EnumKey", 2), nil
			}
		}
		sort.Strings(subs)
		out := output("StdRegProv", "EnumKey", 0)
		rv := out.SelectElement("ReturnValue")
		out.RemoveChild(rv)
		for _, s := range subs {
			out.CreateElement("p:sNames").SetText(s)
		}
		out.AddChild(rv)
		return out, nil
	})
	get := func(method string, typ int, outName string) {
		c.handle(uri+"/"+method, uri, func(r *wsmantest.Request) (*etree.Element, error) {
			in := r.Instance()
			k, ok := key(in)
			if !ok {
				return output("StdRegProv", method, 2), nil
			}
			for _, v := range c.registry[k] {
				if !strings.EqualFold(v.Name, in.Get("sValueName")) {
					continue
				}
				if v.Type != typ {
					return output("StdRegProv", method, 2147749893), nil
				}
				out := output("StdRegProv", method, 0)
				rv := out.SelectElement("ReturnValue")
				out.RemoveChild(rv)
				for _, d := range v.Data {
					out.CreateElement("p:" + outName).SetText(d)
				}
				out.AddChild(rv)
				return out, nil
			}
			return output("StdRegProv", method, 2), nil
		})
	}
	get("GetStringValue", 1, "sValue")
	get("GetExpandedStringValue", 2, "sValue")
	get("GetBinaryValue", 3, "uValue")
	get("GetDWORDValue", 4, "uValue")
	get("GetMultiStringValue", 7, "sValue")
	get("GetQWORDValue", 11, "uValue")
}
