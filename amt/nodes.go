package amt

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
)

// The readers of the one-to-one view's AMT nodes (RTSM guide Table A-6
// "Battery", "Field Replaceable Unit", "Agent Watchdogs", "Wireless
// Profile", "Intel AMT Network Settings"; Table A-2 "Intel Remote Access
// Policy"). Each has the same shape: a method that takes a context and
// returns a typed slice, and [Client.NodeRows] returns any of them as rows
// of strings for a generic table view. Class and property names are the
// Intel AMT SDK's (Intel AMT Implementation and Reference Guide, class
// reference: https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/)
// and the DMTF CIM schema's (https://www.dmtf.org/standards/cim).

// Battery is one CIM_Battery (DMTF DSP1040 Battery Profile; properties and
// value maps: https://schemas.dmtf.org/wbem/cim-html/2.31.0/CIM_Battery.html).
type Battery struct {
	DeviceID string `json:"deviceID"`
	Name     string `json:"name"`
	// Status names BatteryStatus ("charging", "fully charged", …).
	Status string `json:"status"`
	// Chemistry names the Chemistry value ("lithium-ion", …).
	Chemistry string `json:"chemistry,omitempty"`
	// ChargePercent is EstimatedChargeRemaining (-1 when unreported).
	ChargePercent int `json:"chargePercent"`
	// RunTimeMinutes is EstimatedRunTime (-1 when unreported).
	RunTimeMinutes int `json:"runTimeMinutes"`
	// DesignCapacity and FullChargeCapacity are in mWh; DesignVoltage in mV.
	DesignCapacity     int64 `json:"designCapacity,omitempty"`
	FullChargeCapacity int64 `json:"fullChargeCapacity,omitempty"`
	DesignVoltage      int64 `json:"designVoltage,omitempty"`
	// Health names HealthState ("ok", "degraded", …).
	Health string `json:"health,omitempty"`
}

// batteryStatus names CIM_Battery.BatteryStatus values (CIM schema).
var batteryStatus = map[string]string{"1": "discharging", "2": "on AC", "3": "fully charged", "4": "low", "5": "critical",
	"6": "charging", "7": "charging and high", "8": "charging and low", "9": "charging and critical", "10": "undefined",
	"11": "partially charged", "12": "learning", "13": "overcharged"}

// batteryChemistry names CIM_Battery.Chemistry values (CIM schema).
var batteryChemistry = map[string]string{"1": "other", "2": "unknown", "3": "lead acid", "4": "nickel cadmium",
	"5": "nickel metal hydride", "6": "lithium-ion", "7": "zinc air", "8": "lithium polymer"}

// healthState names CIM_ManagedSystemElement.HealthState values.
var healthState = map[string]string{"0": "unknown", "5": "ok", "10": "degraded", "15": "minor failure",
	"20": "major failure", "25": "critical failure", "30": "non-recoverable error"}

// Batteries reads CIM_Battery. A desktop without a battery answers with
// none; a device without the class with an ErrUnsupported error.
func (c *Client) Batteries(ctx context.Context) ([]Battery, error) {
	list, err := c.enumerate(ctx, schema.Battery)
	if err != nil {
		return nil, err
	}
	out := make([]Battery, 0, len(list))
	for _, in := range list {
		out = append(out, decodeBattery(in))
	}
	return out, nil
}

// decodeBattery decodes one CIM_Battery.
func decodeBattery(in *wsman.Instance) Battery {
	b := Battery{DeviceID: in.Get("DeviceID"), Name: in.Get("ElementName"), Status: named(batteryStatus, in.Get("BatteryStatus")),
		Chemistry: named(batteryChemistry, in.Get("Chemistry")), ChargePercent: intOr(in, "EstimatedChargeRemaining", -1),
		RunTimeMinutes: intOr(in, "EstimatedRunTime", -1), Health: named(healthState, in.Get("HealthState"))}
	b.DesignCapacity, _ = in.Int("DesignCapacity")
	b.FullChargeCapacity, _ = in.Int("FullChargeCapacity")
	b.DesignVoltage, _ = in.Int("DesignVoltage")
	return b
}

