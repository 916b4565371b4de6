package oobkit

import (
	"fmt"
	"strings"
)

// PowerState is a computer's ACPI power state as a management protocol reports it.
type PowerState int

// Power states. The zero value is PowerUnknown.
const (
	PowerUnknown   PowerState = iota // the protocol could not tell
	PowerS0                          // G0/S0 working
	PowerS1                          // G1/S1 sleep, processor caches flushed
	PowerS2                          // G1/S2 sleep, processor off
	PowerS3                          // G1/S3 standby, suspend to RAM
	PowerS4                          // G1/S4 hibernate, suspend to disk
	PowerS5                          // G2/S5 soft off
	PowerG3                          // G3 mechanical off (no standby power)
	PowerLegacyOn                    // on, no ACPI detail (legacy ASF, IPMI chassis status)
	PowerLegacyOff                   // off, no ACPI detail (legacy ASF, IPMI chassis status)
)

var powerStateNames = [...]string{
	PowerUnknown:   "unknown",
	PowerS0:        "S0 working",
	PowerS1:        "S1 sleeping",
	PowerS2:        "S2 sleeping",
	PowerS3:        "S3 standby",
	PowerS4:        "S4 hibernate",
	PowerS5:        "S5 soft off",
	PowerG3:        "G3 mechanical off",
	PowerLegacyOn:  "legacy on",
	PowerLegacyOff: "legacy off",
}

// String returns a readable name such as "S0 working".
func (s PowerState) String() string {
	if s >= 0 && int(s) < len(powerStateNames) {
		return powerStateNames[s]
	}
	return fmt.Sprintf("PowerState(%d)", int(s))
}

// IsOn reports whether the computer is running (S0 or legacy on).
func (s PowerState) IsOn() bool { return s == PowerS0 || s == PowerLegacyOn }

// IsOff reports whether the computer is off or asleep: any known state that
// is not on. PowerUnknown is neither on nor off.
func (s PowerState) IsOff() bool { return s != PowerUnknown && !s.IsOn() && s <= PowerLegacyOff }

// MarshalText writes the short token ("S0", "S5", "G3", "legacy-on", "unknown").
func (s PowerState) MarshalText() ([]byte, error) { return []byte(s.Token()), nil }

// Token returns the short stable token of s used in reports and files.
func (s PowerState) Token() string {
	switch s {
	case PowerS0, PowerS1, PowerS2, PowerS3, PowerS4, PowerS5:
		return fmt.Sprintf("S%d", int(s-PowerS0))
	case PowerG3:
		return "G3"
	case PowerLegacyOn:
		return "legacy-on"
	case PowerLegacyOff:
		return "legacy-off"
	}
	return "unknown"
}

// UnmarshalText reads a token written by MarshalText.
func (s *PowerState) UnmarshalText(b []byte) error {
	t := strings.ToLower(string(b))
	for st := PowerUnknown; st <= PowerLegacyOff; st++ {
		if strings.ToLower(st.Token()) == t {
			*s = st
			return nil
		}
	}
	return fmt.Errorf("%w: unknown power state %q", ErrInvalidArgument, b)
}

// PowerAction is a change a caller asks of a computer's power.
type PowerAction int

// Power actions. Hard actions act on the hardware at once; graceful ones ask
// the operating system (WMI, or AMT 9+ with an OS agent) and let it close
// applications first.
const (
	ActionNone        PowerAction = iota // invalid; the zero value
	ActionOn                             // power on
	ActionOff                            // power off, hard
	ActionShutdown                       // shut down gracefully through the OS
	ActionReset                          // reset, hard
	ActionReboot                         // restart gracefully through the OS
	ActionCycle                          // power cycle: off, then on
	ActionOnToBIOS                       // power on and enter BIOS setup
	ActionResetToBIOS                    // reset and enter BIOS setup
	ActionSleep                          // enter S3
	ActionHibernate                      // enter S4
)

