package wmi_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/wmi"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

// TestNodeTable checks the node table against the guide's Table A-6
// ("Information nodes (static)"), whose WMI rows read, group by group:
// "WMI Local Time Operating System", "WMI Operating System", "WMI Page File
// Settings", "WMI Printing Job", "WMI Proxy Server", "WMI Quick-Fix
// Engineering", "WMI Registry", "WMI Share", "WMI Terminal Server", "WMI
// Keyboard Input and Output Devices", "WMI Modem", "WMI Monitor", "WMI
// Pointing Device", "WMI Printer", "WMI Video Adapter", "WMI IDE Controller
// Controllers and Ports", "WMI Parallel Port", "WMI Serial Port", "WMI USB
// Controller", "WMI SCSI Controller", "WMI USB Hub", "WMI SMBIOS", "WMI
// Sound Device", "WMI or DASH Cache Memory Memory", "WMI Logical Memory
// Configuration", "WMI or DASH Physical Memory", "WMI and AMT Disk Drive
// Mass Storage", "WMI Logical Drive", "WMI Media Device", "WMI and SNMP IP
// Route Table Networking", "WMI and SNMP Network Adapter", "WMI or AMT or
// SNMP or IPMI Network Adapter Configuration", "WMI Network Connection",
// "WMI Server Connection", "WMI Server Session".
func TestNodeTable(t *testing.T) {
	want := [][3]string{
		{"Operating System", "Local Time", "Win32_LocalTime"},
		{"Operating System", "Operating System", "Win32_OperatingSystem"},
		{"Operating System", "Page File Settings", "Win32_PageFileSetting"},
		{"Operating System", "Printing Job", "Win32_PrintJob"},
		{"Operating System", "Proxy Server", "Win32_Proxy"},
		{"Operating System", "Quick-Fix Engineering", "Win32_QuickFixEngineering"},
		{"Operating System", "Registry", "StdRegProv"},
		{"Operating System", "Share", "Win32_Share"},
		{"Operating System", "Terminal Server", "Win32_TerminalService"},
		{"Input and Output Devices", "Keyboard", "Win32_Keyboard"},
		{"Input and Output Devices", "Modem", "Win32_POTSModem"},
		{"Input and Output Devices", "Monitor", "Win32_DesktopMonitor"},
		{"Input and Output Devices", "Pointing Device", "Win32_PointingDevice"},
		{"Input and Output Devices", "Printer", "Win32_Printer"},
		{"Input and Output Devices", "Video Adapter", "Win32_VideoController"},
		{"Controllers and Ports", "IDE Controller", "Win32_IDEController"},
		{"Controllers and Ports", "Parallel Port", "Win32_ParallelPort"},
		{"Controllers and Ports", "Serial Port", "Win32_SerialPort"},
		{"Controllers and Ports", "USB Controller", "Win32_USBController"},
		{"Controllers and Ports", "SCSI Controller", "Win32_SCSIController"},
		{"Controllers and Ports", "USB Hub", "Win32_USBHub"},
		{"Physical System", "SMBIOS", "Win32_BIOS"},
		{"Physical System", "Sound Device", "Win32_SoundDevice"},
		{"Memory", "Cache Memory", "Win32_CacheMemory"},
		{"Memory", "Logical Memory Configuration", "Win32_LogicalMemoryConfiguration"},
		{"Memory", "Physical Memory", "Win32_PhysicalMemory"},
		{"Mass Storage", "Disk Drive", "Win32_DiskDrive"},
		{"Mass Storage", "Logical Drive", "Win32_LogicalDisk"},
		{"Mass Storage", "Media Device", "Win32_CDROMDrive"},
		{"Networking", "IP Route Table", "Win32_IP4RouteTable"},
		{"Networking", "Network Adapter", "Win32_NetworkAdapter"},
		{"Networking", "Network Adapter Configuration", "Win32_NetworkAdapterConfiguration"},
		{"Networking", "Network Connection", "Win32_NetworkConnection"},
		{"Networking", "Server Connection", "Win32_ServerConnection"},
		{"Networking", "Server Session", "Win32_ServerSession"},
	}
	nodes := wmi.Nodes()
	require.Len(t, nodes, len(want))
	for i, w := range want {
		assert.Equal(t, w, [3]string{nodes[i].Group, nodes[i].Name, nodes[i].Class}, "row %d", i)
		assert.True(t, strings.HasPrefix(nodes[i].Doc, "https://learn.microsoft.com/"), nodes[i].Name)
	}
	nodes[0].Properties[0] = "changed"
	assert.NotEqual(t, "changed", wmi.Nodes()[0].Properties[0], "Nodes returns a copy")
}

