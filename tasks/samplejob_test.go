package tasks

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// TestRTSMSampleJob runs the RTSM guide's one-to-many sample on a simulated
// AMT computer that starts off: power on, boot from an IDE-R image, quarantine
// with the default remediation policy, collect inventory, lift the
// quarantine, restore the power state. The quarantine is checked on the
// device while the job runs, and the end state (off, no filter, the image
// read whole by the simulated BIOS) afterwards.
func TestRTSMSampleJob(t *testing.T) {
	path, sum := testImage(t, 1<<20)
	rig := newIDERRig(t, oobkit.PowerS5, redirecttest.Config{EndAfterBoot: true,
		Firmware: redirecttest.Boot(redirecttest.BootOptions{Device: redirecttest.CD, SHA256: sum})})
	job, err := ParseJob([]byte(`
name: rtsm-sample
steps:
  - {id: on, task: power, with: {action: on}}
  - {id: boot, task: ider, with: {image: ` + path + `}}
  - {id: quarantine, task: filter, with: {policy: remediation, managementServer: 192.0.2.5}}
  - {id: inv, task: inventory}
  - {id: lift, task: filter, with: {policy: remove}}
  - {id: restore, task: power, with: {restore: on}}
`))
	require.NoError(t, err)

	var mu sync.Mutex
	quarantined := map[string]bool{}
	r := NewRunner(rig.runner.conn, WithProbe(nil), WithRetry(fastRetry),
		WithTargetProtocols(func(oobkit.Target) []oobkit.Protocol { return []oobkit.Protocol{oobkit.AMT} }),
		WithProgress(func(p Progress) {
			if p.Kind == StepDone {
				mu.Lock()
				quarantined[p.Step.ID] = rig.amt.ActivePolicy(amt.Wired) != nil
				mu.Unlock()
			}
		}))
	res := r.RunTarget(context.Background(), job, rig.target)
	require.Equal(t, StatusOK, res.Status, "%s: %s", res.Step, res.Error)
	for _, st := range res.Steps {
		assert.Equal(t, StatusOK, st.Status, st.ID)
	}

	boot := bootReport(t, rig.redir)
	require.NoError(t, boot.Err)
	assert.Equal(t, sum, boot.SHA256)
	assert.Equal(t, "ider-cd", rig.amt.BootState().LastBoot)
	assert.Equal(t, oobkit.ActionReset, res.Output("boot").(*IDERBootOutput).Boot.Action, "the computer was on: IDE-R boot resets it")

	assert.Equal(t, map[string]bool{"on": false, "boot": false, "quarantine": true, "inv": true, "lift": false, "restore": false},
		quarantined, "the filter is on the device exactly between quarantine and lift")
	assert.NotEmpty(t, res.Output("inv").(*InventoryOutput).Inventory.System)
	assert.Equal(t, oobkit.PowerS5, rig.amt.PowerState(), "the computer was off before the job, and is off again")
	assert.True(t, res.Output("restore").(*PowerOutput).Changed)
}
