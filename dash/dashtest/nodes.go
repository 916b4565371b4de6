package dashtest

import "github.com/oobkit/oobkit/internal/wsman"

// registerNodes serves the classes of the one-to-one view's DASH nodes
// (RTSM guide Table A-6: Fan, Power Supply, Sensors, DASH Software, Field
// Replaceable Unit) that the inventory does not already serve: discrete
// sensors (CIM_Sensor, DMTF DSP1009 Sensors Profile) and the physical
// packages of DSP1011 Physical Asset Profile (the baseboard CIM_Card and
// the power supply's CIM_PhysicalPackage). Profiles:
// https://www.dmtf.org/standards/dash
func (c *Computer) registerNodes() {
	c.serveList("CIM_Sensor", func() []*wsman.Instance {
		return []*wsman.Instance{inst("CIM_Sensor").Set("CreationClassName", "CIM_Sensor").Set("DeviceID", "INTRUSION0").
			Set("ElementName", "Chassis Intrusion").Set("SensorType", "16").Set("PossibleStates", "Normal", "Intruded").
			Set("CurrentState", "Normal").Set("EnabledState", "2").Set("HealthState", "5").
			Set("SystemCreationClassName", "CIM_ComputerSystem").Set("SystemName", c.cfg.Name)}
	})
	c.serveList("CIM_Card", func() []*wsman.Instance {
		return []*wsman.Instance{inst("CIM_Card").Set("CreationClassName", "CIM_Card").Set("Tag", "baseboard-0").
			Set("ElementName", "Baseboard").Set("Manufacturer", Manufacturer).Set("Model", "SB-9000").
			Set("SerialNumber", "BB-0042").Set("PartNumber", "SB-9000-R2").Set("Version", "R2").
			Set("CanBeFRUed", "true").Set("HostingBoard", "true").Set("PackageType", "9")}
	})
	c.serveList("CIM_PhysicalPackage", func() []*wsman.Instance {
		return []*wsman.Instance{inst("CIM_PhysicalPackage").Set("CreationClassName", "CIM_PhysicalPackage").Set("Tag", "psu-0").
			Set("ElementName", "Power Supply 1 Package").Set("Manufacturer", "SimPower").Set("Model", "SP-250").
			Set("SerialNumber", "PSU-7781").Set("PartNumber", "SP-250-80P").Set("CanBeFRUed", "true").Set("PackageType", "17")}
	})
}
