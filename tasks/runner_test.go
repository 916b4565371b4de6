package tasks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

func restoreJob() *Job {
	return &Job{Name: "maintenance", Steps: []Step{
		{ID: "on", Task: &PowerTask{Action: oobkit.ActionOn}},
		{ID: "inv", Task: &InventoryTask{}},
		{ID: "restore", Task: &PowerTask{Restore: "on"}},
	}}
}

func TestRestoreStatePerComputer(t *testing.T) {
	f := newFleet()
	cases := []struct {
		name        string
		before      oobkit.PowerState
		protos      []oobkit.Protocol
		wantActions []string
	}{
		{"off-amt", oobkit.PowerS5, []oobkit.Protocol{oobkit.AMT}, []string{"amt:on", "amt:off"}},
		{"on-amt", oobkit.PowerS0, []oobkit.Protocol{oobkit.AMT}, nil},
		{"off-ipmi", oobkit.PowerLegacyOff, []oobkit.Protocol{oobkit.IPMI}, []string{"ipmi:on", "ipmi:off"}},
		{"on-ipmi", oobkit.PowerLegacyOn, []oobkit.Protocol{oobkit.IPMI}, nil},
		// "A graceful Reboot and Power Off through the WMI is always tried
		// first. If the WMI operation fails, the Power Off, Reboot/Reset, and
		// Restore State actions perform a hard shutdown": the fake AMT tells
		// no firmware version, so WMI shuts Windows down.
		{"off-wmi-amt", oobkit.PowerS5, []oobkit.Protocol{oobkit.WMI, oobkit.AMT}, []string{"amt:on", "wmi:shutdown"}},
		// "a computer that was asleep or hibernating is returned to that
		// state where the protocol can": this DASH computer can.
		{"hibernating", oobkit.PowerS4, []oobkit.Protocol{oobkit.DASH}, []string{"dash:on", "dash:hibernate"}},
	}
	var targets []oobkit.Target
	devs := map[string]*fakeDevice{}
	for _, c := range cases {
		d := newDevice(c.before, c.protos...)
		devs[c.name] = d
		targets = append(targets, f.add(c.name, d))
	}
	rep, err := testRunner(f, goodCreds(allProtos...)).Run(context.Background(), restoreJob(), targets)
	require.NoError(t, err)
	require.Len(t, rep.Results, len(cases))
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := rep.Results[i]
			assert.Equal(t, c.name, res.Target)
			assert.Equal(t, StatusOK, res.Status, res.Error)
			assert.Equal(t, c.wantActions, devs[c.name].Actions())
			assert.Equal(t, c.before.IsOn(), devs[c.name].State().IsOn(), "power state restored")
			on := res.Output("on").(*PowerOutput)
			assert.Equal(t, c.before, on.Before)
			assert.Equal(t, !c.before.IsOn(), on.Changed)
			inv := res.Output("inv").(*InventoryOutput)
			assert.ElementsMatch(t, c.protos, inv.Sources)
			assert.Positive(t, res.Duration, "the result carries how long the target took")
		})
	}
	assert.Zero(t, f.open.Load(), "every client closed")
}

func TestGracefulThenHard(t *testing.T) {
	tests := []struct {
		name         string
		protos       []oobkit.Protocol
		wmiDown      bool
		noFallback   bool
		wantStatus   Status
		wantProtocol oobkit.Protocol
		wantAction   string
		wantTried    []oobkit.Protocol
	}{
		{"wmi answers", []oobkit.Protocol{oobkit.WMI, oobkit.AMT}, false, false, StatusOK, oobkit.WMI, "wmi:shutdown", []oobkit.Protocol{oobkit.AMT, oobkit.WMI}},
		// "If the WMI operation fails, the Power Off, Reboot/Reset, and
		// Restore State actions perform a hard shutdown (losing all unsaved
		// data) through DASH, IPMI, or Intel AMT": DASH and IPMI are not
		// asked for a graceful shutdown.
		{"wmi down, hard through dash", []oobkit.Protocol{oobkit.WMI, oobkit.DASH, oobkit.IPMI}, true, false, StatusOK, oobkit.DASH, "dash:off", []oobkit.Protocol{oobkit.AMT, oobkit.DASH, oobkit.WMI}},
		{"no wmi, ipmi hard", []oobkit.Protocol{oobkit.IPMI}, false, false, StatusOK, oobkit.IPMI, "ipmi:off", []oobkit.Protocol{oobkit.AMT, oobkit.DASH, oobkit.IPMI, oobkit.WMI}},
		{"graceful only", []oobkit.Protocol{oobkit.IPMI}, false, true, StatusFailed, "", "", []oobkit.Protocol{oobkit.AMT, oobkit.DASH, oobkit.IPMI, oobkit.WMI}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFleet()
			d := newDevice(oobkit.PowerS0, tc.protos...)
			if tc.wmiDown {
				delete(d.protocols, oobkit.WMI)
			}
			tg := f.add("pc", d)
			job := &Job{Name: "shutdown", Steps: []Step{{Task: &PowerTask{Action: oobkit.ActionShutdown, NoHardFallback: tc.noFallback}}}}
			res := testRunner(f, goodCreds(allProtos...)).RunTarget(context.Background(), job, tg)
			assert.Equal(t, tc.wantStatus, res.Status, res.Error)
			assert.Equal(t, tc.wantProtocol, res.Steps[0].Protocol)
			assert.Equal(t, tc.wantTried, res.Steps[0].Tried)
			if tc.wantAction != "" {
				assert.Equal(t, []string{tc.wantAction}, d.Actions())
			} else {
				assert.Empty(t, d.Actions())
				assert.Equal(t, "unsupported", res.Class)
			}
		})
	}
}

