package view

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/filter"
	"github.com/oobkit/oobkit/snmp"
	"github.com/oobkit/oobkit/wmi"
)

// This file plugs the node readers of packages wmi (wmi.Nodes, read with
// Client.ReadNode), amt, dash and snmp (their NodeRows) into [Default], and
// serves Table A-4's summary nodes that no inventory holds from the WMI
// classes Windows reports them in.

// RegistryKey is the key the Registry node of Table A-6 reads
// (HKEY_LOCAL_MACHINE): the Windows version, as regedit shows it.
const RegistryKey = `SOFTWARE\Microsoft\Windows NT\CurrentVersion`

// instances turns WMI instances into records: Windows' property names in
// the order Windows sent them, arrays joined with ", ", WMI datetimes
// (yyyymmddHHMMSS.mmmmmmsUUU) written as RFC 3339, nulls left out.
func instances(items []wmi.Instance) *Table {
	t := &Table{Records: make([]Record, 0, len(items))}
	for _, in := range items {
		rec := Record{Source: oobkit.WMI}
		for _, p := range in.Properties {
			if v := wmiValue(p); v != "" {
				rec.Properties = append(rec.Properties, Property{Name: p.Name, Value: v})
			}
		}
		t.Records = append(t.Records, rec)
	}
	return t
}

func wmiValue(p wmi.Property) string {
	if p.Null {
		return ""
	}
	if p.Ref != "" {
		return p.Ref
	}
	vals := make([]string, len(p.Values))
	for i, v := range p.Values {
		vals[i] = v
		if len(v) == 25 && v[14] == '.' && (v[21] == '+' || v[21] == '-') {
			if t, err := wmi.ParseDatetime(v); err == nil {
				vals[i] = t.Format("2006-01-02T15:04:05Z07:00")
			}
		}
	}
	return strings.Join(vals, ", ")
}

func wmiClient(c oobkit.Client, what string) (*wmi.Client, error) {
	w, ok := c.(*wmi.Client)
	if !ok {
		return nil, notReader(c, what)
	}
	return w, nil
}

// wmiNode reads a node of wmi.Nodes by the guide's name.
func wmiNode(name string) Reader {
	return func(ctx context.Context, c oobkit.Client) (*Table, error) {
		w, err := wmiClient(c, "WMI classes")
		if err != nil {
			return nil, err
		}
		_, items, err := w.ReadNode(ctx, name)
		if err != nil {
			return nil, err
		}
		return instances(items), nil
	}
}

