package diagnose_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/dash/dashtest"
	"github.com/oobkit/oobkit/diagnose"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
	"github.com/oobkit/oobkit/profile"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

func prof(p oobkit.Protocol, c oobkit.Credential, more ...oobkit.Protocol) profile.Profile {
	pr := profile.Profile{Name: "job profile", Protocols: map[oobkit.Protocol]profile.Settings{p: {Enabled: true, Credential: c}}}
	for _, q := range more {
		pr.Protocols[q] = profile.Settings{Enabled: true, Credential: oobkit.UserPassword("other", "Other-pw1")}
	}
	return pr
}

func amtServer(t *testing.T, cfg amttest.Config, tls bool) *amttest.Server {
	t.Helper()
	cfg.TLS = tls
	s, err := amttest.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func run(t *testing.T, req diagnose.Request) *diagnose.Diagnosis {
	t.Helper()
	if req.Timeout == 0 {
		req.Timeout = 2 * time.Second
	}
	d, err := diagnose.Run(context.Background(), req)
	if err != nil {
		t.Fatalf("Run: %v (%+v)", err, d)
	}
	return d
}

func want(t *testing.T, d *diagnose.Diagnosis, c diagnose.Cause, words string) {
	t.Helper()
	if d.Cause != c || !strings.Contains(d.Words, words) {
		t.Fatalf("cause %s %q, want %s with %q; steps %+v", d.Cause, d.Words, c, words, d.Steps)
	}
	if d.Next == "" {
		t.Error("no next step")
	}
}

// A port on loopback nothing listens on: the computer "answers" by
// refusing, AMT does not.
func closedPort(t *testing.T, network string) int {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := c.LocalAddr().(*net.UDPAddr).Port
		c.Close()
		return port
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func target(p oobkit.Protocol, port int) oobkit.Target {
	return oobkit.Target{Name: "pc", Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{p: port}}
}

// Table B-1, Intel AMT: "The connection credentials are incorrect." The
// field notes: "If that fails, try manually putting in credentials until
// you find one that works."
func TestAMTWrongCredential(t *testing.T) {
	s := amtServer(t, amttest.Config{}, false)
	d := run(t, diagnose.Request{Target: s.Target(), Profile: prof(oobkit.AMT, oobkit.UserPassword("admin", "Wrong-pw1"), oobkit.WMI)})
	want(t, d, diagnose.CauseCredentials, "The connection credentials are incorrect.")
}

// The field notes, Authentication Troubleshooting step 11: "If it is not,
// try rerunning with the Runtime Profile. This contains all known good
// authentication attempts to the system from either Task Server or RTSM."
func TestAMTRuntimeProfileCredentialWorks(t *testing.T) {
	s := amtServer(t, amttest.Config{}, false)
	rt := profile.NewRuntime(nil)
	rt.Learn(s.Target(), profile.Candidate{Profile: "provisioning", Protocol: oobkit.AMT,
		Settings: profile.Settings{Enabled: true, Credential: s.Credential()}}, profile.OriginProvisioning)
	d := run(t, diagnose.Request{Target: s.Target(), Runtime: rt, Profile: prof(oobkit.AMT, oobkit.UserPassword("admin", "Wrong-pw1"))})
	want(t, d, diagnose.CauseRuntimeCredential, "A credential of the runtime profile works.")
	if !strings.Contains(d.Next, "Runtime Profile") {
		t.Errorf("next %q", d.Next)
	}
}

// Authentication Troubleshooting step 5: "Under the Intel® AMT tab check
// the box 'Enable this technology in the profile'."
func TestAMTProfileWithoutAMT(t *testing.T) {
	s := amtServer(t, amttest.Config{}, false)
	d := run(t, diagnose.Request{Target: s.Target(), Profile: prof(oobkit.WMI, oobkit.UserPassword("u", "Some-pw1"))})
	want(t, d, diagnose.CauseProfileWithoutProtocol, "does not enable Intel AMT")
}

// Table B-1: "The Intel AMT device is not configured." The field notes,
// step 7: "Has this system gone through the provisioning process?"
func TestAMTUnprovisioned(t *testing.T) {
	s := amtServer(t, amttest.Config{Unprovisioned: true}, false)
	d := run(t, diagnose.Request{Target: s.Target(), Profile: prof(oobkit.AMT, s.Credential())})
	want(t, d, diagnose.CauseNotProvisioned, "The Intel AMT device is not configured")
}

// Table B-1: "The Intel AMT device is in secure mode, but the connection
// profile is not configured to use the correct certificates, and vice
// versa."
func TestAMTTLSOnlyPlainAsked(t *testing.T) {
	s := amtServer(t, amttest.Config{}, true)
	cred := s.Credential()
	cred.TLS = oobkit.TLSSettings{}
	d := run(t, diagnose.Request{Target: s.Target(), Profile: prof(oobkit.AMT, cred)})
	want(t, d, diagnose.CauseTLSMismatch, "secure mode")

	// ... and vice versa.
	p := amtServer(t, amttest.Config{}, false)
	cred = p.Credential()
	cred.TLS = oobkit.TLSSettings{Enabled: true, InsecureSkipVerify: true}
	d = run(t, diagnose.Request{Target: p.Target(), Profile: prof(oobkit.AMT, cred)})
	want(t, d, diagnose.CauseTLSMismatch, "and vice versa")
}

// The field notes: "System unreachable - The target system is not
// available on the network"; Table B-1: "The computer is not connected to
// the network." 192.0.2.1 (TEST-NET-1, RFC 5737) answers nothing.
// A loopback address where every port refuses is the same verdict: no
// management port is open.
func TestAMTUnreachable(t *testing.T) {
	cred := oobkit.UserPassword("admin", "P@ssw0rd1")
	d := run(t, diagnose.Request{Target: oobkit.Target{Address: "192.0.2.1"}, Timeout: 300 * time.Millisecond, Profile: prof(oobkit.AMT, cred)})
	want(t, d, diagnose.CauseUnreachable, "not connected to the network")
	d = run(t, diagnose.Request{Target: target(oobkit.AMT, closedPort(t, "tcp")), Profile: prof(oobkit.AMT, cred)})
	want(t, d, diagnose.CauseUnreachable, "System unreachable")
}

// withAMT adds a live AMT port to a target: the computer answers, the
// protocol under test does not.
func withAMT(t *testing.T, tg oobkit.Target) oobkit.Target {
	s := amtServer(t, amttest.Config{}, false)
	tg.Ports[oobkit.AMT] = s.Target().Ports[oobkit.AMT]
	return tg
}

// The field notes, AMT Not Detected: "Normally a non-vPro system will
// receive the return code that AMT was not detected." Table B-1: "The
// computer is not Intel AMT capable."
func TestNotAMT(t *testing.T) {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Server", "Apache")
		w.WriteHeader(http.StatusNotFound)
	}))
	defer web.Close()
	_, port, _ := net.SplitHostPort(web.Listener.Addr().String())
	n, _ := strconv.Atoi(port)
	cred := oobkit.UserPassword("admin", "P@ssw0rd1")
	d := run(t, diagnose.Request{Target: target(oobkit.AMT, n), Profile: prof(oobkit.AMT, cred)})
	want(t, d, diagnose.CauseNotAMT, "not Intel AMT capable")
}

