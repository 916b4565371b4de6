package asf

import (
	"encoding/binary"
	"fmt"

	"github.com/oobkit/oobkit"
)

// Pong is a Presence Pong (§3.2.4.3): who answered a Presence Ping.
type Pong struct {
	// IANA is the ASF IANA (4542) or, when the device has OEM-specific
	// capabilities, the OEM's enterprise number.
	IANA uint32 `json:"iana"`
	// OEM is the OEM-defined field (0 without OEM capabilities).
	OEM uint32 `json:"oem"`
	// IPMI is bit 7 of Supported Entities: "Set to 1b if IPMI is supported".
	IPMI bool `json:"ipmi"`
	// ASFVersion is bits 3:0 of Supported Entities, "0001b ASF, Version
	// 1.0"; 0 when the device names no ASF version (an IPMI-only BMC).
	ASFVersion int `json:"asfVersion"`
	// Security is bit 7 of Supported Interactions: "Set to 1b if RMCP
	// security extensions are supported".
	Security bool `json:"security"`
}

// ASF reports whether the device says it speaks ASF ("0001b ASF, Version 1.0").
func (p Pong) ASF() bool { return p.ASFVersion == 1 }

// parsePong reads a Presence Pong's 16 data bytes.
func parsePong(d []byte) (Pong, error) {
	if len(d) < 10 {
		return Pong{}, fmt.Errorf("presence pong: %w (%d data bytes, want 16)", errShort, len(d))
	}
	return Pong{
		IANA:       binary.BigEndian.Uint32(d),
		OEM:        binary.BigEndian.Uint32(d[4:]),
		IPMI:       d[8]&0x80 != 0,
		ASFVersion: int(d[8] & 0x0F),
		Security:   d[9]&0x80 != 0,
	}, nil
}

// Capabilities is a Capabilities Response (§3.2.4.4): the least common
// denominator of what the managed client's alert-sending device and
// firmware support.
type Capabilities struct {
	// IANA and OEM are as in [Pong].
	IANA uint32 `json:"iana"`
	OEM  uint32 `json:"oem"`
	// SpecialCommands is the Special Commands Bit Mask (bytes 9-10): force
	// PXE, hard-drive, safe-mode, diagnostic and CD/DVD boot.
	SpecialCommands uint16 `json:"specialCommands"`
	// System is the System Capabilities Bit Mask (byte 11): bits 7:4 say
	// Reset, Power-Up, Power-Down and Power Cycle Reset work on either
	// port; bits 3:0 say they work only on the secure port.
	System byte `json:"system"`
	// Firmware is the System Firmware Capabilities Bit Mask (bytes 12-15).
	Firmware uint32 `json:"firmware"`
}

// Supports reports whether the device accepts remote-control message type
// t (TypeReset, TypePowerUp, TypePowerDown, TypePowerCycle) on either port
// or on the secure port only.
func (c Capabilities) Supports(t byte) (anyPort, secureOnly bool) {
	var bit uint
	switch t {
	case TypeReset:
		bit = 3
	case TypePowerUp:
		bit = 2
	case TypePowerDown:
		bit = 1
	case TypePowerCycle:
		bit = 0
	default:
		return false, false
	}
	return c.System&(1<<(bit+4)) != 0, c.System&(1<<bit) != 0
}

func parseCapabilities(d []byte) (Capabilities, error) {
	if len(d) < 15 {
		return Capabilities{}, fmt.Errorf("capabilities response: %w (%d data bytes, want 16)", errShort, len(d))
	}
	return Capabilities{
		IANA:            binary.BigEndian.Uint32(d),
		OEM:             binary.BigEndian.Uint32(d[4:]),
		SpecialCommands: binary.BigEndian.Uint16(d[8:]),
		System:          d[10],
		Firmware:        binary.BigEndian.Uint32(d[11:]),
	}, nil
}

// SystemState is the System State field of a System State Response
// (§3.2.4.5), bits 3:0. Its values are the rows of the RTSM guide's Table
// C-3 in order, except that 1101b is not defined and Unknown is 1110b.
type SystemState byte

