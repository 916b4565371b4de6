package oobkit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// tableC3 is the RTSM guide's Table C-3 "Intel AMT power management
// capabilities", copied here from the guide (Technical Reference, "Power
// management and redirection capabilities": "The following table displays
// the power management and redirection capabilities for the Intel
// AMT-capable computers in different power states."), one line per row in
// the guide's order, columns as printed: AMT reboot, AMT power off, AMT
// power on, Boot redirect. A trailing 1 or 2 is the footnote mark:
//
//	1 Performed through the power on command.
//	2 Redirection can be enabled only for the reboot command.
var tableC3 = []struct {
	code                      int
	name                      string
	reboot, off, on, redirect string
	state                     oobkit.PowerState
}{
	{1, `S0/G0 "working"`, "Yes", "Yes", "No", "Yes2", oobkit.PowerS0},
	{2, `S1 "sleeping with system h/w & processor context maintained"`, "Yes", "Yes", "No", "Yes", oobkit.PowerS1},
	{3, `S2 "sleeping, processor context lost"`, "No", "No", "No", "Yes", oobkit.PowerS2},
	{4, `S3 "sleeping, processor & h/w context lost, memory retained"`, "Yes1", "Yes1", "Yes", "Yes2", oobkit.PowerS3},
	{5, `S4 "non-volatile sleep / suspend-to disk"`, "Yes1", "Yes1", "Yes", "Yes2", oobkit.PowerS4},
	{6, `S5/G2 "soft-off"`, "No", "No", "Yes", "Yes", oobkit.PowerS5},
	{7, "S4/S5 soft-off, particular S4/S5 state cannot be determined", "No", "No", "No", "Yes", oobkit.PowerS4S5},
	{8, "G3/Mechanical Off", "No", "No", "No", "No", oobkit.PowerG3},
	{9, "Sleeping in an S1, S2, or S3 state (used when particular S1, S2, S3 state cannot be determined), or Legacy SLEEP state", "No", "No", "No", "Yes", oobkit.PowerSleeping},
	{10, "G1 sleeping (S1-S4 cannot be determined)", "No", "No", "No", "Yes", oobkit.PowerG1},
	{11, "S5 entered by override, for example, by 4-second power button override", "No", "No", "No", "Yes", oobkit.PowerS5Override},
	{12, "Legacy ON, for example, non-ACPI OS working state", "No", "No", "No", "Yes", oobkit.PowerLegacyOn},
	{13, "Legacy OFF, for example, non-ACPI OS off state", "No", "No", "No", "Yes", oobkit.PowerLegacyOff},
	// The field notes: "Generic error, FromState detected as unknown:14".
	{14, "Unknown", "No", "No", "No", "Yes", oobkit.PowerUnknown},
}

// guideCell turns "Yes1" into an Allowance.
func guideCell(s string) oobkit.Allowance {
	switch s {
	case "Yes":
		return oobkit.Allowance{Allowed: true}
	case "Yes1":
		return oobkit.Allowance{Allowed: true, Note: 1}
	case "Yes2":
		return oobkit.Allowance{Allowed: true, Note: 2}
	}
	return oobkit.Allowance{}
}

func TestPowerTableIsTableC3(t *testing.T) {
	rows := oobkit.PowerTable()
	require.Len(t, rows, 14, "Table C-3 has 14 rows")
	assert.Equal(t, oobkit.PowerStates(), func() []oobkit.PowerState {
		var s []oobkit.PowerState
		for _, r := range tableC3 {
			s = append(s, r.state)
		}
		return s
	}())
	for i, want := range tableC3 {
		got := rows[i]
		assert.Equal(t, want.state, got.State, "row %d", want.code)
		assert.Equal(t, want.code, got.State.Code(), "row %d code", want.code)
		assert.Equal(t, want.name, got.State.Name(), "row %d name", want.code)
		assert.Equal(t, guideCell(want.reboot), got.Reboot, "row %d AMT reboot", want.code)
		assert.Equal(t, guideCell(want.off), got.PowerOff, "row %d AMT power off", want.code)
		assert.Equal(t, guideCell(want.on), got.PowerOn, "row %d AMT power on", want.code)
		assert.Equal(t, guideCell(want.redirect), got.BootRedirect, "row %d boot redirect", want.code)
		assert.Equal(t, got, oobkit.PowerTableRowOf(want.state))
		st, err := oobkit.PowerStateFromCode(want.code)
		require.NoError(t, err)
		assert.Equal(t, want.state, st)
	}
	assert.Equal(t, "Performed through the power on command.", oobkit.PowerTableNotes[1])
	assert.Equal(t, "Redirection can be enabled only for the reboot command.", oobkit.PowerTableNotes[2])
}

