package wmitest

import (
	"strconv"
	"strings"
	"time"
)

// WMI classes the one-to-one view reads (issue 23), served with Windows'
// class and property names and property types as Microsoft documents them
// in the CIMWin32 provider reference,
// https://learn.microsoft.com/windows/win32/cimwin32prov/computer-system-hardware-classes
// and .../operating-system-classes (one page per class:
// https://learn.microsoft.com/windows/win32/cimwin32prov/win32-<class in
// lower case without the prefix's underscore>, e.g. win32-printer). The
// values describe the same small office desktop as [DefaultHardware].
//
// Win32_LogicalMemoryConfiguration is deliberately absent: "The
// Win32_LogicalMemoryConfiguration WMI class is no longer available for use"
// (https://learn.microsoft.com/previous-versions/aa394181(v=vs.85)); Windows
// Vista and later answer "invalid class" for it, and its figures are
// Win32_OperatingSystem's.

// nsTerminalServices is the namespace of Win32_TerminalService since Windows
// Vista (https://learn.microsoft.com/windows/win32/termserv/win32-terminalservice).
const nsTerminalServices = "root/cimv2/TerminalServices"

// viewClasses renders the classes of the view table; ok false for another
// class. The caller holds c.mu.
func (c *Computer) viewClasses(class string) ([]*object, bool) {
	h := c.Hardware
	switch class {
	case "Win32_LocalTime":
		// https://learn.microsoft.com/previous-versions/windows/desktop/wmitimepprov/win32-localtime
		t := c.now().In(c.zone())
		return []*object{newObject(class).num("Day", uint64(t.Day())).num("DayOfWeek", uint64(t.Weekday())).
			num("Hour", uint64(t.Hour())).null("Milliseconds").num("Minute", uint64(t.Minute())).
			num("Month", uint64(t.Month())).num("Quarter", uint64((t.Month()-1)/3+1)).num("Second", uint64(t.Second())).
			num("WeekInMonth", uint64((t.Day()-1+int(time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location()).Weekday()))/7+1)).
			num("Year", uint64(t.Year()))}, true
	case "Win32_PageFileSetting":
		return []*object{newObject(class).str("Name", `C:\pagefile.sys`).str("Caption", `C:\ 'pagefile.sys'`).
			str("Description", `'pagefile.sys' @ C:\`).str("SettingID", "pagefile.sys @ C:").
			num("InitialSize", 0).num("MaximumSize", 0)}, true
	case "Win32_BaseBoard":
		// https://learn.microsoft.com/windows/win32/cimwin32prov/win32-baseboard
		return []*object{newObject(class).str("Tag", "Base Board").str("Name", "Base Board").str("Caption", "Base Board").
			str("Manufacturer", h.Manufacturer).str("Product", "0A9F").str("SerialNumber", "/"+h.Serial+"/CNFCW0012345/").
			str("Version", "A01").boolean("HostingBoard", true).boolean("Replaceable", true).str("Status", "OK")}, true
	case "Win32_PageFileUsage":
		// https://learn.microsoft.com/windows/win32/cimwin32prov/win32-pagefileusage:
		// AllocatedBaseSize, CurrentUsage and PeakUsage are in megabytes.
		return []*object{newObject(class).str("Name", `C:\pagefile.sys`).str("Caption", `C:\pagefile.sys`).
			str("Description", `C:\pagefile.sys`).num("AllocatedBaseSize", 4864).num("CurrentUsage", 180).
			num("PeakUsage", 412).boolean("TempPageFile", false).datetime("InstallDate", c.Hardware.InstallDate).str("Status", "")}, true
	case "Win32_PrintJob":
		var out []*object
		for _, j := range c.sortedJobs() {
			out = append(out, jobObject(c.Name, j))
		}
		return out, true
	case "Win32_Printer":
		var out []*object
		for _, p := range c.sortedPrinters() {
			out = append(out, c.printerObject(p))
		}
		return out, true
	case "Win32_Proxy":
		// ProxyPortNumber is a string (https://learn.microsoft.com/previous-versions/windows/desktop/licwmiprov/win32-proxy).
		return []*object{newObject(class).str("ServerName", c.Name).str("ProxyServer", "proxy.contoso.example").
			str("ProxyPortNumber", "8080").str("Caption", "Proxy").str("Description", "WinHTTP proxy").str("SettingID", "")}, true
	case "Win32_Share":
		return []*object{
			newObject(class).str("Name", "ADMIN$").str("Path", `C:\Windows`).str("Description", "Remote Admin").
				num("Type", 2147483648).boolean("AllowMaximum", true).null("MaximumAllowed").str("Caption", "Remote Admin").str("Status", "OK"),
			newObject(class).str("Name", "C$").str("Path", `C:\`).str("Description", "Default share").
				num("Type", 2147483648).boolean("AllowMaximum", true).null("MaximumAllowed").str("Caption", "Default share").str("Status", "OK"),
			newObject(class).str("Name", "IPC$").str("Path", "").str("Description", "Remote IPC").
				num("Type", 2147483651).boolean("AllowMaximum", true).null("MaximumAllowed").str("Caption", "Remote IPC").str("Status", "OK"),
			newObject(class).str("Name", "Scans").str("Path", `C:\Scans`).str("Description", "Scanner drop folder").
				num("Type", 0).boolean("AllowMaximum", false).num("MaximumAllowed", 10).str("Caption", "Scanner drop folder").str("Status", "OK"),
		}, true
	case "Win32_TerminalService":
		return []*object{newObject(class).str("Name", "TermService").str("DisplayName", "Remote Desktop Services").
			str("State", "Running").str("StartMode", "Manual").str("Status", "OK").boolean("Started", true).
			str("PathName", `C:\Windows\System32\svchost.exe -k NetworkService`).str("StartName", `NT Authority\NetworkService`).
			str("SystemName", c.Name).num("TotalSessions", 2).num("DisconnectedSessions", 0)}, true
	case "Win32_Keyboard":
		return []*object{newObject(class).str("DeviceID", `USB\VID_046D&PID_C31C&MI_00\7&1A2B3C4D&0&0000`).
			str("Name", "Enhanced (101- or 102-key)").str("Description", "USB Input Device").str("Layout", "00000409").
			num("NumberOfFunctionKeys", 12).str("Caption", "Enhanced (101- or 102-key)").str("Status", "OK").
			str("PNPDeviceID", `USB\VID_046D&PID_C31C&MI_00\7&1A2B3C4D&0&0000`)}, true
	case "Win32_PointingDevice":
		return []*object{newObject(class).str("DeviceID", `HID\VID_046D&PID_C077\7&2B3C4D5E&0&0000`).
			str("Name", "HID-compliant mouse").str("Manufacturer", "Microsoft").num("NumberOfButtons", 0).
			num("PointingType", 2).num("DeviceInterface", 162).str("HardwareType", "HID-compliant mouse").str("Status", "OK").
			str("PNPDeviceID", `HID\VID_046D&PID_C077\7&2B3C4D5E&0&0000`)}, true
	case "Win32_POTSModem":
		return []*object{newObject(class).str("DeviceID", `USB\VID_0572&PID_1329\24680246`).str("Name", "Conexant USB CX93010 ACF Modem").
			str("AttachedTo", "COM3").str("Model", "Conexant USB CX93010 ACF Modem").str("ProviderName", "Conexant").
			str("DeviceType", "External Modem").num("MaxBaudRateToPhone", 56000).str("Status", "OK")}, true
	case "Win32_DesktopMonitor":
		return []*object{newObject(class).str("DeviceID", "DesktopMonitor1").str("Name", "Generic PnP Monitor").
			str("MonitorManufacturer", "(Standard monitor types)").str("MonitorType", "Generic PnP Monitor").
			num("ScreenHeight", 1440).num("ScreenWidth", 2560).num("PixelsPerXLogicalInch", 96).num("PixelsPerYLogicalInch", 96).
			str("Status", "OK").str("PNPDeviceID", `DISPLAY\DELA0E6\5&1F2E3D4C&0&UID4352`)}, true
	case "Win32_VideoController":
		return []*object{newObject(class).str("DeviceID", "VideoController1").str("Name", "Intel(R) UHD Graphics 770").
			num("AdapterRAM", 1073741824).str("AdapterCompatibility", "Intel Corporation").str("DriverVersion", "31.0.101.4953").
			datetime("DriverDate", time.Date(2023, 11, 16, 0, 0, 0, 0, time.UTC)).str("VideoProcessor", "Intel(R) UHD Graphics Family").
			num("CurrentHorizontalResolution", 2560).num("CurrentVerticalResolution", 1440).num("CurrentBitsPerPixel", 32).
			num("CurrentRefreshRate", 60).str("VideoModeDescription", "2560 x 1440 x 4294967296 colors").str("Status", "OK").
			str("PNPDeviceID", `PCI\VEN_8086&DEV_A780&SUBSYS_0A9F1028&REV_04\3&11583659&0&10`)}, true
	case "Win32_IDEController":
		return []*object{newObject(class).str("DeviceID", `PCI\VEN_8086&DEV_7AE2&SUBSYS_0A9F1028&REV_11\3&11583659&0&B8`).
			str("Name", "Standard SATA AHCI Controller").str("Manufacturer", "Standard SATA AHCI Controller").
			num("ProtocolSupported", 37).str("Status", "OK").str("PNPDeviceID", `PCI\VEN_8086&DEV_7AE2&SUBSYS_0A9F1028&REV_11\3&11583659&0&B8`)}, true
	case "Win32_SCSIController":
		return []*object{newObject(class).str("DeviceID", `PCI\VEN_144D&DEV_A80A&SUBSYS_A801144D&REV_00\4&2D3C1B0A&0&0008`).
			str("Name", "Standard NVM Express Controller").str("Manufacturer", "Standard NVM Express Controller").
			str("DriverName", "stornvme").num("ProtocolSupported", 2).str("Status", "OK")}, true
	case "Win32_USBController":
		return []*object{newObject(class).str("DeviceID", `PCI\VEN_8086&DEV_7AE0&SUBSYS_0A9F1028&REV_11\3&11583659&0&A0`).
			str("Name", "Intel(R) USB 3.20 eXtensible Host Controller - 1.20 (Microsoft)").str("Manufacturer", "Generic USB xHCI Host Controller").
			num("ProtocolSupported", 16).str("Status", "OK").str("PNPDeviceID", `PCI\VEN_8086&DEV_7AE0&SUBSYS_0A9F1028&REV_11\3&11583659&0&A0`)}, true
	case "Win32_ParallelPort":
		return []*object{newObject(class).str("DeviceID", "LPT1").str("Name", "Printer Port (LPT1)").num("Availability", 3).
			list("Capabilities", "4").str("Status", "OK").str("PNPDeviceID", `ACPI\PNP0400\1`)}, true
	case "Win32_SerialPort":
		return []*object{newObject(class).str("DeviceID", "COM1").str("Name", "Communications Port (COM1)").
			num("MaxBaudRate", 115200).str("ProviderType", "RS232 Serial Port").boolean("Binary", true).str("Status", "OK").
			str("PNPDeviceID", `ACPI\PNP0501\0`)}, true
	case "Win32_USBHub":
		return []*object{
			newObject(class).str("DeviceID", `USB\ROOT_HUB30\4&1E5B1C2&0&0`).str("Name", "USB Root Hub (USB 3.0)").
				str("Description", "USB Root Hub (USB 3.0)").str("Status", "OK").str("PNPDeviceID", `USB\ROOT_HUB30\4&1E5B1C2&0&0`).
				null("NumberOfPorts").null("USBVersion"),
			newObject(class).str("DeviceID", `USB\VID_046D&PID_C31C\6&3A4B5C6D&0&1`).str("Name", "USB Composite Device").
				str("Description", "USB Composite Device").str("Status", "OK").str("PNPDeviceID", `USB\VID_046D&PID_C31C\6&3A4B5C6D&0&1`).
				null("NumberOfPorts").null("USBVersion"),
		}, true
	case "Win32_SMBIOSMemory":
		total := uint64(0)
		for _, m := range h.MemoryModules {
			total += uint64(m) << 20
		}
		return []*object{newObject(class).str("DeviceID", "SMBIOSMemory0").str("Name", "System Memory").
			num("BlockSize", 1024).num("NumberOfBlocks", total/1024).num("Access", 0).str("Purpose", "System Memory").
			num("SystemLevelAddress", 0).str("Status", "OK")}, true
	case "Win32_SoundDevice":
		return []*object{newObject(class).str("DeviceID", `HDAUDIO\FUNC_01&VEN_10EC&DEV_0236&SUBSYS_10280A9F&REV_1000\4&2E4F6A8C&0&0001`).
			str("Name", "Realtek(R) Audio").str("Manufacturer", "Realtek").str("ProductName", "Realtek(R) Audio").
			str("Status", "OK").num("StatusInfo", 3).str("PNPDeviceID", `HDAUDIO\FUNC_01&VEN_10EC&DEV_0236&SUBSYS_10280A9F&REV_1000\4&2E4F6A8C&0&0001`)}, true
	case "Win32_CacheMemory":
		cache := func(i int, purpose string, level, kb, typ uint64) *object {
			return newObject(class).str("DeviceID", "Cache Memory "+strconv.Itoa(i)).str("Purpose", purpose).
				num("Level", level).num("InstalledSize", kb).num("MaxCacheSize", kb).num("CacheType", typ).
				num("Associativity", 7).num("Location", 0).num("BlockSize", 1024).num("NumberOfBlocks", kb).str("Status", "OK")
		}
		return []*object{cache(0, "L1 Cache", 3, 1408, 5), cache(1, "L2 Cache", 4, 24576, 5), cache(2, "L3 Cache", 5, 30720, 5)}, true
	case "Win32_CDROMDrive":
		return []*object{newObject(class).str("DeviceID", `SCSI\CDROM&VEN_HL-DT-ST&PROD_DVD+-RW_GU90N\4&3A2B1C0D&0&000200`).
			str("Drive", "D:").str("Name", "HL-DT-ST DVD+-RW GU90N").str("Manufacturer", "(Standard CD-ROM drives)").
			str("MediaType", "DVD Writer").boolean("MediaLoaded", false).str("Status", "OK").str("Caption", "HL-DT-ST DVD+-RW GU90N")}, true
	case "Win32_IP4RouteTable":
		gw := c.gateway()
		route := func(dest, mask, hop string, ifx, metric, proto, typ uint64) *object {
			return newObject(class).str("Destination", dest).str("Mask", mask).str("NextHop", hop).
				num("InterfaceIndex", ifx).num("Metric1", metric).num("Protocol", proto).num("Type", typ).
				num("Age", 86400).str("Name", dest).str("Caption", dest).str("Information", "0.0")
		}
		subnet := c.subnet()
		return []*object{
			route("0.0.0.0", "0.0.0.0", gw, 12, 25, 3, 4),
			route("127.0.0.0", "255.0.0.0", "0.0.0.0", 1, 331, 2, 3),
			route(subnet, "255.255.255.0", "0.0.0.0", 12, 281, 2, 3),
			route(h.IPv4, "255.255.255.255", "0.0.0.0", 12, 281, 2, 3),
		}, true
	case "Win32_NetworkAdapter":
		return []*object{
			newObject(class).str("DeviceID", "1").num("Index", 1).str("Name", "Intel(R) Ethernet Connection (17) I219-LM").
				str("AdapterType", "Ethernet 802.3").num("AdapterTypeId", 0).str("MACAddress", h.MAC).str("NetConnectionID", "Ethernet").
				num("NetConnectionStatus", 2).boolean("NetEnabled", true).num("Speed", 1000000000).str("Manufacturer", "Intel").
				boolean("PhysicalAdapter", true).num("InterfaceIndex", 12).str("GUID", "{6A1F6F4E-3C2B-4D8E-9F10-2A3B4C5D6E7F}").
				str("PNPDeviceID", `PCI\VEN_8086&DEV_1A1C&SUBSYS_0A9F1028&REV_11\3&11583659&0&FE`),
			newObject(class).str("DeviceID", "2").num("Index", 2).str("Name", "WAN Miniport (IP)").null("AdapterType").null("AdapterTypeId").
				null("MACAddress").null("NetConnectionID").null("NetConnectionStatus").null("NetEnabled").null("Speed").
				str("Manufacturer", "Microsoft").boolean("PhysicalAdapter", false).num("InterfaceIndex", 7).null("GUID").
				str("PNPDeviceID", `SWD\MSRRAS\MS_NDISWANIP`),
		}, true
	case "Win32_NetworkConnection":
		return []*object{newObject(class).str("Name", `\\fs01\public`).str("LocalName", "Z:").str("RemoteName", `\\fs01\public`).
			str("RemotePath", `\\fs01\public`).str("ConnectionState", "Connected").str("ConnectionType", "Current Connection").
			boolean("Persistent", true).str("ProviderName", "Microsoft Windows Network").str("ResourceType", "Disk").
			str("Status", "OK").str("UserName", c.Name+`\alice`).str("DisplayType", "Share")}, true
	case "Win32_ServerConnection":
		// Win32_ServerConnection and Win32_ServerSession come from the
		// SessionProvider
		// (https://learn.microsoft.com/previous-versions/windows/desktop/wmipsess/win32-serverconnection,
		// .../wmipsess/win32-serversession).
		return []*object{newObject(class).str("Name", `\\192.0.2.7\Scans`).num("ActiveTime", 1260).str("ComputerName", "192.0.2.7").
			num("ConnectionID", 3).num("NumberOfFiles", 1).num("NumberOfUsers", 1).str("ShareName", "Scans").
			str("UserName", "scanner").str("Caption", `\\192.0.2.7\Scans`)}, true
	case "Win32_ServerSession":
		return []*object{newObject(class).str("Name", `\\192.0.2.7 scanner`).num("ActiveTime", 1260).str("ClientType", "").
			str("ComputerName", "192.0.2.7").num("IdleTime", 45).num("ResourcesOpened", 1).num("SessionType", 0).
			str("TransportName", `\Device\NetbiosSmb`).str("UserName", "scanner")}, true
	case "Win32_Group":
		var out []*object
		for _, g := range c.sortedGroups() {
			out = append(out, c.groupObject(g))
		}
		return out, true
	case "Win32_GroupUser":
		var out []*object
		for _, g := range c.sortedGroups() {
			for _, m := range c.members(g) {
				out = append(out, c.groupUserObject(g, m))
			}
		}
		return out, true
	}
	return nil, false
}

// zone is the computer's time zone: UTC+1 (W. Europe Standard Time in
// winter), so that local time and UTC differ in tests.
func (c *Computer) zone() *time.Location { return time.FixedZone("W. Europe Standard Time", 3600) }

// gateway returns the .1 address of the computer's /24.
func (c *Computer) gateway() string {
	if i := strings.LastIndexByte(c.Hardware.IPv4, '.'); i > 0 {
		return c.Hardware.IPv4[:i] + ".1"
	}
	return "0.0.0.0"
}

// subnet returns the .0 address of the computer's /24.
func (c *Computer) subnet() string {
	if i := strings.LastIndexByte(c.Hardware.IPv4, '.'); i > 0 {
		return c.Hardware.IPv4[:i] + ".0"
	}
	return "0.0.0.0"
}
