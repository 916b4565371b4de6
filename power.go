package oobkit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// PowerState is a computer's system power state: one row of the RTSM guide's
// Table C-3 ("Intel AMT power management capabilities"). The rows are the
// ACPI system power states that ASF, IPMI (sensor type 22h "System ACPI
// Power State", IPMI v2.0 Table 42-3, offsets 00h–0Eh; Get ACPI Power State,
// §20.7) and Intel AMT report, in that order: [PowerState.Code] is the row
// number, 1 to 14, so the field notes' "FromState detected as unknown:14"
// names row 14.
//
// A protocol maps what its device reports to the row that says the same
// thing, never to the nearest S-state: "sleeping, S1, S2 or S3 cannot be
// determined" is [PowerSleeping], not [PowerS3]. The zero value is
// [PowerUnknown].
type PowerState int

// The rows of Table C-3. The constant's value is the row number, except
// PowerUnknown, which is the zero value and row 14.
const (
	PowerUnknown    PowerState = iota // row 14: Unknown
	PowerS0                           // row 1: S0/G0 "working"
	PowerS1                           // row 2: S1 "sleeping with system h/w & processor context maintained"
	PowerS2                           // row 3: S2 "sleeping, processor context lost"
	PowerS3                           // row 4: S3 "sleeping, processor & h/w context lost, memory retained"
	PowerS4                           // row 5: S4 "non-volatile sleep / suspend-to disk"
	PowerS5                           // row 6: S5/G2 "soft-off"
	PowerS4S5                         // row 7: S4/S5 soft-off, particular S4/S5 state cannot be determined
	PowerG3                           // row 8: G3/Mechanical Off
	PowerSleeping                     // row 9: sleeping in S1, S2 or S3 (cannot be determined), or Legacy SLEEP
	PowerG1                           // row 10: G1 sleeping (S1-S4 cannot be determined)
	PowerS5Override                   // row 11: S5 entered by override (4-second power button override)
	PowerLegacyOn                     // row 12: Legacy ON, e.g. non-ACPI OS working state
	PowerLegacyOff                    // row 13: Legacy OFF, e.g. non-ACPI OS off state
	numPowerStates
)

// PowerLegacySleep is the guide's "Legacy SLEEP state", which shares row 9
// with "sleeping in an S1, S2 or S3 state".
const PowerLegacySleep = PowerSleeping

// UnknownCode is the code of [PowerUnknown]: Table C-3's 14th row.
const UnknownCode = 14

type stateInfo struct {
	token string // short stable token for reports and files
	name  string // the guide's words for the row
}

var powerStates = [numPowerStates]stateInfo{
	PowerUnknown:    {"unknown", "Unknown"},
	PowerS0:         {"S0", `S0/G0 "working"`},
	PowerS1:         {"S1", `S1 "sleeping with system h/w & processor context maintained"`},
	PowerS2:         {"S2", `S2 "sleeping, processor context lost"`},
	PowerS3:         {"S3", `S3 "sleeping, processor & h/w context lost, memory retained"`},
	PowerS4:         {"S4", `S4 "non-volatile sleep / suspend-to disk"`},
	PowerS5:         {"S5", `S5/G2 "soft-off"`},
	PowerS4S5:       {"S4/S5", "S4/S5 soft-off, particular S4/S5 state cannot be determined"},
	PowerG3:         {"G3", "G3/Mechanical Off"},
	PowerSleeping:   {"sleeping", "Sleeping in an S1, S2, or S3 state (used when particular S1, S2, S3 state cannot be determined), or Legacy SLEEP state"},
	PowerG1:         {"G1", "G1 sleeping (S1-S4 cannot be determined)"},
	PowerS5Override: {"S5-override", "S5 entered by override, for example, by 4-second power button override"},
	PowerLegacyOn:   {"legacy-on", "Legacy ON, for example, non-ACPI OS working state"},
	PowerLegacyOff:  {"legacy-off", "Legacy OFF, for example, non-ACPI OS off state"},
}

// valid reports whether s is one of the 14 rows.
func (s PowerState) valid() bool { return s >= 0 && s < numPowerStates }

// row returns s, or PowerUnknown for a value that is no row: a value the
// code does not know is treated as the unknown state, where every action
// is refused.
func (s PowerState) row() PowerState {
	if s.valid() {
		return s
	}
	return PowerUnknown
}

