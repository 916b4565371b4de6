package amt_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
)

func nodeCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Table A-6: "AMT Battery".
func TestBatteries(t *testing.T) {
	_, c := start(t, amttest.Config{})
	got, err := c.Batteries(nodeCtx(t))
	require.NoError(t, err)
	assert.Equal(t, []amt.Battery{{DeviceID: "Battery 0", Name: "Managed System Battery", Status: "fully charged",
		Chemistry: "lithium-ion", ChargePercent: 87, RunTimeMinutes: 214, DesignCapacity: 57000, FullChargeCapacity: 52440,
		DesignVoltage: 11400, Health: "ok"}}, got)
}

func TestBatteriesMissingClass(t *testing.T) {
	_, c := start(t, amttest.Config{Missing: []string{"CIM_Battery"}})
	_, err := c.Batteries(nodeCtx(t))
	require.Error(t, err)
	assert.False(t, oobkit.InventoryFatal(err), "a missing class is not fatal: %v", err)
}

// Table A-6: "AMT or DASH — Field Replaceable Unit".
func TestFRUs(t *testing.T) {
	_, c := start(t, amttest.Config{})
	got, err := c.FRUs(nodeCtx(t))
	require.NoError(t, err)
	var classes []string
	for _, f := range got {
		classes = append(classes, f.Class)
	}
	assert.Equal(t, []string{"CIM_Chassis", "CIM_Card", "CIM_Chip", "CIM_PhysicalMemory", "CIM_PhysicalMemory"}, classes)
	yes := true
	assert.Equal(t, amt.FRU{Class: "CIM_Card", Name: "Managed System Base Board", Tag: "CIM_Card", Manufacturer: "Simulated Corp.",
		Model: "SIMBOARD", SerialNumber: "BB-0001", Version: "K47173-402", CanBeFRUed: &yes}, got[1])
	assert.Equal(t, "SRGKY", got[2].PartNumber)
	assert.Equal(t, "CT8G4SFS824A.C8FE", got[3].PartNumber, "trailing blanks trimmed")
	assert.Nil(t, got[0].CanBeFRUed, "the chassis does not report CanBeFRUed")
}

func TestFRUsSkipsMissingClasses(t *testing.T) {
	_, c := start(t, amttest.Config{Missing: []string{"CIM_Chip", "CIM_PhysicalMemory"}})
	got, err := c.FRUs(nodeCtx(t))
	require.NoError(t, err)
	require.Len(t, got, 2)
}

func TestFRUsNothingAnswers(t *testing.T) {
	_, c := start(t, amttest.Config{Missing: []string{"CIM_Chassis", "CIM_Card", "CIM_Chip", "CIM_PhysicalMemory"}})
	_, err := c.FRUs(nodeCtx(t))
	require.Error(t, err)
}

// Table A-6: "AMT — Agent Watchdogs".
func TestAgentWatchdogs(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	ctx := nodeCtx(t)
	got, err := c.AgentWatchdogs(ctx)
	require.NoError(t, err)
	assert.Empty(t, got, "no agent registered yet")
	require.NotNil(t, got)

	srv.AddAgentWatchdog(amttest.AgentWatchdog{AgentID: "0123456789ABCDEF0123456789ABCDEF", Name: "Endpoint agent", State: 4,
		StartupSeconds: 300, TimeoutSeconds: 120, Actions: []amttest.WatchdogAction{
			{Name: "Action 0", OldStates: 4, NewStates: 8 | 2, EventOnTransition: true, ActionSd: 0},
			{Name: "Action 1", OldStates: 8, NewStates: 4, ActionSd: -1},
		}})
	srv.AddAgentWatchdog(amttest.AgentWatchdog{AgentID: "FEDCBA9876543210FEDCBA9876543210", Name: "Backup agent", State: 8})
	got, err = c.AgentWatchdogs(ctx)
	require.NoError(t, err)
	assert.Equal(t, []amt.AgentWatchdog{
		{AgentID: "01234567-89AB-CDEF-0123-456789ABCDEF", Name: "Endpoint agent", State: "running", Startup: 5 * time.Minute,
			Timeout: 2 * time.Minute, Actions: []amt.WatchdogAction{
				{Name: "Action 0", OldStates: []string{"running"}, NewStates: []string{"stopped", "expired"}, Event: true,
					SystemDefense: "activate policy"},
				{Name: "Action 1", OldStates: []string{"expired"}, NewStates: []string{"running"}},
			}},
		{AgentID: "FEDCBA98-7654-3210-FEDC-BA9876543210", Name: "Backup agent", State: "expired"},
	}, got)
}

