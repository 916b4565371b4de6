package tasks

import (
	"context"
	"github.com/oobkit/oobkit/internal/simconv"
	"path/filepath"
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
  - {id: lift, task: filter, always: true, with: {policy: remove}}
  - {id: restore, task: power, always: true, with: {restore: on}}
`))
	require.NoError(t, err)

	var mu sync.Mutex
	quarantined := map[string]bool{}
	r := NewRunner(rig.runner.conn, WithProbe(nil), WithRetry(fastRetry),
		WithTargetProtocols(func(oobkit.Target) []oobkit.Protocol { return []oobkit.Protocol{oobkit.AMT} }),
		WithProgress(func(p Progress) {
			if p.Kind == StepDone {
				mu.Lock()
				quarantined[p.Step.ID] = simconv.Active(rig.amt, amt.Wired) != nil
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

// TestCleanupStepsRunAfterFailedStep: the guide's sample job ends by removing
// the filter and restoring the power state ("The Restore State power action of
// the Power Management task returns computers to the power state they were in,
// before the previous power action ran."). Marked always, those steps run when
// the IDE-R step in the middle fails, so a computer that was off is off again
// and none is left quarantined; the steps after the failure that are not
// clean-up steps do not run, and the target still reports the IDE-R failure.
func TestCleanupStepsRunAfterFailedStep(t *testing.T) {
	rig := newIDERRig(t, oobkit.PowerS5, redirecttest.Config{EndAfterBoot: true})
	job, err := ParseJob([]byte(`
name: rtsm-sample
steps:
  - {id: on, task: power, with: {action: on}}
  - {id: quarantine, task: filter, with: {policy: remediation, managementServer: 192.0.2.5}}
  - {id: boot, task: ider, with: {image: ` + filepath.Join(t.TempDir(), "missing.iso") + `}}
  - {id: inv, task: inventory}
  - {id: lift, task: filter, always: true, with: {policy: remove}}
  - {id: restore, task: power, always: true, with: {restore: on}}
`))
	require.NoError(t, err)
	assert.True(t, job.Steps[4].Always)
	res := rig.runner.RunTarget(context.Background(), job, rig.target)

	require.Equal(t, StatusFailed, res.Status)
	assert.Equal(t, "boot", res.Step, "the target reports the step that failed, not the clean-up")
	status := map[string]Status{}
	for _, st := range res.Steps {
		status[st.ID] = st.Status
	}
	assert.Equal(t, map[string]Status{"on": StatusOK, "quarantine": StatusOK, "boot": StatusFailed,
		"inv": StatusNotRun, "lift": StatusOK, "restore": StatusOK}, status)
	assert.Nil(t, simconv.Active(rig.amt, amt.Wired), "the clean-up step lifted the quarantine")
	assert.Equal(t, oobkit.PowerS5, rig.amt.PowerState(), "the computer was off before the job, and is off again")
}

// TestCleanupStepRunsAfterDeadline: a clean-up step runs under its own
// deadline when the target's deadline passed in an earlier step.
func TestCleanupStepRunsAfterDeadline(t *testing.T) {
	rig := newIDERRig(t, oobkit.PowerS5, redirecttest.Config{EndAfterBoot: true})
	block := &blockingTask{}
	job := &Job{Name: "deadline", Steps: []Step{
		{ID: "on", Task: &PowerTask{Action: oobkit.ActionOn}},
		{ID: "stuck", Task: block},
		{ID: "never", Task: &InventoryTask{}},
		{ID: "restore", Task: &PowerTask{Restore: "on"}, Always: true},
	}}
	require.NoError(t, job.Validate())
	ctx, cancel := context.WithCancel(context.Background())
	block.onRun = cancel // the caller gives up while the step hangs
	res := rig.runner.RunTarget(ctx, job, rig.target)

	require.Equal(t, StatusCanceled, res.Status)
	assert.Equal(t, StatusNotRun, res.Steps[2].Status)
	assert.Equal(t, StatusOK, res.Steps[3].Status, "%s", res.Steps[3].Error)
	assert.Equal(t, oobkit.PowerS5, rig.amt.PowerState(), "restored although the job was canceled")
}

// blockingTask waits for its context to end.
type blockingTask struct{ onRun func() }

func (*blockingTask) Kind() string { return "block" }

func (b *blockingTask) Run(ctx context.Context, _ *Env) (any, error) {
	if b.onRun != nil {
		b.onRun()
	}
	<-ctx.Done()
	return nil, ctx.Err()
}
