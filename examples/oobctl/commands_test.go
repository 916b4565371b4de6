package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"github.com/oobkit/oobkit/internal/simconv"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/connect"
	"github.com/oobkit/oobkit/filter"
	"github.com/oobkit/oobkit/profile"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/simfleet"
	"github.com/oobkit/oobkit/tasks"
)

func TestPowerCommands(t *testing.T) {
	f, targets := startFleet(t, simfleet.Config{AMT: 3, IPMI: 2})
	base := []string{"--targets-file", targets, "--user", simfleet.User}

	res := oobctl(t, nil, append(base, "power", "status", "--json")...)
	require.Equal(t, exitOK, res.code, res.stderr)
	rep := decodeReport(t, res.stdout)
	require.Len(t, rep.Results, 5)
	for _, r := range rep.Results {
		var st tasks.PowerStateOutput
		stepOutput(t, r, "powerstate", &st)
		assert.Equal(t, f.Computer(r.Target).PowerOn(), st.State.IsOn(), r.Target)
	}

	res = oobctl(t, nil, append(base, "power", "on")...)
	require.Equal(t, exitOK, res.code, res.stderr)
	assert.Contains(t, res.stdout, "5 computers: 5 ok")
	assert.Regexp(t, `amt-02 .* ok .*was S5, sent on`, res.stdout)
	for _, c := range f.Computers {
		assert.True(t, c.PowerOn(), c.Target.Name)
	}

	// Flags may follow the command.
	res = oobctl(t, nil, "power", "off", "--targets-file", targets, "--user", simfleet.User, "--concurrency", "2")
	require.Equal(t, exitOK, res.code, res.stderr)
	for _, c := range f.Computers {
		assert.False(t, c.PowerOn(), c.Target.Name)
	}
}