func TestAgentWatchdogsWithoutActionClass(t *testing.T) {
	srv, c := start(t, amttest.Config{Missing: []string{"AMT_AgentPresenceWatchdogAction"}})
	srv.AddAgentWatchdog(amttest.AgentWatchdog{AgentID: "A", Name: "a", State: 2, Actions: []amttest.WatchdogAction{{Name: "x"}}})
	got, err := c.AgentWatchdogs(nodeCtx(t))
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "stopped", got[0].State)
	assert.Empty(t, got[0].Actions)
}

// Table A-6: "AMT — Wireless Profile".
func TestWirelessProfiles(t *testing.T) {
	_, c := start(t, amttest.Config{})
	got, err := c.WirelessProfiles(nodeCtx(t))
	require.NoError(t, err)
	assert.Equal(t, []amt.WirelessProfile{
		{InstanceID: "Intel(r) AMT:WiFi Endpoint Settings office", Name: "office", SSID: "CORP-WLAN", Priority: 1,
			Authentication: "WPA2 PSK", Encryption: "CCMP", BSSType: "infrastructure"},
		{InstanceID: "Intel(r) AMT:WiFi Endpoint Settings lab", Name: "lab", SSID: "LAB-8021X", Priority: 2,
			Authentication: "WPA2 IEEE 802.1x", Encryption: "CCMP", BSSType: "infrastructure"},
	}, got)
}

// Table A-2: "AMT — Intel Remote Access Policy".
func TestRemoteAccessPolicy(t *testing.T) {
	_, c := start(t, amttest.Config{})
	got, err := c.RemoteAccessPolicy(nodeCtx(t))
	require.NoError(t, err)
	mps := "Intel(r) AMT:Management Presence Server 0"
	assert.Equal(t, &amt.RemoteAccessPolicy{
		Servers: []amt.MPServer{{Name: mps, Address: "mps.example.com", Format: "FQDN", Port: 4433, CommonName: "mps.example.com"}},
		Rules: []amt.RemoteAccessRule{
			{Name: "Periodic", Trigger: "periodic", ExtendedData: "AAAAAAAAABk=", Servers: []amt.RuleServer{{Server: mps, Type: "both"}}},
			{Name: "User Initiated", Trigger: "user initiated", TunnelLifeTime: 5 * time.Minute,
				Servers: []amt.RuleServer{{Server: mps, Type: "external"}}},
		},
	}, got)
}

func TestRemoteAccessPolicyUnsupported(t *testing.T) {
	_, c := start(t, amttest.Config{Missing: []string{"AMT_ManagementPresenceRemoteSAP"}})
	_, err := c.RemoteAccessPolicy(nodeCtx(t))
	require.Error(t, err)
}

// Table A-6: "AMT — Intel AMT Network Settings" (read).
func TestNetworkSettings(t *testing.T) {
	_, c := start(t, amttest.Config{})
	got, err := c.NetworkSettings(nodeCtx(t))
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, amt.NetworkSettings{Interface: amt.Wired, InstanceID: "Intel(r) AMT Ethernet Port Settings 0",
		MAC: "a4-ae-12-00-00-01", LinkUp: true, DHCP: true, IP: "192.0.2.10", SubnetMask: "255.255.255.0", Gateway: "192.0.2.1",
		PrimaryDNS: "192.0.2.1", SharedMAC: true, SharedDynamicIP: true, IPSync: true, LinkPolicy: []int{1, 14, 16}}, got[0])
	assert.Equal(t, amt.Wireless, got[1].Interface)
	assert.False(t, got[1].LinkUp)
}