// Code returns the state's row number in Table C-3: 1 for S0/G0 … 13 for
// Legacy OFF, 14 for Unknown (also for a value that is no row).
func (s PowerState) Code() int {
	if s.row() == PowerUnknown {
		return UnknownCode
	}
	return int(s)
}

// PowerStateFromCode returns the state of Table C-3's row code (1–14). Any
// other code is an error wrapping [ErrInvalidArgument].
func PowerStateFromCode(code int) (PowerState, error) {
	switch {
	case code == UnknownCode:
		return PowerUnknown, nil
	case code >= 1 && code < UnknownCode:
		return PowerState(code), nil
	}
	return PowerUnknown, fmt.Errorf("%w: power state code %d is not a row of Table C-3 (1-14)", ErrInvalidArgument, code)
}

// Name returns the row's power state as the guide names it, e.g.
// `S0/G0 "working"`.
func (s PowerState) Name() string { return powerStates[s.row()].name }

// Token returns the short stable token of s used in reports and files:
// "S0" … "S5", "S4/S5", "G3", "sleeping", "G1", "S5-override", "legacy-on",
// "legacy-off", "unknown".
func (s PowerState) Token() string { return powerStates[s.row()].token }

// String returns the token and the row number as the field notes print a
// state, e.g. "S0:1", "S5:6", "unknown:14".
func (s PowerState) String() string {
	if !s.valid() {
		return fmt.Sprintf("PowerState(%d):%d", int(s), UnknownCode)
	}
	return s.Token() + ":" + strconv.Itoa(s.Code())
}

// IsOn reports whether the computer is running: S0/G0 or Legacy ON.
func (s PowerState) IsOn() bool { return s == PowerS0 || s == PowerLegacyOn }

// IsAsleep reports whether the computer sleeps or hibernates: S1–S4,
// sleeping (S1–S3 undetermined) and G1.
func (s PowerState) IsAsleep() bool {
	switch s {
	case PowerS1, PowerS2, PowerS3, PowerS4, PowerSleeping, PowerG1:
		return true
	}
	return false
}

// IsOff reports whether the computer is off or asleep: any known state that
// is not on. PowerUnknown is neither on nor off.
func (s PowerState) IsOff() bool { return s.valid() && s != PowerUnknown && !s.IsOn() }

// MarshalText writes the token ("S0", "S5", "G3", "legacy-on", "unknown").
func (s PowerState) MarshalText() ([]byte, error) { return []byte(s.Token()), nil }

// UnmarshalText reads a token written by MarshalText, case-insensitively;
// it also accepts the String form ("unknown:14") and a bare row code ("14").
func (s *PowerState) UnmarshalText(b []byte) error {
	t := strings.ToLower(strings.TrimSpace(string(b)))
	code := ""
	if i := strings.LastIndexByte(t, ':'); i >= 0 {
		t, code = t[:i], t[i+1:]
	}
	if n, err := strconv.Atoi(t); err == nil && code == "" {
		st, err := PowerStateFromCode(n)
		if err != nil {
			return err
		}
		*s = st
		return nil
	}
	for st := PowerUnknown; st < numPowerStates; st++ {
		if strings.ToLower(st.Token()) != t {
			continue
		}
		if code != "" && code != strconv.Itoa(st.Code()) {
			break
		}
		*s = st
		return nil
	}
	return fmt.Errorf("%w: unknown power state %q", ErrInvalidArgument, b)
}

// PowerStates returns the 14 states in Table C-3's order (row 1 first,
// Unknown last).
func PowerStates() []PowerState {
	out := make([]PowerState, 0, numPowerStates)
	for st := PowerS0; st < numPowerStates; st++ {
		out = append(out, st)
	}
	return append(out, PowerUnknown)
}

// PowerAction is a change a caller asks of a computer's power.
type PowerAction int

// Power actions. Hard actions act on the hardware at once; graceful ones ask
// the operating system (WMI, or AMT 9+ with an OS agent) and let it close
// applications first. The BIOS actions carry a boot redirection (into BIOS
// setup) on a power on or a reset.
const (
	ActionNone        PowerAction = iota // invalid for SetPower; asks the boot-redirect column alone in BootRedirectAllowed
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
	// ActionOnToBIOSTerminal is Table 3-1's "Power On to BIOS (Terminal)":
	// power on into BIOS setup with its console redirected over
	// Serial-over-LAN.
	ActionOnToBIOSTerminal
	// ActionResetToBIOSTerminal is Table 3-1's "Reset to BIOS (Terminal)":
	// reset into BIOS setup with its console over Serial-over-LAN.
	ActionResetToBIOSTerminal
	numPowerActions
)

