package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/simfleet"
)

// TestFilterRolloutCommand: "I say again: Test every filter within every
// job to ensure everything works properly!" (field notes). A rollout whose
// confirmation fails stops after the canary and removes its filter; the
// others never receive it. A confirmed rollout reaches every wave.
func TestFilterRolloutCommand(t *testing.T) {
	f, targets := startFleet(t, simfleet.Config{AMT: 3})
	base := []string{"--targets-file", targets, "--user", simfleet.User}

	res := oobctl(t, nil, append(base, "filter", "rollout", "--mgmt", "127.0.0.1", "--waves", "1,100%", "--confirm-cmd", "exit 3")...)
	assert.Equal(t, exitFailed, res.code, res.stdout+res.stderr)
	assert.Contains(t, res.stderr, "stopped after a failed wave")
	assert.Contains(t, res.stdout, "Not given the policy: 2 computers")
	for _, c := range f.Computers {
		fl, pol, links := c.AMT.DefenseObjects()
		assert.Zero(t, fl+pol+links, "%s keeps System Defense objects", c.Target.Name)
	}

	res = oobctl(t, nil, append(base, "filter", "rollout", "--mgmt", "127.0.0.1", "--waves", "1,100%")...)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	for _, c := range f.Computers {
		_, _, links := c.AMT.DefenseObjects()
		assert.Equal(t, 1, links, c.Target.Name)
		for _, to := range c.AMT.PolicyTimeouts() {
			assert.Zero(t, to, "confirmed policies keep no timeout")
		}
	}
}
