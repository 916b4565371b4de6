package amttest

import (
	"encoding/base64"
	"encoding/hex"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// The classes behind the one-to-one view's AMT nodes (RTSM guide Tables A-2
// and A-6): battery, field replaceable units, agent watchdogs, wireless
// profiles, Intel AMT network settings and Intel Remote Access Policy.
// Class and property names are the Intel AMT SDK's
// (https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/)
// and the DMTF CIM schema's.

// AgentWatchdog is an AMT_AgentPresenceWatchdog a local agent registered
// (Intel AMT SDK: a CIM_Watchdog whose DeviceID is the agent's GUID in
// Base64).
type AgentWatchdog struct {
	// AgentID is the agent's GUID (32 hex digits); the device reports its
	// 16 bytes in Base64 as DeviceID.
	AgentID string
	// Name is MonitoredEntityDescription.
	Name string
	// State is CurrentState: 1 not started, 2 stopped, 4 running,
	// 8 expired, 16 suspended.
	State int
	// StartupSeconds and TimeoutSeconds are StartupInterval and
	// TimeoutInterval.
	StartupSeconds, TimeoutSeconds int
	// Actions are the watchdog's AMT_AgentPresenceWatchdogAction instances.
	Actions []WatchdogAction
}

// WatchdogAction is one AMT_AgentPresenceWatchdogAction (a
// CIM_PolicyAction): on a transition from a state in OldStates to one in
// NewStates (bitmaps of the CurrentState values, as AddAction takes them)
// the firmware creates an event (EventOnTransition) and/or activates (0)
// or deactivates (1) the agent presence System Defense policy (ActionSd,
// -1 for none). The simulator names the watchdog in PolicyRuleName (the
// DeviceID), its model of how an action belongs to its watchdog.
type WatchdogAction struct {
	Name                 string
	OldStates, NewStates int
	EventOnTransition    bool
	ActionSd             int
}

// nodeState is what the node classes hold (guarded by Device.mu).
type nodeState struct {
	watchdogs []AgentWatchdog
	ethernet  [2]map[string][]string // AMT_EthernetPortSettings 0 (wired) and 1 (wireless)
	ethPuts   int
}

// AddAgentWatchdog registers a watchdog, as a local agent does with
// AMT_AgentPresenceWatchdogService. A new device has none.
func (d *Device) AddAgentWatchdog(w AgentWatchdog) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.nodes.watchdogs = append(d.nodes.watchdogs, w)
}