func TestRetriesByClass(t *testing.T) {
	tests := []struct {
		name         string
		setup        func(*fakeDevice)
		wantStatus   Status
		wantClass    string
		wantAttempts int
		wantCode     string
	}{
		{"busy twice then ok", func(d *fakeDevice) { d.busyLeft = 2 }, StatusOK, "ok", 3, ""},
		{"busy always", func(d *fakeDevice) { d.busyLeft = 100 }, StatusFailed, "busy", 3, "0x82"},
		{"dropped once", func(d *fakeDevice) { d.dropLeft = 1 }, StatusOK, "ok", 2, ""},
		{"auth not retried", func(d *fakeDevice) { d.protocols[oobkit.AMT] = "other" }, StatusFailed, "auth", 1, "401"},
		{"malformed not retried", func(d *fakeDevice) { d.malformed = true }, StatusFailed, "protocol", 1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFleet()
			d := newDevice(oobkit.PowerS0, oobkit.AMT)
			tc.setup(d)
			tg := f.add("pc", d)
			job := &Job{Name: "status", Steps: []Step{{Task: &PowerStateTask{}}}}
			r := testRunner(f, goodCreds(allProtos...), WithTargetProtocols(func(oobkit.Target) []oobkit.Protocol { return []oobkit.Protocol{oobkit.AMT} }))
			res := r.RunTarget(context.Background(), job, tg)
			assert.Equal(t, tc.wantStatus, res.Status, res.Error)
			assert.Equal(t, tc.wantClass, res.Class)
			assert.Equal(t, tc.wantAttempts, res.Attempts)
			assert.Equal(t, tc.wantCode, res.DeviceCode)
			if tc.wantStatus == StatusOK {
				assert.Equal(t, oobkit.PowerS0, res.Output("0").(*PowerStateOutput).State)
				assert.Equal(t, oobkit.AMT, res.Protocol)
			}
		})
	}
}

// recordingCreds is a Credentials source that offers a wrong then a right
// password and records what it is told.
type recordingCreds struct {
	mu        sync.Mutex
	succeeded []string
	failed    []string
}

func (r *recordingCreds) Candidates(_ context.Context, _ oobkit.Target, p oobkit.Protocol) ([]NamedCredential, error) {
	return []NamedCredential{
		{Name: "old", Source: "default", Credential: oobkit.UserPassword("admin", "stale")},
		{Name: "lab", Source: "runtime", Credential: oobkit.UserPassword("admin", "good")},
	}, nil
}

func (r *recordingCreds) Succeeded(t oobkit.Target, p oobkit.Protocol, c NamedCredential) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.succeeded = append(r.succeeded, fmt.Sprintf("%s/%s/%s", t.Address, p, c.Name))
}

func (r *recordingCreds) Failed(t oobkit.Target, p oobkit.Protocol, c NamedCredential, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, fmt.Sprintf("%s/%s/%s/%s", t.Address, p, c.Name, oobkit.ClassName(err)))
}

