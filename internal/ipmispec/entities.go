package ipmispec

import "strconv"

// entityNames is IPMI v2.0 §43.14 Table 43-13, entity ID codes; 40h–42h
// are the DCMI additions (DCMI v1.5 Table 6-1) that servers commonly use.
var entityNames = map[uint8]string{
	0x01: "Other",
	0x02: "Unknown",
	0x03: "Processor",
	0x04: "Disk or Disk Bay",
	0x05: "Peripheral Bay",
	0x06: "System Management Module",
	0x07: "System Board",
	0x08: "Memory Module",
	0x09: "Processor Module",
	0x0A: "Power Supply",
	0x0B: "Add-in Card",
	0x0C: "Front Panel Board",
	0x0D: "Back Panel Board",
	0x0E: "Power System Board",
	0x0F: "Drive Backplane",
	0x10: "System Internal Expansion Board",
	0x11: "Other System Board",
	0x12: "Processor Board",
	0x13: "Power Unit",
	0x14: "Power Module",
	0x15: "Power Management",
	0x16: "Chassis Back Panel Board",
	0x17: "System Chassis",
	0x18: "Sub-Chassis",
	0x19: "Other Chassis Board",
	0x1A: "Disk Drive Bay",
	0x1B: "Peripheral Bay",
	0x1C: "Device Bay",
	0x1D: "Fan Device",
	0x1E: "Cooling Unit",
	0x1F: "Cable/Interconnect",
	0x20: "Memory Device",
	0x21: "System Management Software",
	0x22: "System Firmware",
	0x23: "Operating System",
	0x24: "System Bus",
	0x25: "Group",
	0x26: "Remote Management Communication Device",
	0x27: "External Environment",
	0x28: "Battery",
	0x29: "Processing Blade",
	0x2A: "Connectivity Switch",
	0x2B: "Processor/Memory Module",
	0x2C: "I/O Module",
	0x2D: "Processor/IO Module",
	0x2E: "Management Controller Firmware",
	0x2F: "IPMI Channel",
	0x30: "PCI Bus",
	0x31: "PCI Express Bus",
	0x32: "SCSI Bus (parallel)",
	0x33: "SATA/SAS Bus",
	0x34: "Processor/Front-Side Bus",
	0x35: "Real Time Clock (RTC)",
	0x37: "Air Inlet",
	0x40: "Air Inlet",
	0x41: "Processor",
	0x42: "Baseboard",
}

// EntityName names an entity ID (Table 43-13), or "" when it is 0
// (unspecified) or not in the table.
func EntityName(id uint8) string { return entityNames[id] }

// EntityInstanceName is the entity's name followed by its instance number
// when the instance is not 0 ("Processor 1"), or "" when the entity has no
// name.
func EntityInstanceName(id, instance uint8) string {
	n := EntityName(id)
	if n == "" || instance == 0 {
		return n
	}
	return n + " " + strconv.Itoa(int(instance))
}
