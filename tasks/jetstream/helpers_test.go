package jetstream

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
	"github.com/oobkit/oobkit/tasks"
)

// startServer starts an embedded NATS server with JetStream on a random
// loopback port, stopped at the end of the test.
func startServer(tb testing.TB) *server.Server {
	tb.Helper()
	ns, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: tb.TempDir(), NoLog: true, NoSigs: true,
	})
	require.NoError(tb, err)
	ns.Start()
	require.True(tb, ns.ReadyForConnections(10*time.Second), "nats server not ready")
	tb.Cleanup(func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	})
	return ns
}

// connect opens a connection named name, closed at the end of the test.
func connect(tb testing.TB, ns *server.Server, name string) (*nats.Conn, natsjs.JetStream) {
	tb.Helper()
	nc, err := nats.Connect(ns.ClientURL(), nats.Name(name))
	require.NoError(tb, err)
	tb.Cleanup(nc.Close)
	js, err := natsjs.New(nc)
	require.NoError(tb, err)
	return nc, js
}

// startFleet starts good embedded BMCs (half of them powered on) that
// accept the lab credential and bad ones that refuse it, shuffled with a
// fixed seed, so a job's results differ from target to target.
func startFleet(tb testing.TB, good, bad int) []oobkit.Target {
	tb.Helper()
	ok, err := ipmitest.NewFleet(good, ipmitest.Config{})
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = ok.Close() })
	for i, b := range ok.BMCs {
		b.SetPowerOn(i%2 == 0)
	}
	targets := ok.Targets()
	if bad > 0 {
		locked, err := ipmitest.NewFleet(bad, ipmitest.Config{Name: "locked", Password: "not-the-lab-one"})
		require.NoError(tb, err)
		tb.Cleanup(func() { _ = locked.Close() })
		targets = append(targets, locked.Targets()...)
	}
	rand.New(rand.NewPCG(12, 34)).Shuffle(len(targets), func(i, j int) { targets[i], targets[j] = targets[j], targets[i] })
	return targets
}

// ipmiRunner is a runner whose connector dials package ipmi with the lab
// credential: what each worker (and the in-process baseline) builds.
func ipmiRunner(opts ...tasks.Option) *tasks.Runner {
	creds := tasks.StaticCredentials{oobkit.IPMI: {{Name: "lab", Credential: oobkit.UserPassword(ipmitest.BMCUser, ipmitest.BMCPassword)}}}
	conn := tasks.NewConnector(creds)
	conn.Register(oobkit.IPMI, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return ipmi.New(t, c, ipmi.WithTimeout(2*time.Second))
	})
	return tasks.NewRunner(conn, append([]tasks.Option{tasks.WithConcurrency(64), tasks.WithTargetTimeout(30 * time.Second)}, opts...)...)
}

func statusJob() *tasks.Job {
	return &tasks.Job{Name: "status", Steps: []tasks.Step{{ID: "state", Task: &tasks.PowerStateTask{}}}}
}

// testWorker is a worker running in a goroutine on its own connection.
type testWorker struct {
	*Worker
	nc     *nats.Conn
	cancel context.CancelFunc
	done   chan error
}

// startWorker runs a worker until the end of the test (or until stopped).
func startWorker(tb testing.TB, ns *server.Server, runner *tasks.Runner, opts WorkerOptions) *testWorker {
	tb.Helper()
	nc, js := connect(tb, ns, opts.Name)
	ctx, cancel := context.WithCancel(context.Background())
	w := &testWorker{Worker: NewWorker(js, runner, opts), nc: nc, cancel: cancel, done: make(chan error, 1)}
	go func() { w.done <- w.Run(ctx) }()
	tb.Cleanup(func() { _ = w.stop(tb) })
	return w
}

// stop cancels the worker and returns what Run returned.
func (w *testWorker) stop(tb testing.TB) error {
	w.cancel()
	return w.wait(tb)
}

// wait returns what Run returned, once it has (the first call only).
func (w *testWorker) wait(tb testing.TB) error {
	select {
	case err, ok := <-w.done:
		if ok {
			close(w.done)
		}
		return err
	case <-time.After(30 * time.Second):
		tb.Fatal("worker did not stop")
		return nil
	}
}

// comparable returns a result as JSON fields without its timings, which
// differ from run to run.
func comparable(tb testing.TB, res tasks.Result) map[string]any {
	tb.Helper()
	b, err := json.Marshal(res)
	require.NoError(tb, err)
	var m map[string]any
	require.NoError(tb, json.Unmarshal(b, &m))
	delete(m, "started")
	delete(m, "duration")
	normaliseError(m)
	if steps, ok := m["steps"].([]any); ok {
		for _, s := range steps {
			delete(s.(map[string]any), "duration")
			normaliseError(s.(map[string]any))
		}
	}
	return m
}

// cipherSuiteIDs matches the cipher suite numbers in go-ipmi's session
// errors. The IPMI client tries suite 17, then 3; on a loaded machine the
// first try can fail for a reason other than the credential, so the same
// refusal may name either suite. Everything else must match.
var cipherSuiteIDs = regexp.MustCompile(`cipher suite (ids? )?\(?\[?\d+\]?\)?`)

