package main

import (
	"context"
	"encoding/json"
	"github.com/oobkit/oobkit/internal/simconv"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/simfleet"
	"github.com/oobkit/oobkit/tasks"
)

// demoFleet starts the demo's default fleet (6 AMT, 2 IPMI, 1 DASH, 1 WMI;
// every third computer of a kind off) with the demo image.
func demoFleet(t *testing.T) (*simfleet.Fleet, bootImage) {
	t.Helper()
	image, err := writeDemoImage(t.TempDir())
	require.NoError(t, err)
	f, err := simfleet.New(simfleet.Config{AMT: 6, IPMI: 2, DASH: 1, WMI: 1, BootImageSHA256: image.SHA256})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, f.Close()) })
	return f, image
}

// checkDemo checks the sample job's outcome on every computer, against the
// simulators themselves: the power state each ends in, the image each AMT
// host's BIOS read, and what each AMT device saw of the quarantine.
func checkDemo(t *testing.T, f *simfleet.Fleet, image bootImage, out *demoOutput) {
	t.Helper()
	rep := out.Report
	require.Len(t, rep.Results, len(f.Computers))
	offAtStart, whole := 0, 0
	for i, r := range rep.Results {
		c := f.Computers[i]
		require.Equal(t, c.Target.Name, r.Target)
		require.Equal(t, tasks.StatusOK, r.Status, "%s: step %s: %s", r.Target, r.Step, r.Error)
		// One job for the mixed fleet: the AMT-only steps report the other
		// computers skipped (unsupported).
		amtOnly := map[string]bool{"boot": true, "quarantine": true, "lift": true}
		for _, st := range r.Steps {
			if c.AMT == nil && amtOnly[st.ID] {
				assert.Equal(t, tasks.StatusSkipped, st.Status, "%s step %s", r.Target, st.ID)
				assert.Equal(t, "unsupported", st.Class, "%s step %s", r.Target, st.ID)
				continue
			}
			assert.Equal(t, tasks.StatusOK, st.Status, "%s step %s", r.Target, st.ID)
		}
		on := r.Output("on").(*tasks.PowerOutput)
		restore := r.Output("restore").(*tasks.PowerOutput)
		assert.Equal(t, c.InitiallyOn, on.Before.IsOn(), "%s: the state found is the simulator's", r.Target)
		assert.Equal(t, c.InitiallyOn, c.PowerOn(), "%s: the simulator is back in its initial state", r.Target)
		assert.Equal(t, on.Changed, restore.Changed, "%s: restore acts exactly where power on acted", r.Target)
		assert.Equal(t, c.InitiallyOn, r.Output("now").(*tasks.PowerStateOutput).State.IsOn(), r.Target)
		if !c.InitiallyOn {
			offAtStart++
			assert.Equal(t, oobkit.ActionOn, on.Action, r.Target)
			// "A graceful Reboot and Power Off through the WMI is always tried
			// first. ... For Intel AMT 9.0 and higher, graceful shutdown is
			// performed through WSMan." The restore turns off graceful first.
			assert.Contains(t, []oobkit.PowerAction{oobkit.ActionShutdown, oobkit.ActionOff}, restore.Action, r.Target)
			switch {
			case c.AMT != nil && c.AMT.Config().Major() >= amt.GracefulMajor:
				assert.Equal(t, tasks.PathGraceful, restore.Path, "%s: %+v", r.Target, restore)
				assert.Equal(t, tasks.ViaAMTWSMan, restore.Via, r.Target)
			case c.AMT != nil: // AMT 8 and no WMI: hard at once
				assert.Equal(t, tasks.PathHard, restore.Path, "%s: %+v", r.Target, restore)
				assert.Equal(t, "amt", restore.Via, r.Target)
			}
		}
		dc := out.Computers[i]
		assert.True(t, dc.OK, "%s: %+v", r.Target, dc)

		if c.AMT == nil {
			continue
		}
		whole++
		boots := c.BootReports()
		require.Len(t, boots, 1, "%s: the host booted once from IDE-R", r.Target)
		require.NoError(t, boots[0].Err, r.Target)
		assert.Equal(t, image.Size, boots[0].Bytes, "%s: the BIOS read the image whole", r.Target)
		assert.Equal(t, image.SHA256, boots[0].SHA256, r.Target)
		assert.Equal(t, "ider-cd", c.AMT.BootState().LastBoot, r.Target)
		ider := r.Output("boot").(*tasks.IDERBootOutput)
		assert.Equal(t, "device", ider.EndedBy, r.Target)
		assert.GreaterOrEqual(t, ider.Session.BytesSent, uint64(image.Size), r.Target)

		q := c.Quarantine()
		assert.Equal(t, 1, q.Applied, "%s: one quarantine", r.Target)
		assert.Positive(t, q.Served["CIM_Processor"], "%s: the inventory was read under the quarantine", r.Target)
		assert.Zero(t, q.PowerChanges, "%s: no power change under the quarantine", r.Target)
		assert.False(t, q.Active, "%s: the quarantine is gone", r.Target)
		assert.Nil(t, simconv.Active(c.AMT, amt.Wired), r.Target)
		assert.Equal(t, "oobkit remediation", r.Output("quarantine").(*tasks.NetworkFilterOutput).Policy, r.Target)
		assert.True(t, r.Output("lift").(*tasks.NetworkFilterOutput).Removed, r.Target)
	}
	assert.Equal(t, 6, whole, "every AMT computer took the whole job")
	assert.Equal(t, 3, offAtStart, "two AMT computers and one BMC start off")
}

