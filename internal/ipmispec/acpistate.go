package ipmispec

import "github.com/oobkit/oobkit"

// SensorTypeACPIPowerState is IPMI sensor type 22h, "System ACPI Power
// State" (IPMI v2.0 Table 42-3).
const SensorTypeACPIPowerState = 0x22

// StateFromACPIOffset maps a sensor type 22h event offset (IPMI v2.0 Table
// 42-3, the same enumeration as ASF's system power state that Intel AMT
// logs) to the row of the RTSM guide's Table C-3 that says the same thing.
// Offsets 00h–0Ch are rows 1–13 in order; 0Eh "Unknown" is row 14. The
// reserved offset 0Dh and anything else is unknown too. Bit 7 (deassertion)
// is ignored.
func StateFromACPIOffset(offset uint8) oobkit.PowerState {
	o := offset & 0x0f
	if o <= 0x0c {
		st, _ := oobkit.PowerStateFromCode(int(o) + 1)
		return st
	}
	return oobkit.PowerUnknown
}

// ACPIOffsetOf is the inverse of [StateFromACPIOffset]: the sensor type
// 22h offset that reports state s (0Eh for unknown).
func ACPIOffsetOf(s oobkit.PowerState) uint8 {
	if s.Code() == oobkit.UnknownCode {
		return 0x0e
	}
	return uint8(s.Code() - 1)
}

// StateFromACPIPowerState maps the system power state byte of Get ACPI
// Power State (IPMI v2.0 §20.7, the enumeration of Set ACPI Power State,
// §20.6) to its Table C-3 row: 00h–0Ah are S0/G0 … "S5 entered by
// override" (rows 1–11), 20h Legacy On, 21h Legacy Off, 2Ah Unknown. Other
// values (reserved, 7Fh "no change") are unknown.
func StateFromACPIPowerState(v uint8) oobkit.PowerState {
	switch {
	case v <= 0x0a:
		st, _ := oobkit.PowerStateFromCode(int(v) + 1)
		return st
	case v == 0x20:
		return oobkit.PowerLegacyOn
	case v == 0x21:
		return oobkit.PowerLegacyOff
	}
	return oobkit.PowerUnknown
}