func TestCredentialFallback(t *testing.T) {
	f := newFleet()
	d := newDevice(oobkit.PowerS5, oobkit.AMT)
	tg := f.add("pc", d)
	creds := &recordingCreds{}
	r := testRunner(f, creds, WithTargetProtocols(func(oobkit.Target) []oobkit.Protocol { return []oobkit.Protocol{oobkit.AMT} }))
	res := r.RunTarget(context.Background(), restoreJob(), tg)
	require.Equal(t, StatusOK, res.Status, res.Error)
	assert.Equal(t, []string{"pc/amt/lab"}, creds.succeeded, "the working credential is learned once")
	assert.Equal(t, []string{"pc/amt/old/auth"}, creds.failed, "the stale one is tried once per session")
	assert.Equal(t, []string{"amt:on", "amt:off"}, d.Actions())
}

func TestStopOrContinue(t *testing.T) {
	for _, policy := range []OnError{Stop, Continue} {
		t.Run(string(policy), func(t *testing.T) {
			f := newFleet()
			d := newDevice(oobkit.PowerS0, oobkit.IPMI)
			tg := f.add("pc", d)
			job := &Job{Name: "j", OnError: policy, Steps: []Step{
				{ID: "bad", Task: &PowerTask{Action: oobkit.ActionOnToBIOS}}, // invalid in S0
				{ID: "state", Task: &PowerStateTask{}},
			}}
			res := testRunner(f, goodCreds(allProtos...)).RunTarget(context.Background(), job, tg)
			assert.Equal(t, StatusFailed, res.Status)
			assert.Equal(t, "invalid-state", res.Class)
			assert.Equal(t, oobkit.CodeInvalidState, res.Code)
			assert.Equal(t, "bad", res.Step)
			assert.Equal(t, 1, res.Steps[0].Attempts, "invalid state is not retried")
			if policy == Stop {
				assert.Equal(t, StatusNotRun, res.Steps[1].Status)
			} else {
				assert.Equal(t, StatusOK, res.Steps[1].Status)
			}
		})
	}
}

// TestTargetDeadline: a hung target fails at the job's deadline with its
// later step not run, while a healthy target in the same run finishes. The
// deadline is two seconds, far above what the healthy target needs even on
// a loaded machine; only the hung target waits for it.
func TestTargetDeadline(t *testing.T) {
	f := newFleet()
	hung := newDevice(oobkit.PowerS0, oobkit.AMT)
	hung.hang = true
	fine := newDevice(oobkit.PowerS0, oobkit.AMT)
	targets := []oobkit.Target{f.add("hung", hung), f.add("fine", fine)}
	job := &Job{Name: "status", Timeout: Duration(2 * time.Second), Steps: []Step{{Task: &PowerStateTask{}}, {Task: &PowerStateTask{}}}}
	rep, err := testRunner(f, goodCreds(allProtos...)).Run(context.Background(), job, targets)
	require.NoError(t, err)
	hr := rep.Results[0]
	assert.Equal(t, StatusFailed, hr.Status)
	assert.True(t, errors.Is(hr.Err(), context.DeadlineExceeded), hr.Error)
	assert.Equal(t, StatusNotRun, hr.Steps[1].Status)
	assert.Equal(t, StatusOK, rep.Results[1].Status, rep.Results[1].Error)
	assert.Zero(t, f.open.Load(), "every client closed")
}

func TestCancellation(t *testing.T) {
	f := newFleet()
	var targets []oobkit.Target
	for i := range 20 {
		d := newDevice(oobkit.PowerS0, oobkit.AMT)
		d.hang = true
		targets = append(targets, f.add(fmt.Sprintf("pc%02d", i), d))
	}
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{}, len(targets))
	r := testRunner(f, goodCreds(allProtos...), WithConcurrency(4), WithProgress(func(p Progress) {
		if p.Kind == TargetStarted {
			started <- struct{}{}
		}
	}))
	go func() {
		for range 4 {
			<-started
		}
		cancel()
	}()
	rep, err := r.Run(ctx, &Job{Name: "status", Steps: []Step{{Task: &PowerStateTask{}}}}, targets)
	require.NoError(t, err)
	require.Len(t, rep.Results, len(targets))
	for _, res := range rep.Results {
		assert.Equal(t, StatusCanceled, res.Status, res.Target)
		assert.Equal(t, "canceled", res.Class, res.Target)
	}
	assert.Zero(t, f.open.Load())
}