func normaliseError(m map[string]any) {
	if e, ok := m["error"].(string); ok {
		m["error"] = cipherSuiteIDs.ReplaceAllString(e, "cipher suite N")
	}
}

// progressLog records progress events, safe for concurrent use.
type progressLog struct {
	mu     sync.Mutex
	events []tasks.Progress
}

func (p *progressLog) add(ev tasks.Progress) {
	p.mu.Lock()
	p.events = append(p.events, ev)
	p.mu.Unlock()
}

func (p *progressLog) count(kind tasks.ProgressKind) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, ev := range p.events {
		if ev.Kind == kind {
			n++
		}
	}
	return n
}

// streamState returns the message count and last sequence of a stream.
func streamState(tb testing.TB, js natsjs.JetStream, name string) (msgs, last uint64) {
	tb.Helper()
	s, err := js.Stream(context.Background(), name)
	require.NoError(tb, err)
	info, err := s.Info(context.Background())
	require.NoError(tb, err)
	return info.State.Msgs, info.State.LastSeq
}

// sleepTask is a task that takes a while, to keep items in progress.
type sleepTask struct {
	For tasks.Duration `json:"for"`
}

func (*sleepTask) Kind() string { return "jetstream-test-sleep" }

func (s *sleepTask) Run(ctx context.Context, _ *tasks.Env) (any, error) {
	select {
	case <-time.After(time.Duration(s.For)):
		return map[string]string{"slept": time.Duration(s.For).String()}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func init() { tasks.RegisterKind("jetstream-test-sleep", func() tasks.Task { return &sleepTask{} }) }

// gateTask is a task that runs until the test opens its gate, so a test
// decides by events, not by the clock, how long a target runs. Its gate
// counts the runs of each target.
type gateTask struct {
	Gate string `json:"gate"`
}

func (*gateTask) Kind() string { return "jetstream-test-gate" }

func (g *gateTask) Run(ctx context.Context, env *tasks.Env) (any, error) {
	v, ok := gates.Load(g.Gate)
	if !ok {
		return nil, fmt.Errorf("no gate %q", g.Gate)
	}
	gt := v.(*gate)
	gt.ran(env.Target.Name)
	select {
	case <-gt.open:
		return map[string]string{"gate": g.Gate}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func init() { tasks.RegisterKind("jetstream-test-gate", func() tasks.Task { return &gateTask{} }) }

// gates holds the gates of the running tests by name (the workers run in
// the test's process; the job names its gate).
var gates sync.Map

type gate struct {
	open chan struct{}
	once sync.Once
	mu   sync.Mutex
	runs map[string]int
}

// newGate registers a closed gate named after the test, opened at the end
// of the test at the latest.
func newGate(tb testing.TB) (string, *gate) {
	name := tb.Name()
	g := &gate{open: make(chan struct{}), runs: map[string]int{}}
	gates.Store(name, g)
	tb.Cleanup(func() {
		g.release()
		gates.Delete(name)
	})
	return name, g
}

func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

func (g *gate) ran(target string) {
	g.mu.Lock()
	g.runs[target]++
	g.mu.Unlock()
}

// timesRun returns how many times each target started running.
func (g *gate) timesRun() map[string]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return maps.Clone(g.runs)
}

// ackLog records the acknowledgements workers send for the items of one
// site's consumer, as any subscriber to their subjects sees them.
type ackLog struct {
	mu       sync.Mutex
	progress map[string]int // in-progress acknowledgements by stream sequence
	subject  map[string]string
}

// watchAcks subscribes to the acknowledgement subjects of the default
// stream's consumer of site (JetStream's $JS.ACK.<stream>.<consumer>.…).
func watchAcks(tb testing.TB, nc *nats.Conn, site string) *ackLog {
	tb.Helper()
	a := &ackLog{progress: map[string]int{}, subject: map[string]string{}}
	names := Names{}.withDefaults()
	prefix := "$JS.ACK." + names.Stream + "." + names.consumerName(site) + "."
	sub, err := nc.Subscribe(prefix+">", func(m *nats.Msg) {
		if string(m.Data) != "+WPI" {
			return
		}
		// <delivered>.<stream seq>.<consumer seq>.<timestamp>.<pending>
		tokens := strings.Split(strings.TrimPrefix(m.Subject, prefix), ".")
		if len(tokens) < 2 {
			return
		}
		a.mu.Lock()
		a.progress[tokens[1]]++
		a.subject[tokens[1]] = m.Subject
		a.mu.Unlock()
	})
	require.NoError(tb, err)
	require.NoError(tb, nc.Flush())
	tb.Cleanup(func() { _ = sub.Unsubscribe() })
	return a
}

// inProgress returns how many in-progress acknowledgements each item had,
// by stream sequence.
func (a *ackLog) inProgress() map[string]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return maps.Clone(a.progress)
}

// ackSubject returns the subject of an acknowledgement seen for item seq,
// on which anyone can acknowledge, or refuse, that item.
func (a *ackLog) ackSubject(seq string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.subject[seq]
}