var powerActionNames = [numPowerActions]string{
	ActionNone:                "none",
	ActionOn:                  "on",
	ActionOff:                 "off",
	ActionShutdown:            "shutdown",
	ActionReset:               "reset",
	ActionReboot:              "reboot",
	ActionCycle:               "cycle",
	ActionOnToBIOS:            "on-to-bios",
	ActionResetToBIOS:         "reset-to-bios",
	ActionSleep:               "sleep",
	ActionHibernate:           "hibernate",
	ActionOnToBIOSTerminal:    "on-to-bios-terminal",
	ActionResetToBIOSTerminal: "reset-to-bios-terminal",
}

// String returns the action's token ("on", "off", "reset-to-bios"…).
func (a PowerAction) String() string {
	if a >= 0 && a < numPowerActions {
		return powerActionNames[a]
	}
	return fmt.Sprintf("PowerAction(%d)", int(a))
}

// ParsePowerAction reads a token written by String, case-insensitively.
func ParsePowerAction(s string) (PowerAction, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for a := ActionOn; a < numPowerActions; a++ {
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

// ToBIOS reports whether the action boots into BIOS setup (a boot
// redirection riding on a power on or a reset).
func (a PowerAction) ToBIOS() bool {
	switch a {
	case ActionOnToBIOS, ActionResetToBIOS, ActionOnToBIOSTerminal, ActionResetToBIOSTerminal:
		return true
	}
	return false
}

// Terminal reports whether the action shows BIOS setup on a console over
// Serial-over-LAN (Table 3-1's "(Terminal)" actions).
func (a PowerAction) Terminal() bool {
	return a == ActionOnToBIOSTerminal || a == ActionResetToBIOSTerminal
}

// Column returns the column of Table C-3 that decides the action: power on
// (on, and the "power on to BIOS" actions), power off (off, shutdown, sleep,
// hibernate) or reboot (reset, reboot, cycle, and the "reset to BIOS"
// actions). ColumnNone for an invalid action. The boot-redirect column is
// asked in addition for the BIOS actions (see [PowerAction.ToBIOS]).
func (a PowerAction) Column() ActionColumn {
	switch a {
	case ActionOn, ActionOnToBIOS, ActionOnToBIOSTerminal:
		return ColumnPowerOn
	case ActionOff, ActionShutdown, ActionSleep, ActionHibernate:
		return ColumnPowerOff
	case ActionReset, ActionReboot, ActionCycle, ActionResetToBIOS, ActionResetToBIOSTerminal:
		return ColumnReboot
	}
	return ColumnNone
}

// Label returns the action's name in the guide's Table 3-1 ("KVM Viewer
// power actions"), e.g. "Power On to BIOS (Terminal)"; actions the table
// does not list get their token.
func (a PowerAction) Label() string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	return a.String()
}

var actionLabels = map[PowerAction]string{
	ActionCycle:               "Power Cycle",
	ActionOff:                 "Power Off",
	ActionOn:                  "Power On",
	ActionOnToBIOS:            "Power On to BIOS",
	ActionOnToBIOSTerminal:    "Power On to BIOS (Terminal)",
	ActionReset:               "Reset",
	ActionResetToBIOS:         "Reset to BIOS",
	ActionResetToBIOSTerminal: "Reset to BIOS (Terminal)",
}

// KVMViewerActions are the actions of the guide's Table 3-1 ("KVM Viewer
// power actions"), in the table's order.
var KVMViewerActions = []PowerAction{
	ActionCycle, ActionOff, ActionOn, ActionOnToBIOS, ActionOnToBIOSTerminal,
	ActionReset, ActionResetToBIOS, ActionResetToBIOSTerminal,
}

// AvailableActions returns the actions of Table 3-1 that Table C-3 allows in
// state s, in Table 3-1's order: the guide's "List of applicable power
// actions is automatically detected according to current power state
// capabilities of the client computer." Empty in a state where AMT can do
// nothing (unknown, G3, legacy states…).
func AvailableActions(s PowerState) []PowerAction {
	var out []PowerAction
	for _, a := range KVMViewerActions {
		if Allowed(s, a) == nil {
			out = append(out, a)
		}
	}
	return out
}

// ActionColumn is a column of Table C-3: AMT reboot, AMT power off, AMT
// power on and boot redirect.
type ActionColumn int

// The columns of Table C-3.
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
		return "AMT reboot"
	case ColumnPowerOff:
		return "AMT power off"
	case ColumnPowerOn:
		return "AMT power on"
	case ColumnBootRedirect:
		return "Boot redirect"
	}
	return "none"
}

