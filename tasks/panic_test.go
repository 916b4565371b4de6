package tasks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

const panicCanary = "CANARY-pw-4e1b"

// nilMapTask writes to a nil map on the target named victim: the bug that,
// in the field, ended a job's process with 0 of 20 results.
type nilMapTask struct{ victim string }

func (nilMapTask) Kind() string { return "nil-map" }

func (t nilMapTask) Run(ctx context.Context, env *Env) (any, error) {
	if env.Target.Address == t.victim {
		var seen map[string]bool
		seen[env.Target.Address] = true
	}
	var st oobkit.PowerState
	_, err := env.First(ctx, env.Order(), func(c oobkit.Client) error {
		pc, err := Capability[oobkit.PowerStateReader](c, "power state")
		if err != nil {
			return err
		}
		st, err = pc.PowerState(ctx)
		return err
	})
	return st, err
}

// panickyClient is a client whose PowerState panics with a message that
// names its password, as careless code might.
type panickyClient struct{ *fakeClient }

func (c panickyClient) PowerState(context.Context) (oobkit.PowerState, error) {
	panic("power state of " + c.cred.Password.Reveal() + " failed")
}

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func debugLogger(buf *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func twentyTargets(f *fakeFleet) []oobkit.Target {
	var ts []oobkit.Target
	for i := range 20 {
		ts = append(ts, f.add(fmt.Sprintf("pc-%02d", i), newDevice(oobkit.PowerS0, oobkit.AMT)))
	}
	return ts
}

// countClasses counts the report's results by class.
func countClasses(rep *Report) map[string]int {
	n := map[string]int{}
	for _, r := range rep.Results {
		n[r.Class]++
	}
	return n
}

func TestPanicInTaskFailsOnlyItsTarget(t *testing.T) {
	f := newFleet()
	targets := twentyTargets(f)
	var log syncBuffer
	r := testRunner(f, goodCreds(allProtos...), WithConcurrency(8), WithLogger(debugLogger(&log)),
		WithTargetProtocols(func(oobkit.Target) []oobkit.Protocol { return []oobkit.Protocol{oobkit.AMT} }))
	job := &Job{Name: "status", Steps: []Step{{ID: "state", Task: nilMapTask{victim: "pc-07"}}, {ID: "after", Task: &PowerStateTask{}}}}
	rep, err := r.Run(context.Background(), job, targets)
	require.NoError(t, err)
	require.Len(t, rep.Results, 20, "the report is complete")
	assert.Equal(t, map[string]int{"ok": 19, "internal": 1}, countClasses(rep))
	bad := rep.Results[7]
	assert.Equal(t, "pc-07", bad.Target)
	assert.Equal(t, StatusFailed, bad.Status)
	assert.Equal(t, oobkit.CodeInternal, bad.Code)
	assert.Equal(t, "state", bad.Step)
	assert.Equal(t, 1, bad.Attempts, "a bug is not retried")
	assert.Contains(t, bad.Error, "assignment to entry in nil map")
	assert.Equal(t, 1, strings.Count(bad.Error, "internal error"), bad.Error)
	require.Len(t, bad.Steps, 2)
	assert.Equal(t, StatusNotRun, bad.Steps[1].Status)
	assert.ErrorIs(t, bad.Err(), oobkit.ErrInternal)
	assert.Zero(t, f.open.Load(), "every client closed")

	out := log.String()
	assert.Equal(t, 1, strings.Count(out, "panic recovered"), out)
	assert.Contains(t, out, "target=pc-07")
	assert.Contains(t, out, "panic_test.go:", "the stack is in the log")
	assert.Contains(t, out, "nilMapTask.Run(...)", "frames without their argument words")

	// The class survives the trip through JSON (a report file, tasks/jetstream).
	b, err := json.Marshal(bad)
	require.NoError(t, err)
	var back Result
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, oobkit.CodeInternal, oobkit.ReturnCode(back.Err()))
	assert.Equal(t, "internal", oobkit.ClassName(back.Err()))
}

func TestPanicInClientCallIsRedactedAndClosesTheClient(t *testing.T) {
	f := newFleet()
	targets := twentyTargets(f)
	conn := f.connector(nil, oobkit.AMT)
	fleetDial := f.dialer(oobkit.AMT)
	conn.Register(oobkit.AMT, func(ctx context.Context, tg oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		cl, err := fleetDial(ctx, tg, c)
		if err == nil && tg.Address == "pc-03" {
			return panickyClient{cl.(*fakeClient)}, nil
		}
		return cl, err
	})
	conn.creds = StaticCredentials{oobkit.AMT: {{Name: "default", Credential: oobkit.UserPassword("admin", panicCanary)}}}
	for _, tg := range targets {
		f.devices[tg.Address].protocols[oobkit.AMT] = panicCanary
	}
	var log syncBuffer
	r := NewRunner(conn, WithProbe(nil), WithRetry(fastRetry), WithLogger(debugLogger(&log)))
	rep, err := r.Run(context.Background(), &Job{Name: "status", Steps: []Step{{Task: &PowerStateTask{}}}}, targets)
	require.NoError(t, err)
	require.Len(t, rep.Results, 20)
	assert.Equal(t, map[string]int{"ok": 19, "internal": 1}, countClasses(rep))
	bad := rep.Results[3]
	assert.Equal(t, "internal", bad.Class)
	assert.Equal(t, []oobkit.Protocol{oobkit.AMT}, bad.Tried, "protocol choice stops at a bug")
	assert.Contains(t, bad.Error, "power state of "+oobkit.Redacted)
	assert.Zero(t, f.open.Load(), "the client that panicked is closed, not leaked")
	out := log.String()
	assert.Contains(t, out, "panickyClient.PowerState")
	for _, s := range []string{out, bad.Error, bad.Steps[0].Error} {
		assert.NotContains(t, s, panicCanary)
	}
}

