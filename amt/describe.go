package amt

import (
	"fmt"
	"strconv"
)

// Sensor type names, IPMI v2.0 table 42-3 (the ASF/PET sensor types AMT
// logs), plus the AMT-specific ones (MeshCommander _GetEventDetailStr).
var sensorTypes = map[uint8]string{
	0x01: "Temperature", 0x02: "Voltage", 0x03: "Current", 0x04: "Fan", 0x05: "Physical Security",
	0x06: "Platform Security", 0x07: "Processor", 0x08: "Power Supply", 0x09: "Power Unit", 0x0a: "Cooling Device",
	0x0b: "Other Units", 0x0c: "Memory", 0x0d: "Drive Slot", 0x0e: "POST Memory Resize", 0x0f: "System Firmware Progress",
	0x10: "Event Logging Disabled", 0x11: "Watchdog 1", 0x12: "System Event", 0x13: "Critical Interrupt",
	0x14: "Button / Switch", 0x15: "Module / Board", 0x16: "Microcontroller", 0x17: "Add-in Card", 0x18: "Chassis",
	0x19: "Chip Set", 0x1a: "Other FRU", 0x1b: "Cable / Interconnect", 0x1c: "Terminator", 0x1d: "System Boot Initiated",
	0x1e: "Boot Error", 0x1f: "OS Boot", 0x20: "OS Critical Stop", 0x21: "Slot / Connector", 0x22: "System ACPI Power State",
	0x23: "Watchdog 2", 0x24: "Platform Alert", 0x25: "Entity Presence", 0x26: "Monitor ASIC", 0x27: "LAN",
	0x28: "Management Subsystem Health", 0x29: "Battery", 0x2a: "Session Audit", 0x2b: "Version Change",
	0x2c: "FRU State", 0xc0: "Intel AMT (OEM)", 0xc1: "Intel AMT remote access (OEM)",
}

// SensorTypeName names a sensor type.
func SensorTypeName(t uint8) string {
	if n, ok := sensorTypes[t]; ok {
		return n
	}
	return "Sensor type 0x" + strconv.FormatUint(uint64(t), 16)
}

// Entity IDs, IPMI v2.0 table 43-13.
var entities = []string{
	"Unspecified", "Other", "Unknown", "Processor", "Disk", "Peripheral bay", "System management module", "System board",
	"Memory module", "Processor module", "Power supply", "Add-in card", "Front panel board", "Back panel board",
	"Power system board", "Drive backplane", "System internal expansion board", "Other system board", "Processor board",
	"Power unit", "Power module", "Power management", "Chassis back panel board", "System chassis", "Sub-chassis",
	"Other chassis board", "Disk drive bay", "Peripheral bay", "Device bay", "Fan", "Cooling unit", "Cable / interconnect",
	"Memory device", "System management software", "BIOS", "Operating system", "System bus", "Group",
	"Intel AMT", // 38: remote (out-of-band) management communication device
	"External environment", "Battery", "Processing blade", "Connectivity switch", "Processor/memory module", "I/O module",
	"Processor I/O module", "Management controller firmware", "IPMI channel", "PCI bus", "PCI Express bus", "SCSI bus",
	"SATA/SAS bus", "Processor front-side bus", "Real-time clock",
}

// EntityName names an entity and its instance ("Processor 1"; instance 0
// and the AMT-internal instances are not shown).
func EntityName(id, instance uint8) string {
	name := "Entity 0x" + strconv.FormatUint(uint64(id), 16)
	if int(id) < len(entities) {
		name = entities[id]
	}
	if instance > 0 && instance < 0x60 {
		name += " " + strconv.Itoa(int(instance))
	}
	return name
}

// Firmware progress codes, IPMI table 42-3 sensor type 0Fh offset 02h, data 2.
var firmwareProgress = []string{
	"Unspecified", "Memory initialization", "Hard-disk initialization", "Secondary processor(s) initialization",
	"User authentication", "User-initiated system setup", "USB resource configuration", "PCI resource configuration",
	"Option ROM initialization", "Video initialization", "Cache initialization", "SM Bus initialization",
	"Keyboard controller initialization", "Embedded controller/management controller initialization",
	"Docking station attachment", "Enabling docking station", "Docking station ejection", "Disabling docking station",
	"Calling operating system wake-up vector", "Starting operating system boot process", "Baseboard or motherboard initialization",
	"Reserved", "Floppy initialization", "Keyboard test", "Pointing device test", "Primary processor initialization",
}