func TestOneToManyCommands(t *testing.T) {
	f, targets := startFleet(t, simfleet.Config{AMT: 2, IPMI: 1})
	base := []string{"--targets-file", targets, "--user", simfleet.User}
	jobFile := filepath.Join(t.TempDir(), "job.yaml")
	require.NoError(t, os.WriteFile(jobFile, []byte(`
name: check
steps:
  - {id: on, task: power, with: {action: on}}
  - {task: inventory}
  - {task: power, with: {restore: on}}
`), 0o600))

	tests := []struct {
		name string
		args []string
		want []*regexp.Regexp
	}{
		{"discover", []string{"discover"}, []*regexp.Regexp{regexp.MustCompile(`amt-01 .* ok .*amt`), regexp.MustCompile(`bmc-01 .* ok .*ipmi`)}},
		{"inventory", []string{"inventory"}, []*regexp.Regexp{regexp.MustCompile(`amt-02 .* ok .*cpu.*from \[amt\]`)}},
		{"eventlog", []string{"eventlog", "--max", "5", "--protocols", "amt"}, []*regexp.Regexp{regexp.MustCompile(`amt-01 .* ok .*events|no events`)}},
		{"portcheck", []string{"portcheck", "--ports", strconv.Itoa(f.Computers[0].Target.Ports[oobkit.AMT])}, []*regexp.Regexp{regexp.MustCompile(`amt-01 .* ok .*open \d+`)}},
		{"boot", []string{"boot", "pxe", "--no-power", "--protocols", "amt"}, []*regexp.Regexp{regexp.MustCompile(`amt-01 .* ok .*next boot pxe`)}},
		{"job", []string{"job", "run", jobFile}, []*regexp.Regexp{regexp.MustCompile(`amt-02 .* ok .*was S5, sent on.*sent off`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := oobctl(t, nil, append(base, tt.args...)...)
			for _, re := range tt.want {
				assert.Regexp(t, re, res.stdout)
			}
			if tt.name != "eventlog" && tt.name != "boot" { // the BMC has no SEL; boot is AMT-only here
				assert.Equal(t, exitOK, res.code, res.stdout+res.stderr)
			}
		})
	}
	assert.Contains(t, f.Computers[0].AMT.BootState().Source, "PXE", "the boot command set the next boot on the device")
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "no command"},
		{"unknown command", []string{"fly"}, `unknown command "fly"`},
		{"unknown flag", []string{"--bogus", "power", "status"}, "bogus"},
		{"unknown command flag", []string{"power", "status", "--bogus"}, "bogus"},
		{"power without action", []string{"--target", "127.0.0.1", "power"}, "power wants"},
		{"bad power action", []string{"--target", "127.0.0.1", "--user", "u", "power", "fly"}, "unknown power action"},
		{"no targets", []string{"--user", "u", "power", "status"}, "no computers"},
		{"no credentials", []string{"--target", "127.0.0.1", "power", "status"}, "no credentials"},
		{"pin and insecure", []string{"--pin", strings.Repeat("ab", 32), "--insecure", "power", "status"}, "contradict"},
		{"bad pin", []string{"--pin", "abc", "power", "status"}, "--pin"},
		{"profile without store", []string{"--profile", "lab", "power", "status"}, "--profile-store"},
		{"bad protocol", []string{"--protocols", "telnet", "power", "status"}, "unknown protocol"},
		{"bad concurrency", []string{"--concurrency", "0", "power", "status"}, "concurrency"},
		{"timeout without a unit", []string{"--timeout", "5", "power", "status"}, "such as 30s"},
		{"bad boot device", []string{"--target", "127.0.0.1", "--user", "u", "boot", "tape"}, "unknown boot device"},
		{"bad ports", []string{"--target", "127.0.0.1", "--user", "u", "portcheck", "--ports", "99999"}, "not a port"},
		{"address with port", []string{"--target", "127.0.0.1:623", "--user", "u", "power", "status"}, "must not carry a port"},
		{"job without file", []string{"job", "run"}, "job run FILE"},
		{"filter verify without mgmt", []string{"filter", "verify"}, "--mgmt"},
		{"filter apply without mgmt", []string{"--target", "127.0.0.1", "--user", "u", "filter", "apply"}, "--mgmt"},
		{"filter apply bad policy", []string{"--target", "127.0.0.1", "--user", "u", "filter", "apply", "--policy", "open-sesame"}, "unknown policy"},
		{"filter apply bad mgmt", []string{"--target", "127.0.0.1", "--user", "u", "filter", "apply", "--mgmt", "nowhere"}, "--mgmt"},
		{"filter unknown action", []string{"filter", "block"}, `unknown action "block"`},
		{"filter status with arguments", []string{"filter", "status", "x"}, "no arguments"},
		{"filter port flags on remove", []string{"filter", "remove", "--remove-port", "137"}, "--add-port"},
		{"filter out on apply", []string{"filter", "apply", "--out", "x.xml", "--mgmt", "10.0.0.5"}, "filter export"},
		{"filter add port without transport", []string{"filter", "verify", "--mgmt", "10.0.0.5", "--add-port", "8443"}, "which transport"},
		{"filter remove a port not kept", []string{"filter", "ports", "--remove-port", "9999"}, "does not keep"},
		{"filter verify file with port flags", []string{"filter", "verify", "x.xml", "--mgmt", "10.0.0.5", "--ns-only"}, "not a policy file"},
		{"filter export bad interface", []string{"--target", "127.0.0.1", "--user", "u", "filter", "export", "--interface", "wifi"}, "interface"},
		{"profile without store", []string{"profile", "list"}, "--profile-store"},
		{"sol with two targets", []string{"--target", "127.0.0.1", "--target", "127.0.0.2", "--user", "u", "sol"}, "one computer"},
		{"ider without image", []string{"--target", "127.0.0.1", "ider"}, "--image"},
		{"alerts without listen", []string{"alerts"}, "alerts listen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := oobctl(t, nil, tt.args...)
			assert.Equal(t, exitUsage, res.code, res.stdout+res.stderr)
			assert.Contains(t, res.stderr, tt.want)
			assert.Contains(t, res.stderr, "Usage: oobctl")
		})
	}
	res := oobctl(t, nil, "help")
	assert.Equal(t, exitOK, res.code)
	assert.Contains(t, res.stdout, "Exit status")
	assert.Contains(t, res.stdout, "oobctl demo", "a newcomer is told where to start")
}

