package dashtest

import (
	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// Facts the simulated computer reports in its inventory.
const (
	Manufacturer = "oobkit Systems"
	Model        = "Sim 9000"
	Serial       = "SIM-0001"
	PlatformGUID = "4C4C4544-0030-3010-8030-B4C04F564331"
	BIOSVersion  = "1.2.3"
)

func (c *Computer) registerDiscovery() {
	// Registered profiles live in the interop namespace (DSP1033): asked in
	// the default namespace, a DASH computer has none to list.
	c.srv.HandleEnumerate(uri("CIM_RegisteredProfile"), func(req *wsmantest.Request) ([]*etree.Element, error) {
		if req.Selectors.Get("__cimnamespace") != "interop" {
			return nil, nil
		}
		var out []*etree.Element
		for _, p := range c.cfg.Profiles {
			out = append(out, inst("CIM_RegisteredProfile").Set("InstanceID", "DASH:"+p).
				Set("RegisteredOrganization", "2").Set("RegisteredName", p).Set("RegisteredVersion", "1.0.0").
				Set("AdvertiseTypes", "3").Element())
		}
		return out, nil
	})
	c.serveList("CIM_ComputerSystem", func() []*wsman.Instance {
		return []*wsman.Instance{inst("CIM_ComputerSystem").Set("CreationClassName", "CIM_ComputerSystem").
			Set("Name", c.cfg.Name).Set("ElementName", c.cfg.Name).Set("Dedicated", "32")}
	})
}

func (c *Computer) registerInventory() {
	c.serveList("CIM_ComputerSystemPackage", func() []*wsman.Instance {
		return []*wsman.Instance{inst("CIM_ComputerSystemPackage").Set("PlatformGUID", PlatformGUID).
			SetEPR("Dependent", c.systemRef())}
	})
	c.serveList("CIM_Chassis", func() []*wsman.Instance {
		return []*wsman.Instance{inst("CIM_Chassis").Set("CreationClassName", "CIM_Chassis").Set("Tag", "chassis-0").
			Set("ElementName", "Chassis").Set("Manufacturer", Manufacturer).Set("Model", Model).
			Set("SerialNumber", Serial).Set("Version", "A01").Set("ChassisPackageType", "3").
			Set("PartNumber", "CH-9000-A").Set("SKU", "SIM9000-EU").Set("CanBeFRUed", "true").Set("PackageType", "3")}
	})
	c.serveList("CIM_BIOSElement", func() []*wsman.Instance {
		return []*wsman.Instance{inst("CIM_BIOSElement").Set("Name", "Primary BIOS").Set("ElementName", "System BIOS").
			Set("Manufacturer", Manufacturer).Set("Version", BIOSVersion).Set("ReleaseDate", "2024-03-01").
			Set("SoftwareElementID", "BIOS").Set("PrimaryBIOS", "true")}
	})
	c.serveList("CIM_Processor", func() []*wsman.Instance {
		return []*wsman.Instance{inst("CIM_Processor").Set("DeviceID", "CPU0").Set("ElementName", "Sim CPU 3.2GHz").
			Set("Family", "198").Set("MaxClockSpeed", "4200").Set("CurrentClockSpeed", "3200").Set("HealthState", "5")}
	})
	c.serveList("CIM_PhysicalMemory", func() []*wsman.Instance {
		var out []*wsman.Instance
		for i, slot := range []string{"DIMM A", "DIMM B"} {
			out = append(out, inst("CIM_PhysicalMemory").Set("Tag", "mem-"+itoa(i)).Set("BankLabel", slot).
				Set("Capacity", "8589934592").Set("MemoryType", "26").Set("ConfiguredMemoryClockSpeed", "3200").
				Set("Manufacturer", "SimRAM").Set("PartNumber", "SR-8G-3200").Set("SerialNumber", "M"+itoa(1000+i)))
		}
		return out
	})
	c.serveList("CIM_Fan", func() []*wsman.Instance {
		return []*wsman.Instance{inst("CIM_Fan").Set("DeviceID", "FAN0").Set("ElementName", "CPU Fan").
			Set("DesiredSpeed", "1800").Set("HealthState", "5").
			// DSP1013 Fan Profile properties.
			Set("VariableSpeed", "true").Set("ActiveCooling", "true").Set("EnabledState", "2").Set("OperationalStatus", "2")}
	})
	c.serveList("CIM_PowerSupply", func() []*wsman.Instance {
		return []*wsman.Instance{inst("CIM_PowerSupply").Set("DeviceID", "PSU0").Set("ElementName", "Power Supply 1").
			Set("TotalOutputPower", "250000").Set("HealthState", "10").
			// DSP1015 Power Supply Profile properties.
			Set("EnabledState", "2").Set("OperationalStatus", "3")}
	})
	c.serveList("CIM_NumericSensor", func() []*wsman.Instance {
		return []*wsman.Instance{
			inst("CIM_NumericSensor").Set("DeviceID", "T0").Set("ElementName", "CPU Temperature").Set("SensorType", "2").
				Set("BaseUnits", "2").Set("UnitModifier", "0").Set("CurrentReading", "45").Set("CurrentState", "Normal").
				// DSP1009 Sensors Profile properties.
				Set("PossibleStates", "Normal", "Upper Non-Critical", "Upper Critical").Set("EnabledState", "2").
				Set("UpperThresholdNonCritical", "80").Set("UpperThresholdCritical", "95").Set("RateUnits", "0"),
			inst("CIM_NumericSensor").Set("DeviceID", "V0").Set("ElementName", "12V Rail").Set("SensorType", "3").
				Set("BaseUnits", "5").Set("UnitModifier", "-2").Set("CurrentReading", "1205").Set("CurrentState", "Normal").
				Set("PossibleStates", "Normal", "Lower Critical", "Upper Critical").Set("EnabledState", "2").
				Set("LowerThresholdCritical", "1140").Set("UpperThresholdCritical", "1260").Set("RateUnits", "0"),
		}
	})
	c.serveList("CIM_Memory", func() []*wsman.Instance {
		return []*wsman.Instance{
			inst("CIM_Memory").Set("DeviceID", "CACHE-L1").Set("BlockSize", "1024").Set("NumberOfBlocks", "64"),
			inst("CIM_Memory").Set("DeviceID", "CACHE-L2").Set("BlockSize", "1024").Set("NumberOfBlocks", "1024"),
		}
	})
	c.serveList("CIM_AssociatedCacheMemory", func() []*wsman.Instance {
		cpu := &wsman.EndpointReference{ResourceURI: uri("CIM_Processor"), Selectors: wsman.Sel("DeviceID", "CPU0")}
		var out []*wsman.Instance
		for _, l := range []struct{ id, level string }{{"CACHE-L1", "3"}, {"CACHE-L2", "4"}} {
			out = append(out, inst("CIM_AssociatedCacheMemory").
				SetEPR("Antecedent", &wsman.EndpointReference{ResourceURI: uri("CIM_Memory"), Selectors: wsman.Sel("DeviceID", l.id)}).
				SetEPR("Dependent", cpu).Set("Level", l.level))
		}
		return out
	})
	if c.has("Software Inventory") {
		c.serveList("CIM_SoftwareIdentity", func() []*wsman.Instance {
			return []*wsman.Instance{
				inst("CIM_SoftwareIdentity").Set("InstanceID", "DASH:BIOS").Set("ElementName", "System BIOS").
					Set("VersionString", BIOSVersion).Set("Manufacturer", Manufacturer).
					// DSP1023 Software Inventory Profile properties.
					Set("MajorVersion", "1").Set("MinorVersion", "2").Set("RevisionNumber", "3").Set("BuildNumber", "0").
					Set("IsEntity", "true").Set("Classifications", "11"),
				inst("CIM_SoftwareIdentity").Set("InstanceID", "DASH:MC").Set("ElementName", "Management Controller Firmware").
					Set("VersionString", "5.4.1").Set("Manufacturer", Manufacturer).
					Set("MajorVersion", "5").Set("MinorVersion", "4").Set("RevisionNumber", "1").Set("BuildNumber", "0").
					Set("IsEntity", "true").Set("Classifications", "10"),
			}
		})
	}
}