// TestReadEveryNode reads every node of the table from wmitest: each
// answers with its class, at least one instance, and every property the
// table asks for.
func TestReadEveryNode(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	for _, n := range wmi.Nodes() {
		if n.Class == "StdRegProv" {
			continue // read a key at a time: TestRegistry
		}
		t.Run(n.Name, func(t *testing.T) {
			class, items, err := c.ReadNode(ctx(t), n.Name)
			require.NoError(t, err)
			require.NotEmpty(t, items)
			want := n
			if n.Fallback != nil {
				want = *n.Fallback
			}
			assert.Equal(t, want.Class, class)
			for _, in := range items {
				assert.Equal(t, want.Class, in.Class)
				for _, p := range want.Properties {
					_, ok := in.Prop(p)
					assert.True(t, ok, "%s.%s", want.Class, p)
				}
				assert.Len(t, in.Properties, len(want.Properties), "only the selected properties come back")
			}
		})
	}
}

// TestNodeValues checks values cell by cell for a few classes.
func TestNodeValues(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	cases := []struct {
		class string
		prop  string
		want  []string
	}{
		{"Win32_Share", "Name", []string{"ADMIN$", "C$", "IPC$", "Scans"}},
		{"Win32_Share", "Type", []string{"2147483648", "2147483648", "2147483651", "0"}},
		{"Win32_CacheMemory", "Purpose", []string{"L1 Cache", "L2 Cache", "L3 Cache"}},
		{"Win32_CacheMemory", "Level", []string{"3", "4", "5"}},
		{"Win32_IP4RouteTable", "Destination", []string{"0.0.0.0", "127.0.0.0", "192.0.2.0", "192.0.2.42"}},
		{"Win32_IP4RouteTable", "NextHop", []string{"192.0.2.1", "0.0.0.0", "0.0.0.0", "0.0.0.0"}},
		{"Win32_CDROMDrive", "Drive", []string{"D:"}},
		{"Win32_SerialPort", "DeviceID", []string{"COM1"}},
		{"Win32_ParallelPort", "DeviceID", []string{"LPT1"}},
		{"Win32_NetworkAdapter", "NetConnectionID", []string{"Ethernet", ""}},
		{"Win32_BIOS", "SMBIOSPresent", []string{"true"}},
		{"Win32_BIOS", "SMBIOSMajorVersion", []string{"3"}},
	}
	for _, tc := range cases {
		items, err := c.Class(ctx(t), tc.class, tc.prop)
		require.NoError(t, err, tc.class)
		var got []string
		for _, in := range items {
			got = append(got, in.Get(tc.prop))
		}
		assert.Equal(t, tc.want, got, "%s.%s", tc.class, tc.prop)
	}
	// A null property is reported as null.
	items, err := c.Class(ctx(t), "Win32_NetworkAdapter", "MACAddress")
	require.NoError(t, err)
	p, _ := items[1].Prop("MACAddress")
	assert.True(t, p.Null)
	// Multi-valued properties keep every value.
	items, err = c.Query(ctx(t), "SELECT IPAddress FROM Win32_NetworkAdapterConfiguration WHERE IPEnabled = TRUE")
	require.NoError(t, err)
	require.Len(t, items, 1)
	p, _ = items[0].Prop("IPAddress")
	assert.Equal(t, []string{"192.0.2.42", "fe80::21a:2bff:fe3c:4d5e"}, p.Values)
}

// TestLogicalMemoryFallback: Windows Vista and later no longer have
// Win32_LogicalMemoryConfiguration ("no longer available for use"); its
// node is served from Win32_OperatingSystem.
func TestLogicalMemoryFallback(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	_, err := c.Class(ctx(t), "Win32_LogicalMemoryConfiguration")
	require.Error(t, err)
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "0x80041010")
	class, items, err := c.ReadNode(ctx(t), "Logical Memory Configuration")
	require.NoError(t, err)
	assert.Equal(t, "Win32_OperatingSystem", class)
	assert.Equal(t, "33554432", items[0].Get("TotalVisibleMemorySize"), "two 16 GiB modules in KiB")
}

// TestTerminalServiceNamespace: Win32_TerminalService lives in
// root/cimv2/TerminalServices, not root/cimv2.
func TestTerminalServiceNamespace(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	_, err := c.Class(ctx(t), "Win32_TerminalService")
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	items, err := c.NamespaceClass(ctx(t), "root/cimv2/TerminalServices", "Win32_TerminalService", "Name", "TotalSessions")
	require.NoError(t, err)
	require.Len(t, items, 1)
	assert.Equal(t, "TermService", items[0].Get("Name"))
	assert.Equal(t, "2", items[0].Get("TotalSessions"))
}

