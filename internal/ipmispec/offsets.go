package ipmispec

import "github.com/oobkit/oobkit"

// offset is one event offset: its wording in the specification and how
// serious its assertion (sev) and its deassertion (de) are.
type offset struct {
	name string
	sev  oobkit.Severity
	de   oobkit.Severity
}

// Short names for the severity column of the tables below.
const (
	info = oobkit.SeverityInfo
	warn = oobkit.SeverityWarning
	crit = oobkit.SeverityCritical
	nrec = oobkit.SeverityNonRecoverable
)

// Severities of threshold (01h) and sensor-specific (6Fh) offsets are
// FreeIPMI's: the default interpretation that ipmi-sel, ipmi-pet and
// libipmimonitoring apply (freeipmi_interpret_sel.conf(5), shipped as
// /etc/freeipmi/freeipmi_interpret_sel.conf; see
// https://www.gnu.org/software/freeipmi/manpages/man5/freeipmi_interpret_sel.conf.5.html).
// Its rule: every event names one or two states among Nominal, Warning and
// Critical; "if only one state is listed, that state will be interpreted
// when the event is asserted or deasserted. If two states are listed, the
// first state will be interpreted when an event is asserted, and the later
// will be interpreted when an event is deasserted." Nominal is info,
// Warning warning, Critical critical — except that a non-recoverable
// threshold stays non-recoverable here (FreeIPMI has no such grade and says
// Critical). So a deasserted "Entity Absent" is critical, as ipmi-sel
// shows it, and a deasserted "Upper Critical - going high" a warning. The
// tables were checked against ipmi-sel --output-event-state, offset by
// offset and in both directions, by the ipmi package's tests.
//
// Where FreeIPMI gives no state (it prints N/A: the Watchdog 1 offsets, and
// generic offsets 02h–0Ch, which it rates per sensor type for a few sensor
// types only), the assertion keeps the rating the specification's wording
// suggests and a deassertion is info.

// thresholdOffsets is IPMI v2.0 Table 42-2, event/reading type 01h
// (threshold).
var thresholdOffsets = []offset{
	{"Lower Non-critical - going low", warn, info},
	{"Lower Non-critical - going high", info, info},
	{"Lower Critical - going low", crit, warn},
	{"Lower Critical - going high", warn, warn},
	{"Lower Non-recoverable - going low", nrec, nrec},
	{"Lower Non-recoverable - going high", nrec, nrec},
	{"Upper Non-critical - going low", info, info},
	{"Upper Non-critical - going high", warn, info},
	{"Upper Critical - going low", warn, warn},
	{"Upper Critical - going high", crit, warn},
	{"Upper Non-recoverable - going low", nrec, nrec},
	{"Upper Non-recoverable - going high", nrec, nrec},
}

// genericOffsets is IPMI v2.0 Table 42-2, event/reading types 02h–0Ch
// (generic discrete).
var genericOffsets = map[uint8][]offset{
	0x02: {{"Transition to Idle", info, info}, {"Transition to Active", info, info}, {"Transition to Busy", info, info}},
	// 03h: what the state means is the vendor's; FreeIPMI rates both nominal.
	0x03: {{"State Deasserted", info, info}, {"State Asserted", info, info}},
	0x04: {{"Predictive Failure deasserted", info, info}, {"Predictive Failure asserted", warn, info}},
	0x05: {{"Limit Not Exceeded", info, info}, {"Limit Exceeded", warn, info}},
	0x06: {{"Performance Met", info, info}, {"Performance Lags", warn, info}},
	0x07: {
		{"transition to OK", info, info},
		{"transition to Non-Critical from OK", warn, info},
		{"transition to Critical from less severe", crit, info},
		{"transition to Non-recoverable from less severe", nrec, info},
		{"transition to Non-Critical from more severe", warn, info},
		{"transition to Critical from Non-recoverable", crit, info},
		{"transition to Non-recoverable", nrec, info},
		{"Monitor", info, info},
		{"Informational", info, info},
	},
	0x08: {{"Device Removed/Device Absent", warn, info}, {"Device Inserted/Device Present", info, info}},
	0x09: {{"Device Disabled", warn, info}, {"Device Enabled", info, info}},
	0x0A: {
		{"transition to Running", info, info},
		{"transition to In Test", info, info},
		{"transition to Power Off", info, info},
		{"transition to On Line", info, info},
		{"transition to Off Line", warn, info},
		{"transition to Off Duty", info, info},
		{"transition to Degraded", warn, info},
		{"transition to Power Save", info, info},
		{"Install Error", crit, info},
	},
	0x0B: {
		{"Fully Redundant", info, info},
		{"Redundancy Lost", crit, info},
		{"Redundancy Degraded", warn, info},
		{"Non-redundant:Sufficient Resources from Redundant", warn, info},
		{"Non-redundant:Sufficient Resources from Insufficient Resources", warn, info},
		{"Non-redundant:Insufficient Resources", crit, info},
		{"Redundancy Degraded from Fully Redundant", warn, info},
		{"Redundancy Degraded from Non-redundant", warn, info},
	},
	0x0C: {{"D0 Power State", info, info}, {"D1 Power State", info, info}, {"D2 Power State", info, info}, {"D3 Power State", info, info}},
}
