package tasks

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/profile"
)

// dialCounter wraps a fake fleet's dialers and counts the credentials
// presented to each computer and protocol.
type dialCounter struct {
	mu    sync.Mutex
	dials map[string]int // "addr/protocol/password"
}

func (dc *dialCounter) connector(f *fakeFleet, creds Credentials, protos ...oobkit.Protocol) *Connector {
	dc.dials = map[string]int{}
	conn := NewConnector(creds)
	for _, p := range protos {
		d := f.dialer(p)
		conn.Register(p, func(ctx context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
			dc.mu.Lock()
			dc.dials[t.Address+"/"+string(p)+"/"+c.Password.Reveal()]++
			dc.mu.Unlock()
			return d(ctx, t, c)
		})
	}
	return conn
}

func (dc *dialCounter) count(addr string, p oobkit.Protocol, pw string) int {
	dc.mu.Lock()
	defer dc.mu.Unlock()
	return dc.dials[addr+"/"+string(p)+"/"+pw]
}

func pwProfile(t *testing.T, name string, pws map[oobkit.Protocol]string) profile.Profile {
	t.Helper()
	p := profile.Profile{Name: name}
	for proto, pw := range pws {
		require.NoError(t, p.Enable(proto, oobkit.UserPassword("admin", pw)))
	}
	return p
}

// storeWithDefault returns a memory store whose default profile is def.
func storeWithDefault(t *testing.T, def profile.Profile, more ...profile.Profile) *profile.MemoryStore {
	t.Helper()
	st := profile.NewMemoryStore()
	ctx := context.Background()
	for _, p := range append([]profile.Profile{def}, more...) {
		require.NoError(t, st.Put(ctx, p))
	}
	require.NoError(t, st.SetDefault(ctx, def.Name))
	return st
}

func runJobOn(t *testing.T, r *Runner, job *Job, target oobkit.Target) Result {
	t.Helper()
	rep, err := r.Run(context.Background(), job, []oobkit.Target{target})
	require.NoError(t, err)
	require.Len(t, rep.Results, 1)
	return rep.Results[0]
}

// TestSOLCredentialUsedByLaterTask: the field notes, "Authentication
// Methods": the runtime profile holds "Previously successfully used
// credentials from past RTSM sessions", and "Authentication
// Troubleshooting" step 11: "try rerunning with the Runtime Profile. This
// contains all known good authentication attempts to the system from either
// Task Server or RTSM." A credential that worked in a one-to-one SOL session
// is offered to a later task, after the default profile, and works.
func TestSOLCredentialUsedByLaterTask(t *testing.T) {
	ctx := context.Background()
	f := newFleet()
	d := newDevice(oobkit.PowerS0, oobkit.AMT, oobkit.Redirection)
	d.protocols[oobkit.AMT], d.protocols[oobkit.Redirection] = "me-pw", "me-pw"
	target := f.add("10.0.0.5", d)

	rt := profile.NewRuntime(storeWithDefault(t, pwProfile(t, "site", map[oobkit.Protocol]string{oobkit.AMT: "site-pw", oobkit.Redirection: "site-pw"})))
	lab := pwProfile(t, "lab", map[oobkit.Protocol]string{oobkit.Redirection: "me-pw"})

	// One to one: a SOL session with the lab profile chosen.
	oneToOne := f.connector(ProfileCredentials{Runtime: rt, Explicit: &lab, Origin: profile.OriginOneToOne}, oobkit.Redirection)
	sess := oneToOne.Session(target)
	require.NoError(t, sess.UseAs(ctx, oobkit.Redirection, "sol", func(c oobkit.Client) error {
		_, err := c.(*fakeClient).PowerState(ctx)
		return err
	}))
	require.NoError(t, sess.Close())
	e, ok := rt.Known(target, oobkit.Redirection)
	require.True(t, ok)
	assert.Equal(t, profile.OriginOneToOne, e.Origin)

	// Later, a task with no profile chosen: the default is refused, the
	// credential the SOL session learned works.
	var dc dialCounter
	r := NewRunner(dc.connector(f, ProfileCredentials{Runtime: rt}, oobkit.AMT), WithProbe(nil), WithRetry(fastRetry))
	res := runJobOn(t, r, &Job{Name: "status", Steps: []Step{{Task: &PowerStateTask{}}}}, target)
	require.Equal(t, StatusOK, res.Status, res.Error)
	assert.Equal(t, []CredentialAttempt{
		{Protocol: oobkit.AMT, Source: "default", Profile: "site", User: "admin", Outcome: CredentialRefused},
		{Protocol: oobkit.AMT, Source: "runtime", Profile: "lab", User: "admin", Outcome: CredentialAccepted},
	}, res.Credentials, "the result shows which source worked and which were refused")
	e, ok = rt.Known(target, oobkit.AMT)
	require.True(t, ok, "the task's success is learned for AMT too")
	assert.Equal(t, profile.OriginOneToOne, e.Origin, "keeping where it came from")
}