// TestCommandHelp: a command's --help (or help COMMAND, or a mistake in
// that command) shows that command's usage and the flags, not every
// command.
func TestCommandHelp(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"power", "--help"}, []string{"power status|on|off"}},
		{[]string{"help", "filter"}, []string{"filter apply", "filter remove", "filter status", "filter verify"}},
		{[]string{"worker", "-h"}, []string{"worker --nats URL"}},
		{[]string{"ider", "--help"}, []string{"ider --image FILE"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			res := oobctl(t, nil, tt.args...)
			require.Equal(t, exitOK, res.code, res.stderr)
			for _, w := range tt.want {
				assert.Contains(t, res.stdout, w)
			}
			assert.Contains(t, res.stdout, "--targets-file FILE", "the flags every command takes")
			assert.NotContains(t, res.stdout, "serial-over-LAN", "not every command")
		})
	}
	res := oobctl(t, nil, "--target", "127.0.0.1", "power")
	assert.Equal(t, exitUsage, res.code)
	assert.Contains(t, res.stderr, "power status|on|off")
	assert.NotContains(t, res.stderr, "serial-over-LAN", "a mistake shows the command's usage")
}

// A computer whose management port refuses connections fails with class
// "unreachable" and a non-zero exit; the others still succeed.
func TestUnreachableTarget(t *testing.T) {
	_, targets := startFleet(t, simfleet.Config{AMT: 1})
	var list []oobkit.Target
	data, err := os.ReadFile(targets)
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &list))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	list = append(list, oobkit.Target{Name: "gone", Address: "127.0.0.1",
		Ports: map[oobkit.Protocol]int{oobkit.AMT: closed}, Labels: map[string]string{connect.LabelProtocols: "amt"}})
	data, err = yaml.Marshal(list)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(targets, data, 0o600))

	res := oobctl(t, nil, "--targets-file", targets, "--user", simfleet.User, "--json", "power", "status")
	assert.Equal(t, exitFailed, res.code)
	rep := decodeReport(t, res.stdout)
	require.Len(t, rep.Results, 2)
	assert.Equal(t, tasks.StatusOK, rep.Results[0].Status)
	assert.NotEqual(t, tasks.StatusOK, rep.Results[1].Status)
	assert.Equal(t, "unreachable", rep.Results[1].Class)

	res = oobctl(t, nil, "--targets-file", targets, "--user", simfleet.User, "power", "status")
	assert.Equal(t, exitFailed, res.code)
	assert.Regexp(t, `gone .* unreachable`, res.stdout)
	assert.Contains(t, res.stdout, "(unreachable 1)")
}

// Faulty devices fail with the class an operator acts on.
func TestFaultClasses(t *testing.T) {
	allOn := func(oobkit.Protocol, int) bool { return false }
	_, targets := startFleet(t, simfleet.Config{AMT: 4, Faults: true, Off: allOn})
	res := oobctl(t, nil, "--targets-file", targets, "--user", simfleet.User, "--json", "power", "cycle")
	assert.Equal(t, exitFailed, res.code)
	rep := decodeReport(t, res.stdout)
	classes := map[string]string{}
	for _, r := range rep.Results {
		classes[r.Target] = r.Class
	}
	assert.Equal(t, "ok", classes["amt-01"])
	assert.Equal(t, "busy", classes["amt-02"], "a redirection session blocks power control")
	// An unprovisioned device has no admin account: the SDK sees a refused
	// credential or, when it can tell, the provisioning state.
	assert.Contains(t, []string{"auth", "not-provisioned"}, classes["amt-03"])
	assert.Equal(t, "auth", classes["amt-04"])
}

