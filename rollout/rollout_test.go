package rollout_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"

	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/filter"
	"github.com/oobkit/oobkit/rollout"
)

var (
	mgmt       = netip.MustParseAddr("192.0.2.10")
	taskServer = netip.MustParseAddr("192.0.2.20")
)

// serverFlows are the management server's ports the simulated OS tries:
// the Notification Server (HTTP and tickle) and the Task Server.
func serverFlows() []filter.Flow {
	flows := filter.RequiredFlows(mgmt, filter.FlowPorts{})
	port := filter.TaskServerPorts.First
	return append(flows, filter.Flow{Name: "task-server", Packets: []filter.Packet{
		{Direction: filter.Transmit, Dst: taskServer, Protocol: filter.TCP, DstPort: port, Flags: filter.SYN},
		{Direction: filter.Receive, Src: taskServer, Protocol: filter.TCP, SrcPort: port, Flags: filter.SYN | filter.ACK},
		{Direction: filter.Transmit, Dst: taskServer, Protocol: filter.TCP, DstPort: port, Flags: filter.ACK | filter.PSH},
		{Direction: filter.Receive, Src: taskServer, Protocol: filter.TCP, SrcPort: port, Flags: filter.ACK | filter.PSH},
	}})
}

// osProber is the simulated OS of each computer: it tries the server's
// ports through the filter the device holds. It reads the active policy
// out of band (AMT's own traffic is not filtered) and evaluates every
// packet of every server flow with it.
type osProber struct {
	mu     sync.Mutex
	probed []string
}

func (o *osProber) Reach(ctx context.Context, t rollout.Target) error {
	o.mu.Lock()
	o.probed = append(o.probed, t.Name())
	o.mu.Unlock()
	p, err := t.(*rollout.AMTTarget).ActivePolicy(ctx)
	if err != nil {
		return err
	}
	if p == nil {
		return nil
	}
	rep := filter.Verify(p, serverFlows())
	if f := rep.Failures(); len(f) > 0 {
		return fmt.Errorf("%v", f[0])
	}
	return nil
}

type fleet struct {
	servers []*amttest.Server
	targets []rollout.Target
}