type rebooter struct {
	mu    sync.Mutex
	calls []oobkit.PowerAction
}

func (r *rebooter) SetPower(_ context.Context, a oobkit.PowerAction) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, a)
	return nil
}

// The field notes, Power State Unknown: "Generic error, FromState detected
// as unknown:14" … "5. Try other AMT functions, such as Collect Intel AMT
// Inventory to see if they succeed. 6. If other functions succeed, try
// using another method to reboot the system to reset the power state
// stored in the Intel ME." The reboot is proposed, and carried out only
// when the request names it.
func TestAMTPowerStateUnknownInventoryOK(t *testing.T) {
	s := amtServer(t, amttest.Config{}, false)
	s.SetPowerState(oobkit.PowerUnknown)
	r := &rebooter{}
	req := diagnose.Request{Target: s.Target(), Profile: prof(oobkit.AMT, s.Credential()), Rebooter: r}
	d := run(t, req)
	want(t, d, diagnose.CausePowerStateUnknown, "power state unknown (14): AMT answers other functions")
	if d.Fix != diagnose.ActionRebootOS || d.Fixed || len(r.calls) != 0 {
		t.Fatalf("fix %q fixed %v calls %v: nothing may change without --fix", d.Fix, d.Fixed, r.calls)
	}
	if d.PowerState != "unknown:14" {
		t.Errorf("stored power state %q", d.PowerState)
	}
	req.Fix = diagnose.ActionRebootOS
	d = run(t, req)
	if !d.Fixed || len(r.calls) != 1 || r.calls[0] != oobkit.ActionReboot {
		t.Fatalf("fixed %v calls %v", d.Fixed, r.calls)
	}
}