// Allowance is one cell of Table C-3: Yes or No, and the footnote it
// carries (0 none, 1 or 2; see [PowerTableNotes]).
type Allowance struct {
	Allowed bool
	Note    int
}

// String writes the cell as the guide prints it: "Yes", "Yes¹", "Yes²", "No".
func (a Allowance) String() string {
	if !a.Allowed {
		return "No"
	}
	switch a.Note {
	case 1:
		return "Yes¹"
	case 2:
		return "Yes²"
	}
	return "Yes"
}

// PowerTableNotes are Table C-3's footnotes, verbatim.
//
//   - 1: the AMT client sends a reboot or power off in S3 or S4 as the power
//     on command ([ThroughPowerOn]) and checks the state reached.
//   - 2: in that state a boot redirection can ride only on a reboot, not on
//     a power on ([BootRedirectAllowed]).
var PowerTableNotes = map[int]string{
	1: "Performed through the power on command.",
	2: "Redirection can be enabled only for the reboot command.",
}

// PowerTableRow is one row of Table C-3.
type PowerTableRow struct {
	State        PowerState
	Reboot       Allowance // AMT reboot
	PowerOff     Allowance // AMT power off
	PowerOn      Allowance // AMT power on
	BootRedirect Allowance // Boot redirect
}

// Cell returns the row's cell in column c (a No cell for ColumnNone).
func (r PowerTableRow) Cell(c ActionColumn) Allowance {
	switch c {
	case ColumnReboot:
		return r.Reboot
	case ColumnPowerOff:
		return r.PowerOff
	case ColumnPowerOn:
		return r.PowerOn
	case ColumnBootRedirect:
		return r.BootRedirect
	}
	return Allowance{}
}

var (
	no   = Allowance{}
	yes  = Allowance{Allowed: true}
	yes1 = Allowance{Allowed: true, Note: 1}
	yes2 = Allowance{Allowed: true, Note: 2}
)

// tableC3 is Table C-3 of the RTSM guide ("Intel AMT power management
// capabilities"), row by row, indexed by state.
var tableC3 = [numPowerStates]PowerTableRow{
	PowerS0:         {PowerS0, yes, yes, no, yes2},
	PowerS1:         {PowerS1, yes, yes, no, yes},
	PowerS2:         {PowerS2, no, no, no, yes},
	PowerS3:         {PowerS3, yes1, yes1, yes, yes2},
	PowerS4:         {PowerS4, yes1, yes1, yes, yes2},
	PowerS5:         {PowerS5, no, no, yes, yes},
	PowerS4S5:       {PowerS4S5, no, no, no, yes},
	PowerG3:         {PowerG3, no, no, no, no},
	PowerSleeping:   {PowerSleeping, no, no, no, yes},
	PowerG1:         {PowerG1, no, no, no, yes},
	PowerS5Override: {PowerS5Override, no, no, no, yes},
	PowerLegacyOn:   {PowerLegacyOn, no, no, no, yes},
	PowerLegacyOff:  {PowerLegacyOff, no, no, no, yes},
	PowerUnknown:    {PowerUnknown, no, no, no, yes},
}

// PowerTable returns Table C-3 of the RTSM guide, Intel AMT's power
// management and redirection capabilities per power state, as data: one row
// per state in the guide's order (row i has code i+1). The slice is a copy.
// [Allowed] and [BootRedirectAllowed] decide from it; `oobctl power table`
// prints it.
func PowerTable() []PowerTableRow {
	out := make([]PowerTableRow, 0, numPowerStates)
	for _, s := range PowerStates() {
		out = append(out, tableC3[s])
	}
	return out
}

// PowerTableRowOf returns the row of state s (the Unknown row for a value
// that is no row).
func PowerTableRowOf(s PowerState) PowerTableRow { return tableC3[s.row()] }

