package ipmispec

import "fmt"

// sensorTypeNames is IPMI v2.0 §42.2 Table 42-3, sensor type codes 01h–2Ch,
// in the words FreeIPMI's ipmi-pet prints.
var sensorTypeNames = [...]string{
	0x01: "Temperature",
	0x02: "Voltage",
	0x03: "Current",
	0x04: "Fan",
	0x05: "Physical Security",
	0x06: "Platform Security Violation Attempt",
	0x07: "Processor",
	0x08: "Power Supply",
	0x09: "Power Unit",
	0x0A: "Cooling Device",
	0x0B: "Other Units Based Sensor",
	0x0C: "Memory",
	0x0D: "Drive Slot",
	0x0E: "POST Memory Resize",
	0x0F: "System Firmware Progress",
	0x10: "Event Logging Disabled",
	0x11: "Watchdog 1",
	0x12: "System Event",
	0x13: "Critical Interrupt",
	0x14: "Button/Switch",
	0x15: "Module/Board",
	0x16: "Microcontroller/Coprocessor",
	0x17: "Add In Card",
	0x18: "Chassis",
	0x19: "Chip Set",
	0x1A: "Other FRU",
	0x1B: "Cable/Interconnect",
	0x1C: "Terminator",
	0x1D: "System Boot Initiated",
	0x1E: "Boot Error",
	0x1F: "OS Boot",
	0x20: "OS Critical Stop",
	0x21: "Slot/Connector",
	0x22: "System ACPI Power State",
	0x23: "Watchdog 2",
	0x24: "Platform Alert",
	0x25: "Entity Presence",
	0x26: "Monitor ASIC/IC",
	0x27: "LAN",
	0x28: "Management Subsystem Health",
	0x29: "Battery",
	0x2A: "Session Audit",
	0x2B: "Version Change",
	0x2C: "FRU State",
}

// SensorTypeName names a sensor type code (Table 42-3): "Temperature",
// "Physical Security"…; "OEM Reserved" for C0h–FFh and "Sensor Type 0xNN"
// for the reserved codes.
func SensorTypeName(code uint8) string {
	if int(code) < len(sensorTypeNames) && sensorTypeNames[code] != "" {
		return sensorTypeNames[code]
	}
	if code >= 0xC0 {
		return "OEM Reserved"
	}
	return fmt.Sprintf("Sensor Type 0x%02X", code)
}