// System states (§3.2.4.5).
const (
	StateS0         SystemState = 0x0 // S0 / G0 "working"
	StateS1         SystemState = 0x1 // S1 "sleeping with system h/w & processor context maintained"
	StateS2         SystemState = 0x2 // S2 "sleeping, processor context lost"
	StateS3         SystemState = 0x3 // S3 "sleeping, processor & h/w context lost, memory retained."
	StateS4         SystemState = 0x4 // S4 "non-volatile sleep / suspend-to disk"
	StateS5         SystemState = 0x5 // S5 / G2 "soft-off"
	StateS4S5       SystemState = 0x6 // S4 / S5 soft-off, particular S4/S5 state cannot be determined
	StateG3         SystemState = 0x7 // G3 / Mechanical Off
	StateSleeping   SystemState = 0x8 // sleeping in S1, S2 or S3 (cannot be determined), or Legacy SLEEP
	StateG1         SystemState = 0x9 // G1 sleeping (S1-S4 state cannot be determined)
	StateS5Override SystemState = 0xA // S5 entered by override (e.g. 4-second power button override)
	StateLegacyOn   SystemState = 0xB // Legacy ON state (e.g. non-ACPI OS working state)
	StateLegacyOff  SystemState = 0xC // Legacy OFF state (e.g. non-ACPI OS off state)
	StateUnknown    SystemState = 0xE // Unknown
)

// Row returns the state's row in the RTSM guide's Table C-3 (1 = S0/G0 …
// 13 = Legacy OFF, 14 = Unknown), the number the field notes quote in
// "FromState detected as unknown:14"; a reserved value reads as row 14.
func (s SystemState) Row() int {
	if s <= StateLegacyOff {
		return int(s) + 1
	}
	return 14
}

// powerStates maps System State values (DSP0136 §3.2.4.10, the same ACPI
// system power state set as Table C-3) to the oobkit state of the same row,
// never to the nearest S-state.
var powerStates = map[SystemState]oobkit.PowerState{
	StateS0:         oobkit.PowerS0,
	StateS1:         oobkit.PowerS1,
	StateS2:         oobkit.PowerS2,
	StateS3:         oobkit.PowerS3,
	StateS4:         oobkit.PowerS4,
	StateS5:         oobkit.PowerS5,
	StateS4S5:       oobkit.PowerS4S5,
	StateG3:         oobkit.PowerG3,
	StateSleeping:   oobkit.PowerSleeping,
	StateG1:         oobkit.PowerG1,
	StateS5Override: oobkit.PowerS5Override,
	StateLegacyOn:   oobkit.PowerLegacyOn,
	StateLegacyOff:  oobkit.PowerLegacyOff,
	StateUnknown:    oobkit.PowerUnknown,
}

// PowerState maps the state to oobkit's vocabulary (see Row for the exact
// Table C-3 row).
func (s SystemState) PowerState() oobkit.PowerState {
	if p, ok := powerStates[s]; ok {
		return p
	}
	return oobkit.PowerUnknown
}

var stateNames = map[SystemState]string{
	StateS0: "S0/G0 working", StateS1: "S1 sleeping", StateS2: "S2 sleeping", StateS3: "S3 sleeping",
	StateS4: "S4 suspend-to-disk", StateS5: "S5/G2 soft-off", StateS4S5: "S4/S5 soft-off",
	StateG3: "G3 mechanical off", StateSleeping: "sleeping (S1-S3)", StateG1: "G1 sleeping (S1-S4)",
	StateS5Override: "S5 by override", StateLegacyOn: "legacy on", StateLegacyOff: "legacy off",
	StateUnknown: "unknown",
}

// String names the state as §3.2.4.5 does, shortened.
func (s SystemState) String() string {
	if n, ok := stateNames[s]; ok {
		return n
	}
	return fmt.Sprintf("reserved (%02xh)", byte(s))
}

// Status is a System State Response.
type Status struct {
	// State is the system state.
	State SystemState `json:"state"`
	// WatchdogExpired is WDE: "the ASF alert-sending device's Watchdog
	// Timer has expired and has not been stopped".
	WatchdogExpired bool `json:"watchdogExpired"`
}

func parseStatus(d []byte) (Status, error) {
	if len(d) < 2 {
		return Status{}, fmt.Errorf("system state response: %w (%d data bytes, want 2)", errShort, len(d))
	}
	return Status{State: SystemState(d[0] & 0x0F), WatchdogExpired: d[1]&0x01 != 0}, nil
}