// A fix other than the proposed one is refused and nothing changes.
func TestOtherFixRefused(t *testing.T) {
	s := amtServer(t, amttest.Config{}, false)
	r := &rebooter{}
	d, err := diagnose.Run(context.Background(), diagnose.Request{Target: s.Target(), Profile: prof(oobkit.AMT, s.Credential()),
		Rebooter: r, Fix: diagnose.ActionRebootOS})
	if !errors.Is(err, diagnose.ErrOtherFix) || d.Cause != diagnose.CauseNone || len(r.calls) != 0 {
		t.Fatalf("err %v cause %s calls %v", err, d.Cause, r.calls)
	}
}

// Table B-1, WMI: "The connection credentials are incorrect." and "The
// firewall does not allow incoming WMI connections."
func TestWMI(t *testing.T) {
	c := wmitest.NewComputer(wmitest.Config{AdminPassword: "Admin-pw1"})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wrong := oobkit.UserPassword("Administrator", "Wrong-pw1")
	wrong.Auth = oobkit.AuthNTLM
	d := run(t, diagnose.Request{Target: c.Target(), Protocol: oobkit.WMI, Profile: prof(oobkit.WMI, wrong)})
	want(t, d, diagnose.CauseCredentials, "The connection credentials are incorrect.")
	d = run(t, diagnose.Request{Target: withAMT(t, target(oobkit.WMI, closedPort(t, "tcp"))), Protocol: oobkit.WMI, Profile: prof(oobkit.WMI, oobkit.UserPassword("Administrator", "Admin-pw1"))})
	want(t, d, diagnose.CauseFirewall, "The firewall does not allow incoming WMI connections")
}

// Table B-1, DASH: "The connection credentials are incorrect." and "The
// target computer is not DASH capable."
func TestDASH(t *testing.T) {
	c, err := dashtest.NewServer(dashtest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cred := c.Credential()
	cred.Password = oobkit.NewSecret("Wrong-pw1")
	d := run(t, diagnose.Request{Target: c.Target(), Protocol: oobkit.DASH, Profile: prof(oobkit.DASH, cred)})
	want(t, d, diagnose.CauseCredentials, "The connection credentials are incorrect.")
	d = run(t, diagnose.Request{Target: withAMT(t, target(oobkit.DASH, closedPort(t, "tcp"))), Protocol: oobkit.DASH, Profile: prof(oobkit.DASH, c.Credential())})
	want(t, d, diagnose.CauseNotCapable, "not DASH capable")
}

// Table B-1, IPMI: "The connection credentials are incorrect." and "The
// target computer is not IPMI capable."
func TestIPMI(t *testing.T) {
	b, err := ipmitest.NewServer(ipmitest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	d := run(t, diagnose.Request{Target: b.Target(), Protocol: oobkit.IPMI, Profile: prof(oobkit.IPMI, oobkit.UserPassword(ipmitest.BMCUser, "Wrong-pw1"))})
	want(t, d, diagnose.CauseCredentials, "The connection credentials are incorrect.")
	d = run(t, diagnose.Request{Target: b.Target(), Protocol: oobkit.IPMI, Profile: prof(oobkit.IPMI, b.Credential())})
	want(t, d, diagnose.CauseNone, "IPMI answers")
	d = run(t, diagnose.Request{Target: target(oobkit.IPMI, closedPort(t, "udp")), Protocol: oobkit.IPMI, Timeout: 500 * time.Millisecond,
		Profile: prof(oobkit.IPMI, b.Credential())})
	want(t, d, diagnose.CauseNotCapable, "not IPMI capable")
}

// Table B-1, SNMP: "The SNMP service is not running on the target
// computer." (a closed port) and "The SNMP community string is incorrect."
// (an agent that stays silent, as one does on a wrong community).
func TestSNMP(t *testing.T) {
	cred := oobkit.Credential{Auth: oobkit.AuthCommunity, Community: oobkit.NewSecret("public")}
	d := run(t, diagnose.Request{Target: target(oobkit.SNMP, closedPort(t, "udp")), Protocol: oobkit.SNMP, Timeout: 500 * time.Millisecond,
		Profile: prof(oobkit.SNMP, cred)})
	want(t, d, diagnose.CauseSNMPNotRunning, "The SNMP service is not running")
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	d = run(t, diagnose.Request{Target: target(oobkit.SNMP, silent.LocalAddr().(*net.UDPAddr).Port), Protocol: oobkit.SNMP,
		Timeout: 500 * time.Millisecond, Profile: prof(oobkit.SNMP, cred)})
	want(t, d, diagnose.CauseSNMPCommunity, "The SNMP community string is incorrect")
}