func TestProbeSkipsUnreachable(t *testing.T) {
	f := newFleet()
	d := newDevice(oobkit.PowerS0, oobkit.AMT)
	targets := []oobkit.Target{f.add("up", d), f.add("down", newDevice(oobkit.PowerS0, oobkit.AMT))}
	probe := func(ctx context.Context, t oobkit.Target, _ []oobkit.Protocol) error {
		if t.Address == "down" {
			return &oobkit.Error{Op: "probe", Class: oobkit.ErrUnreachable}
		}
		return nil
	}
	rep, err := testRunner(f, goodCreds(allProtos...), WithProbe(probe)).Run(context.Background(), &Job{Name: "s", Steps: []Step{{Task: &PowerStateTask{}}}}, targets)
	require.NoError(t, err)
	assert.Equal(t, StatusOK, rep.Results[0].Status)
	assert.Equal(t, StatusSkipped, rep.Results[1].Status)
	assert.Equal(t, "unreachable", rep.Results[1].Class)
	assert.Equal(t, 0, rep.Results[1].Attempts)
	assert.Equal(t, StatusNotRun, rep.Results[1].Steps[0].Status)
	assert.Equal(t, map[Status]int{StatusOK: 1, StatusSkipped: 1}, rep.Counts())
}

func TestActivityLogHasNoSecrets(t *testing.T) {
	f := newFleet()
	d := newDevice(oobkit.PowerS5, oobkit.AMT)
	d.protocols[oobkit.AMT] = "s3cret-pass"
	tg := f.add("pc", d)
	var buf bytes.Buffer
	log := NewActivityLog(&buf)
	creds := StaticCredentials{oobkit.AMT: {
		{Name: "wrong", Credential: oobkit.UserPassword("admin", "s3cret-wrong")},
		{Name: "right", Credential: oobkit.UserPassword("admin", "s3cret-pass")},
	}}
	job := restoreJob()
	job.Steps = append(job.Steps, Step{ID: "alerts", Task: &AlertSettingsTask{Config: oobkit.AlertConfig{
		Destinations: []oobkit.AlertDestination{{Delivery: oobkit.DeliverySNMPTrap, Address: "10.0.0.9", Community: oobkit.NewSecret("s3cret-community")}}}}})
	res := testRunner(f, creds, WithActivityLog(log, "alice")).RunTarget(context.Background(), job, tg)
	require.Equal(t, StatusOK, res.Status, res.Error)
	require.NoError(t, log.Err())
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 4)
	assert.Contains(t, lines[0], `"who":"alice"`)
	assert.Contains(t, lines[0], `"protocol":"amt"`)
	assert.Contains(t, lines[0], `"target":"pc"`)
	assert.NotContains(t, buf.String(), "s3cret")
	require.Len(t, d.alerts, 1)
	assert.Equal(t, "s3cret-community", d.alerts[0].Destinations[0].Community.Reveal(), "the device got the secret")
}

func TestBootEventLogDiscover(t *testing.T) {
	f := newFleet()
	d := newDevice(oobkit.PowerS5, oobkit.AMT, oobkit.IPMI)
	tg := f.add("pc", d)
	job := &Job{Name: "j", Steps: []Step{
		{ID: "disc", Task: &DiscoverTask{}},
		{ID: "boot", Task: &BootTask{Options: oobkit.BootOptions{Device: oobkit.BootPXE, LockKeyboard: true}}},
		{ID: "log", Task: &EventLogTask{Max: 1}},
		{ID: "reboot", Task: &PowerTask{Action: oobkit.ActionReset, Boot: &oobkit.BootOptions{Device: oobkit.BootCD, DisablePowerButton: true}}},
	}}
	res := testRunner(f, goodCreds(oobkit.AMT, oobkit.IPMI)).RunTarget(context.Background(), job, tg)
	require.Equal(t, StatusOK, res.Status, res.Error)
	disc := res.Output("disc").(*DiscoverOutput)
	assert.Equal(t, []oobkit.Protocol{oobkit.AMT, oobkit.IPMI}, disc.Answering())
	classes := map[oobkit.Protocol]string{}
	for _, p := range disc.Protocols {
		classes[p.Protocol] = p.Class
	}
	assert.Equal(t, "auth", classes[oobkit.DASH], "no credential for DASH")
	boot := res.Output("boot").(*BootOutput)
	assert.Equal(t, oobkit.ActionOn, boot.Action)
	assert.Len(t, res.Output("log").(*EventLogOutput).Events, 1)
	assert.Equal(t, []string{"amt:on", "amt:reset"}, d.Actions())
	require.Len(t, d.boots, 2)
	assert.True(t, d.boots[0].LockKeyboard)
	assert.Equal(t, oobkit.BootCD, d.boots[1].Device)
	assert.True(t, d.boots[1].DisablePowerButton)
}