// TestAMTOnlyProfileAndIndependentProtocols: the field notes,
// "Authentication Troubleshooting" step 12: "In one case we supplied only
// AMT credentials in the Profile which allowed it to authenticate to AMT
// while a multiple protocol authentication profile failed." Here each
// protocol resolves its credentials on its own: a multi-protocol
// task-specified profile whose WMI password is wrong still authenticates to
// AMT, the WMI refusal spoils nothing of AMT's, and the AMT-only profile
// works too.
func TestAMTOnlyProfileAndIndependentProtocols(t *testing.T) {
	f := newFleet()
	d := newDevice(oobkit.PowerS0, oobkit.AMT, oobkit.WMI)
	d.protocols[oobkit.AMT], d.protocols[oobkit.WMI] = "amt-pw", "win-pw"
	target := f.add("10.0.0.6", d)

	multi := pwProfile(t, "multi", map[oobkit.Protocol]string{oobkit.AMT: "amt-pw", oobkit.WMI: "stale-pw"})
	amtOnly := pwProfile(t, "amt-only", map[oobkit.Protocol]string{oobkit.AMT: "amt-pw"})
	// The built-in default enables nothing: only the task-specified
	// credentials are offered.
	rt := profile.NewRuntime(profile.NewMemoryStore())
	job := func(p *profile.Profile) *Job {
		return &Job{Name: "status", Protocols: []oobkit.Protocol{oobkit.WMI, oobkit.AMT},
			Steps: []Step{{ID: "s", Task: &PowerStateTask{}}}, Credentials: &JobCredentials{Set: p}}
	}

	var dc dialCounter
	r := NewRunner(dc.connector(f, ProfileCredentials{Runtime: rt}, oobkit.AMT, oobkit.WMI), WithProbe(nil), WithRetry(fastRetry))
	res := runJobOn(t, r, job(&multi), target)
	require.Equal(t, StatusOK, res.Status, "the multi-protocol profile no longer fails the job: %s", res.Error)
	assert.Equal(t, oobkit.AMT, res.Protocol)
	assert.Equal(t, []CredentialAttempt{
		{Protocol: oobkit.WMI, Source: "task", Profile: "multi", User: "admin", Outcome: CredentialRefused},
		{Protocol: oobkit.AMT, Source: "task", Profile: "multi", User: "admin", Outcome: CredentialAccepted},
	}, res.Credentials)
	_, ok := rt.Known(target, oobkit.WMI)
	assert.False(t, ok, "the refused WMI credential is not learned")
	e, ok := rt.Known(target, oobkit.AMT)
	require.True(t, ok, "AMT's credential is learned despite WMI's failure")
	assert.Equal(t, "multi", e.Profile)

	res = runJobOn(t, r, job(&amtOnly), target)
	require.Equal(t, StatusOK, res.Status, res.Error)
	assert.Equal(t, oobkit.AMT, res.Protocol)
	assert.Equal(t, CredentialAttempt{Protocol: oobkit.AMT, Source: "task", Profile: "amt-only", User: "admin", Outcome: CredentialAccepted},
		res.Credentials[len(res.Credentials)-1])
}