// TestAllowedEveryCell asks every cell (14 rows × 4 columns) through the
// decision functions: the reboot, power off and power on columns through
// Allowed with every action of the column, the boot-redirect column through
// BootRedirectAllowed with ActionNone ("the column alone").
func TestAllowedEveryCell(t *testing.T) {
	columns := []struct {
		name    string
		actions []oobkit.PowerAction
		cell    func(int) string
	}{
		{"AMT reboot", []oobkit.PowerAction{oobkit.ActionReset, oobkit.ActionReboot, oobkit.ActionCycle}, func(i int) string { return tableC3[i].reboot }},
		{"AMT power off", []oobkit.PowerAction{oobkit.ActionOff, oobkit.ActionShutdown, oobkit.ActionSleep, oobkit.ActionHibernate}, func(i int) string { return tableC3[i].off }},
		{"AMT power on", []oobkit.PowerAction{oobkit.ActionOn}, func(i int) string { return tableC3[i].on }},
	}
	for i, row := range tableC3 {
		for _, col := range columns {
			want := guideCell(col.cell(i))
			for _, a := range col.actions {
				err := oobkit.Allowed(row.state, a)
				if want.Allowed {
					assert.NoError(t, err, "row %d %s: %v", row.code, col.name, a)
				} else {
					require.ErrorIs(t, err, oobkit.ErrInvalidState, "row %d %s: %v", row.code, col.name, a)
					assert.Contains(t, err.Error(), row.state.String(), "the refusal names the row and its code")
					assert.Contains(t, err.Error(), col.name)
				}
				assert.Equal(t, want.Note == 1, oobkit.ThroughPowerOn(row.state, a), "row %d %s: %v footnote 1", row.code, col.name, a)
			}
		}
		err := oobkit.BootRedirectAllowed(row.state, oobkit.ActionNone)
		if guideCell(row.redirect).Allowed {
			assert.NoError(t, err, "row %d boot redirect", row.code)
		} else {
			require.ErrorIs(t, err, oobkit.ErrInvalidState, "row %d boot redirect", row.code)
			assert.Contains(t, err.Error(), "Boot redirect No")
		}
	}
}