func TestProfileCommandsAndProfileCredentials(t *testing.T) {
	f, targets := startFleet(t, simfleet.Config{AMT: 1, IPMI: 1})
	dir := t.TempDir()
	store := filepath.Join(dir, "profiles")
	doc := filepath.Join(dir, "oobsim.yaml")
	mem := profile.NewMemoryStore()
	require.NoError(t, mem.Put(context.Background(), f.Profile()))
	var buf bytes.Buffer
	require.NoError(t, profile.Export(context.Background(), mem, &buf, profile.ExportOptions{Format: profile.YAML, IncludeSecrets: true}))
	require.NoError(t, os.WriteFile(doc, buf.Bytes(), 0o600))

	res := oobctl(t, nil, "--profile-store", store, "profile", "put", doc)
	require.Equal(t, exitOK, res.code, res.stderr)
	assert.Contains(t, res.stdout, "stored 1 profile")

	res = oobctl(t, nil, "--profile-store", store, "profile", "list")
	require.Equal(t, exitOK, res.code, res.stderr)
	assert.Regexp(t, `oobsim +amt,dash,ipmi,wmi,redirection`, res.stdout)

	res = oobctl(t, nil, "--profile-store", store, "profile", "show", "oobsim")
	require.Equal(t, exitOK, res.code, res.stderr)
	assert.NotContains(t, res.stdout, simfleet.Password, "secrets never print")
	assert.Contains(t, res.stdout, oobkit.Redacted)

	res = oobctl(t, nil, "--targets-file", targets, "--profile-store", store, "--profile", "oobsim", "power", "status")
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)

	res = oobctl(t, nil, "--profile-store", store, "profile", "default", "oobsim")
	require.Equal(t, exitOK, res.code, res.stderr)
	res = oobctl(t, nil, "--targets-file", targets, "--profile-store", store, "inventory")
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)

	res = oobctl(t, nil, "--profile-store", store, "profile", "delete", "oobsim")
	assert.Equal(t, exitSetup, res.code, "the default profile cannot be deleted")
	res = oobctl(t, nil, "--profile-store", store, "profile", "default", "default")
	require.Equal(t, exitOK, res.code, res.stderr)
	res = oobctl(t, nil, "--profile-store", store, "profile", "delete", "oobsim")
	require.Equal(t, exitOK, res.code, res.stderr)
	res = oobctl(t, nil, "--profile-store", store, "profile", "show", "oobsim")
	assert.Equal(t, exitSetup, res.code)
}

func TestFilterVerify(t *testing.T) {
	res := oobctl(t, nil, "filter", "verify", "--mgmt", "10.0.0.5")
	require.Equal(t, exitOK, res.code, res.stderr)
	assert.Contains(t, res.stdout, "default quarantine policy")
	assert.Regexp(t, `dhcp.* yes`, strings.ToLower(res.stdout))

	bad := filepath.Join(t.TempDir(), "drop.xml")
	require.NoError(t, os.WriteFile(bad, []byte(`<?xml version="1.0" encoding="UTF-8"?>
<filterPolicy schemaVersion="1" name="drop-all">
  <default direction="receive" action="drop"/>
  <default direction="transmit" action="drop"/>
</filterPolicy>
`), 0o600))
	res = oobctl(t, nil, "filter", "verify", bad, "--mgmt", "10.0.0.5", "--json")
	assert.Equal(t, exitFailed, res.code)
	var out struct{ OK bool }
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &out))
	assert.False(t, out.OK)
	assert.Contains(t, res.stderr, "cut the computer off")
}

