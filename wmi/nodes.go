package wmi

import (
	"context"
	"fmt"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// Node is one WMI-served node of the RTSM guide's one-to-one view (Table
// A-6 "Information nodes (static)"): the guide's group and node names, the
// WMI class that serves it with the properties read, and, where Windows
// retired the class, the class that replaced it.
type Node struct {
	// Group and Name are the guide's ("Input and Output Devices",
	// "Keyboard").
	Group, Name string
	// Namespace is the class's WMI namespace ("root/cimv2").
	Namespace string
	// Class is the WMI class ("Win32_Keyboard"); "StdRegProv" for the
	// Registry node, which is read with [Client.RegistryValues].
	Class string
	// Properties are the properties read, with Windows' names.
	Properties []string
	// Fallback is read when Class answers "invalid class" (a class
	// Windows no longer has): Win32_OperatingSystem for
	// Win32_LogicalMemoryConfiguration.
	Fallback *Node
	// Doc is the class's reference page at learn.microsoft.com.
	Doc string
}

const cimDoc = "https://learn.microsoft.com/windows/win32/cimwin32prov/"

// nodeTable is Table A-6's WMI rows. Property names and types are those of
// Microsoft's class reference, one page per class (Doc).
var nodeTable = []Node{
	{"Operating System", "Local Time", "root/cimv2", "Win32_LocalTime", []string{"Year", "Month", "Day", "Hour", "Minute", "Second", "DayOfWeek", "WeekInMonth", "Quarter"}, nil,
		"https://learn.microsoft.com/previous-versions/windows/desktop/wmitimepprov/win32-localtime"},
	{"Operating System", "Operating System", "root/cimv2", "Win32_OperatingSystem", []string{"Caption", "Version", "BuildNumber", "OSArchitecture", "SerialNumber", "RegisteredUser", "Organization", "InstallDate", "LastBootUpTime", "LocalDateTime", "CurrentTimeZone", "WindowsDirectory", "SystemDirectory", "OSLanguage", "NumberOfProcesses", "TotalVisibleMemorySize", "FreePhysicalMemory"}, nil,
		cimDoc + "win32-operatingsystem"},
	{"Operating System", "Page File Settings", "root/cimv2", "Win32_PageFileSetting", []string{"Name", "InitialSize", "MaximumSize"}, nil, cimDoc + "win32-pagefilesetting"},
	{"Operating System", "Printing Job", "root/cimv2", "Win32_PrintJob", []string{"Name", "JobId", "Document", "Owner", "TotalPages", "PagesPrinted", "Size", "Status", "TimeSubmitted"}, nil, cimDoc + "win32-printjob"},
	{"Operating System", "Proxy Server", "root/cimv2", "Win32_Proxy", []string{"ServerName", "ProxyServer", "ProxyPortNumber"}, nil, "https://learn.microsoft.com/previous-versions/windows/desktop/licwmiprov/win32-proxy"},
	{"Operating System", "Quick-Fix Engineering", "root/cimv2", "Win32_QuickFixEngineering", []string{"HotFixID", "Description", "InstalledOn", "InstalledBy"}, nil, cimDoc + "win32-quickfixengineering"},
	{"Operating System", "Registry", "root/cimv2", "StdRegProv", nil, nil, "https://learn.microsoft.com/previous-versions/windows/desktop/regprov/stdregprov"},
	{"Operating System", "Share", "root/cimv2", "Win32_Share", []string{"Name", "Path", "Description", "Type", "MaximumAllowed"}, nil, cimDoc + "win32-share"},
	{"Operating System", "Terminal Server", "root/cimv2/TerminalServices", "Win32_TerminalService", []string{"Name", "DisplayName", "State", "StartMode", "TotalSessions", "DisconnectedSessions"}, nil,
		"https://learn.microsoft.com/windows/win32/termserv/win32-terminalservice"},
	{"Input and Output Devices", "Keyboard", "root/cimv2", "Win32_Keyboard", []string{"DeviceID", "Name", "Description", "Layout", "NumberOfFunctionKeys", "Status"}, nil, cimDoc + "win32-keyboard"},
	{"Input and Output Devices", "Modem", "root/cimv2", "Win32_POTSModem", []string{"DeviceID", "Name", "AttachedTo", "Model", "DeviceType", "MaxBaudRateToPhone", "Status"}, nil, cimDoc + "win32-potsmodem"},
	{"Input and Output Devices", "Monitor", "root/cimv2", "Win32_DesktopMonitor", []string{"DeviceID", "Name", "MonitorManufacturer", "ScreenWidth", "ScreenHeight", "PixelsPerXLogicalInch", "Status"}, nil, cimDoc + "win32-desktopmonitor"},
	{"Input and Output Devices", "Pointing Device", "root/cimv2", "Win32_PointingDevice", []string{"DeviceID", "Name", "Manufacturer", "NumberOfButtons", "PointingType", "DeviceInterface", "Status"}, nil, cimDoc + "win32-pointingdevice"},
	{"Input and Output Devices", "Printer", "root/cimv2", "Win32_Printer", []string{"DeviceID", "Name", "DriverName", "PortName", "Shared", "ShareName", "Default", "PrinterStatus", "ExtendedPrinterStatus", "WorkOffline", "Location"}, nil, cimDoc + "win32-printer"},
	{"Input and Output Devices", "Video Adapter", "root/cimv2", "Win32_VideoController", []string{"DeviceID", "Name", "AdapterRAM", "DriverVersion", "VideoProcessor", "CurrentHorizontalResolution", "CurrentVerticalResolution", "CurrentBitsPerPixel", "CurrentRefreshRate", "Status"}, nil, cimDoc + "win32-videocontroller"},
	{"Controllers and Ports", "IDE Controller", "root/cimv2", "Win32_IDEController", []string{"DeviceID", "Name", "Manufacturer", "ProtocolSupported", "Status"}, nil, cimDoc + "win32-idecontroller"},
	{"Controllers and Ports", "Parallel Port", "root/cimv2", "Win32_ParallelPort", []string{"DeviceID", "Name", "Availability", "Status"}, nil, cimDoc + "win32-parallelport"},
	{"Controllers and Ports", "Serial Port", "root/cimv2", "Win32_SerialPort", []string{"DeviceID", "Name", "MaxBaudRate", "ProviderType", "Status"}, nil, cimDoc + "win32-serialport"},
	{"Controllers and Ports", "USB Controller", "root/cimv2", "Win32_USBController", []string{"DeviceID", "Name", "Manufacturer", "ProtocolSupported", "Status"}, nil, cimDoc + "win32-usbcontroller"},
	{"Controllers and Ports", "SCSI Controller", "root/cimv2", "Win32_SCSIController", []string{"DeviceID", "Name", "Manufacturer", "DriverName", "ProtocolSupported", "Status"}, nil, cimDoc + "win32-scsicontroller"},
	{"Controllers and Ports", "USB Hub", "root/cimv2", "Win32_USBHub", []string{"DeviceID", "Name", "Description", "NumberOfPorts", "USBVersion", "Status"}, nil, cimDoc + "win32-usbhub"},
	// The guide's SMBIOS node is the computer's SMBIOS identity: whether
	// the firmware publishes SMBIOS tables (SMBIOSPresent), their version
	// (SMBIOSMajorVersion, SMBIOSMinorVersion) and the BIOS they describe
	// (SMBIOSBIOSVersion comes from the BIOS Version member of the SMBIOS
	// BIOS Information structure, type 0), as Win32_BIOS reports them
	// (https://learn.microsoft.com/windows/win32/cimwin32prov/win32-bios).
	// Win32_SMBIOSMemory, which served it before, is a low-level memory
	// object, not SMBIOS itself.
	{"Physical System", "SMBIOS", "root/cimv2", "Win32_BIOS", []string{"SMBIOSPresent", "SMBIOSMajorVersion", "SMBIOSMinorVersion", "SMBIOSBIOSVersion", "Manufacturer", "ReleaseDate", "SerialNumber"}, nil, cimDoc + "win32-bios"},
	{"Physical System", "Sound Device", "root/cimv2", "Win32_SoundDevice", []string{"DeviceID", "Name", "Manufacturer", "ProductName", "Status"}, nil, cimDoc + "win32-sounddevice"},
	{"Memory", "Cache Memory", "root/cimv2", "Win32_CacheMemory", []string{"DeviceID", "Purpose", "Level", "InstalledSize", "MaxCacheSize", "CacheType", "Associativity", "Status"}, nil, cimDoc + "win32-cachememory"},
	{"Memory", "Logical Memory Configuration", "root/cimv2", "Win32_LogicalMemoryConfiguration", []string{"Name", "TotalPhysicalMemory", "TotalVirtualMemory", "AvailableVirtualMemory", "TotalPageFileSpace"},
		&Node{"Memory", "Logical Memory Configuration", "root/cimv2", "Win32_OperatingSystem",
			[]string{"TotalVisibleMemorySize", "TotalVirtualMemorySize", "FreeVirtualMemory", "SizeStoredInPagingFiles"}, nil, cimDoc + "win32-operatingsystem"},
		"https://learn.microsoft.com/previous-versions/aa394181(v=vs.85)"},
	{"Memory", "Physical Memory", "root/cimv2", "Win32_PhysicalMemory", []string{"Tag", "BankLabel", "DeviceLocator", "Manufacturer", "PartNumber", "SerialNumber", "Capacity", "Speed", "ConfiguredClockSpeed", "FormFactor", "SMBIOSMemoryType"}, nil, cimDoc + "win32-physicalmemory"},
	{"Mass Storage", "Disk Drive", "root/cimv2", "Win32_DiskDrive", []string{"DeviceID", "Model", "Manufacturer", "SerialNumber", "InterfaceType", "MediaType", "Size", "Partitions", "Status"}, nil, cimDoc + "win32-diskdrive"},
	{"Mass Storage", "Logical Drive", "root/cimv2", "Win32_LogicalDisk", []string{"DeviceID", "DriveType", "VolumeName", "FileSystem", "Size", "FreeSpace"}, nil, cimDoc + "win32-logicaldisk"},
	{"Mass Storage", "Media Device", "root/cimv2", "Win32_CDROMDrive", []string{"DeviceID", "Drive", "Name", "Manufacturer", "MediaType", "MediaLoaded", "Status"}, nil, cimDoc + "win32-cdromdrive"},
	{"Networking", "IP Route Table", "root/cimv2", "Win32_IP4RouteTable", []string{"Destination", "Mask", "NextHop", "InterfaceIndex", "Metric1", "Protocol", "Type"}, nil, cimDoc + "win32-ip4routetable"},
	{"Networking", "Network Adapter", "root/cimv2", "Win32_NetworkAdapter", []string{"DeviceID", "Name", "AdapterType", "MACAddress", "NetConnectionID", "NetConnectionStatus", "NetEnabled", "Speed", "PhysicalAdapter"}, nil, cimDoc + "win32-networkadapter"},
	{"Networking", "Network Adapter Configuration", "root/cimv2", "Win32_NetworkAdapterConfiguration", []string{"Index", "Description", "MACAddress", "IPEnabled", "IPAddress", "IPSubnet", "DefaultIPGateway", "DNSServerSearchOrder", "DHCPEnabled", "DHCPServer", "DNSHostName", "DNSDomain"}, nil, cimDoc + "win32-networkadapterconfiguration"},
	{"Networking", "Network Connection", "root/cimv2", "Win32_NetworkConnection", []string{"Name", "LocalName", "RemoteName", "ConnectionState", "Persistent", "ProviderName", "ResourceType", "UserName"}, nil, cimDoc + "win32-networkconnection"},
	{"Networking", "Server Connection", "root/cimv2", "Win32_ServerConnection", []string{"Name", "ComputerName", "ShareName", "UserName", "ActiveTime", "NumberOfFiles", "NumberOfUsers"}, nil, "https://learn.microsoft.com/previous-versions/windows/desktop/wmipsess/win32-serverconnection"},
	{"Networking", "Server Session", "root/cimv2", "Win32_ServerSession", []string{"Name", "ComputerName", "UserName", "ActiveTime", "IdleTime", "ResourcesOpened", "ClientType"}, nil, "https://learn.microsoft.com/previous-versions/windows/desktop/wmipsess/win32-serversession"},
}

// Nodes returns the WMI nodes of the one-to-one view (Table A-6), in the
// guide's order; the caller may change the copy.
func Nodes() []Node {
	out := make([]Node, len(nodeTable))
	for i, n := range nodeTable {
		out[i] = n
		out[i].Properties = append([]string(nil), n.Properties...)
	}
	return out
}

// NodeByName finds a node of [Nodes] by the guide's name (case-insensitive).
func NodeByName(name string) (Node, bool) {
	for _, n := range Nodes() {
		if strings.EqualFold(n.Name, name) {
			return n, true
		}
	}
	return Node{}, false
}

// Property is one property of an [Instance]: its values (several for an
// array), Null for a WMI null, Ref for a reference (an association's end),
// holding the referenced instance's WMI path (Class.Key="value",…).
type Property struct {
	Name   string
	Values []string
	Null   bool
	Ref    string
}

// Instance is one WMI instance read generically: its class and its
// properties in the order Windows sent them.
type Instance struct {
	Class      string
	Properties []Property
}

// Get returns the first value of a property ("" when absent or null);
// names compare case-insensitively, as in WMI.
func (in Instance) Get(name string) string {
	if p, ok := in.Prop(name); ok {
		if p.Ref != "" {
			return p.Ref
		}
		if len(p.Values) > 0 {
			return p.Values[0]
		}
	}
	return ""
}

// Prop returns a property and whether the instance has it.
func (in Instance) Prop(name string) (Property, bool) {
	for _, p := range in.Properties {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Property{}, false
}

// fromWSMan converts a wire instance.
func fromWSMan(w *wsman.Instance) Instance {
	in := Instance{Class: w.Class, Properties: make([]Property, 0, len(w.Props))}
	for _, p := range w.Props {
		q := Property{Name: p.Name, Values: p.Values, Null: p.Nil}
		if p.EPR != nil {
			q.Ref = eprPath(p.EPR)
		}
		in.Properties = append(in.Properties, q)
	}
	return in
}

// eprPath writes a WS-Management reference as the WMI object path it
// stands for (the class is the resource URI's last segment).
func eprPath(r *wsman.EndpointReference) string {
	var b strings.Builder
	b.WriteString(r.ResourceURI[strings.LastIndexByte(r.ResourceURI, '/')+1:])
	for i, s := range r.Selectors {
		if i == 0 {
			b.WriteByte('.')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(s.Name + `="` + s.Value + `"`)
	}
	return b.String()
}

// nsURI returns the WinRM resource URI prefix of a WMI namespace
// ("root/cimv2" → http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/).
func nsURI(ns string) string {
	ns = strings.Trim(strings.ReplaceAll(ns, `\`, "/"), "/")
	if ns == "" {
		ns = "root/cimv2"
	}
	return "http://schemas.microsoft.com/wbem/wsman/1/wmi/" + ns + "/"
}

// Class reads every instance of a root/cimv2 class, with only props when
// given (a WQL SELECT list; Windows then sends only those), all otherwise.
// Class and property names must be WMI identifiers.
func (c *Client) Class(ctx context.Context, class string, props ...string) ([]Instance, error) {
	return c.NamespaceClass(ctx, "root/cimv2", class, props...)
}

// NamespaceClass is [Client.Class] for a class of another namespace
// ("root/cimv2/TerminalServices").
func (c *Client) NamespaceClass(ctx context.Context, ns, class string, props ...string) ([]Instance, error) {
	if !wmiIdent(class) {
		return nil, &oobkit.Error{Protocol: oobkit.WMI, Op: "query", Class: oobkit.ErrInvalidArgument, Message: fmt.Sprintf("%q is not a WMI class name", class)}
	}
	sel := "*"
	if len(props) > 0 {
		for _, p := range props {
			if !wmiIdent(p) {
				return nil, &oobkit.Error{Protocol: oobkit.WMI, Op: "query", Class: oobkit.ErrInvalidArgument, Message: fmt.Sprintf("%q is not a WMI property name", p)}
			}
		}
		sel = strings.Join(props, ", ")
	}
	return c.NamespaceQuery(ctx, ns, "SELECT "+sel+" FROM "+class)
}

// Query runs a WQL query in root/cimv2 and returns the instances. WQL
// Windows cannot parse comes back as an oobkit.ErrInvalidArgument error
// carrying WinRM's fault (WMI's 0x80041017 "Invalid query").
func (c *Client) Query(ctx context.Context, wql string) ([]Instance, error) {
	return c.NamespaceQuery(ctx, "root/cimv2", wql)
}

// NamespaceQuery is [Client.Query] in namespace ns.
func (c *Client) NamespaceQuery(ctx context.Context, ns, wql string) ([]Instance, error) {
	items, err := c.ws.Enumerate(ctx, nsURI(ns)+"*", wsman.EnumerateOptions{
		MaxElements: 50, Filter: &wsman.Filter{Dialect: wsman.DialectWQL, Query: wql}})
	if err != nil {
		return nil, queryError(explain(err))
	}
	out := make([]Instance, len(items))
	for i, it := range items {
		out[i] = fromWSMan(it)
	}
	return out, nil
}

// queryError classes WinRM's CannotProcessFilter fault (a WQL Windows
// refuses, or a class it lacks) as an invalid argument.
func queryError(err error) error {
	f, ok := wsman.AsFault(err)
	if !ok || !strings.EqualFold(f.Subcode, "CannotProcessFilter") {
		return err
	}
	msg := f.Reason
	if f.Detail != "" {
		msg = f.Detail
	}
	return &oobkit.Error{Protocol: oobkit.WMI, Op: "query", Class: oobkit.ErrInvalidArgument, DeviceCode: f.Subcode, Message: msg, Err: err}
}

// isInvalidClass reports whether err is Windows' "invalid class"
// (0x80041010).
func isInvalidClass(err error) bool {
	f, ok := wsman.AsFault(err)
	return ok && strings.Contains(strings.ToLower(f.Detail), "80041010")
}

// ReadNode reads a node of [Nodes] by the guide's name: its class with its
// properties, or its Fallback when Windows no longer has the class. It
// returns the class that served it. The Registry node has no instances;
// read it with [Client.RegistryValues].
func (c *Client) ReadNode(ctx context.Context, name string) (class string, items []Instance, err error) {
	n, ok := NodeByName(name)
	if !ok {
		return "", nil, &oobkit.Error{Protocol: oobkit.WMI, Op: "node", Class: oobkit.ErrInvalidArgument, Message: fmt.Sprintf("no WMI node %q", name)}
	}
	if n.Class == "StdRegProv" {
		return "", nil, &oobkit.Error{Protocol: oobkit.WMI, Op: "node", Class: oobkit.ErrUnsupported, Message: "the Registry node is read a key at a time with RegistryValues"}
	}
	items, err = c.NamespaceClass(ctx, n.Namespace, n.Class, n.Properties...)
	if err != nil && n.Fallback != nil && isInvalidClass(err) {
		f := n.Fallback
		items, err = c.NamespaceClass(ctx, f.Namespace, f.Class, f.Properties...)
		return f.Class, items, err
	}
	return n.Class, items, err
}

// wmiIdent reports whether s is a WMI class or property name: a letter or
// underscore, then letters, digits and underscores.
func wmiIdent(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
