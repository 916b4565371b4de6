package dash

import (
	"context"
	"math"
	"strconv"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// The readers of the one-to-one view's DASH nodes (RTSM guide Table A-6:
// "Fan", "Power Supply", "Sensors", "DASH Software", "Field Replaceable
// Unit"). Each has the same shape: a method that takes a context and
// returns a typed slice; [Client.NodeRows] returns any of them as rows of
// strings for a generic table view. Class and property names are those of
// the DMTF DASH profiles (https://www.dmtf.org/standards/dash): DSP1013 Fan,
// DSP1015 Power Supply, DSP1009 Sensors, DSP1023 Software Inventory and
// DSP1011 Physical Asset.

// Fan is one CIM_Fan (DSP1013 Fan Profile).
type Fan struct {
	DeviceID string `json:"deviceID"`
	Name     string `json:"name"`
	// VariableSpeed: the fan's speed can be changed.
	VariableSpeed bool `json:"variableSpeed"`
	// DesiredSpeed is the requested speed in RPM (0 when unreported).
	DesiredSpeed int64 `json:"desiredSpeed,omitempty"`
	// ActiveCooling: the fan cools actively (CIM_CoolingDevice).
	ActiveCooling bool `json:"activeCooling"`
	// Health and State name HealthState and EnabledState.
	Health string `json:"health,omitempty"`
	State  string `json:"state,omitempty"`
	// Status names the first OperationalStatus value ("OK", "Degraded", …).
	Status string `json:"status,omitempty"`
}

// PowerSupply is one CIM_PowerSupply (DSP1015 Power Supply Profile).
type PowerSupply struct {
	DeviceID string `json:"deviceID"`
	Name     string `json:"name"`
	// TotalOutputPowerW is TotalOutputPower (milliwatts) in watts.
	TotalOutputPowerW float64 `json:"totalOutputPowerW,omitempty"`
	Health            string  `json:"health,omitempty"`
	State             string  `json:"state,omitempty"`
	Status            string  `json:"status,omitempty"`
}

// SensorReading is one CIM_NumericSensor or discrete CIM_Sensor (DSP1009
// Sensors Profile).
type SensorReading struct {
	DeviceID string `json:"deviceID"`
	Name     string `json:"name"`
	// Type names SensorType ("temperature", "voltage", "tachometer", …).
	Type string `json:"type"`
	// Numeric: a CIM_NumericSensor, with a Value in Unit.
	Numeric bool     `json:"numeric"`
	Value   *float64 `json:"value,omitempty"`
	// Unit names BaseUnits ("°C", "V", "RPM", …).
	Unit string `json:"unit,omitempty"`
	// State is CurrentState ("Normal", "Upper Critical", "Intruded", …);
	// PossibleStates lists the states the sensor can report.
	State          string   `json:"state"`
	PossibleStates []string `json:"possibleStates,omitempty"`
	// Thresholds are the numeric sensor's thresholds that are set, in Unit
	// ("LowerThresholdCritical", "UpperThresholdNonCritical", …).
	Thresholds map[string]float64 `json:"thresholds,omitempty"`
}

// SoftwareItem is one CIM_SoftwareIdentity (DSP1023 Software Inventory
// Profile).
type SoftwareItem struct {
	InstanceID   string `json:"instanceID"`
	Name         string `json:"name"`
	Version      string `json:"version"`
	Manufacturer string `json:"manufacturer,omitempty"`
	// Classifications name the Classifications values ("Firmware",
	// "BIOS/FCode", "Driver", …).
	Classifications []string `json:"classifications,omitempty"`
	// Installed is IsEntity: the software is installed (not only
	// available).
	Installed bool `json:"installed"`
}

// FRU is a field replaceable unit: a physical element of DSP1011 Physical
// Asset Profile (CIM_PhysicalPackage, CIM_Chassis, CIM_Card,
// CIM_PhysicalMemory).
type FRU struct {
	Class        string `json:"class"`
	Tag          string `json:"tag"`
	Name         string `json:"name"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Model        string `json:"model,omitempty"`
	SerialNumber string `json:"serialNumber,omitempty"`
	PartNumber   string `json:"partNumber,omitempty"`
	SKU          string `json:"sku,omitempty"`
	Version      string `json:"version,omitempty"`
	// CanBeFRUed is nil when the element does not say.
	CanBeFRUed *bool `json:"canBeFRUed,omitempty"`
}

// CIM value maps (CIM schema, as the profiles above use them).
var (
	health = map[string]string{"0": "unknown", "5": "ok", "10": "degraded", "15": "minor failure", "20": "major failure",
		"25": "critical failure", "30": "non-recoverable error"}
	enabledState = map[string]string{"0": "unknown", "1": "other", "2": "enabled", "3": "disabled", "4": "shutting down",
		"5": "not applicable", "6": "enabled but offline", "7": "in test", "8": "deferred", "9": "quiesce", "10": "starting"}
	operationalStatus = map[string]string{"0": "Unknown", "1": "Other", "2": "OK", "3": "Degraded", "4": "Stressed",
		"5": "Predictive Failure", "6": "Error", "7": "Non-Recoverable Error", "8": "Starting", "9": "Stopping",
		"10": "Stopped", "11": "In Service", "12": "No Contact", "13": "Lost Communication", "14": "Aborted",
		"15": "Dormant", "16": "Supporting Entity in Error", "17": "Completed", "18": "Power Mode"}
	// sensorType names CIM_Sensor.SensorType (DSP1009).
	sensorType = map[string]string{"0": "unknown", "1": "other", "2": "temperature", "3": "voltage", "4": "current",
		"5": "tachometer", "6": "counter", "7": "switch", "8": "lock", "9": "humidity", "10": "smoke detection",
		"11": "presence", "12": "air flow", "13": "power consumption", "14": "power production", "15": "pressure",
		"16": "intrusion"}
	// unitNames names CIM_NumericSensor.BaseUnits (DSP1009, the common ones).
	unitNames = map[string]string{"2": "°C", "3": "°F", "4": "K", "5": "V", "6": "A", "7": "W", "8": "J", "19": "RPM",
		"20": "Hz", "65": "%"}
	// softwareClass names CIM_SoftwareIdentity.Classifications (DSP1023).
	softwareClass = map[string]string{"0": "Unknown", "1": "Other", "2": "Driver", "3": "Configuration Software",
		"4": "Application Software", "5": "Instrumentation", "6": "Firmware/BIOS", "7": "Diagnostic Software",
		"8": "Operating System", "9": "Middleware", "10": "Firmware", "11": "BIOS/FCode", "12": "Support/Service Pack",
		"13": "Software Bundle"}
	thresholdNames = []string{"LowerThresholdNonCritical", "UpperThresholdNonCritical", "LowerThresholdCritical",
		"UpperThresholdCritical", "LowerThresholdFatal", "UpperThresholdFatal"}
)

func name(m map[string]string, v string) string {
	if n, ok := m[v]; ok {
		return n
	}
	return v
}

// Fans reads CIM_Fan. Speed readings are those of the tachometer sensors
// ([Client.Sensors]).
func (c *Client) Fans(ctx context.Context) ([]Fan, error) {
	list, err := c.enumerate(ctx, "CIM_Fan", false)
	if err != nil {
		return nil, err
	}
	out := make([]Fan, 0, len(list))
	for _, in := range list {
		out = append(out, decodeFan(in))
	}
	return out, nil
}

func decodeFan(in *wsman.Instance) Fan {
	f := Fan{DeviceID: in.Get("DeviceID"), Name: firstOf(in.Get("ElementName"), in.Get("DeviceID")),
		VariableSpeed: in.Bool("VariableSpeed"), ActiveCooling: in.Bool("ActiveCooling"), Health: name(health, in.Get("HealthState")),
		State: name(enabledState, in.Get("EnabledState")), Status: name(operationalStatus, in.Get("OperationalStatus"))}
	f.DesiredSpeed, _ = in.Int("DesiredSpeed")
	return f
}

// PowerSupplies reads CIM_PowerSupply.
func (c *Client) PowerSupplies(ctx context.Context) ([]PowerSupply, error) {
	list, err := c.enumerate(ctx, "CIM_PowerSupply", false)
	if err != nil {
		return nil, err
	}
	out := make([]PowerSupply, 0, len(list))
	for _, in := range list {
		out = append(out, decodePowerSupply(in))
	}
	return out, nil
}

func decodePowerSupply(in *wsman.Instance) PowerSupply {
	p := PowerSupply{DeviceID: in.Get("DeviceID"), Name: firstOf(in.Get("ElementName"), in.Get("DeviceID")),
		Health: name(health, in.Get("HealthState")), State: name(enabledState, in.Get("EnabledState")),
		Status: name(operationalStatus, in.Get("OperationalStatus"))}
	if mw, ok := in.Int("TotalOutputPower"); ok {
		p.TotalOutputPowerW = float64(mw) / 1000
	}
	return p
}

// Sensors reads the numeric sensors (CIM_NumericSensor) and then the
// discrete ones (CIM_Sensor; an instance already read as numeric, as a
// polymorphic enumeration returns it again, is not repeated). A computer
// without discrete sensors still lists its numeric ones; the read fails
// when neither class answers.
func (c *Client) Sensors(ctx context.Context) ([]SensorReading, error) {
	numeric, nerr := c.enumerate(ctx, "CIM_NumericSensor", false)
	if nerr != nil && oobkit.InventoryFatal(nerr) {
		return nil, nerr
	}
	discrete, derr := c.enumerate(ctx, "CIM_Sensor", false)
	if derr != nil && (oobkit.InventoryFatal(derr) || nerr != nil) {
		return nil, derr
	}
	out := make([]SensorReading, 0, len(numeric)+len(discrete))
	seen := map[string]bool{}
	for _, in := range numeric {
		seen[in.Get("DeviceID")] = true
		out = append(out, decodeSensor(in, true))
	}
	for _, in := range discrete {
		if seen[in.Get("DeviceID")] {
			continue
		}
		out = append(out, decodeSensor(in, in.Has("BaseUnits") && in.Has("CurrentReading")))
	}
	return out, nil
}

func decodeSensor(in *wsman.Instance, numeric bool) SensorReading {
	s := SensorReading{DeviceID: in.Get("DeviceID"), Name: firstOf(in.Get("ElementName"), in.Get("DeviceID")),
		Type: firstOf(name(sensorType, in.Get("SensorType")), in.Get("OtherSensorTypeDescription")), Numeric: numeric,
		State: in.Get("CurrentState"), PossibleStates: in.All("PossibleStates")}
	if s.Type == "other" && in.Get("OtherSensorTypeDescription") != "" {
		s.Type = in.Get("OtherSensorTypeDescription")
	}
	if !numeric {
		return s
	}
	s.Unit = name(unitNames, in.Get("BaseUnits"))
	mod, _ := in.Int("UnitModifier")
	if mod < -30 || mod > 30 {
		mod = 0 // beyond any unit a sensor reports: ignore rather than overflow
	}
	scale := math.Pow10(int(mod))
	if r, ok := in.Int("CurrentReading"); ok {
		v := float64(r) * scale
		s.Value = &v
	}
	for _, t := range thresholdNames {
		if r, ok := in.Int(t); ok {
			if s.Thresholds == nil {
				s.Thresholds = map[string]float64{}
			}
			s.Thresholds[t] = float64(r) * scale
		}
	}
	return s
}

// Software reads CIM_SoftwareIdentity (the DASH Software node). A computer
// without the Software Inventory profile answers ErrUnsupported.
func (c *Client) Software(ctx context.Context) ([]SoftwareItem, error) {
	list, err := c.enumerate(ctx, "CIM_SoftwareIdentity", false)
	if err != nil {
		return nil, err
	}
	out := make([]SoftwareItem, 0, len(list))
	for _, in := range list {
		out = append(out, decodeSoftwareItem(in))
	}
	return out, nil
}

func decodeSoftwareItem(in *wsman.Instance) SoftwareItem {
	s := SoftwareItem{InstanceID: in.Get("InstanceID"), Name: firstOf(in.Get("ElementName"), in.Get("InstanceID")),
		Version: in.Get("VersionString"), Manufacturer: in.Get("Manufacturer"), Installed: in.Bool("IsEntity")}
	if s.Version == "" && in.Has("MajorVersion") {
		parts := []string{in.Get("MajorVersion"), firstOf(in.Get("MinorVersion"), "0")}
		for _, k := range []string{"RevisionNumber", "BuildNumber"} {
			if in.Has(k) {
				parts = append(parts, in.Get(k))
			}
		}
		s.Version = strings.Join(parts, ".")
	}
	for _, v := range in.All("Classifications") {
		s.Classifications = append(s.Classifications, name(softwareClass, v))
	}
	return s
}

// fruClasses are read in this order; an element a polymorphic enumeration
// returns twice (a CIM_Chassis is a CIM_PhysicalPackage) is listed once.
var fruClasses = []string{"CIM_Chassis", "CIM_Card", "CIM_PhysicalPackage", "CIM_PhysicalMemory"}

// FRUs reads the field replaceable units of DSP1011 Physical Asset:
// chassis, cards, other packages and memory modules, with manufacturer,
// model, serial and part numbers. A class the computer lacks is left out;
// the read fails only when none answers or on a fatal error.
func (c *Client) FRUs(ctx context.Context) ([]FRU, error) {
	var out []FRU
	var firstErr error
	seen := map[string]bool{}
	answered := 0
	for _, class := range fruClasses {
		list, err := c.enumerate(ctx, class, false)
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
			f := decodeFRU(class, in)
			key := f.Class + "\x00" + f.Tag
			if f.Tag != "" && seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, f)
		}
	}
	if answered == 0 && firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

func decodeFRU(class string, in *wsman.Instance) FRU {
	f := FRU{Class: firstOf(in.Get("CreationClassName"), class), Tag: in.Get("Tag"), Name: in.Get("ElementName"),
		Manufacturer: strings.TrimSpace(in.Get("Manufacturer")), Model: strings.TrimSpace(in.Get("Model")),
		SerialNumber: strings.TrimSpace(in.Get("SerialNumber")), PartNumber: strings.TrimSpace(in.Get("PartNumber")),
		SKU: strings.TrimSpace(in.Get("SKU")), Version: strings.TrimSpace(in.Get("Version"))}
	if in.Has("CanBeFRUed") {
		v := in.Bool("CanBeFRUed")
		f.CanBeFRUed = &v
	}
	return f
}

// Node names a node of the one-to-one view that package dash reads (RTSM
// guide Table A-6).
type Node string

// The DASH nodes, named as the guide's table names them.
const (
	NodeFan         Node = "Fan"
	NodePowerSupply Node = "Power Supply"
	NodeSensors     Node = "Sensors"
	NodeSoftware    Node = "DASH Software"
	NodeFRU         Node = "Field Replaceable Unit"
)

// Nodes lists the nodes [Client.NodeRows] reads, in the guide's order.
var Nodes = []Node{NodeSoftware, NodeFan, NodeFRU, NodePowerSupply, NodeSensors}

// Row is one line of a node's generic table: column name to value.
type Row = map[string]string

// NodeRows reads node and returns it as rows of strings, the generic form
// a table view shows (the typed readers [Client.Fans],
// [Client.PowerSupplies], [Client.Sensors], [Client.Software] and
// [Client.FRUs] give the same data). An unknown node is an
// ErrInvalidArgument error.
func (c *Client) NodeRows(ctx context.Context, node Node) ([]Row, error) {
	switch node {
	case NodeFan:
		list, err := c.Fans(ctx)
		return rowsOf(list, err, func(f Fan) Row {
			return Row{"DeviceID": f.DeviceID, "Name": f.Name, "VariableSpeed": bstr(f.VariableSpeed),
				"DesiredSpeed": strconv.FormatInt(f.DesiredSpeed, 10), "ActiveCooling": bstr(f.ActiveCooling),
				"Health": f.Health, "State": f.State, "Status": f.Status}
		})
	case NodePowerSupply:
		list, err := c.PowerSupplies(ctx)
		return rowsOf(list, err, func(p PowerSupply) Row {
			return Row{"DeviceID": p.DeviceID, "Name": p.Name, "TotalOutputPowerW": strconv.FormatFloat(p.TotalOutputPowerW, 'f', -1, 64),
				"Health": p.Health, "State": p.State, "Status": p.Status}
		})
	case NodeSensors:
		list, err := c.Sensors(ctx)
		return rowsOf(list, err, func(s SensorReading) Row {
			r := Row{"DeviceID": s.DeviceID, "Name": s.Name, "Type": s.Type, "State": s.State, "Unit": s.Unit, "Value": ""}
			if s.Value != nil {
				r["Value"] = strconv.FormatFloat(*s.Value, 'f', -1, 64)
			}
			return r
		})
	case NodeSoftware:
		list, err := c.Software(ctx)
		return rowsOf(list, err, func(s SoftwareItem) Row {
			return Row{"Name": s.Name, "Version": s.Version, "Manufacturer": s.Manufacturer,
				"Classifications": strings.Join(s.Classifications, ", "), "Installed": bstr(s.Installed)}
		})
	case NodeFRU:
		list, err := c.FRUs(ctx)
		return rowsOf(list, err, func(f FRU) Row {
			fru := ""
			if f.CanBeFRUed != nil {
				fru = bstr(*f.CanBeFRUed)
			}
			return Row{"Class": f.Class, "Tag": f.Tag, "Name": f.Name, "Manufacturer": f.Manufacturer, "Model": f.Model,
				"SerialNumber": f.SerialNumber, "PartNumber": f.PartNumber, "SKU": f.SKU, "Version": f.Version, "CanBeFRUed": fru}
		})
	}
	return nil, &oobkit.Error{Protocol: oobkit.DASH, Op: "NodeRows", Class: oobkit.ErrInvalidArgument,
		Message: "no DASH node " + strconv.Quote(string(node))}
}

func rowsOf[T any](list []T, err error, f func(T) Row) ([]Row, error) {
	if err != nil {
		return nil, err
	}
	out := make([]Row, 0, len(list))
	for _, v := range list {
		out = append(out, f(v))
	}
	return out, nil
}

func bstr(b bool) string { return strconv.FormatBool(b) }
