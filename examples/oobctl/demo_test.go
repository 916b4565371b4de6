package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/tasks"
)

// The demo runs the sample job on every simulated computer: each succeeds,
// the power state read back at the end is the one found at the start, and
// the simulators themselves confirm it.
func TestDemoJSON(t *testing.T) {
	res := oobctl(t, nil, "demo", "--json")
	require.Equal(t, exitOK, res.code, res.stderr)
	var out struct {
		Ran        []string
		NotInBuild []string
		Computers  []demoComputer
		Report     json.RawMessage
	}
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &out))
	assert.Equal(t, []string{"power on", "collect inventory", "restore the power state", "read the power state back"}, out.Ran[:4])
	rep := decodeReport(t, string(out.Report))
	require.Len(t, rep.Results, 9)
	require.Len(t, out.Computers, 9)
	offAtStart := 0
	for i, r := range rep.Results {
		assert.Equal(t, tasks.StatusOK, r.Status, r.Target)
		var on, restore tasks.PowerOutput
		var now tasks.PowerStateOutput
		stepOutput(t, r, "on", &on)
		stepOutput(t, r, "restore", &restore)
		stepOutput(t, r, "now", &now)
		assert.Equal(t, on.Before.IsOn(), now.State.IsOn(), "%s: state read back differs from the state found", r.Target)
		assert.Equal(t, on.Changed, restore.Changed, "%s: restore acts exactly where power on acted", r.Target)
		c := out.Computers[i]
		assert.Equal(t, r.Target, c.Name)
		assert.Equal(t, c.InitiallyOn, on.Before.IsOn(), r.Target)
		assert.True(t, c.Restored, r.Target)
		if !c.InitiallyOn {
			offAtStart++
			assert.Equal(t, oobkit.ActionOn, on.Action)
			assert.Equal(t, oobkit.ActionOff, restore.Action)
		}
	}
	assert.Equal(t, 3, offAtStart, "the default fleet has three computers off")
}

// The binary a newcomer runs: `oobctl demo` with no flags prints the table.
func TestDemoBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "oobctl")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err = exec.CommandContext(ctx, bin, "demo").Output()
	require.NoError(t, err)
	text := string(out)
	assert.Contains(t, text, "COMPUTER  PROTOCOL  FIRMWARE")
	assert.Contains(t, text, "9 computers: 9 ok")
	lines := 0
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "amt-") || strings.HasPrefix(l, "bmc-") || strings.HasPrefix(l, "dash-") {
			lines++
			f := strings.Fields(l)
			assert.Equal(t, "yes", f[len(f)-3], l)
			assert.Equal(t, "ok", f[len(f)-2], l)
		}
	}
	assert.Equal(t, 9, lines)
}

func TestDemoBadFlags(t *testing.T) {
	res := oobctl(t, nil, "demo", "--amt", "0", "--ipmi", "0", "--dash", "0")
	assert.Equal(t, exitUsage, res.code)
	assert.Contains(t, res.stderr, "Usage:")
}