func newFleet(t *testing.T, n int) *fleet {
	t.Helper()
	f := &fleet{}
	for i := range n {
		s, err := amttest.NewServer(amttest.Config{HostName: fmt.Sprintf("pc%02d", i)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		c, err := amt.New(s.Target(), s.Credential())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		f.servers = append(f.servers, s)
		f.targets = append(f.targets, &rollout.AMTTarget{Label: fmt.Sprintf("pc%02d", i), Client: c,
			Options: amt.ApplyOptions{Flows: filter.RequiredFlows(mgmt, filter.FlowPorts{})}})
	}
	return f
}

func waves(t *testing.T, s string) []rollout.Wave {
	t.Helper()
	w, err := rollout.ParseWaves(s)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// The field notes: "If a custom filter is used, the potential to decapitate
// vPro systems from the network becomes a very real, very severe
// consequence of improper filters. Take the scenario of having a custom
// filter that does not allow proper communication back to the Notification
// Server or another critical resource (like Task Server) in the
// remediation process." This policy keeps the Notification Server (it
// passes the static check) but not the Task Server: the canary is cut off,
// the rollout stops after it, removes the filter out of band, and "IF the
// job contained half the computers in the environment, the impact is
// huge" does not happen: the other computers never receive it.
func TestRolloutStopsAfterCanaryThatIsCutOff(t *testing.T) {
	ctx := context.Background()
	f := newFleet(t, 10)
	bad, err := filter.DefaultRemediation(mgmt, filter.RemediationOptions{Name: "no task server"})
	if err != nil {
		t.Fatal(err)
	}
	pr := &osProber{}
	rep, err := rollout.Run(ctx, rollout.Plan{Policy: bad, Targets: f.targets, Waves: waves(t, "1,10%,100%"), Prober: pr})
	if !errors.Is(err, rollout.ErrStopped) {
		t.Fatalf("Run: %v, want ErrStopped", err)
	}
	if !rep.Stopped || len(rep.Waves) != 1 || rep.Waves[0].OK {
		t.Fatalf("report %+v: want one failed wave", rep)
	}
	r := rep.Waves[0].Results
	if len(r) != 1 || r[0].Target != "pc00" || !r[0].Applied || r[0].Reached || !r[0].Removed || r[0].Confirmed {
		t.Fatalf("canary result %+v", r)
	}
	if len(rep.Untouched) != 9 {
		t.Errorf("untouched %v, want the 9 others", rep.Untouched)
	}
	if fl, pol, links := f.servers[0].DefenseObjects(); fl+pol+links != 0 {
		t.Errorf("canary keeps %d filters, %d policies, %d links after the out-of-band removal", fl, pol, links)
	}
	for _, s := range f.servers[1:] {
		if fl, pol, links := s.DefenseObjects(); fl+pol+links != 0 {
			t.Errorf("a computer outside the canary received the policy (%d/%d/%d)", fl, pol, links)
		}
	}
	if len(pr.probed) != 1 {
		t.Errorf("probed %v", pr.probed)
	}
}

// "I say again: Test every filter within every job to ensure everything
// works properly!" A policy that keeps the Notification Server and the
// Task Server passes the canary and every wider wave; each computer's
// policy is confirmed (its timeout cleared).
func TestRolloutGoodPolicyReachesAllWaves(t *testing.T) {
	ctx := context.Background()
	f := newFleet(t, 10)
	good, err := filter.DefaultRemediation(mgmt, filter.RemediationOptions{Name: "remediation", TaskServer: taskServer})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := rollout.Run(ctx, rollout.Plan{Policy: good, Targets: f.targets, Waves: waves(t, "1,10%,50%,100%"), Prober: &osProber{}})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("report %+v", rep)
	}
	// 1, then 10% of 10 adds nobody, then up to 5, then all.
	sizes := []int{}
	for _, w := range rep.Waves {
		sizes = append(sizes, len(w.Results))
		for _, r := range w.Results {
			if !r.Confirmed || r.Removed {
				t.Errorf("wave %d: %+v", w.Index, r)
			}
		}
	}
	if fmt.Sprint(sizes) != "[1 4 5]" {
		t.Errorf("wave sizes %v, want [1 4 5]", sizes)
	}
	for _, s := range f.servers {
		if _, _, links := s.DefenseObjects(); links != 1 {
			t.Errorf("%s has no policy", s.Target().Name)
		}
		for name, to := range s.PolicyTimeouts() {
			if to != 0 {
				t.Errorf("policy %q keeps a timeout of %ds after confirmation", name, to)
			}
		}
	}
}

// removeFails is a computer whose out-of-band removal fails.
type removeFails struct{ *rollout.AMTTarget }

func (removeFails) Remove(context.Context) error { return errors.New("no route to AMT") }

// The field notes: "Once the trigger is pulled and the System Defense
// network filter has been applied, those systems now have insufficient
// network access to remediate, which may mean that a remote Task to remove
// the filter is unavailable." The rollout applies the policy with the AMT
// policy timeout, so even when removal fails the filter lifts itself.
func TestRolloutTimeoutLiftsUnconfirmedFilter(t *testing.T) {
	ctx := context.Background()
	f := newFleet(t, 3)
	bad, err := filter.DefaultRemediation(mgmt, filter.RemediationOptions{Name: "no task server"})
	if err != nil {
		t.Fatal(err)
	}
	f.targets[0] = removeFails{f.targets[0].(*rollout.AMTTarget)}
	pr := rollout.ProberFunc(func(ctx context.Context, t rollout.Target) error {
		return (&osProber{}).Reach(ctx, t.(removeFails).AMTTarget)
	})
	rep, err := rollout.Run(ctx, rollout.Plan{Policy: bad, Targets: f.targets, Waves: waves(t, "1,100%"), Prober: pr, Timeout: 300e9})
	if !errors.Is(err, rollout.ErrStopped) {
		t.Fatalf("Run: %v", err)
	}
	if r := rep.Waves[0].Results[0]; r.Removed || r.RemoveError == "" {
		t.Fatalf("result %+v", r)
	}
	s := f.servers[0]
	if got := s.PolicyTimeouts()["no task server"]; got != 300 {
		t.Fatalf("policy timeout %d s, want 300", got)
	}
	if n := s.ElapsePolicyTimeouts(); n != 1 {
		t.Errorf("%d interfaces freed, want 1", n)
	}
	if _, _, links := s.DefenseObjects(); links != 0 {
		t.Error("the unconfirmed filter did not lift itself when its timeout elapsed")
	}
}

func TestParseWaves(t *testing.T) {
	w, err := rollout.ParseWaves("1, 10%,100%")
	if err != nil || fmt.Sprint(w) != "[1 10% 100%]" {
		t.Fatalf("%v %v", w, err)
	}
	for _, bad := range []string{"", "0", "101%", "x", "1,,2"} {
		if _, err := rollout.ParseWaves(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A policy the static check refuses (it drops everything, the
// Notification Server included) is refused on the canary before anything
// is sent, and the rollout stops there.
func TestRolloutRefusedPolicyStopsAtCanary(t *testing.T) {
	f := newFleet(t, 4)
	drop := &filter.Policy{Name: "drop all", Receive: filter.DefaultAction{Action: filter.Drop}, Transmit: filter.DefaultAction{Action: filter.Drop}}
	rep, err := rollout.Run(context.Background(), rollout.Plan{Policy: drop, Targets: f.targets, Waves: waves(t, "1,100%"), Prober: &osProber{}})
	if !errors.Is(err, rollout.ErrStopped) {
		t.Fatalf("Run: %v", err)
	}
	if r := rep.Waves[0].Results[0]; r.Applied || r.Error == "" || r.Removed {
		t.Fatalf("canary %+v", r)
	}
	for _, s := range f.servers {
		if fl, pol, links := s.DefenseObjects(); fl+pol+links != 0 {
			t.Errorf("System Defense objects left: %d/%d/%d", fl, pol, links)
		}
	}
}
