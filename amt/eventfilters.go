package amt

import (
	"context"
	"errors"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
)

// EventFilter is an AMT event filter (AMT_PETFilterSetting). Intel: "An
// event filter determines which alerts to catch and what to do with them":
// log them in the event log (LogOnEvent, read back with
// AMT_MessageLog) and send them as Platform Event Traps to the PET
// destinations carrying its PolicyID (SendAlert); EnableFilter "Specifies
// whether this filter is currently being applied to platform events", so a
// filter can be turned off and kept. Sources: Intel AMT SDK, Event Filters,
// https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/WordDocuments/eventfilters.htm
// and the AMT_PETFilterSetting MOF (property descriptions as in
// github.com/intel/lms CIM_Framework AMT_PETFilterSetting.h). Intel ME 18
// firmware dropped SNMP PET, and with it these filters.
type EventFilter struct {
	// Name is the filter's ElementName.
	Name string
	// InstanceID is the filter's key.
	InstanceID string
	// Enabled is EnableFilter: the filter is applied to platform events.
	Enabled bool
	// Send is SendAlert: caught events are sent to the PET destinations
	// of PolicyID ("Which alerts to send").
	Send bool
	// Log is LogOnEvent: caught events are logged ("Which alerts to log").
	Log bool
	// OEM is OEMFilter: a manufacturer's filter, which "cannot be altered
	// by software - updated, enabled, disabled or removed".
	OEM bool
	// PolicyID ties the filter to PET destinations with the same PolicyID.
	PolicyID int
	// SensorType is the EventSensorType the filter catches (0xFF: any).
	SensorType int

	in *wsman.Instance // as listed, for Put
}

// Sending reports whether the filter sends alerts (enabled and SendAlert):
// the guide's subscribed alert.
func (f EventFilter) Sending() bool { return f.Enabled && f.Send }

// Logging reports whether the filter logs events (enabled and LogOnEvent).
func (f EventFilter) Logging() bool { return f.Enabled && f.Log }

// EventFilters lists the device's event filters. Firmware without them
// (Intel ME 18 and later) answers ErrUnsupported.
func (c *Client) EventFilters(ctx context.Context) ([]EventFilter, error) {
	items, err := c.enumerate(ctx, schema.PETFilter)
	if err != nil {
		return nil, err
	}
	out := make([]EventFilter, 0, len(items))
	for _, in := range items {
		f := EventFilter{Name: in.Get("ElementName"), InstanceID: in.Get("InstanceID"), Enabled: in.Bool("EnableFilter"),
			Send: in.Bool("SendAlert"), Log: in.Bool("LogOnEvent"), OEM: in.Bool("OEMFilter"), in: in}
		if v, ok := in.Int("PolicyID"); ok {
			f.PolicyID = int(v)
		}
		if v, ok := in.Int("EventSensorType"); ok {
			f.SensorType = int(v)
		}
		out = append(out, f)
	}
	return out, nil
}

// SetEventFilter writes f's Enabled, Send and Log to the device (Put of
// the AMT_PETFilterSetting listed by [Client.EventFilters]). An OEM filter
// is refused with ErrUnsupported.
func (c *Client) SetEventFilter(ctx context.Context, f EventFilter) error {
	const op = "SetEventFilter"
	if err := editable(op, f); err != nil {
		return err
	}
	in := wsman.NewInstance(schema.PETFilter, "AMT_PETFilterSetting")
	for _, p := range petFilterProps {
		switch {
		case p == "EnableFilter":
			in.SetBool(p, f.Enabled)
		case p == "SendAlert":
			in.SetBool(p, f.Send)
		case p == "LogOnEvent":
			in.SetBool(p, f.Log)
		case f.in.Has(p):
			in.Set(p, f.in.Get(p))
		}
	}
	_, err := c.ws.Put(ctx, schema.PETFilter, wsman.Sel("InstanceID", f.InstanceID), in)
	return err
}

// RemoveEventFilter deletes f from the device, freeing its slot (Intel:
// "When the maximum number of event filters is reached, you must delete at
// least one of the filters before you add a filter"). An OEM filter is
// refused with ErrUnsupported.
func (c *Client) RemoveEventFilter(ctx context.Context, f EventFilter) error {
	if err := editable("RemoveEventFilter", f); err != nil {
		return err
	}
	return c.ws.Delete(ctx, schema.PETFilter, wsman.Sel("InstanceID", f.InstanceID))
}

// petFilterProps are AMT_PETFilterSetting's properties in schema order
// (CIM_SettingData's ElementName and InstanceID among them), written back
// whole by a Put.
var petFilterProps = []string{"DeviceAddress", "ElementName", "EnableFilter", "Entity", "EntityInstance", "EventOffset",
	"EventSensorType", "EventSeverity", "EventSourceType", "EventType", "InstanceID", "LogOnEvent", "OEMFilter",
	"PolicyID", "SendAlert", "SensorNumber"}

func editable(op string, f EventFilter) error {
	if f.in == nil {
		return argErr(op, "the event filter was not listed by EventFilters")
	}
	if f.OEM {
		return &oobkit.Error{Protocol: oobkit.AMT, Op: op, Class: oobkit.ErrUnsupported,
			Message: "event filter " + f.Name + " is the manufacturer's (OEMFilter) and cannot be changed or removed"}
	}
	return nil
}

// eventFilters lists the filters, or none with ok false when the firmware
// has none.
func (c *Client) eventFilters(ctx context.Context) (filters []EventFilter, ok bool, err error) {
	filters, err = c.EventFilters(ctx)
	if errors.Is(err, oobkit.ErrUnsupported) {
		return nil, false, nil
	}
	return filters, err == nil, err
}

// policyOf is the PolicyID a new PET destination gets: the lowest one
// among the filters that send alerts, or -1.
func policyOf(filters []EventFilter) int {
	best := -1
	for _, f := range filters {
		if f.Sending() && (best < 0 || f.PolicyID < best) {
			best = f.PolicyID
		}
	}
	return best
}