// TestCredentialOrderTaskChosenDefaultRuntime checks the whole order:
// task-specified, then the chosen profile, then the default, then the
// runtime profile — the field notes' "Task-specified Credentials ... This
// option is per job or task, and applies to all AMT functions invoked during
// the job or task."
func TestCredentialOrderTaskChosenDefaultRuntime(t *testing.T) {
	f := newFleet()
	d := newDevice(oobkit.PowerS0, oobkit.AMT)
	d.protocols[oobkit.AMT] = "learned-pw"
	target := f.add("10.0.0.7", d)
	st := storeWithDefault(t, pwProfile(t, "site", map[oobkit.Protocol]string{oobkit.AMT: "site-pw"}),
		pwProfile(t, "ops", map[oobkit.Protocol]string{oobkit.AMT: "ops-pw"}))
	rt := profile.NewRuntime(st)
	learned, _ := pwProfile(t, "old", map[oobkit.Protocol]string{oobkit.AMT: "learned-pw"}).Settings(oobkit.AMT)
	rt.Succeeded(target, profile.Candidate{Profile: "old", Protocol: oobkit.AMT, Settings: learned})
	chosen := pwProfile(t, "chosen", map[oobkit.Protocol]string{oobkit.AMT: "chosen-pw"})

	var dc dialCounter
	r := NewRunner(dc.connector(f, ProfileCredentials{Runtime: rt, Explicit: &chosen}, oobkit.AMT), WithProbe(nil), WithRetry(fastRetry))
	job := &Job{Name: "status", Steps: []Step{{Task: &PowerStateTask{}}}, Credentials: &JobCredentials{Profile: "ops"}}
	res := runJobOn(t, r, job, target)
	require.Equal(t, StatusOK, res.Status, res.Error)
	var order []string
	for _, a := range res.Credentials {
		order = append(order, a.Source+":"+a.Profile+":"+string(a.Outcome))
	}
	assert.Equal(t, []string{"task:ops:refused", "explicit:chosen:refused", "default:site:refused", "runtime:old:accepted"}, order)

	// A job file names the profile; the user form reads the password from
	// the environment of the process that runs it, never from the file.
	parsed, err := ParseJob([]byte("name: x\ncredentials: {profile: ops}\nsteps: [{task: powerstate}]\n"))
	require.NoError(t, err)
	assert.Equal(t, "ops", parsed.Credentials.Profile)
	t.Setenv("OOBKIT_TEST_TASK_PW", "learned-pw")
	parsed, err = ParseJob([]byte("name: x\ncredentials: {user: admin, passwordEnv: OOBKIT_TEST_TASK_PW}\nsteps: [{task: powerstate}]\n"))
	require.NoError(t, err)
	res = runJobOn(t, NewRunner(dc.connector(f, StaticCredentials{}, oobkit.AMT), WithProbe(nil)), parsed, target)
	require.Equal(t, StatusOK, res.Status, res.Error)
	assert.Equal(t, "task", res.Credentials[0].Source)
	b, err := json.Marshal(&Job{Name: "x", Steps: []Step{{Task: &PowerStateTask{}}},
		Credentials: &JobCredentials{User: "admin", Password: oobkit.NewSecret("canary-pw")}})
	require.NoError(t, err)
	assert.NotContains(t, string(b), "canary-pw")
	for _, bad := range []string{
		"name: x\ncredentials: {user: admin}\nsteps: [{task: powerstate}]\n",
		"name: x\ncredentials: {profile: a, user: b, passwordEnv: C}\nsteps: [{task: powerstate}]\n",
		"name: x\ncredentials: {}\nsteps: [{task: powerstate}]\n",
	} {
		_, err := ParseJob([]byte(bad))
		assert.ErrorIs(t, err, oobkit.ErrInvalidArgument, bad)
	}
}