func TestSOL(t *testing.T) {
	f, _ := startFleet(t, simfleet.Config{AMT: 1})
	c := f.Computers[0]
	// The target is given through a file so its port overrides apply.
	file := writeTargets(t, c.Target)
	res := oobctl(t, strings.NewReader("hello sol\r\n"), "--user", simfleet.User, "--targets-file", file, "sol", "--quiet", "1s")
	require.Equal(t, exitOK, res.code, res.stderr)
	assert.Contains(t, res.stdout, "hello sol", "the simulated host echoes what is typed")
}

func TestIDER(t *testing.T) {
	f, _ := startFleet(t, simfleet.Config{AMT: 1})
	c := f.Computers[0]
	img := make([]byte, 1<<20)
	_, _ = rand.Read(img)
	path := filepath.Join(t.TempDir(), "boot.iso")
	require.NoError(t, os.WriteFile(path, img, 0o600))
	res := oobctl(t, nil, "--targets-file", writeTargets(t, c.Target), "--user", simfleet.User, "--json", "ider", "--image", path)
	require.Equal(t, exitOK, res.code, res.stderr)
	var st struct{ BytesSent uint64 }
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &st))
	assert.GreaterOrEqual(t, st.BytesSent, uint64(len(img)), "the simulated firmware read the whole image")
	select {
	case boot := <-c.Redirect.Boots():
		require.NoError(t, boot.Err)
		assert.Equal(t, int64(len(img)), boot.Bytes)
	case <-time.After(5 * time.Second):
		t.Fatal("no boot report")
	}
}

func TestAlertsListen(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errw syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"alerts", "listen", "--listen", "127.0.0.1:0", "--json", "--community", "public"},
			bytes.NewReader(nil), &out, &errw, func(string) string { return "" })
	}()
	var addr string
	require.Eventually(t, func() bool {
		m := regexp.MustCompile(`on (127\.0\.0\.1:\d+)`).FindStringSubmatch(errw.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	}, 5*time.Second, 10*time.Millisecond)
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	g := &gosnmp.GoSNMP{Target: host, Port: uint16(p), Community: "public", Version: gosnmp.Version2c, Timeout: time.Second}
	require.NoError(t, g.Connect())
	defer g.Conn.Close()
	_, err := g.SendTrap(gosnmp.SnmpTrap{Variables: []gosnmp.SnmpPDU{
		{Name: ".1.3.6.1.2.1.1.3.0", Type: gosnmp.TimeTicks, Value: uint32(42)},
		{Name: ".1.3.6.1.6.3.1.1.4.1.0", Type: gosnmp.ObjectIdentifier, Value: ".1.3.6.1.6.3.1.1.5.3"},
	}})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strings.Contains(out.String(), `"source":"snmp"`) }, 5*time.Second, 10*time.Millisecond)
	cancel()
	assert.Equal(t, exitOK, <-done)
}

func writeTargets(t *testing.T, ts ...oobkit.Target) string {
	t.Helper()
	data, err := yaml.Marshal(ts)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "targets.yaml")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

