package amttest

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// DefaultMaxEventFilters is the number of event filter slots: 17 from
// Intel AMT 2.6 ("increased by one to include the default preconfigured
// filter", Intel AMT SDK, Event Filters:
// https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/WordDocuments/eventfilters.htm).
const DefaultMaxEventFilters = 17

// AnyField in an event filter's criterion matches every value (the "ANY" of
// Intel's default filter table).
const AnyField = 0xFF

// EventFilter is an event filter the simulated device holds
// (AMT_PETFilterSetting). Intel: "An event filter determines which alerts
// to catch and what to do with them": log them (LogOnEvent) and send them
// as Platform Event Traps to the PET destinations of its PolicyID
// (SendAlert). EnableFilter turns the filter on and off and keeps it; an
// OEM filter "cannot be altered by software - updated, enabled, disabled or
// removed" (AMT_PETFilterSetting MOF, as in intel/lms
// CIM_Framework AMT_PETFilterSetting.h). The simulator matches on sensor
// type and event type only.
type EventFilter struct {
	// Name is the ElementName.
	Name string
	// InstanceID is the key (default "Intel(r) AMT:PET filter N").
	InstanceID string
	// Enabled is EnableFilter: the filter is applied to platform events.
	Enabled bool
	// Send is SendAlert: caught events go to PET destinations.
	Send bool
	// Log is LogOnEvent: caught events are recorded in the event log.
	Log bool
	// OEM is OEMFilter: the manufacturer's, unchangeable.
	OEM bool
	// PolicyID ties the filter to the PET destinations with that PolicyID.
	PolicyID int
	// SensorType is EventSensorType (AnyField: any).
	SensorType uint8
	// EventType is the event/reading type (AnyField: any).
	EventType uint8
}

// DefaultEventFilters are the simulated device's filters, after the sensor
// types of Intel's default filter table (temperature, voltage, fan,
// physical security…) plus the power and boot sensors the simulator raises
// events for, all with PolicyID 1 (the simulator's choice; Intel's table
// gives each filter its own), logging, and sending except firmware
// progress. The preconfigured OEM filter "AMT Diagnostic" (PolicyID 134,
// "cannot be removed or updated") is last.
func DefaultEventFilters() []EventFilter {
	f := func(name string, sensor uint8, send bool) EventFilter {
		return EventFilter{Name: name, Enabled: true, Send: send, Log: true, PolicyID: petPolicyID, SensorType: sensor, EventType: AnyField}
	}
	return []EventFilter{
		f("Temperature", 0x01, true),
		f("Voltage", 0x02, true),
		f("Fan", 0x04, true),
		f("Physical security", 0x05, true),
		f("System firmware progress", 0x0F, false),
		f("System boot", 0x1D, true),
		f("ACPI power state", 0x22, true),
		{Name: "AMT Diagnostic", InstanceID: "Intel(r) AMT:AMT Diagnostic", Enabled: true, OEM: true, PolicyID: 134,
			SensorType: AnyField, EventType: AnyField},
	}
}

// catches reports whether f is enabled and its criteria match the record.
func (f *EventFilter) catches(sensor, eventType uint8) bool {
	return f.Enabled && (f.SensorType == AnyField || f.SensorType == sensor) &&
		(f.EventType == AnyField || f.EventType == eventType)
}

func (d *Device) initEventFilters() {
	if !d.cfg.petSupported() {
		return
	}
	for i, f := range d.cfg.EventFilters {
		if f.InstanceID == "" {
			f.InstanceID = "Intel(r) AMT:PET filter " + strconv.Itoa(i)
		}
		d.alerts.filters = append(d.alerts.filters, &f)
	}
}

// logsLocked reports whether the device logs an event with record r's
// sensor and event type.
func (d *Device) logsLocked(sensor, eventType uint8) bool {
	if !d.cfg.petSupported() {
		return true
	}
	return slices.ContainsFunc(d.alerts.filters, func(f *EventFilter) bool { return f.Log && f.catches(sensor, eventType) })
}

// sendsLocked reports whether an event is sent to the PET destinations of
// policy.
func (d *Device) sendsLocked(policy int, sensor, eventType uint8) bool {
	return slices.ContainsFunc(d.alerts.filters, func(f *EventFilter) bool {
		return f.Send && f.PolicyID == policy && f.catches(sensor, eventType)
	})
}

// EventFilters returns the device's event filters.
func (d *Device) EventFilters() []EventFilter {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]EventFilter, 0, len(d.alerts.filters))
	for _, f := range d.alerts.filters {
		out = append(out, *f)
	}
	return out
}

func (d *Device) registerEventFilters() {
	d.handleEnum(schema.PETFilter, d.eventFilterInstances)
	d.handlePut(schema.PETFilter, d.putEventFilter)
	d.handleDelete(schema.PETFilter, d.deleteEventFilter)
	d.handleCreate(schema.PETFilter, d.createEventFilter)
}

func (d *Device) eventFilterInstances() []*etree.Element {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]*etree.Element, 0, len(d.alerts.filters))
	for _, f := range d.alerts.filters {
		out = append(out, eventFilterInstance(f).Element())
	}
	return out
}

