package amt

import (
	"strconv"

	"github.com/oobkit/oobkit/internal/ipmispec"
)

// The names of sensor types, event types, offsets and entities are the
// IPMI tables of package internal/ipmispec. What follows is only what AMT
// adds: its reading of the event data of some records, and its own OEM
// records (sensor types C0h and C1h) that no IPMI table names.

// entityAMT is entity ID 26h, "Remote Management Communication Device":
// the management engine itself, which raises AMT's own records.
const entityAMT = 0x26

// Sensor types whose records AMT reads further (IPMI v2.0 Table 42-3, and
// AMT's OEM types from MeshCommander amt-0.2.0.js _GetEventDetailStr).
const (
	sensorPlatformSecurity = 0x06
	sensorFirmwareProgress = 0x0F
	sensorPlatformAlert    = 0x24
	sensorAMTSecurity      = 0xC0
	sensorAMTRemoteAccess  = 0xC1
)

// firmwareProgress names the progress and hang codes in event data 2 of
// sensor type 0Fh, offsets 01h and 02h (IPMI v2.0 Table 42-3).
var firmwareProgress = []string{
	"Unspecified", "Memory initialization", "Hard-disk initialization", "Secondary processor(s) initialization",
	"User authentication", "User-initiated system setup", "USB resource configuration", "PCI resource configuration",
	"Option ROM initialization", "Video initialization", "Cache initialization", "SM Bus initialization",
	"Keyboard controller initialization", "Embedded controller/management controller initialization",
	"Docking station attachment", "Enabling docking station", "Docking station ejection", "Disabling docking station",
	"Calling operating system wake-up vector", "Starting operating system boot process", "Baseboard or motherboard initialization",
	"Reserved", "Floppy initialization", "Keyboard test", "Pointing device test", "Primary processor initialization",
}

// firmwareErrors names the error codes in event data 2 of sensor type 0Fh,
// offset 00h (IPMI v2.0 Table 42-3).
var firmwareErrors = []string{
	"Unspecified", "No system memory is physically installed", "No usable system memory", "Unrecoverable hard-disk/ATAPI/IDE device failure",
	"Unrecoverable system-board failure", "Unrecoverable diskette subsystem failure", "Unrecoverable hard-disk controller failure",
	"Unrecoverable PS/2 or USB keyboard failure", "Removable boot media not found", "Unrecoverable video controller failure",
	"No video device detected", "Firmware (BIOS) ROM corruption detected", "CPU voltage mismatch", "CPU speed matching failure",
}

// Description is a one-line sentence for the record. When the IPMI tables
// name the event it is the sentence the ipmi and snmp packages give the same
// event ("Physical Security Sensor #255: General Chassis Intrusion
// (Assertion)"), followed by "; " and [Record.Detail] when AMT's event data
// says more ("…System Firmware Progress (Assertion); PCI resource
// configuration"). AMT's own records that no table names are described by
// the detail alone ("A remote Serial-over-LAN session was established").
func (r Record) Description() string {
	e := r.IPMIEvent()
	detail := r.Detail()
	switch {
	case detail == "":
		return e.Description()
	case ipmispec.OffsetName(e.SensorType, e.EventType, e.Offset) == "":
		return detail
	}
	return e.Description() + "; " + detail
}

// Detail is what AMT's records say beyond the IPMI tables, or "" when they
// say nothing more: the failed-login count of AMT's authentication
// records, the BIOS error or progress code of a firmware progress record,
// System Defense alerts and AMT's OEM records (MeshCommander amt-0.2.0.js
// _GetEventDetailStr; go-wsman-messages amt/messagelog/decoder.go).
func (r Record) Detail() string {
	e := r.IPMIEvent()
	d := r.Data
	switch r.SensorType {
	case sensorPlatformSecurity:
		if e.Offset == 5 && r.Entity == entityAMT { // Out-of-band Access Password Violation
			n := int(d[1]) | int(d[2])<<8
			return "Authentication failed " + strconv.Itoa(n) + " times. The system may be under attack."
		}
	case sensorFirmwareProgress:
		if d[1] == 0 { // "Unspecified": nothing to add
			return ""
		}
		switch e.Offset {
		case 0:
			return pick(firmwareErrors, d[1])
		case 1, 2:
			return pick(firmwareProgress, d[1])
		}
	case sensorPlatformAlert:
		if r.Entity == entityAMT || d[0] == 0x40 {
			return "System Defense: a network filter policy was triggered"
		}
	case sensorAMTSecurity:
		if d[0] == 0xAA && d[1] == 0x30 {
			return redirectionEvent(d[2])
		}
		return "Intel AMT security policy event"
	case sensorAMTRemoteAccess:
		return "Intel AMT remote access connection event"
	}
	return ""
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