// TestFootnote2 implements "2 Redirection can be enabled only for the
// reboot command.": where the boot-redirect cell is Yes², a redirection
// rides on a reboot-column action only; where it is a plain Yes, on any.
func TestFootnote2(t *testing.T) {
	for _, row := range tableC3 {
		cell := guideCell(row.redirect)
		for _, a := range []oobkit.PowerAction{oobkit.ActionReset, oobkit.ActionReboot, oobkit.ActionCycle, oobkit.ActionOn, oobkit.ActionOff} {
			err := oobkit.BootRedirectAllowed(row.state, a)
			ok := cell.Allowed && (cell.Note != 2 || a.Column() == oobkit.ColumnReboot)
			if ok {
				assert.NoError(t, err, "row %d: redirect on %v", row.code, a)
				continue
			}
			require.ErrorIs(t, err, oobkit.ErrInvalidState, "row %d: redirect on %v", row.code, a)
			if cell.Allowed {
				assert.Contains(t, err.Error(), "Redirection can be enabled only for the reboot command.")
			}
		}
	}
	// The cases an operator meets: a sleeping (S3) computer can be powered
	// on, but a boot redirection must ride on the reboot, which footnote 1
	// performs through the power on command.
	require.NoError(t, oobkit.Allowed(oobkit.PowerS3, oobkit.ActionOn))
	require.ErrorIs(t, oobkit.BootRedirectAllowed(oobkit.PowerS3, oobkit.ActionOn), oobkit.ErrInvalidState)
	require.NoError(t, oobkit.BootRedirectAllowed(oobkit.PowerS3, oobkit.ActionReset))
	require.ErrorIs(t, oobkit.Allowed(oobkit.PowerS3, oobkit.ActionOnToBIOS), oobkit.ErrInvalidState)
	require.NoError(t, oobkit.Allowed(oobkit.PowerS3, oobkit.ActionResetToBIOS))
	require.NoError(t, oobkit.Allowed(oobkit.PowerS5, oobkit.ActionOnToBIOS), "S5 boot redirect is a plain Yes")
	require.NoError(t, oobkit.BootRedirectAllowed(oobkit.PowerS5, oobkit.ActionOn))
}

// TestFootnote1 implements "1 Performed through the power on command.":
// exactly the reboot and power-off cells of S3 and S4 carry it, and they
// are allowed.
func TestFootnote1(t *testing.T) {
	var marked []string
	for _, row := range oobkit.PowerTable() {
		for _, col := range []oobkit.ActionColumn{oobkit.ColumnReboot, oobkit.ColumnPowerOff, oobkit.ColumnPowerOn, oobkit.ColumnBootRedirect} {
			if c := row.Cell(col); c.Note == 1 {
				assert.True(t, c.Allowed)
				marked = append(marked, fmt.Sprintf("%v %v", row.State, col))
			}
		}
	}
	assert.Equal(t, []string{"S3:4 AMT reboot", "S3:4 AMT power off", "S4:5 AMT reboot", "S4:5 AMT power off"}, marked)
	for _, a := range []oobkit.PowerAction{oobkit.ActionReset, oobkit.ActionOff, oobkit.ActionResetToBIOSTerminal} {
		assert.True(t, oobkit.ThroughPowerOn(oobkit.PowerS4, a), "%v", a)
		assert.NoError(t, oobkit.Allowed(oobkit.PowerS4, a), "%v", a)
	}
	assert.False(t, oobkit.ThroughPowerOn(oobkit.PowerS4, oobkit.ActionOn))
	assert.False(t, oobkit.ThroughPowerOn(oobkit.PowerS0, oobkit.ActionReset))
}

func TestPowerStateCodes(t *testing.T) {
	for _, bad := range []int{0, -1, 15, 99} {
		_, err := oobkit.PowerStateFromCode(bad)
		require.ErrorIs(t, err, oobkit.ErrInvalidArgument, "code %d", bad)
	}
	assert.Equal(t, "unknown:14", oobkit.PowerUnknown.String(), "the field notes print the unknown state as unknown:14")
	assert.Equal(t, 14, oobkit.PowerUnknown.Code())
	assert.Equal(t, 14, oobkit.PowerState(99).Code(), "a value that is no row is the unknown row")
	assert.ErrorIs(t, oobkit.Allowed(oobkit.PowerState(99), oobkit.ActionOn), oobkit.ErrInvalidState)
	assert.Equal(t, oobkit.PowerLegacySleep, oobkit.PowerSleeping)

	// JSON round trip of every row's token; the String form and a bare code
	// read back too.
	for _, st := range oobkit.PowerStates() {
		b, err := json.Marshal(st)
		require.NoError(t, err)
		var back oobkit.PowerState
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, st, back)
		require.NoError(t, back.UnmarshalText([]byte(st.String())))
		assert.Equal(t, st, back)
		require.NoError(t, back.UnmarshalText(fmt.Appendf(nil, "%d", st.Code())))
		assert.Equal(t, st, back)
	}
	var st oobkit.PowerState
	assert.ErrorIs(t, st.UnmarshalText([]byte("S0:6")), oobkit.ErrInvalidArgument, "token and code disagree")
	assert.ErrorIs(t, st.UnmarshalText([]byte("S9")), oobkit.ErrInvalidArgument)
	assert.ErrorIs(t, st.UnmarshalText([]byte("15")), oobkit.ErrInvalidArgument)
}

