package amt

import "github.com/oobkit/oobkit/internal/wsman"

// Resource URIs of the classes this package uses.
const (
	uriAssociatedPower = wsman.CIMBase + "CIM_AssociatedPowerManagementService"
	uriPowerService    = wsman.CIMBase + "CIM_PowerManagementService"
	uriComputerSystem  = wsman.CIMBase + "CIM_ComputerSystem"
	uriBootConfig      = wsman.CIMBase + "CIM_BootConfigSetting"
	uriBootService     = wsman.CIMBase + "CIM_BootService"
	uriBootSource      = wsman.CIMBase + "CIM_BootSourceSetting"
	uriSoftwareID      = wsman.CIMBase + "CIM_SoftwareIdentity"
	uriKVMSAP          = wsman.CIMBase + "CIM_KVMRedirectionSAP"
	uriSystemPackage   = wsman.CIMBase + "CIM_ComputerSystemPackage"
	uriChassis         = wsman.CIMBase + "CIM_Chassis"
	uriCard            = wsman.CIMBase + "CIM_Card"
	uriBIOS            = wsman.CIMBase + "CIM_BIOSElement"
	uriProcessor       = wsman.CIMBase + "CIM_Processor"
	uriChip            = wsman.CIMBase + "CIM_Chip"
	uriMemory          = wsman.CIMBase + "CIM_PhysicalMemory"
	uriMediaAccess     = wsman.CIMBase + "CIM_MediaAccessDevice"

	uriBootSettings  = wsman.AMTBase + "AMT_BootSettingData"
	uriSetupService  = wsman.AMTBase + "AMT_SetupAndConfigurationService"
	uriRedirection   = wsman.AMTBase + "AMT_RedirectionService"
	uriGeneral       = wsman.AMTBase + "AMT_GeneralSettings"
	uriEthernet      = wsman.AMTBase + "AMT_EthernetPortSettings"
	uriMessageLog    = wsman.AMTBase + "AMT_MessageLog"
	uriPowerScheme   = wsman.AMTBase + "AMT_SystemPowerScheme"
	uriAgentWatchdog = wsman.AMTBase + "AMT_AgentPresenceWatchdog"

	uriOptIn = wsman.IPSBase + "IPS_OptInService"
)

// Instance names AMT firmware uses (Intel AMT SDK; go-wsman-messages
// fixtures captured from AMT 12).
const (
	powerServiceName  = "Intel(r) AMT Power Management Service"
	bootSettingsID    = "Intel(r) AMT:BootSettingData 0"
	bootConfigID      = "Intel(r) AMT: Boot Configuration 0"
	bootServiceName   = "Intel(r) AMT Boot Service"
	redirectionName   = "Intel(r) AMT Redirection Service"
	setupServiceName  = "Intel(r) AMT Setup and Configuration Service"
	generalSettingsID = "Intel(r) AMT: General Settings"
	messageLogName    = "Intel(r) AMT:MessageLog 1"
	optInName         = "Intel(r) AMT OptIn Service"
	kvmSAPName        = "KVM Redirection Service Access Point"
)

func powerServiceSel() wsman.Selectors {
	return wsman.Selectors{
		{Name: "CreationClassName", Value: "CIM_PowerManagementService"},
		{Name: "Name", Value: powerServiceName},
		{Name: "SystemCreationClassName", Value: "CIM_ComputerSystem"},
		{Name: "SystemName", Value: "Intel(r) AMT"},
	}
}

func managedSystemEPR() *wsman.EndpointReference {
	return &wsman.EndpointReference{ResourceURI: uriComputerSystem, Selectors: wsman.Selectors{
		{Name: "CreationClassName", Value: "CIM_ComputerSystem"},
		{Name: "Name", Value: "ManagedSystem"},
	}}
}
