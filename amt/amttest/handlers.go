package amttest

import (
	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// Resource URIs the simulator serves.
const (
	uriAssociatedPower = wsman.CIMBase + "CIM_AssociatedPowerManagementService"
	uriPowerService    = wsman.CIMBase + "CIM_PowerManagementService"
	uriBootConfig      = wsman.CIMBase + "CIM_BootConfigSetting"
	uriBootService     = wsman.CIMBase + "CIM_BootService"
	uriSoftwareID      = wsman.CIMBase + "CIM_SoftwareIdentity"
	uriKVMSAP          = wsman.CIMBase + "CIM_KVMRedirectionSAP"
	uriSystemPackage   = wsman.CIMBase + "CIM_ComputerSystemPackage"
	uriChassis         = wsman.CIMBase + "CIM_Chassis"
	uriCard            = wsman.CIMBase + "CIM_Card"
	uriBIOS            = wsman.CIMBase + "CIM_BIOSElement"
	uriProcessor       = wsman.CIMBase + "CIM_Processor"
	uriMemory          = wsman.CIMBase + "CIM_PhysicalMemory"
	uriMediaAccess     = wsman.CIMBase + "CIM_MediaAccessDevice"
	uriBootSettings    = wsman.AMTBase + "AMT_BootSettingData"
	uriSetupService    = wsman.AMTBase + "AMT_SetupAndConfigurationService"
	uriRedirection     = wsman.AMTBase + "AMT_RedirectionService"
	uriGeneral         = wsman.AMTBase + "AMT_GeneralSettings"
	uriEthernet        = wsman.AMTBase + "AMT_EthernetPortSettings"
	uriMessageLog      = wsman.AMTBase + "AMT_MessageLog"
	uriPowerScheme     = wsman.AMTBase + "AMT_SystemPowerScheme"
	uriOptIn           = wsman.IPSBase + "IPS_OptInService"
)

// register installs every handler on the device's server. Handlers of a
// provisioned-only resource are wrapped so a device in pre-provisioning
// answers AccessDenied, as the firmware refuses remote management then.
func (d *Device) register() {
	s := d.srv
	get := func(uri string, h wsmantest.HandlerFunc) { s.Handle(wsman.ActionGet, uri, d.provisioned(h)) }
	put := func(uri string, h wsmantest.HandlerFunc) { s.Handle(wsman.ActionPut, uri, d.provisioned(h)) }
	method := func(uri, m string, h wsmantest.HandlerFunc) { s.Handle(uri+"/"+m, uri, d.provisioned(h)) }
	enum := func(uri string, f func() []*etree.Element) {
		s.HandleEnumerate(uri, func(*wsmantest.Request) ([]*etree.Element, error) {
			if err := d.checkProvisioned(); err != nil {
				return nil, err
			}
			return f(), nil
		})
	}

	// Always answered, also in pre-provisioning (detection needs them).
	s.Handle(wsman.ActionGet, uriSetupService, func(*wsmantest.Request) (*etree.Element, error) { return d.setupInstance(), nil })
	s.HandleEnumerate(uriSoftwareID, func(*wsmantest.Request) ([]*etree.Element, error) { return d.softwareIdentities(), nil })
	s.Handle(uriSetupService+"/Unprovision", uriSetupService, d.unprovision)

	enum(uriAssociatedPower, d.associatedPower)
	method(uriPowerService, "RequestPowerStateChange", d.requestPowerStateChange)

	get(uriBootSettings, d.getBootSettings)
	put(uriBootSettings, d.putBootSettings)
	method(uriBootConfig, "ChangeBootOrder", d.changeBootOrder)
	method(uriBootService, "SetBootConfigRole", d.setBootConfigRole)

	get(uriRedirection, d.getRedirection)
	put(uriRedirection, d.putRedirection)
	method(uriRedirection, "RequestStateChange", d.redirectionStateChange)
	if !d.cfg.NoKVM {
		enum(uriKVMSAP, func() []*etree.Element { return []*etree.Element{d.kvmInstance()} })
		method(uriKVMSAP, "RequestStateChange", d.kvmStateChange)
	}

	get(uriOptIn, d.getOptIn)
	put(uriOptIn, d.putOptIn)
	method(uriOptIn, "StartOptIn", d.startOptIn)
	method(uriOptIn, "SendOptInCode", d.sendOptInCode)
	method(uriOptIn, "CancelOptIn", d.cancelOptIn)

	get(uriGeneral, func(*wsmantest.Request) (*etree.Element, error) { return d.generalSettings(), nil })
	put(uriGeneral, d.putGeneral)
	enum(uriGeneral, func() []*etree.Element { return []*etree.Element{d.generalSettings()} })
	enum(uriPowerScheme, d.powerSchemes)
	method(uriPowerScheme, "SetPowerScheme", d.setPowerScheme)

	method(uriMessageLog, "PositionToFirstRecord", d.positionToFirstRecord)
	method(uriMessageLog, "GetRecords", d.getRecords)

	d.registerInventory(enum)
	d.registerDefense()
}

// provisioned wraps h with the pre-provisioning check.
func (d *Device) provisioned(h wsmantest.HandlerFunc) wsmantest.HandlerFunc {
	return func(r *wsmantest.Request) (*etree.Element, error) {
		if err := d.checkProvisioned(); err != nil {
			return nil, err
		}
		return h(r)
	}
}

func (d *Device) checkProvisioned() error {
	d.mu.Lock()
	st := d.provState
	d.mu.Unlock()
	if st != 2 {
		return wsmantest.Fault("AccessDenied", "Intel AMT is not provisioned: remote management is not available")
	}
	return nil
}

// output builds a method's <Method_OUTPUT> with a ReturnValue and extra
// properties (name, value pairs).
func output(uri, method string, rv int, kv ...string) *etree.Element {
	in := wsman.NewInstance(uri, method+"_OUTPUT")
	for i := 0; i+1 < len(kv); i += 2 {
		in.Set(kv[i], kv[i+1])
	}
	in.SetInt("ReturnValue", int64(rv))
	return in.Element()
}

// instance builds an instance element from name, value pairs.
func instance(uri string, kv ...string) *etree.Element {
	in := wsman.NewInstance(uri, className(uri))
	for i := 0; i+1 < len(kv); i += 2 {
		in.Set(kv[i], kv[i+1])
	}
	return in.Element()
}

func className(uri string) string {
	for i := len(uri) - 1; i >= 0; i-- {
		if uri[i] == '/' {
			return uri[i+1:]
		}
	}
	return uri
}