// TestBadWQL: WQL Windows cannot parse, or a property the class lacks,
// comes back as WinRM's CannotProcessFilter fault with WMI's "Invalid
// query" (0x80041017), classed as an invalid argument.
func TestBadWQL(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	for _, q := range []string{"SELECT FROM Win32_Share", "SELECT Name Path FROM Win32_Share",
		"SELECT NoSuchProperty FROM Win32_Share", "SELECT * FROM Win32_Share WHERE", "DELETE FROM Win32_Share"} {
		_, err := c.Query(ctx(t), q)
		require.Error(t, err, q)
		assert.ErrorIs(t, err, oobkit.ErrInvalidArgument, q)
		assert.Contains(t, err.Error(), "0x80041017", q)
		var oe *oobkit.Error
		require.True(t, errors.As(err, &oe))
		assert.Equal(t, "CannotProcessFilter", oe.DeviceCode)
	}
	_, err := c.Class(ctx(t), "Win32_Share;", "Name")
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument, "refused before sending")
	_, err = c.Class(ctx(t), "Win32_Share", "Name'")
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument, "refused before sending")
	_, _, err = c.ReadNode(ctx(t), "No Such Node")
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}

// TestRegistry reads keys with StdRegProv: the Registry node of Table A-6
// ("WMI Registry").
func TestRegistry(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	vals, err := c.RegistryValues(ctx(t), wmi.HKeyLocalMachine, `SOFTWARE\Microsoft\Windows NT\CurrentVersion`)
	require.NoError(t, err)
	got := map[string]wmi.RegistryValue{}
	for _, v := range vals {
		got[v.Name] = v
	}
	assert.Equal(t, wmi.RegistryValue{Name: "DisplayVersion", Type: wmi.RegSZ, Data: []string{"23H2"}}, got["DisplayVersion"])
	assert.Equal(t, wmi.RegistryValue{Name: "CurrentMajorVersionNumber", Type: wmi.RegDWORD, Data: []string{"10"}}, got["CurrentMajorVersionNumber"])
	assert.Equal(t, wmi.RegistryValue{Name: "InstallTime", Type: wmi.RegQWORD, Data: []string{"133699518000000000"}}, got["InstallTime"])
	assert.Equal(t, wmi.RegistryValue{Name: "PathName", Type: wmi.RegExpandSZ, Data: []string{"%SystemRoot%"}}, got["PathName"])
	vals, err = c.RegistryValues(ctx(t), wmi.HKeyLocalMachine, `SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters`)
	require.NoError(t, err)
	assert.Equal(t, []wmi.RegistryValue{{Name: "NullSessionPipes", Type: wmi.RegMultiSZ, Data: []string{"", ""}},
		{Name: "Guid", Type: wmi.RegBinary, Data: []string{"18", "52", "86", "120"}}}, vals)
	subs, err := c.RegistrySubkeys(ctx(t), wmi.HKeyLocalMachine, `SOFTWARE\Microsoft`)
	require.NoError(t, err)
	assert.Equal(t, []string{"windows nt"}, subs)
	_, err = c.RegistryValues(ctx(t), wmi.HKeyLocalMachine, `SOFTWARE\NoSuchKey`)
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	pc.SetRegistryValues(`HKLM\SOFTWARE\Contoso`, []wmitest.RegistryValue{{Name: "Asset", Type: 1, Data: []string{"A-1234"}}})
	vals, err = c.RegistryValues(ctx(t), wmi.HKeyLocalMachine, `SOFTWARE\Contoso`)
	require.NoError(t, err)
	assert.Equal(t, []wmi.RegistryValue{{Name: "Asset", Type: wmi.RegSZ, Data: []string{"A-1234"}}}, vals)
}

// TestSMBIOSNode: the guide's Table A-6 row "WMI SMBIOS" (group "Physical
// System") is the SMBIOS identity Win32_BIOS reports — SMBIOSPresent,
// SMBIOSMajorVersion, SMBIOSMinorVersion, SMBIOSBIOSVersion
// (https://learn.microsoft.com/windows/win32/cimwin32prov/win32-bios) —
// not Win32_SMBIOSMemory, a memory object.
func TestSMBIOSNode(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	class, items, err := c.ReadNode(ctx(t), "SMBIOS")
	require.NoError(t, err)
	assert.Equal(t, "Win32_BIOS", class)
	require.Len(t, items, 1)
	for prop, want := range map[string]string{
		"SMBIOSPresent":      "true",
		"SMBIOSMajorVersion": "3",
		"SMBIOSMinorVersion": "4",
		"SMBIOSBIOSVersion":  pc.Hardware.BIOSVersion,
		"Manufacturer":       pc.Hardware.BIOSVendor,
		"SerialNumber":       pc.Hardware.Serial,
	} {
		assert.Equal(t, want, items[0].Get(prop), prop)
	}
}