func eventFilterInstance(f *EventFilter) *wsman.Instance {
	any := strconv.Itoa(AnyField)
	return wsman.NewInstance(schema.PETFilter, "AMT_PETFilterSetting").
		Set("DeviceAddress", any).Set("ElementName", f.Name).SetBool("EnableFilter", f.Enabled).
		Set("Entity", any).Set("EntityInstance", any).Set("EventOffset", any).
		SetInt("EventSensorType", int64(f.SensorType)).Set("EventSeverity", any).Set("EventSourceType", any).
		SetInt("EventType", int64(f.EventType)).Set("InstanceID", f.InstanceID).SetBool("LogOnEvent", f.Log).
		SetBool("OEMFilter", f.OEM).SetInt("PolicyID", int64(f.PolicyID)).SetBool("SendAlert", f.Send).
		Set("SensorNumber", any)
}

// filterLocked finds the filter with the request's InstanceID and refuses
// OEM filters.
func (d *Device) filterLocked(r *wsmantest.Request) (int, error) {
	id := r.Selectors.Get("InstanceID")
	i := slices.IndexFunc(d.alerts.filters, func(f *EventFilter) bool { return f.InstanceID == id })
	if i < 0 {
		return -1, wsmantest.Fault("InvalidSelectors", "no event filter "+strconv.Quote(id))
	}
	if d.alerts.filters[i].OEM {
		return -1, wsmantest.Fault("AccessDenied", "the manufacturer's (OEM) event filter cannot be updated or removed")
	}
	return i, nil
}

// putEventFilter serves Put: EnableFilter, SendAlert and LogOnEvent change;
// the criteria stay.
func (d *Device) putEventFilter(r *wsmantest.Request) (*etree.Element, error) {
	in := r.Instance()
	d.mu.Lock()
	defer d.mu.Unlock()
	i, err := d.filterLocked(r)
	if err != nil {
		return nil, err
	}
	f := d.alerts.filters[i]
	for _, p := range []string{"EnableFilter", "SendAlert", "LogOnEvent"} {
		if !in.Has(p) {
			return nil, wsmantest.Fault("InvalidRepresentation", p+" is required")
		}
	}
	f.Enabled, f.Send, f.Log = in.Bool("EnableFilter"), in.Bool("SendAlert"), in.Bool("LogOnEvent")
	return eventFilterInstance(f).Element(), nil
}

// deleteEventFilter serves Delete, which frees the filter's slot.
func (d *Device) deleteEventFilter(r *wsmantest.Request) (*etree.Element, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	i, err := d.filterLocked(r)
	if err != nil {
		return nil, err
	}
	d.alerts.filters = slices.Delete(d.alerts.filters, i, i+1)
	return nil, nil
}

// createEventFilter serves Create {ElementName, EventSensorType, EventType,
// PolicyID, EnableFilter, SendAlert, LogOnEvent} while a slot is free.
func (d *Device) createEventFilter(r *wsmantest.Request) (*etree.Element, error) {
	in := r.Instance()
	policy, ok := in.Int("PolicyID")
	if !ok || policy < 0 || policy > 255 {
		return nil, wsmantest.Fault("InvalidParameter", "a PolicyID (0-255) is required")
	}
	field := func(name string) uint8 {
		if v, ok := in.Int(name); ok && v >= 0 && v <= 255 {
			return uint8(v)
		}
		return AnyField
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.alerts.filters) >= d.cfg.MaxEventFilters {
		return nil, wsmantest.Fault("QuotaLimit", fmt.Sprintf("all %d event filter slots are in use", d.cfg.MaxEventFilters))
	}
	d.alerts.nextFilter++
	f := &EventFilter{Name: in.Get("ElementName"), InstanceID: "Intel(r) AMT:PET filter created " + strconv.Itoa(d.alerts.nextFilter),
		Enabled: in.Bool("EnableFilter"), Send: in.Bool("SendAlert"), Log: in.Bool("LogOnEvent"), PolicyID: int(policy),
		SensorType: field("EventSensorType"), EventType: field("EventType")}
	d.alerts.filters = append(d.alerts.filters, f)
	return created(schema.PETFilter, wsman.Sel("InstanceID", f.InstanceID)), nil
}

// created is the ResourceCreated body naming the new instance.
func created(uri string, sel wsman.Selectors) *etree.Element {
	e := etree.NewElement("t:ResourceCreated")
	e.CreateAttr("xmlns:t", wsman.NSTransfer)
	e.CreateAttr("xmlns:a", wsman.NSAddressing)
	e.CreateAttr("xmlns:w", wsman.NSWSMan)
	e.CreateElement("a:Address").SetText(wsman.AnonymousAddress)
	rp := e.CreateElement("a:ReferenceParameters")
	rp.CreateElement("w:ResourceURI").SetText(uri)
	set := rp.CreateElement("w:SelectorSet")
	for _, s := range sel {
		x := set.CreateElement("w:Selector")
		x.CreateAttr("Name", s.Name)
		x.SetText(s.Value)
	}
	return e
}