func TestFilterCommands(t *testing.T) {
	f, targets := startFleet(t, simfleet.Config{AMT: 1, IPMI: 1})
	dev := f.Computers[0].AMT
	amtOnly := writeTargets(t, f.Computers[0].Target)
	base := []string{"--targets-file", targets, "--user", simfleet.User}
	amtBase := []string{"--targets-file", amtOnly, "--user", simfleet.User}

	// The BMC has no System Defense: its row fails, the AMT device is
	// quarantined.
	res := oobctl(t, nil, append(base, "filter", "apply", "--mgmt", "127.0.0.1")...)
	assert.Equal(t, exitFailed, res.code, res.stdout+res.stderr)
	assert.Regexp(t, `amt-01 .* ok .*policy "oobkit remediation" \(\d+ rules\) on wired`, res.stdout)
	assert.Regexp(t, `bmc-01 .* failed +unsupported`, res.stdout)
	require.NotNil(t, simconv.Active(dev, amt.Wired))
	assert.Equal(t, "oobkit remediation", simconv.Active(dev, amt.Wired).Name)

	res = oobctl(t, nil, append(amtBase, "--json", "filter", "status")...)
	require.Equal(t, exitOK, res.code, res.stderr)
	rep := decodeReport(t, res.stdout)
	var out tasks.NetworkFilterOutput
	stepOutput(t, rep.Results[0], "filter", &out)
	require.NotNil(t, out.Status)
	st := out.Status
	require.Len(t, st.Active, 1)
	assert.Equal(t, "oobkit remediation", st.Active[0].Policy)
	assert.Equal(t, "wired", st.Active[0].Interface)

	res = oobctl(t, nil, append(amtBase, "filter", "remove")...)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	assert.Contains(t, res.stdout, "every System Defense policy removed")
	assert.Nil(t, simconv.Active(dev, amt.Wired))
	res = oobctl(t, nil, append(amtBase, "filter", "status")...)
	require.Equal(t, exitOK, res.code, res.stderr)
	assert.Contains(t, res.stdout, "no System Defense policy")

	res = oobctl(t, nil, append(amtBase, "filter", "apply", "--policy", "limit-ping", "--mgmt", "127.0.0.1")...)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	require.NotNil(t, simconv.Active(dev, amt.Wired))
	require.Equal(t, exitOK, oobctl(t, nil, append(amtBase, "filter", "remove")...).code)

	// A policy that would cut the computer off is refused before any
	// computer is contacted.
	bad := filepath.Join(t.TempDir(), "drop.xml")
	require.NoError(t, os.WriteFile(bad, []byte(dropAllPolicy), 0o600))
	before := dev.Counters().Requests
	res = oobctl(t, nil, append(amtBase, "filter", "apply", bad, "--mgmt", "127.0.0.1")...)
	assert.Equal(t, exitSetup, res.code, res.stdout+res.stderr)
	assert.Contains(t, res.stderr, "drop")
	assert.Equal(t, before, dev.Counters().Requests, "nothing was sent")
	assert.Nil(t, simconv.Active(dev, amt.Wired))
}

// TestFilterExportCommand: the quarantine's port list edited from the
// command line (the guide: "You can customize the ports that you want to
// stay open"), then the computer's active settings exported to the policy
// file format, read back equal to what the device holds, and applied again.
func TestFilterExportCommand(t *testing.T) {
	f, targets := startFleet(t, simfleet.Config{AMT: 2})
	dev := f.Computers[0].AMT
	one := writeTargets(t, f.Computers[0].Target)
	base := []string{"--targets-file", one, "--user", simfleet.User}

	res := oobctl(t, nil, append(base, "filter", "export")...)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	unfiltered, err := filter.Unmarshal([]byte(res.stdout))
	require.NoError(t, err, res.stdout)
	assert.Equal(t, filter.AllowAll(), unfiltered, "an unfiltered computer exports allow-all")

	res = oobctl(t, nil, append(base, "filter", "apply", "--mgmt", "127.0.0.1", "--remove-port", "137",
		"--add-port", "8443/tcp", "--task-server", "127.0.0.2")...)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	active := simconv.Active(dev, amt.Wired)
	require.NotNil(t, active)
	assert.Nil(t, active.Rule("netbios-name-tcp-tx-to"), "137 removed")
	assert.NotNil(t, active.Rule("port-8443-tcp-tx-to"), "8443 added")
	assert.NotNil(t, active.Rule("task-server-tcp-tx-to"), "the task server's range")

	res = oobctl(t, nil, append(base, "filter", "export")...)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	exported, err := filter.Unmarshal([]byte(res.stdout))
	require.NoError(t, err, res.stdout)
	assert.Equal(t, active, exported)

	file := filepath.Join(t.TempDir(), "CBFilters.xml")
	res = oobctl(t, nil, append(base, "filter", "export", "--out", file)...)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, res.stdout, "", "written to the file, not stdout")
	fromFile, err := filter.Unmarshal(data)
	require.NoError(t, err)
	assert.Equal(t, active, fromFile)

	// The exported file is a policy file: apply it to the other computer.
	other := writeTargets(t, f.Computers[1].Target)
	res = oobctl(t, nil, "--targets-file", other, "--user", simfleet.User, "filter", "apply", file, "--mgmt", "127.0.0.1")
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	assert.Equal(t, active, simconv.Active(f.Computers[1].AMT, amt.Wired))

	// Several computers: one file each in --out DIR.
	res = oobctl(t, nil, "--targets-file", targets, "--user", simfleet.User, "filter", "export")
	assert.Equal(t, exitUsage, res.code, "several computers need --out DIR")
	dir := filepath.Join(t.TempDir(), "exports")
	res = oobctl(t, nil, "--targets-file", targets, "--user", simfleet.User, "filter", "export", "--out", dir)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	for _, c := range f.Computers {
		data, err := os.ReadFile(filepath.Join(dir, c.Target.Name+".xml"))
		require.NoError(t, err)
		p, err := filter.Unmarshal(data)
		require.NoError(t, err)
		assert.Equal(t, active, p, c.Target.Name)
	}
}

