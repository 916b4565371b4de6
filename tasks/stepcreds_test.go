package tasks

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

func attemptsOf(sr StepResult) []string {
	var out []string
	for _, a := range sr.Credentials {
		out = append(out, a.Source+":"+a.Profile+":"+string(a.Outcome))
	}
	return out
}

// TestStepCredentialsOverrideJob: the field notes' task-specified
// credentials, per task as well as per job: a step's own credentials are
// tried first for that step — on a fresh connection, not the one the job's
// credential opened — and the job's apply again to the steps after it,
// still never offering a refused credential twice.
func TestStepCredentialsOverrideJob(t *testing.T) {
	f := newFleet()
	d := newDevice(oobkit.PowerS0, oobkit.AMT)
	d.protocols[oobkit.AMT] = "step-pw"
	target := f.add("10.0.2.1", d)
	creds := StaticCredentials{oobkit.AMT: {{Name: "site", Source: "default", Credential: oobkit.UserPassword("admin", "step-pw")}}}
	var dc dialCounter
	r := NewRunner(dc.connector(f, creds, oobkit.AMT), WithProbe(nil))
	step := pwProfile(t, "stepprof", map[oobkit.Protocol]string{oobkit.AMT: "step-pw"})
	job := &Job{Name: "mixed", Credentials: &JobCredentials{User: "admin", Password: oobkit.NewSecret("job-pw")}, Steps: []Step{
		{ID: "a", Task: &PowerStateTask{}},
		{ID: "b", Task: &PowerStateTask{}, Credentials: &JobCredentials{Set: &step}},
		{ID: "c", Task: &PowerStateTask{}},
		// Step credentials for another protocol leave the job's in place.
		{ID: "d", Task: &PowerStateTask{}, Credentials: &JobCredentials{User: "wmiuser", Password: oobkit.NewSecret("wmi-pw"), Protocols: []oobkit.Protocol{oobkit.WMI}}},
	}}
	res := runJobOn(t, r, job, target)
	require.Equal(t, StatusOK, res.Status, res.Error)
	assert.Equal(t, []string{"task:task:refused", "default:site:accepted"}, attemptsOf(res.Steps[0]))
	assert.Equal(t, []string{"task:stepprof:accepted"}, attemptsOf(res.Steps[1]), "the step's own credential, on a new connection")
	assert.Equal(t, []string{"task:task:not-retried", "default:site:accepted"}, attemptsOf(res.Steps[2]), "the job's again, refused ones not retried")
	assert.Empty(t, attemptsOf(res.Steps[3]), "credentials for WMI leave c's AMT connection open")
	assert.Equal(t, 1, dc.count(target.Address, oobkit.AMT, "job-pw"))
	assert.Zero(t, dc.count(target.Address, oobkit.AMT, "wmi-pw"))
	assert.Equal(t, 3, dc.count(target.Address, oobkit.AMT, "step-pw"), "a, b (its own connection), c (b's is not kept)")
}

// TestStepCredentialsInJobFile: a job file names credentials on a step
// like on the job; the password stays in the environment, never in the
// file or in the JSON a dispatcher sends, and a malformed one is refused.
func TestStepCredentialsInJobFile(t *testing.T) {
	f := newFleet()
	d := newDevice(oobkit.PowerS0, oobkit.AMT)
	d.protocols[oobkit.AMT] = "env-pw"
	target := f.add("10.0.2.2", d)
	t.Setenv("OOBKIT_TEST_STEP_PW", "env-pw")
	job, err := ParseJob([]byte("name: x\nsteps:\n- {task: powerstate}\n- task: powerstate\n  credentials: {user: admin, passwordEnv: OOBKIT_TEST_STEP_PW}\n"))
	require.NoError(t, err)
	require.NotNil(t, job.Steps[1].Credentials)
	assert.Equal(t, "OOBKIT_TEST_STEP_PW", job.Steps[1].Credentials.PasswordEnv)
	b, err := json.Marshal(job)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "env-pw")
	var back Job
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, job.Steps[1].Credentials, back.Steps[1].Credentials, "travels to workers")

	r := NewRunner(f.connector(StaticCredentials{}, oobkit.AMT), WithProbe(nil))
	rep, err := r.Run(context.Background(), job, []oobkit.Target{target})
	require.NoError(t, err)
	res := rep.Results[0]
	assert.Equal(t, StatusFailed, res.Steps[0].Status, "no credential for the first step")
	assert.Equal(t, StatusNotRun, res.Steps[1].Status)
	job.OnError = Continue
	rep, err = r.Run(context.Background(), job, []oobkit.Target{target})
	require.NoError(t, err)
	assert.Equal(t, StatusOK, rep.Results[0].Steps[1].Status, rep.Results[0].Steps[1].Error)

	_, err = ParseJob([]byte("name: x\nsteps:\n- task: powerstate\n  credentials: {user: admin}\n"))
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}
