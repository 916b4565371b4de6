package wmitest

import (
	"strings"
	"time"
)

// Hardware is the simulated computer's inventory.
type Hardware struct {
	Manufacturer, Model, Serial  string
	OSCaption, OSVersion, Build  string
	BIOSVendor, BIOSVersion      string
	BIOSDate                     time.Time
	InstallDate                  time.Time
	CPU                          string
	Cores, Threads, MHz          int
	MemoryModules                []int // sizes in MiB
	DiskModel, DiskSerial        string
	DiskBytes                    uint64
	VolumeBytes, VolumeFreeBytes uint64
	MAC, IPv4                    string
	HotFixes                     []string
}

// DefaultHardware is a small office desktop.
func DefaultHardware() Hardware {
	return Hardware{
		Manufacturer: "Contoso", Model: "OptiDesk 7000", Serial: "CZC1234XYZ",
		OSCaption: "Microsoft Windows 11 Pro", OSVersion: "10.0.22631", Build: "22631",
		BIOSVendor: "Contoso BIOS", BIOSVersion: "1.21.0", BIOSDate: time.Date(2024, 5, 14, 0, 0, 0, 0, time.UTC),
		InstallDate: time.Date(2024, 9, 2, 8, 30, 0, 0, time.UTC),
		CPU:         "Intel(R) Core(TM) i7-13700 CPU @ 2.10GHz", Cores: 16, Threads: 24, MHz: 2100,
		MemoryModules: []int{16384, 16384},
		DiskModel:     "NVMe SAMSUNG MZVL2512", DiskSerial: "S6WKNX0T123456", DiskBytes: 512110190592,
		VolumeBytes: 510770802688, VolumeFreeBytes: 301234567168,
		MAC: "00:1A:2B:3C:4D:5E", IPv4: "192.0.2.42",
		HotFixes: []string{"KB5034441", "KB5036893"},
	}
}

