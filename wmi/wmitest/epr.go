package wmitest

import (
	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/internal/wsman"
)

// classKeys are the key properties of the classes the computer serves, as
// the WMI class definitions mark them (the [key] qualifier; e.g.
// Win32_Service.Name, Win32_Process.Handle, Win32_OperatingSystem.Name:
// https://learn.microsoft.com/windows/win32/cimwin32prov/win32-service and
// its sibling pages). An EPR selects an instance by them.
var classKeys = map[string][]string{
	"Win32_ComputerSystem":              {"Name"},
	"Win32_OperatingSystem":             {"Name"},
	"Win32_BIOS":                        {"Name", "SoftwareElementID", "SoftwareElementState", "TargetOperatingSystem", "Version"},
	"Win32_Processor":                   {"DeviceID"},
	"Win32_PhysicalMemory":              {"CreationClassName", "Tag"},
	"Win32_DiskDrive":                   {"DeviceID"},
	"Win32_LogicalDisk":                 {"DeviceID"},
	"Win32_NetworkAdapterConfiguration": {"Index"},
	"Win32_QuickFixEngineering":         {"HotFixID", "ServicePackInEffect"},
	"Win32_Process":                     {"Handle"},
	"Win32_Service":                     {"Name"},
	"Win32_UserAccount":                 {"Domain", "Name"},
	"Win32_NTLogEvent":                  {"Logfile", "RecordNumber"},
	"Win32_NTEventlogFile":              {"Name"},
	"Win32_LocalTime":                   {},
	"Win32_PageFileSetting":             {"Name"},
	"Win32_PageFileUsage":               {"Name"},
	"Win32_BaseBoard":                   {"Tag"},
	"Win32_PrintJob":                    {"Name"},
	"Win32_Printer":                     {"DeviceID"},
	"Win32_Proxy":                       {"ServerName"},
	"Win32_Share":                       {"Name"},
	"Win32_TerminalService":             {"Name"},
	"Win32_Keyboard":                    {"DeviceID"},
	"Win32_PointingDevice":              {"DeviceID"},
	"Win32_POTSModem":                   {"DeviceID"},
	"Win32_DesktopMonitor":              {"DeviceID"},
	"Win32_VideoController":             {"DeviceID"},
	"Win32_IDEController":               {"DeviceID"},
	"Win32_SCSIController":              {"DeviceID"},
	"Win32_USBController":               {"DeviceID"},
	"Win32_ParallelPort":                {"DeviceID"},
	"Win32_SerialPort":                  {"DeviceID"},
	"Win32_USBHub":                      {"DeviceID"},
	"Win32_SMBIOSMemory":                {"DeviceID"},
	"Win32_SoundDevice":                 {"DeviceID"},
	"Win32_CacheMemory":                 {"DeviceID"},
	"Win32_CDROMDrive":                  {"DeviceID"},
	"Win32_IP4RouteTable":               {"Destination", "InterfaceIndex", "Mask", "NextHop"},
	"Win32_NetworkAdapter":              {"DeviceID"},
	"Win32_NetworkConnection":           {"Name"},
	"Win32_ServerConnection":            {"ComputerName", "ShareName", "UserName"},
	"Win32_ServerSession":               {"ComputerName", "UserName"},
	"Win32_Group":                       {"Domain", "Name"},
	"Win32_GroupUser":                   {"GroupComponent", "PartComponent"},
}

// Enumeration modes of WS-Management (DSP0226 1.x §8.7, "Enumeration of
// EPRs"): the wsman:EnumerationMode element of an Enumerate asks for the
// EPRs of the instances instead of the instances, or both.
const (
	modeEPR          = "EnumerateEPR"
	modeObjectAndEPR = "EnumerateObjectAndEPR"
)

// enumerationMode returns the EnumerationMode an Enumerate body asks for
// ("" for objects).
func enumerationMode(body *etree.Element) string {
	if body == nil {
		return ""
	}
	if m := body.SelectElement("EnumerationMode"); m != nil {
		return m.Text()
	}
	return ""
}

// epr renders the endpoint reference of o as WinRM does: the anonymous
// address, then ReferenceParameters with the class's resource URI and a
// selector per key property that has a value.
func (o *object) epr() *etree.Element {
	e := etree.NewElement("a:EndpointReference")
	e.CreateAttr("xmlns:a", wsman.NSAddressing)
	e.CreateAttr("xmlns:w", wsman.NSWSMan)
	e.CreateElement("a:Address").SetText(wsman.AnonymousAddress)
	rp := e.CreateElement("a:ReferenceParameters")
	rp.CreateElement("w:ResourceURI").SetText(classURI(o.class))
	set := rp.CreateElement("w:SelectorSet")
	for _, k := range classKeys[o.class] {
		if v, ok := o.get(k); ok {
			s := set.CreateElement("w:Selector")
			s.CreateAttr("Name", k)
			s.SetText(v)
		}
	}
	return e
}

// item renders o for an enumeration in mode: the instance, its EPR, or
// both wrapped in a wsman:Item (DSP0226 §8.7).
func (o *object) item(mode string) *etree.Element {
	switch mode {
	case modeEPR:
		return o.epr()
	case modeObjectAndEPR:
		it := etree.NewElement("w:Item")
		it.CreateAttr("xmlns:w", wsman.NSWSMan)
		it.AddChild(o.element())
		it.AddChild(o.epr())
		return it
	}
	return o.element()
}