// TestRefusalText: the field notes' "Generic error, FromState detected as
// unknown:14. This will cause the power action to fail." An action the
// table refuses wraps ErrInvalidState and names the row and its code.
func TestRefusalText(t *testing.T) {
	err := oobkit.Allowed(oobkit.PowerUnknown, oobkit.ActionReset)
	require.ErrorIs(t, err, oobkit.ErrInvalidState)
	assert.Equal(t, "invalid state: reset is not possible in state unknown:14 (Table C-3 row 14, Unknown: AMT reboot No)", err.Error())
	err = oobkit.Allowed(oobkit.PowerS0, oobkit.ActionOn)
	assert.Equal(t, `invalid state: on is not possible in state S0:1 (Table C-3 row 1, S0/G0 "working": AMT power on No)`, err.Error())
	err = oobkit.BootRedirectAllowed(oobkit.PowerS3, oobkit.ActionOn)
	assert.Contains(t, err.Error(), "S3:4")
	assert.ErrorIs(t, oobkit.Allowed(oobkit.PowerS0, oobkit.ActionNone), oobkit.ErrInvalidArgument)
	assert.ErrorIs(t, oobkit.BootRedirectAllowed(oobkit.PowerS0, oobkit.PowerAction(99)), oobkit.ErrInvalidArgument)
}

// TestAvailableActions: Table 3-1, "List of applicable power actions is
// automatically detected according to current power state capabilities of
// the client computer."
func TestAvailableActions(t *testing.T) {
	labels := func(s oobkit.PowerState) []string {
		var out []string
		for _, a := range oobkit.AvailableActions(s) {
			out = append(out, a.Label())
		}
		return out
	}
	assert.Equal(t, []string{"Power Cycle", "Power Off", "Reset", "Reset to BIOS", "Reset to BIOS (Terminal)"}, labels(oobkit.PowerS0))
	assert.Equal(t, []string{"Power On", "Power On to BIOS", "Power On to BIOS (Terminal)"}, labels(oobkit.PowerS5))
	// S3: power on, and the reboot (through the power on command) that a
	// redirection may ride on; power on to BIOS is not offered (footnote 2).
	assert.Equal(t, []string{"Power Cycle", "Power Off", "Power On", "Reset", "Reset to BIOS", "Reset to BIOS (Terminal)"}, labels(oobkit.PowerS3))
	assert.Equal(t, []string{"Power Cycle", "Power Off", "Reset", "Reset to BIOS", "Reset to BIOS (Terminal)"}, labels(oobkit.PowerS1))
	for _, s := range []oobkit.PowerState{oobkit.PowerUnknown, oobkit.PowerG3, oobkit.PowerLegacyOn, oobkit.PowerS2, oobkit.PowerS5Override} {
		assert.Empty(t, oobkit.AvailableActions(s), "%v", s)
	}
	for _, a := range oobkit.KVMViewerActions {
		p, err := oobkit.ParsePowerAction(a.String())
		require.NoError(t, err)
		assert.Equal(t, a, p)
	}
	assert.True(t, oobkit.ActionOnToBIOSTerminal.Terminal())
	assert.True(t, oobkit.ActionResetToBIOSTerminal.ToBIOS())
}

func TestPowerTableOverride(t *testing.T) {
	ctx := context.Background()
	assert.False(t, oobkit.PowerTableOverridden(ctx), "nothing overrides by default")
	assert.True(t, oobkit.PowerTableOverridden(oobkit.WithPowerTableOverride(ctx)))
}
