package amttest

import (
	"strconv"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/internal/wsmantest"

	"github.com/oobkit/oobkit/amt/internal/schema"
)

func (d *Device) setupInstance() *etree.Element {
	d.mu.Lock()
	defer d.mu.Unlock()
	return instance(schema.SetupService,
		"CreationClassName", "AMT_SetupAndConfigurationService", "ElementName", "Intel(r) AMT Setup and Configuration Service",
		"EnabledState", "5", "Name", schema.SetupServiceName, "PasswordModel", "1",
		"ProvisioningMode", strconv.Itoa(d.provMode), "ProvisioningServerOTP", "", "ProvisioningState", strconv.Itoa(d.provState),
		"RequestedState", "12", "SystemCreationClassName", "CIM_ComputerSystem", "SystemName", "Intel(r) AMT",
		"ZeroTouchConfigurationEnabled", "true")
}

func (d *Device) softwareIdentities() []*etree.Element {
	v := d.cfg.Firmware
	build := "3000"
	ids := [][2]string{{"Flash", v}, {"Netstack", v}, {"AMTApps", v}, {"AMT", v}, {"Sku", "16392"}, {"VendorID", "8086"},
		{"Build Number", build}, {"Recovery Version", v}, {"Recovery Build Num", build}, {"Legacy Mode", "False"},
		{"AMT FW Core Version", v}}
	out := make([]*etree.Element, 0, len(ids))
	for _, id := range ids {
		out = append(out, instance(schema.SoftwareID, "InstanceID", id[0], "IsEntity", "true", "VersionString", id[1]))
	}
	return out
}

func (d *Device) unprovision(r *wsmantest.Request) (*etree.Element, error) {
	const m = "Unprovision"
	mode, has := r.Instance().Int("ProvisioningMode")
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.provState != statePost:
		return output(schema.SetupService, m, 16), nil // not permitted
	case has && mode != modeAdminControl && mode != modeClientControl:
		return output(schema.SetupService, m, 36), nil // invalid parameter
	case has && int(mode) != d.provMode:
		return output(schema.SetupService, m, 16), nil
	}
	d.provState = statePre
	return output(schema.SetupService, m, 0), nil
}

func (d *Device) getRedirection(*wsmantest.Request) (*etree.Element, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return instance(schema.Redirection, "CreationClassName", "AMT_RedirectionService", "ElementName", "Intel(r) AMT Redirection Service",
		"EnabledState", strconv.Itoa(d.redirState), "ListenerEnabled", strconv.FormatBool(d.listener),
		"Name", schema.RedirectionName, "SystemCreationClassName", "CIM_ComputerSystem", "SystemName", "Intel(r) AMT"), nil
}

func (d *Device) putRedirection(r *wsmantest.Request) (*etree.Element, error) {
	in := r.Instance()
	if !in.Has("ListenerEnabled") {
		return nil, wsmantest.Fault("InvalidRepresentation", "ListenerEnabled is required")
	}
	d.mu.Lock()
	d.listener = in.Bool("ListenerEnabled")
	d.mu.Unlock()
	return d.getRedirection(r)
}

func (d *Device) redirectionStateChange(r *wsmantest.Request) (*etree.Element, error) {
	v, _ := r.Instance().Int("RequestedState")
	if v < 32768 || v > 32771 {
		return output(schema.Redirection, "RequestStateChange", 5), nil
	}
	d.mu.Lock()
	d.redirState = int(v)
	d.mu.Unlock()
	if f := d.cfg.OnRedirectionState; f != nil {
		f(uint16(v))
	}
	return output(schema.Redirection, "RequestStateChange", 0), nil
}

func (d *Device) kvmInstance() *etree.Element {
	d.mu.Lock()
	defer d.mu.Unlock()
	return instance(schema.KVMSAP, "CreationClassName", "CIM_KVMRedirectionSAP", "ElementName", "KVM Redirection Service Access Point",
		"EnabledState", strconv.Itoa(d.kvmState), "KVMProtocol", "4", "Name", "KVM Redirection Service Access Point",
		"RequestedState", "2", "SystemCreationClassName", "CIM_ComputerSystem", "SystemName", "ManagedSystem")
}

func (d *Device) kvmStateChange(r *wsmantest.Request) (*etree.Element, error) {
	v, _ := r.Instance().Int("RequestedState")
	d.mu.Lock()
	defer d.mu.Unlock()
	switch v {
	case 2:
		d.kvmState = 6 // enabled, offline until a viewer connects (real capture cim/kvm/get.xml)
	case 3:
		d.kvmState = 3
	default:
		return output(schema.KVMSAP, "RequestStateChange", 5), nil
	}
	return output(schema.KVMSAP, "RequestStateChange", 0), nil
}

func (d *Device) getOptIn(*wsmantest.Request) (*etree.Element, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	can := "0"
	if d.provMode == modeAdminControl {
		can = "1"
	}
	return instance(schema.OptIn, "CanModifyOptInPolicy", can, "CreationClassName", "IPS_OptInService",
		"ElementName", "Intel(r) AMT OptIn Service", "Name", schema.OptInName,
		"OptInCodeTimeout", "120", "OptInDisplayTimeout", "300", "OptInRequired", strconv.FormatInt(d.optRequired, 10),
		"OptInState", strconv.Itoa(d.optState), "SystemCreationClassName", "CIM_ComputerSystem", "SystemName", "Intel(r) AMT"), nil
}

