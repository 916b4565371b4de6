package amttest

import (
	"strings"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/amt/internal/schema"
)

// registerInventory serves the hardware classes a real AMT 12 desktop
// reports (shapes modelled on go-wsman-messages' captures).
func (d *Device) registerInventory() {
	enum := d.handleEnum
	// Elements are built per request: a response document adopts them.
	one := func(f func() *etree.Element) func() []*etree.Element {
		return func() []*etree.Element { return []*etree.Element{f()} }
	}
	enum(schema.SystemPackage, func() []*etree.Element {
		return []*etree.Element{instance(schema.SystemPackage, "PlatformGUID", strings.ToUpper(d.cfg.GUID))}
	})
	enum(schema.Chassis, one(func() *etree.Element {
		return instance(schema.Chassis, "ChassisPackageType", "3", "CreationClassName", "CIM_Chassis",
			"ElementName", "Managed System Chassis", "Manufacturer", "Simulated Corp.", "Model", "SIM-1",
			"PackageType", "3", "SerialNumber", "CH-0001", "Tag", "CIM_Chassis", "Version", "1.0")
	}))
	enum(schema.Card, one(func() *etree.Element {
		return instance(schema.Card, "CanBeFRUed", "true", "CreationClassName", "CIM_Card",
			"ElementName", "Managed System Base Board", "Manufacturer", "Simulated Corp.", "Model", "SIMBOARD",
			"PackageType", "9", "SerialNumber", "BB-0001", "Tag", "CIM_Card", "Version", "K47173-402")
	}))
	enum(schema.BIOS, one(func() *etree.Element {
		return instance(schema.BIOS, "ElementName", "Primary BIOS", "Manufacturer", "Intel Corp.",
			"Name", "Primary BIOS", "PrimaryBIOS", "true", "ReleaseDate", "2020-08-10T00:00:00Z",
			"SoftwareElementID", "QNCFLX70.0054.2020.0810.2227", "TargetOperatingSystem", "66", "Version", "QNCFLX70.0054.2020.0810.2227")
	}))
	enum(schema.Processor, one(func() *etree.Element {
		return instance(schema.Processor, "CPUStatus", "1", "CreationClassName", "CIM_Processor",
			"CurrentClockSpeed", "2400", "DeviceID", "CPU 0", "ElementName", "Managed System CPU", "EnabledState", "2",
			"ExternalBusClockSpeed", "100", "Family", "198", "HealthState", "0", "MaxClockSpeed", "8300",
			"Stepping", "13", "UpgradeMethod", "1")
	}))
	enum(schema.Memory, func() []*etree.Element {
		return []*etree.Element{
			instance(schema.Memory, "BankLabel", "BANK 0", "Capacity", "8589934592", "ConfiguredMemoryClockSpeed", "2400",
				"CreationClassName", "CIM_PhysicalMemory", "ElementName", "Managed System Memory Chip", "FormFactor", "13",
				"Manufacturer", "859B", "MemoryType", "26", "PartNumber", "CT8G4SFS824A.C8FE  ", "SerialNumber", "E0000001", "Speed", "0"),
			instance(schema.Memory, "BankLabel", "BANK 2", "Capacity", "8589934592", "ConfiguredMemoryClockSpeed", "2400",
				"CreationClassName", "CIM_PhysicalMemory", "ElementName", "Managed System Memory Chip", "FormFactor", "13",
				"Manufacturer", "859B", "MemoryType", "26", "PartNumber", "CT8G4SFS824A.C8FE  ", "SerialNumber", "E0000002", "Speed", "0"),
		}
	})
	enum(schema.MediaAccess, one(func() *etree.Element {
		return instance(schema.MediaAccess, "Capabilities", "4", "CreationClassName", "CIM_MediaAccessDevice",
			"DeviceID", "MEDIA DEV 0", "ElementName", "Managed System Media Access Device", "EnabledDefault", "2",
			"EnabledState", "0", "MaxMediaSize", "500107862", "OperationalStatus", "0", "RequestedState", "12", "Security", "2")
	}))
	// AMT_AgentPresenceWatchdog and AMT_EthernetPortSettings: nodes.go.
}