func TestPanicInDialerOrProbe(t *testing.T) {
	f := newFleet()
	targets := twentyTargets(f)
	conn := f.connector(goodCreds(oobkit.AMT), oobkit.AMT)
	fleetDial := f.dialer(oobkit.AMT)
	conn.Register(oobkit.AMT, func(ctx context.Context, tg oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		if tg.Address == "pc-11" {
			var d *fakeDevice
			d.busyLeft++ // nil pointer dereference
		}
		return fleetDial(ctx, tg, c)
	})
	probe := func(_ context.Context, tg oobkit.Target, _ []oobkit.Protocol) error {
		if tg.Address == "pc-12" {
			panic(fmt.Errorf("probe bug"))
		}
		return nil
	}
	r := NewRunner(conn, WithProbe(probe), WithRetry(fastRetry))
	rep, err := r.Run(context.Background(), &Job{Name: "status", Steps: []Step{{Task: &PowerStateTask{}}}}, targets)
	require.NoError(t, err)
	require.Len(t, rep.Results, 20)
	assert.Equal(t, map[string]int{"ok": 18, "internal": 2}, countClasses(rep))
	assert.Contains(t, rep.Results[11].Error, "nil pointer dereference")
	assert.Contains(t, rep.Results[11].Error, "amt: connect: internal error")
	assert.Contains(t, rep.Results[12].Error, "probe bug")
	require.Len(t, rep.Results[12].Steps, 1)
	assert.Equal(t, StatusNotRun, rep.Results[12].Steps[0].Status)
	assert.Zero(t, f.open.Load())
}

func TestPanicInScheduledJob(t *testing.T) {
	f := newFleet()
	targets := twentyTargets(f)
	r := testRunner(f, goodCreds(allProtos...), WithTargetProtocols(func(oobkit.Target) []oobkit.Protocol { return []oobkit.Protocol{oobkit.AMT} }))
	job := &Job{Name: "nightly", Steps: []Step{{Task: nilMapTask{victim: "pc-19"}}}}
	var reports []*Report
	s := NewScheduler(nil)
	require.NoError(t, s.Add("nightly", Once(), RunJob(r, job, func() []oobkit.Target { return targets }, func(rep *Report, err error) {
		require.NoError(t, err)
		reports = append(reports, rep)
	})))
	s.Run(context.Background()) // returns when the one run is done
	require.Len(t, reports, 1)
	assert.Equal(t, map[string]int{"ok": 19, "internal": 1}, countClasses(reports[0]))
}

func TestPanicInAlertRuleJob(t *testing.T) {
	f := newFleet()
	tg := f.add("pc-01", newDevice(oobkit.PowerS0, oobkit.AMT))
	r := testRunner(f, goodCreds(allProtos...))
	outcomes := make(chan AlertOutcome)
	h := &AlertHandler{Runner: r, Rules: []AlertRule{{Name: "critical", Job: &Job{Name: "react", Steps: []Step{{Task: nilMapTask{victim: tg.Address}}}}}},
		OnOutcome: func(o AlertOutcome) { outcomes <- o }}
	events := make(chan oobkit.Event)
	served := make(chan error, 1)
	go func() { served <- h.Serve(context.Background(), events) }()
	for range 2 { // the second alert runs too: the first run's bug did not leave the computer marked busy
		events <- oobkit.Event{Source: oobkit.SNMP, Target: tg.Address, Severity: oobkit.SeverityCritical}
		select {
		case o := <-outcomes:
			assert.Equal(t, "internal", o.Result.Class)
		case <-time.After(time.Minute):
			t.Fatal("no outcome")
		}
	}
	close(events)
	require.NoError(t, <-served)
}

// flatteningTask returns the error of its client call flattened to text,
// so only a panic redacted where it was recovered stays redacted.
type flatteningTask struct{}

func (flatteningTask) Kind() string { return "flatten" }

func (flatteningTask) Run(ctx context.Context, env *Env) (any, error) {
	_, err := env.First(ctx, env.Order(), func(c oobkit.Client) error {
		_, err := c.(oobkit.PowerStateReader).PowerState(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("flattened: %v", err)
	}
	return nil, nil
}

func TestPanicRedactedWhereRecovered(t *testing.T) {
	f := newFleet()
	tg := f.add("pc", newDevice(oobkit.PowerS0, oobkit.AMT))
	f.devices["pc"].protocols[oobkit.AMT] = panicCanary
	conn := NewConnector(StaticCredentials{oobkit.AMT: {{Name: "default", Credential: oobkit.UserPassword("admin", panicCanary)}}})
	fleetDial := f.dialer(oobkit.AMT)
	conn.Register(oobkit.AMT, func(ctx context.Context, tg oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		cl, err := fleetDial(ctx, tg, c)
		if err != nil {
			return nil, err
		}
		return panickyClient{cl.(*fakeClient)}, nil
	})
	res := NewRunner(conn, WithProbe(nil)).RunTarget(context.Background(), &Job{Name: "j", Steps: []Step{{Task: flatteningTask{}}}}, tg)
	assert.Equal(t, StatusFailed, res.Status)
	assert.Contains(t, res.Error, "panic: power state of "+oobkit.Redacted)
	assert.NotContains(t, res.Error, panicCanary)
	assert.Zero(t, f.open.Load())
}
