package amttest

import (
	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"

	"github.com/oobkit/oobkit/amt/internal/schema"
)

// register installs every handler on the device's server. Handlers of a
// provisioned-only resource are wrapped so a device in pre-provisioning
// answers AccessDenied, as the firmware refuses remote management then.
func (d *Device) register() {
	s := d.srv
	get, put, method, enum := d.handleGet, d.handlePut, d.handleMethod, d.handleEnum

	// Always answered, also in pre-provisioning (detection needs them).
	s.Handle(wsman.ActionGet, schema.SetupService, func(*wsmantest.Request) (*etree.Element, error) { return d.setupInstance(), nil })
	s.HandleEnumerate(schema.SoftwareID, func(*wsmantest.Request) ([]*etree.Element, error) { return d.softwareIdentities(), nil })
	s.Handle(schema.SetupService+"/Unprovision", schema.SetupService, d.unprovision)

	enum(schema.AssociatedPower, d.associatedPower)
	get(schema.AssociatedPower, d.getAssociatedPower)
	method(schema.PowerService, "RequestPowerStateChange", d.requestPowerStateChange)

	get(schema.BootSettings, d.getBootSettings)
	put(schema.BootSettings, d.putBootSettings)
	method(schema.BootConfig, "ChangeBootOrder", d.changeBootOrder)
	method(schema.BootService, "SetBootConfigRole", d.setBootConfigRole)

	get(schema.Redirection, d.getRedirection)
	put(schema.Redirection, d.putRedirection)
	method(schema.Redirection, "RequestStateChange", d.redirectionStateChange)
	if !d.cfg.NoKVM {
		enum(schema.KVMSAP, func() []*etree.Element { return []*etree.Element{d.kvmInstance()} })
		method(schema.KVMSAP, "RequestStateChange", d.kvmStateChange)
	}

	get(schema.OptIn, d.getOptIn)
	put(schema.OptIn, d.putOptIn)
	method(schema.OptIn, "StartOptIn", d.startOptIn)
	method(schema.OptIn, "SendOptInCode", d.sendOptInCode)
	method(schema.OptIn, "CancelOptIn", d.cancelOptIn)

	get(schema.General, func(*wsmantest.Request) (*etree.Element, error) { return d.generalSettings(), nil })
	put(schema.General, d.putGeneral)
	enum(schema.General, func() []*etree.Element { return []*etree.Element{d.generalSettings()} })
	enum(schema.PowerScheme, d.powerSchemes)
	method(schema.PowerScheme, "SetPowerScheme", d.setPowerScheme)

	method(schema.MessageLog, "PositionToFirstRecord", d.positionToFirstRecord)
	method(schema.MessageLog, "GetRecords", d.getRecords)

	d.registerInventory()
	d.registerNodes()
	d.registerDefense()
	d.registerAlerts()
	d.registerOSPower()
}

// handleGet, handlePut, handleCreate, handleDelete and handleMethod serve
// one action of a resource that only a provisioned device answers.
func (d *Device) handleGet(uri string, h wsmantest.HandlerFunc) {
	d.srv.Handle(wsman.ActionGet, uri, d.provisioned(h))
}

func (d *Device) handlePut(uri string, h wsmantest.HandlerFunc) {
	d.srv.Handle(wsman.ActionPut, uri, d.provisioned(h))
}

func (d *Device) handleCreate(uri string, h wsmantest.HandlerFunc) {
	d.srv.Handle(wsman.ActionCreate, uri, d.provisioned(h))
}

func (d *Device) handleDelete(uri string, h wsmantest.HandlerFunc) {
	d.srv.Handle(wsman.ActionDelete, uri, d.provisioned(h))
}

func (d *Device) handleMethod(uri, method string, h wsmantest.HandlerFunc) {
	d.srv.Handle(uri+"/"+method, uri, d.provisioned(h))
}

// handleEnum serves the enumeration of uri with the instances list builds
// (per request: a response document adopts its elements).
func (d *Device) handleEnum(uri string, list func() []*etree.Element) {
	d.srv.HandleEnumerate(uri, func(*wsmantest.Request) ([]*etree.Element, error) {
		if err := d.checkProvisioned(); err != nil {
			return nil, err
		}
		return list(), nil
	})
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
	in := wsman.NewInstance(uri, schema.ClassName(uri))
	for i := 0; i+1 < len(kv); i += 2 {
		in.Set(kv[i], kv[i+1])
	}
	return in.Element()
}