// registryNode reads the values of [RegistryKey] with StdRegProv.
func registryNode(ctx context.Context, c oobkit.Client) (*Table, error) {
	w, err := wmiClient(c, "the registry")
	if err != nil {
		return nil, err
	}
	vals, err := w.RegistryValues(ctx, wmi.HKeyLocalMachine, RegistryKey)
	if err != nil {
		return nil, err
	}
	t := &Table{Records: make([]Record, 0, len(vals))}
	for _, v := range vals {
		name := v.Name
		if name == "" {
			name = "(Default)"
		}
		t.Add(oobkit.WMI, "Key", `HKEY_LOCAL_MACHINE\`+RegistryKey, "Name", name, "Type", regType(v.Type), "Data", strings.Join(v.Data, ", "))
	}
	return t, nil
}

// regType names a REG_* value type (winnt.h).
func regType(t int) string {
	names := map[int]string{0: "REG_NONE", 1: "REG_SZ", 2: "REG_EXPAND_SZ", 3: "REG_BINARY", 4: "REG_DWORD",
		5: "REG_DWORD_BIG_ENDIAN", 6: "REG_LINK", 7: "REG_MULTI_SZ", 11: "REG_QWORD"}
	if n, ok := names[t]; ok {
		return n
	}
	return strconv.Itoa(t)
}

// wmiQuery runs a WQL query once per assembly of the view and client
// (several summary nodes read the same class).
func wmiQuery(ctx context.Context, w *wmi.Client, wql string) ([]wmi.Instance, error) {
	v, err := Once(ctx, onceKey{"wql " + wql, w}, func() (any, error) { return w.Query(ctx, wql) })
	if err != nil {
		return nil, err
	}
	return v.([]wmi.Instance), nil
}

// wmiSummary makes a Table A-4 reader of one WQL query.
func wmiSummary(wql string, fn func(items []wmi.Instance, t *Table)) Reader {
	return func(ctx context.Context, c oobkit.Client) (*Table, error) {
		w, err := wmiClient(c, "WMI classes")
		if err != nil {
			return nil, err
		}
		items, err := wmiQuery(ctx, w, wql)
		if err != nil {
			return nil, err
		}
		t := &Table{Records: []Record{}}
		fn(items, t)
		return t, nil
	}
}

// kbToMB writes a WMI kilobyte count in megabytes ("" when not a number).
func kbToMB(s string) string {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return ""
	}
	return strconv.FormatUint(n>>10, 10)
}

const osMemoryWQL = "SELECT TotalVirtualMemorySize, FreeVirtualMemory FROM Win32_OperatingSystem"

// virtualMemory is Memory Usage/Virtual: Win32_OperatingSystem's
// TotalVirtualMemorySize ("Number, in kilobytes, of virtual memory") and
// FreeVirtualMemory ("Number, in kilobytes, of virtual memory currently
// unused and available"),
// https://learn.microsoft.com/windows/win32/cimwin32prov/win32-operatingsystem.
func virtualMemory(items []wmi.Instance, t *Table) {
	for _, os := range items {
		total, free := os.Get("TotalVirtualMemorySize"), os.Get("FreeVirtualMemory")
		t.Add(oobkit.WMI, "Total Virtual Memory (MB)", kbToMB(total), "Available Virtual Memory (MB)", kbToMB(free),
			"Used Virtual Memory (MB)", kbToMB(diff(total, free)))
	}
}

// committedMemory is Memory Usage/Committed: the commit charge, virtual
// memory in use (TotalVirtualMemorySize - FreeVirtualMemory), against the
// commit limit (TotalVirtualMemorySize: physical memory plus page files).
func committedMemory(items []wmi.Instance, t *Table) {
	for _, os := range items {
		total, free := os.Get("TotalVirtualMemorySize"), os.Get("FreeVirtualMemory")
		used := diff(total, free)
		pct := ""
		if tv, err := strconv.ParseUint(total, 10, 64); err == nil && tv > 0 {
			if uv, err := strconv.ParseUint(used, 10, 64); err == nil {
				pct = strconv.FormatUint(uv*100/tv, 10)
			}
		}
		t.Add(oobkit.WMI, "Committed (MB)", kbToMB(used), "Commit Limit (MB)", kbToMB(total), "Committed (%)", pct)
	}
}

// diff is a-b of two decimal strings ("" unless both are numbers, a >= b).
func diff(a, b string) string {
	x, err1 := strconv.ParseUint(a, 10, 64)
	y, err2 := strconv.ParseUint(b, 10, 64)
	if err1 != nil || err2 != nil || y > x {
		return ""
	}
	return strconv.FormatUint(x-y, 10)
}

// onC reports whether a page file path is on drive C.
func onC(name string) bool { return len(name) >= 2 && strings.EqualFold(name[:2], "C:") }

// pageFileC is Memory Usage/Page file @ C: the page file on drive C as
// Win32_PageFileUsage reports it (AllocatedBaseSize, CurrentUsage,
// PeakUsage, in megabytes,
// https://learn.microsoft.com/windows/win32/cimwin32prov/win32-pagefileusage),
// else its Win32_PageFileSetting (InitialSize, MaximumSize, megabytes). A
// computer with no page file on C: shows no record.
func pageFileC(ctx context.Context, c oobkit.Client) (*Table, error) {
	w, err := wmiClient(c, "WMI classes")
	if err != nil {
		return nil, err
	}
	t := &Table{Records: []Record{}}
	usage, err := wmiQuery(ctx, w, "SELECT Name, AllocatedBaseSize, CurrentUsage, PeakUsage FROM Win32_PageFileUsage")
	if err != nil {
		return nil, err
	}
	for _, u := range usage {
		if onC(u.Get("Name")) {
			t.Add(oobkit.WMI, "Name", u.Get("Name"), "Allocated Size (MB)", u.Get("AllocatedBaseSize"),
				"Current Usage (MB)", u.Get("CurrentUsage"), "Peak Usage (MB)", u.Get("PeakUsage"))
		}
	}
	if len(t.Records) > 0 {
		return t, nil
	}
	set, err := wmiQuery(ctx, w, "SELECT Name, InitialSize, MaximumSize FROM Win32_PageFileSetting")
	if err != nil {
		return nil, err
	}
	for _, s := range set {
		if onC(s.Get("Name")) {
			t.Add(oobkit.WMI, "Name", s.Get("Name"), "Initial Size (MB)", s.Get("InitialSize"), "Maximum Size (MB)", s.Get("MaximumSize"))
		}
	}
	return t, nil
}

// security is Table A-4's Security: the security updates installed
// (Win32_QuickFixEngineering whose Description is "Security Update") and
// the state of the Windows Firewall (MpsSvc) and Microsoft Defender
// Antivirus (WinDefend) services where the computer has them.
func security(ctx context.Context, c oobkit.Client) (*Table, error) {
	w, err := wmiClient(c, "WMI classes")
	if err != nil {
		return nil, err
	}
	qfe, err := wmiQuery(ctx, w, "SELECT HotFixID, InstalledOn FROM Win32_QuickFixEngineering WHERE Description = 'Security Update'")
	if err != nil {
		return nil, err
	}
	svc, err := wmiQuery(ctx, w, "SELECT Name, DisplayName, State, StartMode FROM Win32_Service WHERE Name = 'MpsSvc' OR Name = 'WinDefend'")
	if err != nil {
		return nil, err
	}
	t := &Table{}
	ids := make([]string, 0, len(qfe))
	for _, q := range qfe {
		ids = append(ids, q.Get("HotFixID"))
	}
	t.Add(oobkit.WMI, "Security Updates Installed", strconv.Itoa(len(qfe)), "Security Updates", strings.Join(ids, ", "))
	for _, s := range svc {
		t.Add(oobkit.WMI, "Service", s.Get("DisplayName"), "Name", s.Get("Name"), "State", s.Get("State"), "Start Mode", s.Get("StartMode"))
	}
	return t, nil
}

// rowsTable turns generic rows (column → value) into records: the columns
// of cols first in that order, then any other column by name; empty values
// left out.
func rowsTable(src oobkit.Protocol, rows []map[string]string, cols ...string) *Table {
	t := &Table{Records: make([]Record, 0, len(rows))}
	for _, r := range rows {
		rec := Record{Source: src}
		var rest []string
		for k := range r {
			if !slices.Contains(cols, k) {
				rest = append(rest, k)
			}
		}
		slices.Sort(rest)
		for _, k := range append(append([]string(nil), cols...), rest...) {
			if v := r[k]; v != "" {
				rec.Properties = append(rec.Properties, Property{Name: k, Value: v})
			}
		}
		t.Records = append(t.Records, rec)
	}
	return t
}

// amtNode reads a node of amt.Nodes.
func amtNode(node amt.Node, cols ...string) Reader {
	return func(ctx context.Context, c oobkit.Client) (*Table, error) {
		a, ok := c.(*amt.Client)
		if !ok {
			return nil, notReader(c, "Intel AMT nodes")
		}
		rows, err := a.NodeRows(ctx, node)
		if err != nil {
			return nil, err
		}
		return rowsTable(oobkit.AMT, rows, cols...), nil
	}
}

// dashNode reads a node of dash.Nodes.
func dashNode(node dash.Node, cols ...string) Reader {
	return func(ctx context.Context, c oobkit.Client) (*Table, error) {
		d, ok := c.(*dash.Client)
		if !ok {
			return nil, notReader(c, "DASH nodes")
		}
		rows, err := d.NodeRows(ctx, node)
		if err != nil {
			return nil, err
		}
		return rowsTable(oobkit.DASH, rows, cols...), nil
	}
}

// snmpNode reads a node of snmp.Nodes.
func snmpNode(node snmp.Node, cols ...string) Reader {
	return func(ctx context.Context, c oobkit.Client) (*Table, error) {
		s, ok := c.(*snmp.Client)
		if !ok {
			return nil, notReader(c, "SNMP nodes")
		}
		rows, err := s.NodeRows(ctx, node)
		if err != nil {
			return nil, err
		}
		return rowsTable(oobkit.SNMP, rows, cols...), nil
	}
}

// amtPolicies reads the System Defense policy of each interface (what is
// in force: "Allow all network traffic" when none is) and renders it with
// fn. An interface the device does not have (no wireless) is skipped.
func amtPolicies(fn func(iface amt.Interface, p *filter.Policy, t *Table) error) Reader {
	return func(ctx context.Context, c oobkit.Client) (*Table, error) {
		a, ok := c.(*amt.Client)
		if !ok {
			return nil, notReader(c, "Intel AMT network filters")
		}
		t := &Table{Records: []Record{}}
		for _, iface := range []amt.Interface{amt.Wired, amt.Wireless} {
			p, err := a.ExportPolicy(ctx, iface)
			if err != nil {
				if iface != amt.Wired && (errors.Is(err, oobkit.ErrNotDetected) || errors.Is(err, oobkit.ErrUnsupported)) {
					continue
				}
				return nil, err
			}
			if err := fn(iface, p, t); err != nil {
				return nil, err
			}
		}
		return t, nil
	}
}

// policySummary is Intel AMT Network Filtering/Filter network traffic: the
// policy filtering each interface.
func policySummary(iface amt.Interface, p *filter.Policy, t *Table) error {
	name := p.Name
	if name == "" {
		name = "(unnamed)"
	}
	t.Add(oobkit.AMT, "Interface", iface.String(), "Policy", name, "Rules", strconv.Itoa(len(p.Rules)),
		"Receive Default", p.Receive.Action.String(), "Transmit Default", p.Transmit.Action.String())
	return nil
}

// policyExport is Intel AMT Network Filtering/Export filtering settings:
// each interface's policy in the policy file format (filter.Export).
func policyExport(iface amt.Interface, p *filter.Policy, t *Table) error {
	var b bytes.Buffer
	if err := filter.Export(&b, p); err != nil {
		return err
	}
	t.Add(oobkit.AMT, "Interface", iface.String(), "Policy File", b.String())
	return nil
}

// registerNodes plugs the node readers into r.
func registerNodes(r *Registry) {
	// Table A-4: the summary nodes no inventory holds.
	r.Register("Basic Information/Primary owner name", wmiT, wmiSummary("SELECT PrimaryOwnerName FROM Win32_ComputerSystem",
		func(items []wmi.Instance, t *Table) {
			for _, cs := range items {
				t.Add(oobkit.WMI, "Primary Owner Name", cs.Get("PrimaryOwnerName"))
			}
		}))
	r.Register("CPU Information/Load percentage", wmiT, wmiSummary("SELECT DeviceID, Name, LoadPercentage FROM Win32_Processor",
		func(items []wmi.Instance, t *Table) {
			for _, p := range items {
				t.Add(oobkit.WMI, "Processor", p.Get("DeviceID"), "Name", p.Get("Name"), "Load Percentage", p.Get("LoadPercentage"))
			}
		}))
	r.Register("Memory Usage/Virtual", wmiT, wmiSummary(osMemoryWQL, virtualMemory))
	r.Register("Memory Usage/Committed", wmiT, wmiSummary(osMemoryWQL, committedMemory))
	r.Register("Memory Usage/Page file @ C", wmiT, pageFileC)
	r.Register("Disk Usage/File system", wmiT, wmiSummary("SELECT DeviceID, VolumeName, FileSystem FROM Win32_LogicalDisk",
		func(items []wmi.Instance, t *Table) {
			for _, d := range items {
				if fs := d.Get("FileSystem"); fs != "" {
					t.Add(oobkit.WMI, "Drive", d.Get("DeviceID"), "File System", fs, "Volume Name", d.Get("VolumeName"))
				}
			}
		}))
	r.Register("Security", wmiT, security)

	// Table A-6's "WMI or AMT or DASH or IPMI" Motherboard Device: WMI's
	// is Win32_BaseBoard
	// (https://learn.microsoft.com/windows/win32/cimwin32prov/win32-baseboard).
	r.Register("Physical System/Motherboard Device", wmiT, func(ctx context.Context, c oobkit.Client) (*Table, error) {
		w, err := wmiClient(c, "WMI classes")
		if err != nil {
			return nil, err
		}
		items, err := w.Class(ctx, "Win32_BaseBoard", "Tag", "Manufacturer", "Product", "SerialNumber", "Version", "HostingBoard", "Status")
		if err != nil {
			return nil, err
		}
		return instances(items), nil
	})

	// Table A-6: every WMI node of package wmi, by the guide's group and
	// name.
	for _, n := range wmi.Nodes() {
		name := n.Group + "/" + n.Name
		if n.Class == "StdRegProv" {
			r.Register(name, wmiT, registryNode)
			continue
		}
		r.Register(name, wmiT, wmiNode(n.Name))
	}

	// Table A-6: the AMT nodes.
	r.Register("Physical System/Agent Watchdogs", amtT, amtNode(amt.NodeAgentWatchdogs,
		"AgentID", "Name", "State", "StartupSeconds", "TimeoutSeconds", "Actions"))
	r.Register("Physical System/Battery", amtT, amtNode(amt.NodeBattery,
		"DeviceID", "Name", "Status", "Chemistry", "ChargePercent", "RunTimeMinutes", "DesignCapacity", "FullChargeCapacity", "DesignVoltage", "Health"))
	r.Register("Physical System/Field Replaceable Unit", amtT, amtNode(amt.NodeFRU,
		"Class", "Name", "Tag", "Manufacturer", "Model", "SerialNumber", "PartNumber", "Version", "CanBeFRUed"))
	netCols := []string{"Interface", "MAC", "LinkUp", "DHCP", "IP", "SubnetMask", "Gateway", "PrimaryDNS", "SecondaryDNS",
		"SharedMAC", "SharedDynamicIP", "SharedStaticIP", "IPSync", "LinkPolicy"}
	r.Register("Intel AMT Network Settings", amtT, amtNode(amt.NodeNetworkSettings, netCols...))
	r.Register("Networking/Network Adapter Configuration", amtT, amtNode(amt.NodeNetworkSettings, netCols...))
	r.Register("Networking/Network Adapter Configuration", ipmiT, ipmiLAN)
	r.Register("Wireless Profile", amtT, amtNode(amt.NodeWirelessProfile, "Name", "SSID", "Priority", "Authentication", "Encryption", "BSSType"))
	r.Register("Intel AMT Network Filtering/Filter network traffic", amtT, amtPolicies(policySummary))
	r.Register("Intel AMT Network Filtering/Export filtering settings", amtT, amtPolicies(policyExport))

	// Table A-6: the DASH nodes.
	r.Register("Physical System/DASH Software", dashT, dashNode(dash.NodeSoftware, "Name", "Version", "Manufacturer", "Classifications", "Installed"))
	r.Register("Physical System/Fan", dashT, dashNode(dash.NodeFan, "DeviceID", "Name", "VariableSpeed", "DesiredSpeed", "ActiveCooling", "Health", "State", "Status"))
	r.Register("Physical System/Field Replaceable Unit", dashT, dashNode(dash.NodeFRU,
		"Class", "Tag", "Name", "Manufacturer", "Model", "SerialNumber", "PartNumber", "SKU", "Version", "CanBeFRUed"))
	// "WMI or AMT or DASH or IPMI" Motherboard Device: DASH's is the
	// CIM_Card of the Physical Asset Profile (DSP1011: the system board is
	// a CIM_Card), read with the FRU node.
	r.Register("Physical System/Motherboard Device", dashT, func(ctx context.Context, c oobkit.Client) (*Table, error) {
		t, err := dashNode(dash.NodeFRU, "Tag", "Name", "Manufacturer", "Model", "SerialNumber", "PartNumber", "Version")(ctx, c)
		if err != nil {
			return nil, err
		}
		t.Records = slices.DeleteFunc(t.Records, func(r Record) bool { return r.Get("Class") != "CIM_Card" })
		if len(t.Records) == 0 {
			return nil, &oobkit.Error{Protocol: oobkit.DASH, Op: "view", Class: oobkit.ErrUnsupported, Message: "the DASH computer reports no CIM_Card"}
		}
		return t, nil
	})
	r.Register("Physical System/Power Supply", dashT, dashNode(dash.NodePowerSupply, "DeviceID", "Name", "TotalOutputPowerW", "Health", "State", "Status"))
	r.Register("Physical System/Sensors", dashT, dashNode(dash.NodeSensors, "DeviceID", "Name", "Type", "Value", "Unit", "State"))

	// Table A-6: the SNMP nodes ("WMI and SNMP").
	r.Register("Networking/IP Route Table", snmpT, snmpNode(snmp.NodeRouteTable, "Destination", "NextHop", "IfIndex", "Type", "Protocol", "Metric", "Table"))
	r.Register("Networking/Network Adapter", snmpT, snmpNode(snmp.NodeNetworkAdapter,
		"Index", "Name", "Descr", "Alias", "Type", "MTU", "SpeedMbps", "MAC", "AdminStatus", "OperStatus", "Addresses", "InOctets", "OutOctets"))
}