// EthernetSetting returns a property of the device's
// AMT_EthernetPortSettings for port 0 (wired) or 1 (wireless) ("" when
// unset): what a Put left there.
func (d *Device) EthernetSetting(port int, name string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if port < 0 || port > 1 {
		return ""
	}
	if v := d.nodes.ethernet[port][name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// EthernetPuts counts the AMT_EthernetPortSettings Puts the device
// accepted.
func (d *Device) EthernetPuts() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.nodes.ethPuts
}

// ethernetOrder is the order the firmware lists the properties in.
var ethernetOrder = []string{"DHCPEnabled", "DefaultGateway", "ElementName", "IPAddress", "InstanceID", "IpSyncEnabled",
	"LinkIsUp", "LinkPolicy", "MACAddress", "PhysicalConnectionType", "PrimaryDNS", "SecondaryDNS", "SharedDynamicIP",
	"SharedMAC", "SharedStaticIp", "SubnetMask", "WLANLinkProtectionLevel"}

func (d *Device) initNodes() {
	wired := map[string][]string{"DHCPEnabled": {strconv.FormatBool(!d.cfg.StaticIP)}, "DefaultGateway": {"192.0.2.1"},
		"ElementName": {"Intel(r) AMT Ethernet Port Settings"}, "IPAddress": {"192.0.2.10"},
		"InstanceID": {schema.EthernetSettingsPrefix + "0"}, "IpSyncEnabled": {"true"}, "LinkIsUp": {"true"},
		"LinkPolicy": {"1", "14", "16"}, "MACAddress": {"a4-ae-12-00-00-01"}, "PhysicalConnectionType": {"0"},
		"PrimaryDNS": {"192.0.2.1"}, "SharedDynamicIP": {"true"}, "SharedMAC": {"true"}, "SharedStaticIp": {"false"},
		"SubnetMask": {"255.255.255.0"}}
	wireless := map[string][]string{"DHCPEnabled": {"true"}, "ElementName": {"Intel(r) AMT Ethernet Port Settings"},
		"InstanceID": {schema.EthernetSettingsPrefix + "1"}, "LinkIsUp": {"false"}, "LinkPolicy": {"1", "16"},
		"MACAddress": {"a4-ae-12-00-00-02"}, "PhysicalConnectionType": {"3"}, "SharedMAC": {"true"},
		"WLANLinkProtectionLevel": {"1"}}
	d.nodes.ethernet = [2]map[string][]string{wired, wireless}
}

// registerNodes serves the node classes.
func (d *Device) registerNodes() {
	d.initNodes()
	enum := d.handleEnum
	enum(schema.Battery, func() []*etree.Element {
		// A mobile platform's one battery (CIM_Battery, DSP1040).
		return []*etree.Element{instance(schema.Battery, "BatteryStatus", "3", "Chemistry", "6",
			"CreationClassName", "CIM_Battery", "DesignCapacity", "57000", "DesignVoltage", "11400",
			"DeviceID", "Battery 0", "ElementName", "Managed System Battery", "EstimatedChargeRemaining", "87",
			"EstimatedRunTime", "214", "FullChargeCapacity", "52440", "HealthState", "5",
			"SystemCreationClassName", "CIM_ComputerSystem", "SystemName", schema.ManagedSystem)}
	})
	enum(schema.Chip, func() []*etree.Element {
		return []*etree.Element{instance(schema.Chip, "CanBeFRUed", "true", "CreationClassName", "CIM_Chip",
			"ElementName", "Managed System Processor Chip", "Manufacturer", "Intel(R) Corporation",
			"Model", "Intel(R) Core(TM) i5-10210U", "PartNumber", "SRGKY", "SerialNumber", "",
			"Tag", "CPU 0", "Version", "Intel(R) Core(TM) i5-10210U CPU @ 1.60GHz")}
	})
	enum(schema.AgentWatchdog, d.watchdogInstances)
	enum(schema.AgentWatchdogAction, d.watchdogActionInstances)
	enum(schema.WiFiSettings, func() []*etree.Element {
		return []*etree.Element{
			instance(schema.WiFiSettings, "AuthenticationMethod", "6", "BSSType", "3", "ElementName", "office",
				"EncryptionMethod", "4", "InstanceID", schema.WiFiSettingsPrefix+"office", "Priority", "1", "SSID", "CORP-WLAN"),
			instance(schema.WiFiSettings, "AuthenticationMethod", "7", "BSSType", "3", "ElementName", "lab",
				"EncryptionMethod", "4", "InstanceID", schema.WiFiSettingsPrefix+"lab", "Priority", "2", "SSID", "LAB-8021X"),
		}
	})
	enum(schema.Ethernet, func() []*etree.Element {
		d.mu.Lock()
		defer d.mu.Unlock()
		return []*etree.Element{ethernetInstance(d.nodes.ethernet[0]), ethernetInstance(d.nodes.ethernet[1])}
	})
	d.handleGet(schema.Ethernet, d.getEthernet)
	d.handlePut(schema.Ethernet, d.putEthernet)

	mps := &wsman.EndpointReference{ResourceURI: schema.ManagementPresenceSAP, Selectors: wsman.Sel(
		"CreationClassName", "AMT_ManagementPresenceRemoteSAP", "Name", "Intel(r) AMT:Management Presence Server 0",
		"SystemCreationClassName", "CIM_ComputerSystem", "SystemName", schema.SystemName)}
	rule := func(name string) *wsman.EndpointReference {
		return &wsman.EndpointReference{ResourceURI: schema.RemoteAccessRule, Selectors: wsman.Sel(
			"CreationClassName", "AMT_RemoteAccessPolicyRule", "PolicyRuleName", name,
			"SystemCreationClassName", "CIM_ComputerSystem", "SystemName", schema.SystemName)}
	}
	enum(schema.ManagementPresenceSAP, func() []*etree.Element {
		return []*etree.Element{instance(schema.ManagementPresenceSAP, "AccessInfo", "mps.example.com", "CN", "mps.example.com",
			"CreationClassName", "AMT_ManagementPresenceRemoteSAP", "ElementName", "Intel(r) AMT:Management Presence Server",
			"InfoFormat", "201", "Name", "Intel(r) AMT:Management Presence Server 0", "Port", "4433",
			"SystemCreationClassName", "CIM_ComputerSystem", "SystemName", schema.SystemName)}
	})
	enum(schema.RemoteAccessRule, func() []*etree.Element {
		return []*etree.Element{
			instance(schema.RemoteAccessRule, "CreationClassName", "AMT_RemoteAccessPolicyRule", "ElementName", "Inside Policy",
				"ExtendedData", "AAAAAAAAABk=", "PolicyRuleName", "Periodic", "SystemCreationClassName", "CIM_ComputerSystem",
				"SystemName", schema.SystemName, "Trigger", "2", "TunnelLifeTime", "0"),
			instance(schema.RemoteAccessRule, "CreationClassName", "AMT_RemoteAccessPolicyRule", "ElementName", "User Initiated",
				"PolicyRuleName", "User Initiated", "SystemCreationClassName", "CIM_ComputerSystem",
				"SystemName", schema.SystemName, "Trigger", "0", "TunnelLifeTime", "300"),
		}
	})
	enum(schema.RemoteAccessAppliesToMPS, func() []*etree.Element {
		var out []*etree.Element
		for i, name := range []string{"Periodic", "User Initiated"} {
			in := wsman.NewInstance(schema.RemoteAccessAppliesToMPS, "AMT_RemoteAccessPolicyAppliesToMPS").
				SetEPR("ManagedElement", mps).SetEPR("PolicySet", rule(name)).
				Set("MpsType", []string{"2", "0"}[i]).Set("OrderOfAccess", "0")
			out = append(out, in.Element())
		}
		return out
	})
}

func ethernetInstance(p map[string][]string) *etree.Element {
	in := wsman.NewInstance(schema.Ethernet, "AMT_EthernetPortSettings")
	for _, k := range ethernetOrder {
		if v, ok := p[k]; ok && (len(v) > 1 || len(v) == 1 && v[0] != "") {
			in.Set(k, v...)
		}
	}
	return in.Element()
}

func (d *Device) port(r *wsmantest.Request) (int, error) {
	switch r.Selectors.Get("InstanceID") {
	case schema.EthernetSettingsPrefix + "0":
		return 0, nil
	case schema.EthernetSettingsPrefix + "1":
		return 1, nil
	}
	return 0, wsmantest.Fault("InvalidSelectors", "no AMT_EthernetPortSettings "+r.Selectors.Get("InstanceID"))
}

func (d *Device) getEthernet(r *wsmantest.Request) (*etree.Element, error) {
	i, err := d.port(r)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return ethernetInstance(d.nodes.ethernet[i]), nil
}

// putEthernet takes the writable properties: DHCPEnabled and, for a static
// wired address, IPAddress, SubnetMask, DefaultGateway, PrimaryDNS,
// SecondaryDNS; SharedStaticIp, IpSyncEnabled and LinkPolicy. As the
// firmware does, it refuses a static address on the wireless port (AMT
// takes its wireless address from DHCP only) and a static address without
// a valid IPv4 address and mask. It does not refuse what would cut the
// management console off: firmware does not know where the console is.
func (d *Device) putEthernet(r *wsmantest.Request) (*etree.Element, error) {
	i, err := d.port(r)
	if err != nil {
		return nil, err
	}
	in := r.Instance()
	if in.Get("InstanceID") != r.Selectors.Get("InstanceID") {
		return nil, wsmantest.Fault("InvalidRepresentation", "the InstanceID of the body differs from the selector")
	}
	next := map[string][]string{}
	d.mu.Lock()
	for k, v := range d.nodes.ethernet[i] {
		next[k] = v
	}
	d.mu.Unlock()
	dhcp := in.Get("DHCPEnabled")
	if dhcp != "true" && dhcp != "false" {
		return nil, wsmantest.Fault("InvalidRepresentation", "DHCPEnabled must be true or false")
	}
	if dhcp == "false" {
		if i == 1 {
			return nil, wsmantest.Fault("InvalidRepresentation", "the wireless interface takes its address from DHCP only")
		}
		for _, k := range []string{"IPAddress", "SubnetMask"} {
			if a, err := netip.ParseAddr(in.Get(k)); err != nil || !a.Is4() {
				return nil, wsmantest.Fault("InvalidRepresentation", k+" must be an IPv4 address for a static configuration")
			}
		}
		for _, k := range []string{"IPAddress", "SubnetMask", "DefaultGateway", "PrimaryDNS", "SecondaryDNS"} {
			next[k] = []string{in.Get(k)}
		}
	}
	next["DHCPEnabled"] = []string{dhcp}
	for _, k := range []string{"SharedStaticIp", "IpSyncEnabled"} {
		if v := in.Get(k); v != "" {
			next[k] = []string{v}
		}
	}
	if in.Has("LinkPolicy") {
		lp := slices.DeleteFunc(in.All("LinkPolicy"), func(s string) bool { return strings.TrimSpace(s) == "" })
		next["LinkPolicy"] = lp
	}
	d.mu.Lock()
	d.nodes.ethernet[i] = next
	d.nodes.ethPuts++
	out := ethernetInstance(next)
	d.mu.Unlock()
	return out, nil
}

// agentDeviceID is the Base64 DeviceID of an agent GUID given in hex.
func agentDeviceID(guid string) string {
	b, err := hex.DecodeString(strings.ReplaceAll(guid, "-", ""))
	if err != nil || len(b) != 16 {
		return guid
	}
	return base64.StdEncoding.EncodeToString(b)
}

func (d *Device) watchdogInstances() []*etree.Element {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []*etree.Element
	for _, w := range d.nodes.watchdogs {
		out = append(out, instance(schema.AgentWatchdog, "CreationClassName", "AMT_AgentPresenceWatchdog",
			"CurrentState", strconv.Itoa(w.State), "DeviceID", agentDeviceID(w.AgentID), "ElementName", "Intel(r) AMT Agent Presence Watchdog",
			"MonitoredEntity", "1", "MonitoredEntityDescription", w.Name, "StartupInterval", strconv.Itoa(w.StartupSeconds),
			"SystemCreationClassName", "CIM_ComputerSystem", "SystemName", schema.SystemName,
			"TimeoutInterval", strconv.Itoa(w.TimeoutSeconds)))
	}
	return out
}

func (d *Device) watchdogActionInstances() []*etree.Element {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []*etree.Element
	for _, w := range d.nodes.watchdogs {
		for _, a := range w.Actions {
			in := wsman.NewInstance(schema.AgentWatchdogAction, "AMT_AgentPresenceWatchdogAction").
				Set("CreationClassName", "AMT_AgentPresenceWatchdogAction").Set("EventOnTransition", strconv.FormatBool(a.EventOnTransition)).
				Set("NewState", strconv.Itoa(a.NewStates)).Set("OldState", strconv.Itoa(a.OldStates)).
				Set("PolicyActionName", a.Name).Set("PolicyRuleName", agentDeviceID(w.AgentID)).
				Set("SystemCreationClassName", "CIM_ComputerSystem").Set("SystemName", schema.SystemName)
			if a.ActionSd >= 0 {
				in.Set("ActionSd", strconv.Itoa(a.ActionSd))
			}
			out = append(out, in.Element())
		}
	}
	return out
}
