package ipmispec

import "github.com/oobkit/oobkit"

// offset is one event offset: its wording in the specification and how
// serious its assertion is.
type offset struct {
	name string
	sev  oobkit.Severity
}

// Short names for the severity column of the tables below.
const (
	info = oobkit.SeverityInfo
	warn = oobkit.SeverityWarning
	crit = oobkit.SeverityCritical
	nrec = oobkit.SeverityNonRecoverable
)

// The severity of an asserted offset is ours: the threshold and "severity"
// (07h) offsets say it themselves; for the others we follow the defaults of
// FreeIPMI's freeipmi_interpret_sel.conf (Nominal → info, Warning → warning,
// Critical → critical), except where a condition is a warning rather than a
// failure of the computer (chassis intrusion, watchdog actions).

// thresholdOffsets is IPMI v2.0 Table 42-2, event/reading type 01h
// (threshold).
var thresholdOffsets = []offset{
	{"Lower Non-critical - going low", warn},
	{"Lower Non-critical - going high", warn},
	{"Lower Critical - going low", crit},
	{"Lower Critical - going high", crit},
	{"Lower Non-recoverable - going low", nrec},
	{"Lower Non-recoverable - going high", nrec},
	{"Upper Non-critical - going low", warn},
	{"Upper Non-critical - going high", warn},
	{"Upper Critical - going low", crit},
	{"Upper Critical - going high", crit},
	{"Upper Non-recoverable - going low", nrec},
	{"Upper Non-recoverable - going high", nrec},
}

// genericOffsets is IPMI v2.0 Table 42-2, event/reading types 02h–0Ch
// (generic discrete).
var genericOffsets = map[uint8][]offset{
	0x02: {{"Transition to Idle", info}, {"Transition to Active", info}, {"Transition to Busy", info}},
	// 03h: what the state means is the vendor's; FreeIPMI rates both nominal.
	0x03: {{"State Deasserted", info}, {"State Asserted", info}},
	0x04: {{"Predictive Failure deasserted", info}, {"Predictive Failure asserted", warn}},
	0x05: {{"Limit Not Exceeded", info}, {"Limit Exceeded", warn}},
	0x06: {{"Performance Met", info}, {"Performance Lags", warn}},
	0x07: {
		{"transition to OK", info},
		{"transition to Non-Critical from OK", warn},
		{"transition to Critical from less severe", crit},
		{"transition to Non-recoverable from less severe", nrec},
		{"transition to Non-Critical from more severe", warn},
		{"transition to Critical from Non-recoverable", crit},
		{"transition to Non-recoverable", nrec},
		{"Monitor", info},
		{"Informational", info},
	},
	0x08: {{"Device Removed/Device Absent", warn}, {"Device Inserted/Device Present", info}},
	0x09: {{"Device Disabled", warn}, {"Device Enabled", info}},
	0x0A: {
		{"transition to Running", info},
		{"transition to In Test", info},
		{"transition to Power Off", info},
		{"transition to On Line", info},
		{"transition to Off Line", warn},
		{"transition to Off Duty", info},
		{"transition to Degraded", warn},
		{"transition to Power Save", info},
		{"Install Error", crit},
	},
	0x0B: {
		{"Fully Redundant", info},
		{"Redundancy Lost", crit},
		{"Redundancy Degraded", warn},
		{"Non-redundant:Sufficient Resources from Redundant", warn},
		{"Non-redundant:Sufficient Resources from Insufficient Resources", warn},
		{"Non-redundant:Insufficient Resources", crit},
		{"Redundancy Degraded from Fully Redundant", warn},
		{"Redundancy Degraded from Non-redundant", warn},
	},
	0x0C: {{"D0 Power State", info}, {"D1 Power State", info}, {"D2 Power State", info}, {"D3 Power State", info}},
}