// Firmware error codes, sensor type 0Fh offset 00h, data 2.
var firmwareErrors = []string{
	"Unspecified", "No system memory is physically installed", "No usable system memory", "Unrecoverable hard-disk/ATAPI/IDE device failure",
	"Unrecoverable system-board failure", "Unrecoverable diskette subsystem failure", "Unrecoverable hard-disk controller failure",
	"Unrecoverable PS/2 or USB keyboard failure", "Removable boot media not found", "Unrecoverable video controller failure",
	"No video device detected", "Firmware (BIOS) ROM corruption detected", "CPU voltage mismatch", "CPU speed matching failure",
}

var bootInitiated = []string{"Initiated by power up", "Initiated by hard reset", "Initiated by warm reset",
	"User requested PXE boot", "Automatic boot to diagnostic", "OS / run-time software initiated hard reset",
	"OS / run-time software initiated warm reset", "System restart"}

var acpiStates = []string{"S0/G0 working", "S1 sleeping", "S2 sleeping", "S3 sleeping", "S4 non-volatile sleep",
	"S5/G2 soft-off", "S4/S5 soft-off", "G3 mechanical off", "Sleeping in S1, S2 or S3", "G1 sleeping",
	"S5 entered by override", "Legacy ON state", "Legacy OFF state", "Unknown", "Unknown"}

var watchdogStates = []string{"Timer expired, status only", "Hard reset", "Power down", "Power cycle"}

// Description is a human sentence for the record.
func (r Record) Description() string {
	off := r.Offset & 0x7f
	d := r.Data
	switch r.SensorType {
	case 0x05:
		if off == 0 {
			return "Case intrusion"
		}
	case 0x06:
		if off == 5 && r.Entity == 38 {
			return fmt.Sprintf("Authentication failed %d times. The system may be under attack.", d[1])
		}
	case 0x0f:
		switch off {
		case 0:
			return "BIOS error: " + pick(firmwareErrors, d[1])
		case 1:
			return "BIOS hang: " + pick(firmwareProgress, d[1])
		case 2:
			return "BIOS progress: " + pick(firmwareProgress, d[1])
		}
	case 0x12:
		switch off {
		case 0:
			return "System reconfigured"
		case 1:
			return "OEM system boot event"
		case 2:
			return "Undetermined system hardware failure"
		case 3:
			return "Entry added to the auxiliary log"
		case 5:
			return "Timestamp clock synchronised"
		}
	case 0x1d:
		if int(off) < len(bootInitiated) {
			return "System boot: " + bootInitiated[off]
		}
	case 0x22:
		if int(off) < len(acpiStates) {
			return "Power state changed to " + acpiStates[off]
		}
	case 0x23:
		if off < 4 {
			return "Watchdog: " + watchdogStates[off]
		}
		if off == 8 {
			return "Watchdog: timer interrupt"
		}
	case 0x24:
		if r.Entity == 38 || d[0] == 0x40 {
			return "System Defense: a network filter policy was triggered"
		}
	case 0xc0:
		if d[0] == 0xaa && d[1] == 0x30 {
			return redirectionEvent(d[2])
		}
		return "Intel AMT security policy event"
	case 0xc1:
		return "Intel AMT remote access connection event"
	}
	verb := "asserted"
	if !r.AssertionStatus {
		verb = "deasserted"
	}
	return fmt.Sprintf("%s: %s event, offset %d %s (%s)", SensorTypeName(r.SensorType), eventTypeName(r.EventType),
		off, verb, EntityName(r.Entity, r.EntityInstance))
}

// redirectionEvent decodes AMT's session start/stop records (MeshCommander
// _GetEventDetailStr, sensor 192, data AA 30 xx).
func redirectionEvent(v byte) string {
	switch v {
	case 0:
		return "A remote Serial-over-LAN session was established"
	case 1:
		return "The remote Serial-over-LAN session ended"
	case 2:
		return "A remote IDE-Redirection session was established"
	case 3:
		return "The remote IDE-Redirection session ended"
	}
	return "Remote redirection session event " + strconv.Itoa(int(v))
}

func pick(table []string, i byte) string {
	if int(i) < len(table) {
		return table[i]
	}
	return "code " + strconv.Itoa(int(i))
}