// classObjects renders every instance of class, or nil, false for a class
// the simulator does not know.
func (c *Computer) classObjects(class string) ([]*object, bool) {
	h := c.Hardware
	switch class {
	case "Win32_ComputerSystem":
		total := uint64(0)
		for _, m := range h.MemoryModules {
			total += uint64(m) << 20
		}
		role := uint64(0) // standalone workstation
		if c.dc {
			role = 5 // primary domain controller
		}
		return []*object{newObject(class).str("Name", c.Name).str("Domain", c.Domain).str("Manufacturer", h.Manufacturer).
			str("Model", h.Model).num("TotalPhysicalMemory", total).str("UserName", c.Name+`\alice`).
			str("PrimaryOwnerName", "Alice Contoso").
			boolean("PartOfDomain", c.dc).num("DomainRole", role)}, true
	case "Win32_OperatingSystem":
		memKB := uint64(0)
		for _, m := range h.MemoryModules {
			memKB += uint64(m) << 10
		}
		return []*object{newObject(class).str("Name", h.OSCaption+`|C:\Windows|\Device\Harddisk0\Partition3`).
			str("Caption", h.OSCaption).str("Version", h.OSVersion).str("BuildNumber", h.Build).
			str("Manufacturer", "Microsoft Corporation").str("OSArchitecture", "64-bit").str("CSName", c.Name).
			datetime("LastBootUpTime", c.lastBoot).datetime("InstallDate", h.InstallDate).
			datetime("LocalDateTime", c.now().In(c.zone())).num("CurrentTimeZone", 60).
			str("SerialNumber", "00330-80000-00000-AA123").str("RegisteredUser", "Contoso").str("Organization", "Contoso Ltd.").
			str("SystemDirectory", `C:\Windows\system32`).str("WindowsDirectory", `C:\Windows`).str("SystemDrive", "C:").
			str("BootDevice", `\Device\HarddiskVolume1`).num("OSLanguage", 1033).str("Locale", "0409").str("CountryCode", "1").
			num("ServicePackMajorVersion", 0).num("NumberOfProcesses", uint64(len(c.processes))).num("NumberOfUsers", 1).
			num("TotalVisibleMemorySize", memKB).num("FreePhysicalMemory", memKB*6/10).
			num("TotalVirtualMemorySize", memKB+4980736).num("FreeVirtualMemory", memKB*5/10+3000000).
			num("SizeStoredInPagingFiles", 4980736).num("FreeSpaceInPagingFiles", 4800000).
			boolean("Primary", true).str("Status", "OK")}, true
	case "Win32_BIOS":
		return []*object{newObject(class).str("Name", h.BIOSVendor+" "+h.BIOSVersion).str("Manufacturer", h.BIOSVendor).
			str("SMBIOSBIOSVersion", h.BIOSVersion).str("SerialNumber", h.Serial).datetime("ReleaseDate", h.BIOSDate).
			boolean("SMBIOSPresent", true).num("SMBIOSMajorVersion", 3).num("SMBIOSMinorVersion", 4).
			str("Version", "CONTOS - 1072009").list("BIOSVersion", "CONTOS - 1072009", h.BIOSVersion, "American Megatrends - 5001B").
			str("SoftwareElementID", h.BIOSVendor+" "+h.BIOSVersion).num("SoftwareElementState", 3).num("TargetOperatingSystem", 0).
			boolean("PrimaryBIOS", true).str("Status", "OK")}, true
	case "Win32_Processor":
		return []*object{newObject(class).str("DeviceID", "CPU0").str("Name", h.CPU).str("Manufacturer", "GenuineIntel").
			num("Family", 198).num("NumberOfCores", uint64(h.Cores)).num("NumberOfLogicalProcessors", uint64(h.Threads)).
			num("MaxClockSpeed", uint64(h.MHz)).num("CurrentClockSpeed", uint64(h.MHz)).str("SocketDesignation", "LGA1700").
			num("LoadPercentage", 7)}, true
	case "Win32_PhysicalMemory":
		var out []*object
		for i, m := range h.MemoryModules {
			out = append(out, newObject(class).str("Tag", "Physical Memory "+itoa(i)).str("BankLabel", "BANK "+itoa(i)).
				str("DeviceLocator", "DIMM"+itoa(i+1)).str("Manufacturer", "Kingston").str("PartNumber", "KF552C40-16").
				str("SerialNumber", "0A1B2C"+itoa(i)).num("Capacity", uint64(m)<<20).num("Speed", 5200).num("SMBIOSMemoryType", 34).
				num("ConfiguredClockSpeed", 4800).num("FormFactor", 8).num("MemoryType", 0).num("TotalWidth", 64).
				num("DataWidth", 64).str("CreationClassName", "Win32_PhysicalMemory"))
		}
		return out, true
	case "Win32_DiskDrive":
		return []*object{newObject(class).str("DeviceID", `\\.\PHYSICALDRIVE0`).str("Model", h.DiskModel).
			str("Manufacturer", "(Standard disk drives)").str("SerialNumber", h.DiskSerial).num("Size", h.DiskBytes).
			num("Index", 0).str("InterfaceType", "SCSI").str("MediaType", "Fixed hard disk media").num("Partitions", 3).
			num("BytesPerSector", 512).str("FirmwareRevision", "GXA7801Q").str("Status", "OK")}, true
	case "Win32_LogicalDisk":
		return []*object{
			newObject(class).str("DeviceID", "C:").num("DriveType", 3).str("VolumeName", "Windows").
				num("Size", h.VolumeBytes).num("FreeSpace", h.VolumeFreeBytes).str("FileSystem", "NTFS"),
			newObject(class).str("DeviceID", "D:").num("DriveType", 5).null("VolumeName").null("Size").null("FreeSpace").null("FileSystem"),
		}, true
	case "Win32_NetworkAdapterConfiguration":
		return []*object{
			newObject(class).num("Index", 1).str("Description", "Intel(R) Ethernet Connection (17) I219-LM").
				str("MACAddress", h.MAC).list("IPAddress", h.IPv4, "fe80::21a:2bff:fe3c:4d5e").boolean("DHCPEnabled", true).
				boolean("IPEnabled", true).list("IPSubnet", "255.255.255.0", "64").list("DefaultIPGateway", c.gateway()).
				list("DNSServerSearchOrder", c.gateway()).str("DHCPServer", c.gateway()).str("DNSHostName", strings.ToLower(c.Name)).
				str("DNSDomain", "contoso.example").num("InterfaceIndex", 12).str("ServiceName", "e1dexpress").
				str("SettingID", "{6A1F6F4E-3C2B-4D8E-9F10-2A3B4C5D6E7F}"),
			newObject(class).num("Index", 2).str("Description", "WAN Miniport (IP)").null("MACAddress").null("IPAddress").
				boolean("DHCPEnabled", false).boolean("IPEnabled", false).null("IPSubnet").null("DefaultIPGateway").
				null("DNSServerSearchOrder").null("DHCPServer").null("DNSHostName").null("DNSDomain").num("InterfaceIndex", 7).
				str("ServiceName", "NdisWan").str("SettingID", "{8E301A52-AFFA-4F49-B9CA-C79096A1A056}"),
		}, true
	case "Win32_QuickFixEngineering":
		var out []*object
		for _, kb := range h.HotFixes {
			out = append(out, newObject(class).str("HotFixID", kb).str("Description", "Security Update").
				str("InstalledOn", "1/9/2024").str("CSName", c.Name).str("InstalledBy", `NT AUTHORITY\SYSTEM`).
				str("Caption", "https://support.microsoft.com/help/"+strings.TrimPrefix(kb, "KB")).str("ServicePackInEffect", ""))
		}
		return out, true
	case "Win32_Process":
		c.reap()
		var out []*object
		for _, p := range sortedProcesses(c.processes) {
			o := newObject(class).str("Name", p.Name).num("ProcessId", uint64(p.PID)).str("Handle", itoa(int(p.PID))).
				num("ParentProcessId", uint64(p.ParentPID)).num("SessionId", 0).num("ThreadCount", 4).
				num("WorkingSetSize", 8<<20).datetime("CreationDate", p.Created)
			if p.ExecutablePath != "" {
				o.str("ExecutablePath", p.ExecutablePath)
			} else {
				o.null("ExecutablePath")
			}
			if p.CommandLine != "" {
				o.str("CommandLine", p.CommandLine)
			} else {
				o.null("CommandLine")
			}
			out = append(out, o)
		}
		return out, true
	case "Win32_Service":
		var out []*object
		for _, s := range c.sortedServices() {
			out = append(out, serviceObject(s))
		}
		return out, true
	case "Win32_UserAccount":
		var out []*object
		for _, u := range c.sortedUsers() {
			out = append(out, c.userObject(u))
		}
		return out, true
	case "Win32_NTLogEvent":
		var out []*object
		for _, log := range c.logNames() {
			for _, e := range c.logsNewestFirst(log) {
				out = append(out, eventObject(c.Name, e))
			}
		}
		return out, true
	case "Win32_NTEventlogFile":
		var out []*object
		for _, log := range c.logNames() {
			out = append(out, newObject(class).str("LogfileName", log).
				str("Name", `C:\Windows\System32\Winevt\Logs\`+log+".evtx").
				num("NumberOfRecords", uint64(len(c.logs[log]))).num("MaxFileSize", 20<<20))
		}
		return out, true
	}
	return c.viewClasses(class)
}

func serviceObject(s *Service) *object {
	return newObject("Win32_Service").str("Name", s.Name).str("DisplayName", s.DisplayName).str("State", s.State).
		str("StartMode", s.StartMode).str("PathName", s.PathName).str("StartName", s.StartName).
		num("ProcessId", uint64(s.PID)).boolean("AcceptStop", s.AcceptStop && s.State == "Running").
		boolean("Started", s.State == "Running").str("Status", "OK").num("ExitCode", 0)
}

func eventObject(computer string, e *Event) *object {
	types := map[int]string{1: "Error", 2: "Warning", 3: "Information", 4: "Audit Success", 5: "Audit Failure"}
	o := newObject("Win32_NTLogEvent").str("Logfile", e.Log).num("RecordNumber", uint64(e.Record)).
		num("EventCode", uint64(e.Code)).num("EventIdentifier", uint64(e.Code)).num("EventType", uint64(e.Type)).
		str("Type", types[e.Type]).str("SourceName", e.Source).str("ComputerName", computer).
		datetime("TimeGenerated", e.Time).datetime("TimeWritten", e.Time).str("Message", e.Message).num("Category", 0)
	if e.User != "" {
		o.str("User", e.User)
	} else {
		o.null("User")
	}
	return o
}
