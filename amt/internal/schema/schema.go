// Package schema names the Intel AMT WS-Management classes, instances and
// references that package amt sends and package amttest answers, so the
// client and the simulator cannot drift apart. The names are firmware
// facts (Intel AMT SDK; go-wsman-messages fixtures captured from AMT 12;
// intel/lms CIM framework); schema_test.go checks them against the
// recorded responses in amt/testdata.
package schema

import (
	"github.com/oobkit/oobkit/internal/wsman"
)

// Resource URIs of the classes AMT serves.
const (
	AssociatedPower = wsman.CIMBase + "CIM_AssociatedPowerManagementService"
	PowerService    = wsman.CIMBase + "CIM_PowerManagementService"
	ComputerSystem  = wsman.CIMBase + "CIM_ComputerSystem"
	BootConfig      = wsman.CIMBase + "CIM_BootConfigSetting"
	BootService     = wsman.CIMBase + "CIM_BootService"
	BootSource      = wsman.CIMBase + "CIM_BootSourceSetting"
	SoftwareID      = wsman.CIMBase + "CIM_SoftwareIdentity"
	KVMSAP          = wsman.CIMBase + "CIM_KVMRedirectionSAP"
	SystemPackage   = wsman.CIMBase + "CIM_ComputerSystemPackage"
	Chassis         = wsman.CIMBase + "CIM_Chassis"
	Card            = wsman.CIMBase + "CIM_Card"
	BIOS            = wsman.CIMBase + "CIM_BIOSElement"
	Processor       = wsman.CIMBase + "CIM_Processor"
	Chip            = wsman.CIMBase + "CIM_Chip"
	Memory          = wsman.CIMBase + "CIM_PhysicalMemory"
	MediaAccess     = wsman.CIMBase + "CIM_MediaAccessDevice"
	EthernetPort    = wsman.CIMBase + "CIM_EthernetPort"

	BootSettings  = wsman.AMTBase + "AMT_BootSettingData"
	SetupService  = wsman.AMTBase + "AMT_SetupAndConfigurationService"
	Redirection   = wsman.AMTBase + "AMT_RedirectionService"
	General       = wsman.AMTBase + "AMT_GeneralSettings"
	Ethernet      = wsman.AMTBase + "AMT_EthernetPortSettings"
	MessageLog    = wsman.AMTBase + "AMT_MessageLog"
	PowerScheme   = wsman.AMTBase + "AMT_SystemPowerScheme"
	AgentWatchdog = wsman.AMTBase + "AMT_AgentPresenceWatchdog"

	// System Defense (reference amt_wsman.md §2(d)).
	IPFilter          = wsman.AMTBase + "AMT_IPHeadersFilter"
	EtherFilter       = wsman.AMTBase + "AMT_Hdr8021Filter"
	DefensePolicy     = wsman.AMTBase + "AMT_SystemDefensePolicy"
	PortPolicy        = wsman.AMTBase + "AMT_NetworkPortSystemDefensePolicy"
	FilterStats       = wsman.AMTBase + "AMT_ActiveFilterStatistics"
	FilterInPolicy    = wsman.AMTBase + "AMT_FilterInSystemDefensePolicy"
	PortPolicyClass   = "AMT_NetworkPortSystemDefensePolicy"
	FilterStatsClass  = "AMT_ActiveFilterStatistics"
	EthernetPortClass = "CIM_EthernetPort"

	OptIn = wsman.IPSBase + "IPS_OptInService"
)

// Instance names AMT firmware uses.
const (
	PowerServiceName  = "Intel(r) AMT Power Management Service"
	BootSettingsID    = "Intel(r) AMT:BootSettingData 0"
	BootConfigID      = "Intel(r) AMT: Boot Configuration 0"
	BootServiceName   = "Intel(r) AMT Boot Service"
	RedirectionName   = "Intel(r) AMT Redirection Service"
	SetupServiceName  = "Intel(r) AMT Setup and Configuration Service"
	GeneralSettingsID = "Intel(r) AMT: General Settings"
	MessageLogName    = "Intel(r) AMT:MessageLog 1"
	OptInName         = "Intel(r) AMT OptIn Service"
	KVMSAPName        = "KVM Redirection Service Access Point"
	// SystemName is the SystemName key of AMT's own services.
	SystemName = "Intel(r) AMT"
	// ManagedSystem is the Name of the host's CIM_ComputerSystem.
	ManagedSystem = "ManagedSystem"
	// EthernetPortPrefix + "0" is the wired port, + "1" the wireless one.
	EthernetPortPrefix = "Intel(r) AMT Ethernet Port "
	// EthernetSettingsPrefix + "0" / "1" are the AMT_EthernetPortSettings InstanceIDs.
	EthernetSettingsPrefix = "Intel(r) AMT Ethernet Port Settings "
)

