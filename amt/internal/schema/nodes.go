package schema

import "github.com/oobkit/oobkit/internal/wsman"

// Resource URIs of the classes behind the one-to-one view's AMT nodes
// (RTSM guide Tables: battery, field replaceable units, agent
// watchdogs, wireless profiles, Intel AMT network settings, Intel Remote
// Access Policy). Class and property names follow the Intel AMT SDK class
// reference (https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/)
// and the DMTF CIM schema (https://www.dmtf.org/standards/cim).
const (
	// Battery is CIM_Battery (DMTF DSP1040 Battery Profile, which AMT
	// implements on mobile platforms).
	Battery = wsman.CIMBase + "CIM_Battery"
	// PhysicalPackage is CIM_PhysicalPackage (DSP1011 Physical Asset).
	PhysicalPackage = wsman.CIMBase + "CIM_PhysicalPackage"
	// AgentWatchdogAction is AMT_AgentPresenceWatchdogAction: what the
	// firmware does on a watchdog's state transition.
	AgentWatchdogAction = wsman.AMTBase + "AMT_AgentPresenceWatchdogAction"
	// WiFiSettings is CIM_WiFiEndpointSettings: one instance per wireless
	// profile AMT holds (DSP1111 WiFi profile as AMT implements it).
	WiFiSettings = wsman.CIMBase + "CIM_WiFiEndpointSettings"
	// RemoteAccessRule is AMT_RemoteAccessPolicyRule (CIRA policy: the
	// trigger that opens a tunnel to a Management Presence Server).
	RemoteAccessRule = wsman.AMTBase + "AMT_RemoteAccessPolicyRule"
	// RemoteAccessAppliesToMPS is AMT_RemoteAccessPolicyAppliesToMPS, the
	// association of a rule and the MPS it connects to.
	RemoteAccessAppliesToMPS = wsman.AMTBase + "AMT_RemoteAccessPolicyAppliesToMPS"
	// ManagementPresenceSAP is AMT_ManagementPresenceRemoteSAP: one MPS.
	ManagementPresenceSAP = wsman.AMTBase + "AMT_ManagementPresenceRemoteSAP"
)

// WiFiSettingsPrefix + profile name is a CIM_WiFiEndpointSettings InstanceID.
const WiFiSettingsPrefix = "Intel(r) AMT:WiFi Endpoint Settings "