// TestRefusedCredentialNeverRetried: lockout safety. A credential a
// computer refused is never offered to it again in the same job — not by a
// later step, not by a retry, not by redirection, which checks the same
// accounts as AMT — while another computer still gets it.
func TestRefusedCredentialNeverRetried(t *testing.T) {
	f := newFleet()
	a := newDevice(oobkit.PowerS0, oobkit.AMT, oobkit.Redirection)
	a.protocols[oobkit.AMT], a.protocols[oobkit.Redirection] = "a-pw", "a-pw"
	b := newDevice(oobkit.PowerS0, oobkit.AMT)
	b.protocols[oobkit.AMT] = "bad-pw"
	ta, tb := f.add("10.0.1.1", a), f.add("10.0.1.2", b)

	creds := StaticCredentials{
		oobkit.AMT:         {{Name: "one", Source: "explicit", Credential: oobkit.UserPassword("admin", "bad-pw")}, {Name: "two", Source: "default", Credential: oobkit.UserPassword("admin", "a-pw")}},
		oobkit.Redirection: {{Name: "one", Source: "explicit", Credential: oobkit.UserPassword("admin", "bad-pw")}, {Name: "two", Source: "default", Credential: oobkit.UserPassword("admin", "a-pw")}},
	}
	var dc dialCounter
	retryAuth := RetryPolicy{Attempts: 3, Classes: []error{oobkit.ErrAuth}}
	r := NewRunner(dc.connector(f, creds, oobkit.AMT, oobkit.Redirection), WithProbe(nil), WithRetry(retryAuth))
	job := &Job{Name: "three", OnError: Continue, Steps: []Step{
		{ID: "amt1", Task: &PowerStateTask{Protocols: []oobkit.Protocol{oobkit.AMT}}},
		{ID: "redir", Task: &PowerStateTask{Protocols: []oobkit.Protocol{oobkit.Redirection}}},
		{ID: "amt2", Task: &PowerStateTask{Protocols: []oobkit.Protocol{oobkit.AMT}}},
	}}
	rep, err := r.Run(context.Background(), job, []oobkit.Target{ta, tb})
	require.NoError(t, err)
	require.Equal(t, StatusOK, rep.Results[0].Status, rep.Results[0].Error)
	assert.Equal(t, 1, dc.count(ta.Address, oobkit.AMT, "bad-pw"), "refused once, never again")
	assert.Zero(t, dc.count(ta.Address, oobkit.Redirection, "bad-pw"), "redirection checks the same accounts")
	assert.Equal(t, CredentialNotRetried, rep.Results[0].Steps[1].Credentials[0].Outcome)
	assert.Equal(t, 1, dc.count(tb.Address, oobkit.AMT, "bad-pw"), "the other computer accepts it")

	// Every credential refused: three steps, auth retried by the policy, and
	// still each password reaches the computer once.
	a.protocols[oobkit.AMT], a.protocols[oobkit.Redirection] = "rotated", "rotated"
	rep, err = r.Run(context.Background(), job, []oobkit.Target{ta})
	require.NoError(t, err)
	res := rep.Results[0]
	require.Equal(t, StatusFailed, res.Status)
	assert.Equal(t, "auth", res.Class)
	assert.Equal(t, 2, dc.count(ta.Address, oobkit.AMT, "bad-pw"), "one more job, one more try")
	assert.Equal(t, 2, dc.count(ta.Address, oobkit.AMT, "a-pw"))
	assert.Zero(t, dc.count(ta.Address, oobkit.Redirection, "bad-pw"))
	for _, st := range res.Steps {
		assert.Equal(t, "auth", st.Class, st.ID)
	}
	for _, st := range res.Steps[1:] {
		for _, c := range st.Credentials {
			assert.Equal(t, CredentialNotRetried, c.Outcome, st.ID)
		}
	}
}