var powerActionNames = [...]string{
	ActionNone:        "none",
	ActionOn:          "on",
	ActionOff:         "off",
	ActionShutdown:    "shutdown",
	ActionReset:       "reset",
	ActionReboot:      "reboot",
	ActionCycle:       "cycle",
	ActionOnToBIOS:    "on-to-bios",
	ActionResetToBIOS: "reset-to-bios",
	ActionSleep:       "sleep",
	ActionHibernate:   "hibernate",
}

// String returns the action's token ("on", "off", "reset-to-bios"…).
func (a PowerAction) String() string {
	if a >= 0 && int(a) < len(powerActionNames) {
		return powerActionNames[a]
	}
	return fmt.Sprintf("PowerAction(%d)", int(a))
}

// ParsePowerAction reads a token written by String, case-insensitively.
func ParsePowerAction(s string) (PowerAction, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for a := ActionOn; int(a) < len(powerActionNames); a++ {
		if powerActionNames[a] == t {
			return a, nil
		}
	}
	return ActionNone, fmt.Errorf("%w: unknown power action %q (want one of %s)", ErrInvalidArgument, s,
		strings.Join(powerActionNames[1:], ", "))
}

// MarshalText writes the token.
func (a PowerAction) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads the token.
func (a *PowerAction) UnmarshalText(b []byte) error {
	v, err := ParsePowerAction(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// Graceful reports whether the action goes through the operating system.
func (a PowerAction) Graceful() bool { return a == ActionShutdown || a == ActionReboot }

// Column returns the column of the power-action table the action belongs to.
func (a PowerAction) Column() ActionColumn {
	switch a {
	case ActionOn:
		return ColumnPowerOn
	case ActionOff, ActionShutdown, ActionSleep, ActionHibernate:
		return ColumnPowerOff
	case ActionReset, ActionReboot, ActionCycle:
		return ColumnReboot
	case ActionOnToBIOS, ActionResetToBIOS:
		return ColumnBootRedirect
	}
	return ColumnNone
}

// ActionColumn is a column of the power-action table: the RTSM guide groups
// AMT actions as Reboot, Power off, Power on and Boot redirect.
type ActionColumn int

// The columns of the power-action table.
const (
	ColumnNone ActionColumn = iota
	ColumnReboot
	ColumnPowerOff
	ColumnPowerOn
	ColumnBootRedirect
)

// String names the column as the guide does.
func (c ActionColumn) String() string {
	switch c {
	case ColumnReboot:
		return "reboot"
	case ColumnPowerOff:
		return "power off"
	case ColumnPowerOn:
		return "power on"
	case ColumnBootRedirect:
		return "boot redirect"
	}
	return "none"
}

// Allowance is one cell of the power-action table.
type Allowance struct {
	Allowed bool
	// Note is a footnote number into [PowerTableNotes], 0 for none.
	Note int
}

// PowerTableNotes are the footnotes of [PowerTable].
var PowerTableNotes = map[int]string{
	1: "the computer is already on: power on has no effect; use reset or reboot instead",
	2: "resuming from S3 does not run POST, so boot options take effect only at the next cold boot; power on first, then reset with redirection",
	3: "booting another device from S4 discards the hibernation image; the OS restarts cold",
	4: "in G3 the management controller has no standby power and cannot act (a notebook on battery with AMT configured for S0 only behaves the same)",
	5: "the state is not reported; the action is sent and the device decides — check the state again afterwards",
	6: "the ACPI sleep state is not reported (legacy): treated as on",
	7: "the ACPI off state is not reported (legacy): treated as soft off",
	8: "the computer is already off: power off has no effect",
	9: "sleeping states S1/S2 wake on power on; a hard reset or power off from sleep is refused by AMT firmware",
}

// PowerTable says which action column is possible in which power state. It is
// modelled on the RTSM guide's Table C-3 (power state × AMT reboot / power off /
// power on / boot redirect) and Intel's "Intel AMT Power State Transitions"
// (AMT Implementation and Reference Guide, Change System Power State: "a
// power cycle or a power off command will be rejected" outside S0; power on
// from "powered down/off, asleep, hibernating"). It is data, so a product can
// print it, and tests assert each cell.
var PowerTable = map[PowerState]map[ActionColumn]Allowance{
	PowerS0: {
		ColumnReboot:       {true, 0},
		ColumnPowerOff:     {true, 0},
		ColumnPowerOn:      {false, 1},
		ColumnBootRedirect: {true, 0},
	},
	PowerS1: {
		ColumnReboot:       {false, 9},
		ColumnPowerOff:     {false, 9},
		ColumnPowerOn:      {true, 9},
		ColumnBootRedirect: {false, 2},
	},
	PowerS2: {
		ColumnReboot:       {false, 9},
		ColumnPowerOff:     {false, 9},
		ColumnPowerOn:      {true, 9},
		ColumnBootRedirect: {false, 2},
	},
	PowerS3: {
		ColumnReboot:       {false, 0},
		ColumnPowerOff:     {false, 0},
		ColumnPowerOn:      {true, 0},
		ColumnBootRedirect: {false, 2},
	},
	PowerS4: {
		ColumnReboot:       {false, 0},
		ColumnPowerOff:     {false, 8},
		ColumnPowerOn:      {true, 0},
		ColumnBootRedirect: {true, 3},
	},
	PowerS5: {
		ColumnReboot:       {false, 0},
		ColumnPowerOff:     {false, 8},
		ColumnPowerOn:      {true, 0},
		ColumnBootRedirect: {true, 0},
	},
	PowerG3: {
		ColumnReboot:       {false, 4},
		ColumnPowerOff:     {false, 4},
		ColumnPowerOn:      {false, 4},
		ColumnBootRedirect: {false, 4},
	},
	PowerLegacyOn: {
		ColumnReboot:       {true, 6},
		ColumnPowerOff:     {true, 6},
		ColumnPowerOn:      {false, 1},
		ColumnBootRedirect: {true, 6},
	},
	PowerLegacyOff: {
		ColumnReboot:       {false, 7},
		ColumnPowerOff:     {false, 8},
		ColumnPowerOn:      {true, 7},
		ColumnBootRedirect: {true, 7},
	},
	PowerUnknown: {
		ColumnReboot:       {true, 5},
		ColumnPowerOff:     {true, 5},
		ColumnPowerOn:      {true, 5},
		ColumnBootRedirect: {true, 5},
	},
}

// Allowed reports whether action a is possible in state s, per [PowerTable].
// It returns nil, or an error wrapping [ErrInvalidState] that names the state,
// the action and the footnote. Two rows refine the column: OnToBIOS needs an
// off state and ResetToBIOS an on state, as "power on to BIOS" has no effect
// on a running computer.
func Allowed(s PowerState, a PowerAction) error {
	col := a.Column()
	if col == ColumnNone {
		return fmt.Errorf("%w: unknown power action %v", ErrInvalidArgument, a)
	}
	if s != PowerUnknown {
		switch {
		case a == ActionOnToBIOS && s.IsOn():
			return fmt.Errorf("%w: %v is not possible in state %v: %s", ErrInvalidState, a, s, PowerTableNotes[1])
		case a == ActionResetToBIOS && !s.IsOn():
			return fmt.Errorf("%w: %v is not possible in state %v: reset needs a running computer; use on-to-bios", ErrInvalidState, a, s)
		}
	}
	row, ok := PowerTable[s]
	if !ok {
		row = PowerTable[PowerUnknown]
	}
	cell := row[col]
	if cell.Allowed {
		return nil
	}
	msg := fmt.Sprintf("%v (%v) is not possible in state %v", a, col, s)
	if n := PowerTableNotes[cell.Note]; n != "" {
		msg += ": " + n
	}
	return fmt.Errorf("%w: %s", ErrInvalidState, msg)
}