func (d *Device) putOptIn(r *wsmantest.Request) (*etree.Element, error) {
	v, ok := r.Instance().Int("OptInRequired")
	if !ok || (v != 0 && v != 1 && v != 4294967295) {
		return nil, wsmantest.Fault("InvalidRepresentation", "OptInRequired must be 0, 1 or 4294967295")
	}
	d.mu.Lock()
	if d.provMode != modeAdminControl {
		d.mu.Unlock()
		return nil, wsmantest.Fault("AccessDenied", "the consent policy can be changed only in admin control mode")
	}
	d.optRequired = v
	d.mu.Unlock()
	return d.getOptIn(r)
}

func (d *Device) startOptIn(*wsmantest.Request) (*etree.Element, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.optState != 0 {
		return output(schema.OptIn, "StartOptIn", 2), nil
	}
	d.optState, d.optCode = 2, randomCode()
	return output(schema.OptIn, "StartOptIn", 0), nil
}

func (d *Device) sendOptInCode(r *wsmantest.Request) (*etree.Element, error) {
	code := r.Instance().Get("OptInCode")
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.optState != 1 && d.optState != 2 {
		return output(schema.OptIn, "SendOptInCode", 2), nil
	}
	n, err := strconv.Atoi(code)
	want, _ := strconv.Atoi(d.optCode)
	if err != nil || n != want {
		return output(schema.OptIn, "SendOptInCode", 4), nil
	}
	d.optState, d.optCode = 3, ""
	return output(schema.OptIn, "SendOptInCode", 0), nil
}

func (d *Device) cancelOptIn(*wsmantest.Request) (*etree.Element, error) {
	d.mu.Lock()
	d.optState, d.optCode = 0, ""
	d.mu.Unlock()
	return output(schema.OptIn, "CancelOptIn", 0), nil
}

func (d *Device) generalSettings() *etree.Element {
	d.mu.Lock()
	defer d.mu.Unlock()
	return instance(schema.General, "AMTNetworkEnabled", "1", "DDNSPeriodicUpdateInterval", "1440", "DDNSTTL", "900",
		"DDNSUpdateByDHCPServerEnabled", "true", "DDNSUpdateEnabled", "false", "DHCPv6ConfigurationTimeout", "0",
		"DigestRealm", d.srv.Digest.Realm, "DomainName", "example.test", "ElementName", "Intel(r) AMT: General Settings",
		"HostName", d.cfg.HostName, "HostOSFQDN", d.cfg.HostName+".example.test", "IdleWakeTimeout", strconv.Itoa(d.idleTimeout),
		"InstanceID", schema.GeneralSettingsID, "NetworkInterfaceEnabled", "true", "PingResponseEnabled", "true",
		"PowerSource", "0", "PreferredAddressFamily", "0", "PresenceNotificationInterval", "0", "PrivacyLevel", "0",
		"RmcpPingResponseEnabled", "true", "SharedFQDN", "true", "ThunderboltDockEnabled", "0", "WsmanOnlyMode", "false")
}

func (d *Device) putGeneral(r *wsmantest.Request) (*etree.Element, error) {
	v, ok := r.Instance().Int("IdleWakeTimeout")
	if !ok || v < 1 || v > 65535 {
		return nil, wsmantest.Fault("InvalidRepresentation", "IdleWakeTimeout must be 1–65535")
	}
	d.mu.Lock()
	d.idleTimeout = int(v)
	d.mu.Unlock()
	return d.generalSettings(), nil
}

// Power packages as a mobile AMT platform lists them (descriptions in the
// style of go-wsman-messages' amt/systempowerscheme capture).
var schemes = [][3]string{
	{"SCHEME 1", "Mobile: ON in S0", "AAAAAAAAAAAAAAAAAAAAAA=="},
	{"SCHEME 2", "Mobile: ON in S0, ME Wake in S3, S4-5 (AC only)", "AQAAAAAAAAAAAAAAAAAAAA=="},
}

func (d *Device) powerSchemes() []*etree.Element {
	out := make([]*etree.Element, 0, len(schemes))
	for _, s := range schemes {
		out = append(out, instance(schema.PowerScheme, "Description", s[1], "ElementName", "Intel(r) AMT Power Scheme",
			"InstanceID", s[0], "SchemeGUID", s[2]))
	}
	return out
}

func (d *Device) setPowerScheme(r *wsmantest.Request) (*etree.Element, error) {
	id := r.Selectors.Get("InstanceID")
	for _, s := range schemes {
		if s[0] == id {
			d.mu.Lock()
			d.activeScheme = id
			d.mu.Unlock()
			return output(schema.PowerScheme, "SetPowerScheme", 0), nil
		}
	}
	return nil, wsmantest.Fault("InvalidSelectors", "no power scheme "+id)
}