func TestNodeRowsEveryNode(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	srv.AddAgentWatchdog(amttest.AgentWatchdog{AgentID: "A1", Name: "agent", State: 4})
	ctx := nodeCtx(t)
	want := map[amt.Node]int{amt.NodeBattery: 1, amt.NodeFRU: 5, amt.NodeAgentWatchdogs: 1, amt.NodeWirelessProfile: 2,
		amt.NodeNetworkSettings: 2, amt.NodeRemoteAccessPolicy: 2}
	require.Len(t, amt.Nodes, len(want))
	for _, n := range amt.Nodes {
		rows, err := c.NodeRows(ctx, n)
		require.NoError(t, err, n)
		assert.Len(t, rows, want[n], n)
	}
	rows, err := c.NodeRows(ctx, amt.NodeNetworkSettings)
	require.NoError(t, err)
	assert.Equal(t, "192.0.2.10", rows[0]["IP"])
	assert.Equal(t, "1,14,16", rows[0]["LinkPolicy"])
	rows, err = c.NodeRows(ctx, amt.NodeRemoteAccessPolicy)
	require.NoError(t, err)
	assert.Equal(t, "mps.example.com:4433 (both)", rows[0]["Servers"])
	_, err = c.NodeRows(ctx, "Sound Device")
	requireClass(t, err, oobkit.ErrInvalidArgument)
}

// startAt serves a simulated device but gives the client a target at addr
// (the address the device's wired interface reports), dialling the
// simulator: the management station reaches AMT "through" that address.
func startAt(t *testing.T, addr string) (*amttest.Server, *amt.Client) {
	t.Helper()
	srv, err := amttest.NewServer(amttest.Config{Firmware: "16.0"})
	require.NoError(t, err)
	real := srv.Target()
	target := real
	target.Address = addr
	var d net.Dialer
	c, err := amt.New(target, srv.Credential(), amt.WithDialContext(func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, real.HostPort(oobkit.AMT, false))
	}))
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = c.Close()
		_ = srv.Close()
	})
	return srv, c
}

func ptr[T any](v T) *T { return &v }

// The guide (appendix A): "In some cases it is possible to modify the
// settings from the Detailed view of some of the information nodes." Its
// field notes: "Note that testing is vital when using a mechanism that can
// potentially cut off a system from the network. ... If not, the system
// may require a desk-side visit to bring back on the network." Changing the Intel AMT network
// settings of the interface the management station is connected through
// is such a mechanism: it is refused unless forced.
func TestSetNetworkSettingsRefusesCuttingTheStationOff(t *testing.T) {
	srv, c := startAt(t, "192.0.2.10")
	ctx := nodeCtx(t)
	for name, ch := range map[string]amt.NetworkChange{
		"static address":  {DHCP: ptr(false), IP: ptr("192.0.2.50"), SubnetMask: ptr("255.255.255.0"), Gateway: ptr("192.0.2.1")},
		"link down":       {LinkPolicy: []int{}},
		"link only in Sx": {LinkPolicy: []int{14}},
	} {
		_, err := c.SetNetworkSettings(ctx, ch)
		requireClass(t, err, oobkit.ErrInvalidArgument)
		var refused *amt.NetworkChangeRefusedError
		require.True(t, errors.As(err, &refused), "%s: %T %v", name, err, err)
		assert.Equal(t, amt.Wired, refused.Interface, name)
		assert.NotEmpty(t, refused.Reasons, name)
		assert.Contains(t, err.Error(), "cut the management station off", name)
	}
	assert.Zero(t, srv.EthernetPuts(), "nothing was sent")
	assert.Equal(t, "true", srv.EthernetSetting(0, "DHCPEnabled"))

	// A change that keeps the station's path is applied.
	got, err := c.SetNetworkSettings(ctx, amt.NetworkChange{LinkPolicy: []int{1, 14, 16, 224}})
	require.NoError(t, err)
	assert.Equal(t, []int{1, 14, 16, 224}, got.LinkPolicy)
	// So is any change of the wireless interface: the station is not there.
	_, err = c.SetNetworkSettings(ctx, amt.NetworkChange{Interface: amt.Wireless, LinkPolicy: []int{}})
	require.NoError(t, err)
	assert.Equal(t, 2, srv.EthernetPuts())

	// Forced, the static address is set.
	got, err = c.SetNetworkSettings(ctx, amt.NetworkChange{DHCP: ptr(false), IP: ptr("192.0.2.50"),
		SubnetMask: ptr("255.255.255.0"), Gateway: ptr("192.0.2.1"), PrimaryDNS: ptr("192.0.2.53"), Force: true})
	require.NoError(t, err)
	assert.False(t, got.DHCP)
	assert.Equal(t, "192.0.2.50", got.IP)
	assert.Equal(t, "false", srv.EthernetSetting(0, "DHCPEnabled"))
	assert.Equal(t, "192.0.2.50", srv.EthernetSetting(0, "IPAddress"))
	assert.Equal(t, "192.0.2.53", srv.EthernetSetting(0, "PrimaryDNS"))
}