// ServiceSelectors are the four keys of one of AMT's own services
// (CIM_PowerManagementService, CIM_BootService…).
func ServiceSelectors(class, name string) wsman.Selectors {
	return wsman.Selectors{
		{Name: "CreationClassName", Value: class},
		{Name: "Name", Value: name},
		{Name: "SystemCreationClassName", Value: "CIM_ComputerSystem"},
		{Name: "SystemName", Value: SystemName},
	}
}

// PowerServiceSelectors select CIM_PowerManagementService.
func PowerServiceSelectors() wsman.Selectors {
	return ServiceSelectors("CIM_PowerManagementService", PowerServiceName)
}

// ManagedSystemEPR references the host computer (RequestPowerStateChange's
// ManagedElement).
func ManagedSystemEPR() *wsman.EndpointReference {
	return &wsman.EndpointReference{ResourceURI: ComputerSystem, Selectors: wsman.Selectors{
		{Name: "CreationClassName", Value: "CIM_ComputerSystem"},
		{Name: "Name", Value: ManagedSystem},
	}}
}

// EthernetPortEPR references the CIM_EthernetPort with deviceID.
func EthernetPortEPR(deviceID string) *wsman.EndpointReference {
	return &wsman.EndpointReference{ResourceURI: EthernetPort, Selectors: wsman.Selectors{
		{Name: "CreationClassName", Value: EthernetPortClass}, {Name: "DeviceID", Value: deviceID},
		{Name: "SystemCreationClassName", Value: "CIM_ComputerSystem"}, {Name: "SystemName", Value: ManagedSystem}}}
}

// PolicyEPR references the AMT_SystemDefensePolicy with InstanceID id.
func PolicyEPR(id string) *wsman.EndpointReference {
	return &wsman.EndpointReference{ResourceURI: DefensePolicy, Selectors: wsman.Sel("InstanceID", id)}
}

// ClassName is the last path element of a resource URI.
func ClassName(uri string) string {
	for i := len(uri) - 1; i >= 0; i-- {
		if uri[i] == '/' {
			return uri[i+1:]
		}
	}
	return uri
}

// Alerts (reference amt_wsman.md §2(f)): WS-Eventing subscriptions are made
// with Subscribe on CIM_FilterCollection selected by InstanceID; each one
// shows up as a CIM_FilterCollectionSubscription {Filter, Handler}
// associating the collection with a CIM_ListenerDestinationWSManagement
// {Destination, DeliveryMode}, and is ended with Unsubscribe on that
// association. SNMP PET destinations are AMT_SNMPEventSubscriber instances
// {AccessInfo, PolicyID, CommunityString} whose PolicyID names the
// AMT_PETFilterSetting filters that feed them; AMT_EventManagerService holds
// DefaultCommunityString. PET is gone from Intel ME 18.0 on (Intel
// eventfilters.htm).
const (
	FilterCollection             = wsman.CIMBase + "CIM_FilterCollection"
	FilterCollectionSubscription = wsman.CIMBase + "CIM_FilterCollectionSubscription"
	ListenerDestination          = wsman.CIMBase + "CIM_ListenerDestinationWSManagement"
	EventManager                 = wsman.AMTBase + "AMT_EventManagerService"
	SNMPSubscriber               = wsman.AMTBase + "AMT_SNMPEventSubscriber"
	PETFilter                    = wsman.AMTBase + "AMT_PETFilterSetting"

	// FilterAll is the filter collection of every event ("Intel(r) AMT:All",
	// Intel subscribeforevents.htm; intel/lms UNS).
	FilterAll = "Intel(r) AMT:All"
)

// FilterCollectionEPR references the CIM_FilterCollection with InstanceID id.
func FilterCollectionEPR(id string) *wsman.EndpointReference {
	return &wsman.EndpointReference{ResourceURI: FilterCollection, Selectors: wsman.Sel("InstanceID", id)}
}

// ListenerDestinationEPR references the CIM_ListenerDestinationWSManagement
// named name.
func ListenerDestinationEPR(name string) *wsman.EndpointReference {
	return &wsman.EndpointReference{ResourceURI: ListenerDestination, Selectors: wsman.Selectors{
		{Name: "CreationClassName", Value: "CIM_ListenerDestinationWSManagement"}, {Name: "Name", Value: name},
		{Name: "SystemCreationClassName", Value: "CIM_ComputerSystem"}, {Name: "SystemName", Value: SystemName}}}
}