// FRU is a field replaceable unit: a CIM_PhysicalElement AMT reports
// (DMTF DSP1011 Physical Asset Profile properties).
type FRU struct {
	// Class is the CIM class: CIM_Chassis, CIM_Card (the baseboard),
	// CIM_Chip (processor) or CIM_PhysicalMemory.
	Class        string `json:"class"`
	Name         string `json:"name"`
	Tag          string `json:"tag,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Model        string `json:"model,omitempty"`
	SerialNumber string `json:"serialNumber,omitempty"`
	PartNumber   string `json:"partNumber,omitempty"`
	Version      string `json:"version,omitempty"`
	// CanBeFRUed is the CanBeFRUed property (nil when unreported).
	CanBeFRUed *bool `json:"canBeFRUed,omitempty"`
}

// fruClasses are the physical elements AMT reports, in the order the FRU
// node lists them.
var fruClasses = []string{schema.Chassis, schema.Card, schema.Chip, schema.Memory}

// FRUs reads the field replaceable units: chassis, baseboard, processor
// chips and memory modules. A class the device lacks is left out; the read
// fails only when none answers or on a fatal error (credential, network,
// ctx).
func (c *Client) FRUs(ctx context.Context) ([]FRU, error) {
	var out []FRU
	var firstErr error
	answered := 0
	for _, uri := range fruClasses {
		list, err := c.enumerate(ctx, uri)
		if err != nil {
			if oobkit.InventoryFatal(err) {
				return nil, err
			}
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		answered++
		for _, in := range list {
			out = append(out, decodeFRU(uri, in))
		}
	}
	if answered == 0 && firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// decodeFRU decodes one physical element of class uri.
func decodeFRU(uri string, in *wsman.Instance) FRU {
	f := FRU{Class: schema.ClassName(uri), Name: in.Get("ElementName"), Tag: in.Get("Tag"),
		Manufacturer: strings.TrimSpace(in.Get("Manufacturer")), Model: strings.TrimSpace(in.Get("Model")),
		SerialNumber: strings.TrimSpace(in.Get("SerialNumber")), PartNumber: strings.TrimSpace(in.Get("PartNumber")),
		Version: strings.TrimSpace(in.Get("Version"))}
	if in.Has("CanBeFRUed") {
		v := in.Bool("CanBeFRUed")
		f.CanBeFRUed = &v
	}
	return f
}

// AgentWatchdog is one AMT_AgentPresenceWatchdog: a local agent the
// firmware expects to hear from (Intel AMT SDK: a CIM_Watchdog keyed by
// the agent's GUID; Intel's CIM framework, AMT_AgentPresenceWatchdog.h and
// AMT_AgentPresenceWatchdogAction.h generated from the SDK's MOF, names the
// properties and values used here).
type AgentWatchdog struct {
	// AgentID is the agent's GUID (8-4-4-4-12), decoded from the Base64
	// DeviceID; the DeviceID as sent when it is not 16 Base64 bytes.
	AgentID string `json:"agentID"`
	// Name is MonitoredEntityDescription (ElementName when absent).
	Name string `json:"name"`
	// State names CurrentState: "not started", "stopped", "running",
	// "expired", "suspended".
	State string `json:"state"`
	// Startup is StartupInterval: how long the agent may take to start
	// sending heartbeats; Timeout is TimeoutInterval: the longest gap
	// allowed between heartbeats.
	Startup time.Duration `json:"startup"`
	Timeout time.Duration `json:"timeout"`
	// Actions are the watchdog's AMT_AgentPresenceWatchdogAction entries.
	Actions []WatchdogAction `json:"actions,omitempty"`
}

// WatchdogAction is one AMT_AgentPresenceWatchdogAction (a
// CIM_PolicyAction): what the firmware does when its watchdog goes from
// one of OldStates to one of NewStates.
type WatchdogAction struct {
	// Name is PolicyActionName.
	Name      string   `json:"name"`
	OldStates []string `json:"oldStates,omitempty"`
	NewStates []string `json:"newStates,omitempty"`
	// Event: an event is created on the transition (EventOnTransition).
	Event bool `json:"event"`
	// SystemDefense names ActionSd: "activate policy", "deactivate
	// policy", or "" for none.
	SystemDefense string `json:"systemDefense,omitempty"`
}

// watchdogStateBits names the CurrentState values, which are also the bits
// of an action's OldState and NewState (Intel AMT SDK, AMT_AgentPresenceWatchdog:
// 1 NotStarted, 2 Stopped, 4 Running, 8 Expired, 16 Suspended).
var watchdogStateBits = []string{"not started", "stopped", "running", "expired", "suspended"}

// actionSd names AMT_AgentPresenceWatchdogAction.ActionSd values.
var actionSd = map[string]string{"0": "activate policy", "1": "deactivate policy"}

func stateBits(v int64) []string {
	var out []string
	for i, n := range watchdogStateBits {
		if v&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// stateName names one CurrentState value (the number when it is not one
// state's bit).
func stateName(s string) string {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 || v&(v-1) != 0 {
		return s
	}
	if b := stateBits(v); len(b) == 1 {
		return b[0]
	}
	return s
}

// agentID turns a Base64 DeviceID of 16 bytes into the GUID's 8-4-4-4-12
// form (bytes in the order sent).
func agentID(deviceID string) string {
	b, err := base64.StdEncoding.DecodeString(deviceID)
	if err != nil || len(b) != 16 {
		return deviceID
	}
	return FormatGUID(hex.EncodeToString(b))
}

// AgentWatchdogs reads the agent presence watchdogs and their actions. No
// registered agent is an empty list; a device without
// AMT_AgentPresenceWatchdogAction still lists its watchdogs. An action is
// given to the watchdog whose DeviceID its PolicyRuleName carries (the
// SDK does not document the link; amttest models it so) and is otherwise
// left out.
func (c *Client) AgentWatchdogs(ctx context.Context) ([]AgentWatchdog, error) {
	list, err := c.enumerate(ctx, schema.AgentWatchdog)
	if err != nil {
		return nil, err
	}
	out := make([]AgentWatchdog, 0, len(list))
	index := map[string]int{}
	for _, in := range list {
		index[in.Get("DeviceID")] = len(out)
		out = append(out, decodeWatchdogNode(in))
	}
	if len(out) == 0 {
		return out, nil
	}
	actions, err := c.enumerate(ctx, schema.AgentWatchdogAction)
	if err != nil {
		if !oobkit.InventoryFatal(err) {
			return out, nil
		}
		return nil, err
	}
	for _, a := range actions {
		owner, act := decodeWatchdogAction(a)
		if i, ok := index[owner]; ok && owner != "" {
			out[i].Actions = append(out[i].Actions, act)
		}
	}
	return out, nil
}

// decodeWatchdogNode decodes one AMT_AgentPresenceWatchdog.
func decodeWatchdogNode(in *wsman.Instance) AgentWatchdog {
	st, _ := in.Int("StartupInterval")
	t, _ := in.Int("TimeoutInterval")
	return AgentWatchdog{AgentID: agentID(in.Get("DeviceID")), Name: firstNonEmpty(in.Get("MonitoredEntityDescription"), in.Get("ElementName")),
		State: stateName(in.Get("CurrentState")), Startup: seconds(st), Timeout: seconds(t)}
}

// decodeWatchdogAction decodes one AMT_AgentPresenceWatchdogAction and the
// DeviceID of the watchdog it belongs to (its PolicyRuleName).
func decodeWatchdogAction(a *wsman.Instance) (string, WatchdogAction) {
	o, _ := a.Int("OldState")
	n, _ := a.Int("NewState")
	act := WatchdogAction{Name: a.Get("PolicyActionName"), OldStates: stateBits(o), NewStates: stateBits(n),
		Event: a.Bool("EventOnTransition")}
	if a.Has("ActionSd") {
		act.SystemDefense = named(actionSd, a.Get("ActionSd"))
	}
	return a.Get("PolicyRuleName"), act
}

// seconds is n seconds, bounded so that no device value overflows.
func seconds(n int64) time.Duration {
	if n < 0 || n > 1<<32 {
		return 0
	}
	return time.Duration(n) * time.Second
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// WirelessProfile is one CIM_WiFiEndpointSettings: a wireless profile AMT
// holds. Keys and passphrases are write-only and never read back.
type WirelessProfile struct {
	InstanceID string `json:"instanceID"`
	Name       string `json:"name"`
	SSID       string `json:"ssid"`
	// Priority orders the profiles (1 is tried first).
	Priority int `json:"priority"`
	// Authentication names AuthenticationMethod ("WPA2 PSK", "WPA2 IEEE 802.1x", …).
	Authentication string `json:"authentication"`
	// Encryption names EncryptionMethod ("TKIP", "CCMP", …).
	Encryption string `json:"encryption"`
	// BSSType names BSSType ("infrastructure", "independent").
	BSSType string `json:"bssType,omitempty"`
}

// CIM_WiFiEndpointSettings value maps (DMTF DSP1111 / CIM schema).
var (
	wifiAuth = map[string]string{"1": "other", "2": "open system", "3": "shared key", "4": "WPA PSK",
		"5": "WPA IEEE 802.1x", "6": "WPA2 PSK", "7": "WPA2 IEEE 802.1x", "32768": "WPA3 SAE", "32769": "WPA3 OWE"}
	wifiEncryption = map[string]string{"1": "other", "2": "WEP", "3": "TKIP", "4": "CCMP", "5": "none"}
	wifiBSS        = map[string]string{"2": "independent", "3": "infrastructure"}
)

// WirelessProfiles reads the wireless profiles, highest priority first as
// the device lists them. A device without wireless answers ErrUnsupported.
func (c *Client) WirelessProfiles(ctx context.Context) ([]WirelessProfile, error) {
	list, err := c.enumerate(ctx, schema.WiFiSettings)
	if err != nil {
		return nil, err
	}
	out := make([]WirelessProfile, 0, len(list))
	for _, in := range list {
		out = append(out, decodeWirelessProfile(in))
	}
	return out, nil
}

// decodeWirelessProfile decodes one CIM_WiFiEndpointSettings.
func decodeWirelessProfile(in *wsman.Instance) WirelessProfile {
	return WirelessProfile{InstanceID: in.Get("InstanceID"), Name: in.Get("ElementName"), SSID: in.Get("SSID"),
		Priority: intOr(in, "Priority", 0), Authentication: named(wifiAuth, in.Get("AuthenticationMethod")),
		Encryption: named(wifiEncryption, in.Get("EncryptionMethod")), BSSType: named(wifiBSS, in.Get("BSSType"))}
}

// RemoteAccessPolicy is Intel Remote Access (CIRA): the Management
// Presence Servers the firmware may connect to and the rules that make it
// connect.
type RemoteAccessPolicy struct {
	Servers []MPServer         `json:"servers"`
	Rules   []RemoteAccessRule `json:"rules"`
}

// MPServer is one AMT_ManagementPresenceRemoteSAP.
type MPServer struct {
	Name string `json:"name"`
	// Address is AccessInfo: an IP address or host name.
	Address string `json:"address"`
	// Format names InfoFormat ("IPv4", "IPv6", "FQDN").
	Format string `json:"format"`
	Port   int    `json:"port"`
	// CommonName is the CN the server's certificate must carry.
	CommonName string `json:"commonName,omitempty"`
}

// RemoteAccessRule is one AMT_RemoteAccessPolicyRule with the servers
// AMT_RemoteAccessPolicyAppliesToMPS links it to.
type RemoteAccessRule struct {
	Name string `json:"name"`
	// Trigger names Trigger: "user initiated", "alert", "periodic",
	// "home provisioning".
	Trigger string `json:"trigger"`
	// TunnelLifeTime is how long a tunnel stays open (0: until closed).
	TunnelLifeTime time.Duration `json:"tunnelLifeTime"`
	// ExtendedData is the trigger's data as sent (base64; the periodic
	// interval for a periodic rule).
	ExtendedData string `json:"extendedData,omitempty"`
	// Servers are the MPS names the rule uses, with MpsType ("external",
	// "internal", "both") and OrderOfAccess.
	Servers []RuleServer `json:"servers,omitempty"`
}

// RuleServer is one AMT_RemoteAccessPolicyAppliesToMPS link.
type RuleServer struct {
	Server string `json:"server"`
	Type   string `json:"type"`
	Order  int    `json:"order"`
}

var (
	infoFormat  = map[string]string{"3": "IPv4", "4": "IPv6", "201": "FQDN"}
	raTrigger   = map[string]string{"0": "user initiated", "1": "alert", "2": "periodic", "3": "home provisioning"}
	mpsLocation = map[string]string{"0": "external", "1": "internal", "2": "both"}
)

// RemoteAccessPolicy reads the Intel Remote Access Policy (RTSM guide
// Table A-2). A device without remote access answers ErrUnsupported.
func (c *Client) RemoteAccessPolicy(ctx context.Context) (*RemoteAccessPolicy, error) {
	saps, err := c.enumerate(ctx, schema.ManagementPresenceSAP)
	if err != nil {
		return nil, err
	}
	p := &RemoteAccessPolicy{Servers: []MPServer{}, Rules: []RemoteAccessRule{}}
	for _, in := range saps {
		p.Servers = append(p.Servers, decodeMPServer(in))
	}
	rules, err := c.enumerate(ctx, schema.RemoteAccessRule)
	if err != nil {
		return nil, err
	}
	index := map[string]int{}
	for _, in := range rules {
		index[in.Get("PolicyRuleName")] = len(p.Rules)
		p.Rules = append(p.Rules, decodeRemoteAccessRule(in))
	}
	links, err := c.enumerate(ctx, schema.RemoteAccessAppliesToMPS)
	if err != nil {
		if !oobkit.InventoryFatal(err) {
			return p, nil
		}
		return nil, err
	}
	for _, l := range links {
		rule, srv, ok := decodeAppliesToMPS(l)
		if i, known := index[rule]; ok && known {
			p.Rules[i].Servers = append(p.Rules[i].Servers, srv)
		}
	}
	return p, nil
}

// decodeMPServer decodes one AMT_ManagementPresenceRemoteSAP.
func decodeMPServer(in *wsman.Instance) MPServer {
	return MPServer{Name: in.Get("Name"), Address: in.Get("AccessInfo"),
		Format: named(infoFormat, in.Get("InfoFormat")), Port: intOr(in, "Port", 0), CommonName: in.Get("CN")}
}

// decodeRemoteAccessRule decodes one AMT_RemoteAccessPolicyRule.
func decodeRemoteAccessRule(in *wsman.Instance) RemoteAccessRule {
	lt, _ := in.Int("TunnelLifeTime")
	return RemoteAccessRule{Name: in.Get("PolicyRuleName"), Trigger: named(raTrigger, in.Get("Trigger")),
		TunnelLifeTime: seconds(lt), ExtendedData: in.Get("ExtendedData")}
}

// decodeAppliesToMPS decodes one AMT_RemoteAccessPolicyAppliesToMPS: the
// PolicyRuleName of its rule and the server link; ok is false when either
// reference is missing.
func decodeAppliesToMPS(l *wsman.Instance) (rule string, srv RuleServer, ok bool) {
	r, m := l.EPR("PolicySet"), l.EPR("ManagedElement")
	if r == nil || m == nil {
		return "", RuleServer{}, false
	}
	return r.Selectors.Get("PolicyRuleName"), RuleServer{Server: m.Selectors.Get("Name"),
		Type: named(mpsLocation, l.Get("MpsType")), Order: intOr(l, "OrderOfAccess", 0)}, true
}

// named returns m[v], or v itself when m does not name it.
func named(m map[string]string, v string) string {
	if n, ok := m[v]; ok {
		return n
	}
	return v
}

// intOr reads an integer property, def when absent or malformed.
func intOr(in *wsman.Instance, name string, def int) int {
	if v, ok := in.Int(name); ok {
		return int(v)
	}
	return def
}

func b2s(b bool) string { return strconv.FormatBool(b) }

func ptrBool(b *bool) string {
	if b == nil {
		return ""
	}
	return b2s(*b)
}

func dur(d time.Duration) string { return fmt.Sprint(int64(d / time.Second)) }
