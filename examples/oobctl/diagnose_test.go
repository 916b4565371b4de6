package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/simfleet"
)

// TestDiagnoseCommand: the field notes' "Generic error, FromState detected
// as unknown:14" on a computer whose other AMT functions work: diagnose
// names the cause and proposes the reboot, changing nothing.
func TestDiagnoseCommand(t *testing.T) {
	f, _ := startFleet(t, simfleet.Config{AMT: 1})
	c := f.Computers[0]
	c.AMT.SetPowerState(oobkit.PowerUnknown)
	one := writeTargets(t, c.Target)
	res := oobctl(t, nil, "--targets-file", one, "--user", simfleet.User, "diagnose")
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	assert.Contains(t, res.stdout, "power state unknown (14): AMT answers other functions")
	assert.Contains(t, res.stdout, "Proposed: oobctl diagnose --fix reboot-os (nothing was changed)")

	res = oobctl(t, nil, "--targets-file", one, "--user", simfleet.User, "diagnose", "--fix", "format-disk")
	assert.Equal(t, exitUsage, res.code, res.stdout+res.stderr)
}

// TestDiagnoseFixRebootsThroughOSAgent: "One way to accomplish this is
// using the Task Server Power Management Agent to send down a standard
// reboot command to the PC." With --fix reboot-os the diagnosis reboots
// the computer through WMI (its OS), not through AMT.
func TestDiagnoseFixRebootsThroughOSAgent(t *testing.T) {
	f, _ := startFleet(t, simfleet.Config{AMT: 1, WMI: 1})
	var amtC, winC *simfleet.Computer
	for _, c := range f.Computers {
		if c.AMT != nil {
			amtC = c
		}
		if c.WMI != nil {
			winC = c
		}
	}
	require.NotNil(t, amtC)
	require.NotNil(t, winC)
	amtC.AMT.SetPowerState(oobkit.PowerUnknown)
	// One computer: its AMT and its Windows on their simulators' ports.
	tg := amtC.Target
	tg.Ports = map[oobkit.Protocol]int{oobkit.AMT: amtC.Target.Ports[oobkit.AMT], oobkit.WMI: winC.Target.Ports[oobkit.WMI]}
	one := writeTargets(t, tg)
	before := winC.WMI.Shutdowns()
	res := oobctl(t, nil, "--targets-file", one, "--user", simfleet.User, "diagnose", "--fix", "reboot-os")
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	assert.Contains(t, res.stdout, "Done: reboot-os")
	assert.Equal(t, before+1, winC.WMI.Shutdowns())
}