// When no interface has the target's address (here 127.0.0.1: a tunnel,
// NAT or proxy), every interface whose link is up is taken to be the
// station's path: the wired one is protected, the wireless one (link down)
// is not.
func TestSetNetworkSettingsUnknownPathProtectsLinkedInterfaces(t *testing.T) {
	srv, c := start(t, amttest.Config{Firmware: "16.0"})
	ctx := nodeCtx(t)
	_, err := c.SetNetworkSettings(ctx, amt.NetworkChange{DHCP: ptr(false), IP: ptr("192.0.2.60"), SubnetMask: ptr("255.255.255.0")})
	var refused *amt.NetworkChangeRefusedError
	require.True(t, errors.As(err, &refused), "%v", err)
	assert.Zero(t, srv.EthernetPuts())
	// DNS alone does not cut anybody off.
	got, err := c.SetNetworkSettings(ctx, amt.NetworkChange{PrimaryDNS: ptr("192.0.2.99")})
	require.NoError(t, err)
	assert.True(t, got.DHCP)
}

// A static device switched back to DHCP would lose the address the station
// uses.
func TestSetNetworkSettingsRefusesDHCPOnStaticPath(t *testing.T) {
	srv, err := amttest.NewServer(amttest.Config{Firmware: "16.0", StaticIP: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	c, err := amt.New(srv.Target(), srv.Credential())
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	_, err = c.SetNetworkSettings(nodeCtx(t), amt.NetworkChange{DHCP: ptr(true)})
	var refused *amt.NetworkChangeRefusedError
	require.True(t, errors.As(err, &refused), "%v", err)
	assert.Contains(t, refused.Reasons[0], "DHCP would replace the static address 192.0.2.10")
}

func TestSetNetworkSettingsValidates(t *testing.T) {
	srv, c := start(t, amttest.Config{Firmware: "16.0"})
	ctx := nodeCtx(t)
	for name, ch := range map[string]amt.NetworkChange{
		"bad address":       {DHCP: ptr(false), IP: ptr("300.1.1.1"), SubnetMask: ptr("255.255.255.0"), Force: true},
		"IPv6":              {DHCP: ptr(false), IP: ptr("2001:db8::1"), SubnetMask: ptr("255.255.255.0"), Force: true},
		"bad mask":          {DHCP: ptr(false), IP: ptr("192.0.2.5"), SubnetMask: ptr("255.0.255.0"), Force: true},
		"static wireless":   {Interface: amt.Wireless, DHCP: ptr(false), IP: ptr("192.0.2.5"), SubnetMask: ptr("255.255.255.0"), Force: true},
		"bad link policy":   {LinkPolicy: []int{2}, Force: true},
		"no such interface": {Interface: 7, Force: true},
	} {
		_, err := c.SetNetworkSettings(ctx, ch)
		requireClass(t, err, oobkit.ErrInvalidArgument)
		var refused *amt.NetworkChangeRefusedError
		assert.False(t, errors.As(err, &refused), name)
	}
	assert.Zero(t, srv.EthernetPuts(), "nothing was sent")
}