const dropAllPolicy = `<?xml version="1.0" encoding="UTF-8"?>
<filterPolicy schemaVersion="1" name="drop-all">
  <default direction="receive" action="drop"/>
  <default direction="transmit" action="drop"/>
</filterPolicy>
`

// A graceful reboot goes through WMI on the computer that has it; the
// simulated Windows carries it out.
func TestPowerRebootThroughWMI(t *testing.T) {
	f, targets := startFleet(t, simfleet.Config{AMT: 1, WMI: 1})
	res := oobctl(t, nil, "--targets-file", targets, "--user", simfleet.User, "--json", "power", "reboot")
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	rep := decodeReport(t, res.stdout)
	require.Len(t, rep.Results, 2)
	for _, r := range rep.Results {
		var out tasks.PowerOutput
		stepOutput(t, r, "power", &out)
		assert.Equal(t, oobkit.ActionReboot, out.Action, r.Target)
		if r.Target == "win-01" {
			assert.Equal(t, oobkit.WMI, r.Protocol)
			assert.True(t, out.Graceful, "through the operating system")
		}
	}
	assert.Equal(t, 1, f.Computer("win-01").WMI.Shutdowns(), "Windows rebooted")
}

// TestSOLTakeOver: the RTSM guide: "Warning: If there is already an active
// SOL session, it is terminated when the task runs." oobctl sol ends
// another console's session through AMT and says so; --refuse-if-active
// fails busy instead.
func TestSOLTakeOver(t *testing.T) {
	f, _ := startFleet(t, simfleet.Config{AMT: 1})
	c := f.Computers[0]
	file := writeTargets(t, c.Target)
	other, err := redirect.New(c.Target, oobkit.UserPassword(simfleet.User, simfleet.Password))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	old, err := other.OpenSOL(ctx, redirect.SOLSettings{})
	require.NoError(t, err)
	defer old.Close()

	res := oobctl(t, nil, "--user", simfleet.User, "--targets-file", file, "sol", "--refuse-if-active", "--quiet", "1ms")
	assert.Equal(t, exitFailed, res.code)
	assert.Contains(t, res.stderr, "class busy")

	res = oobctl(t, strings.NewReader("hello sol\r\n"), "--user", simfleet.User, "--targets-file", file, "sol", "--quiet", "1s")
	require.Equal(t, exitOK, res.code, res.stderr)
	assert.Contains(t, res.stderr, "took over: ended the active SOL session")
	assert.Contains(t, res.stdout, "hello sol")
	_, err = io.ReadAll(old)
	assert.ErrorIs(t, err, redirect.ErrEndedByDevice)
	assert.True(t, c.AMT.Redirection().SOL, "SOL enabled again")
}
