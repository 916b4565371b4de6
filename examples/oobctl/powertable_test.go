package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPowerTableCommand: "oobctl power table" prints the RTSM guide's
// Table C-3 row by row (code, state, AMT reboot, AMT power off, AMT power
// on, Boot redirect), its two footnotes verbatim, and the Table 3-1 power
// actions each state leaves applicable ("List of applicable power actions
// is automatically detected according to current power state capabilities
// of the client computer.").
func TestPowerTableCommand(t *testing.T) {
	r := oobctl(t, nil, "power", "table")
	require.Equal(t, 0, r.code, r.stderr)
	rows := map[string]string{ // code state: reboot off on redirect, as printed in the guide
		"1 S0":           "Yes Yes No Yes²",
		"4 S3":           "Yes¹ Yes¹ Yes Yes²",
		"5 S4":           "Yes¹ Yes¹ Yes Yes²",
		"6 S5":           "No No Yes Yes",
		"8 G3":           "No No No No",
		"11 S5-override": "No No No Yes",
		"14 unknown":     "No No No Yes",
	}
	space := regexp.MustCompile(`\s+`)
	lines := strings.Split(r.stdout, "\n")
	for key, cells := range rows {
		found := false
		for _, l := range lines {
			if strings.HasPrefix(space.ReplaceAllString(l, " "), key+" "+cells+" ") {
				found = true
			}
		}
		assert.True(t, found, "row %q with %q in:\n%s", key, cells, r.stdout)
	}
	assert.Contains(t, r.stdout, "1 Performed through the power on command.")
	assert.Contains(t, r.stdout, "2 Redirection can be enabled only for the reboot command.")
	assert.Regexp(t, `S5:6 +Power On, Power On to BIOS, Power On to BIOS \(Terminal\)`, r.stdout)
	assert.Regexp(t, `S0:1 +Power Cycle, Power Off, Reset, Reset to BIOS, Reset to BIOS \(Terminal\)`, r.stdout)
	assert.NotContains(t, r.stdout, "unknown:14 ", "no action is applicable in the unknown state")
}
