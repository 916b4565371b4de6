package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/examples/internal/simfleet"
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