// The demo runs the whole sample job in-process on every computer of its
// fleet, and every check holds on the simulators.
func TestDemo(t *testing.T) {
	f, image := demoFleet(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	a := demoApp()
	a.opt.json = true
	out, err := a.runDemo(ctx, f, image)
	require.NoError(t, err)
	checkDemo(t, f, image, out)
	assert.False(t, out.failed())
}

// `oobctl demo --json` writes what it checked; a smaller fleet keeps the
// test short.
func TestDemoJSON(t *testing.T) {
	res := oobctl(t, nil, "demo", "--json", "--amt", "2", "--ipmi", "1", "--dash", "1", "--wmi", "1")
	require.Equal(t, exitOK, res.code, res.stderr)
	var out struct {
		Steps     []string
		Image     bootImage
		Computers []demoComputer
		Report    json.RawMessage
	}
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &out))
	assert.Len(t, out.Steps, 7)
	assert.Equal(t, int64(demoImageSectors*isoSector), out.Image.Size)
	rep := decodeReport(t, string(out.Report))
	require.Len(t, rep.Results, 5)
	require.Len(t, out.Computers, 5)
	for i, r := range rep.Results {
		c := out.Computers[i]
		assert.Equal(t, tasks.StatusOK, r.Status, r.Target)
		assert.True(t, c.OK, r.Target)
		assert.True(t, c.Restored, r.Target)
		assert.Equal(t, strings.HasPrefix(r.Target, "amt-"), c.WholeJob, r.Target)
		if c.WholeJob {
			require.NotNil(t, c.Boot, r.Target)
			assert.True(t, c.Boot.Whole, r.Target)
			assert.Equal(t, out.Image.SHA256, c.Boot.SHA256, r.Target)
			assert.True(t, c.QuarantineOK, r.Target)
		}
	}
}

// oobctlCommand returns a command running oobctl's main (this test binary
// re-executed) with args and the simulator password.
func oobctlCommand(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), runAsOobctl+"=1", "OOBKIT_PASSWORD="+simfleet.Password)
	return cmd
}

// The program a newcomer runs: `oobctl demo` with no flags prints the table.
func TestDemoProcess(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := oobctlCommand(ctx, "demo").Output()
	require.NoError(t, err)
	text := string(out)
	assert.Contains(t, text, "COMPUTER  PROTOCOL  FIRMWARE")
	assert.Contains(t, text, "10 computers: 10 ok")
	lines := 0
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "amt-") || strings.HasPrefix(l, "bmc-") || strings.HasPrefix(l, "dash-") || strings.HasPrefix(l, "win-") {
			lines++
			f := strings.Fields(l)
			assert.Equal(t, "yes", f[len(f)-3], l)
			assert.Equal(t, "ok", f[len(f)-2], l)
			if strings.HasPrefix(l, "amt-") {
				assert.Contains(t, l, "hash ok", l)
				assert.Contains(t, l, "held, lifted", l)
			}
		}
	}
	assert.Equal(t, 10, lines)
}

func TestDemoBadFlags(t *testing.T) {
	res := oobctl(t, nil, "demo", "--amt", "0", "--ipmi", "0", "--dash", "0", "--wmi", "0")
	assert.Equal(t, exitUsage, res.code)
	assert.Contains(t, res.stderr, "Usage:")
}