// Allowed reports whether Intel AMT may perform action a in state s, per
// the reboot, power off and power on columns of Table C-3. The BIOS actions
// (on/reset to BIOS, with or without terminal) carry a boot redirection, so
// they also need [BootRedirectAllowed]. It returns nil, or an error
// wrapping [ErrInvalidState] that names the action, the row and its code
// ("unknown:14"); an invalid action wraps [ErrInvalidArgument].
//
// A cell with footnote 1 ("Performed through the power on command") is
// allowed: the AMT client sends the power on command ([ThroughPowerOn]).
//
// Table C-3 is Intel AMT's; other protocols have their own rules (their
// clients implement [PowerChecker]). Nothing overrides the table unless a
// caller asks with [WithPowerTableOverride].
func Allowed(s PowerState, a PowerAction) error {
	col := a.Column()
	if col == ColumnNone {
		return fmt.Errorf("%w: unknown power action %v", ErrInvalidArgument, a)
	}
	row := PowerTableRowOf(s)
	if cell := row.Cell(col); !cell.Allowed {
		return refusal(s, a, col, cell)
	}
	if a.ToBIOS() {
		return BootRedirectAllowed(s, a)
	}
	return nil
}

// BootRedirectAllowed reports whether a boot redirection (to BIOS setup,
// IDE-R, PXE… set for the next boot) may ride on action a in state s: the
// boot-redirect column of Table C-3, and where the cell carries footnote 2
// ("Redirection can be enabled only for the reboot command") only when a is
// in the reboot column. [ActionNone] asks the column alone. It answers the
// redirection only: whether a itself is possible is [Allowed]'s answer, and
// a gate asks both. Errors are as [Allowed]'s.
func BootRedirectAllowed(s PowerState, a PowerAction) error {
	row := PowerTableRowOf(s)
	cell := row.BootRedirect
	if !cell.Allowed {
		return refusal(s, a, ColumnBootRedirect, cell)
	}
	if a == ActionNone {
		return nil
	}
	col := a.Column()
	if col == ColumnNone {
		return fmt.Errorf("%w: unknown power action %v", ErrInvalidArgument, a)
	}
	if cell.Note == 2 && col != ColumnReboot {
		return fmt.Errorf("%w: a boot redirection cannot ride on %v in state %v (Table C-3 row %d, %s: Boot redirect %v: %s)",
			ErrInvalidState, a, s, s.Code(), s.Name(), cell, PowerTableNotes[2])
	}
	return nil
}

// ThroughPowerOn reports whether Table C-3 says action a in state s is
// "Performed through the power on command" (footnote 1: a reboot or power
// off in S3 or S4). The AMT client then sends the power on command and
// checks the state the computer reaches.
func ThroughPowerOn(s PowerState, a PowerAction) bool {
	return PowerTableRowOf(s).Cell(a.Column()).Note == 1
}

func refusal(s PowerState, a PowerAction, col ActionColumn, cell Allowance) error {
	what := a.String()
	if a == ActionNone {
		what = "a boot redirection"
	}
	return fmt.Errorf("%w: %s is not possible in state %v (Table C-3 row %d, %s: %v %v)",
		ErrInvalidState, what, s, s.Code(), s.Name(), col, cell)
}

// PowerChecker is implemented by power controllers that can tell, before
// anything is sent, whether their protocol allows action now: they read the
// state themselves and apply their protocol's rules (Table C-3 for AMT, the
// chassis control rules for IPMI, the available requested states for DASH,
// "running operating system only" for WMI). With bootRedirect the action
// also carries a boot redirection set for the next boot. It returns the
// state read and nil, or an error wrapping [ErrInvalidState] that names the
// state's row and code. [ActionNone] with bootRedirect asks whether a next
// boot may be set now at all (for AMT, Table C-3's boot-redirect column
// alone). Jobs ask it before setting a next boot, so a refused step leaves
// nothing behind.
type PowerChecker interface {
	CheckPower(ctx context.Context, action PowerAction, bootRedirect bool) (PowerState, error)
}

type overrideKey struct{}

// WithPowerTableOverride returns a context under which power controllers
// skip their table check and send the action as asked (the device may still
// refuse it). It is for an operator who knows better than the reported
// state, e.g. to leave the field notes' "unknown:14" with a reboot; nothing
// overrides by default. Jobs set it for a step with "ignoreTable".
func WithPowerTableOverride(ctx context.Context) context.Context {
	return context.WithValue(ctx, overrideKey{}, true)
}

// PowerTableOverridden reports whether ctx carries [WithPowerTableOverride].
func PowerTableOverridden(ctx context.Context) bool {
	v, _ := ctx.Value(overrideKey{}).(bool)
	return v
}
