package main

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
	"github.com/oobkit/oobkit/simfleet"
	"github.com/oobkit/oobkit/tasks"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

// TestOnlyPicksByName: --only NAME[,NAME] runs on those computers of the
// targets file, and an unknown name is a usage error naming it.
func TestOnlyPicksByName(t *testing.T) {
	_, targets := startFleet(t, simfleet.Config{AMT: 2, IPMI: 1})
	res := oobctl(t, nil, "--targets-file", targets, "--user", simfleet.User, "--only", "amt-02,bmc-01", "power", "status", "--json")
	require.Equal(t, exitOK, res.code, res.stderr)
	rep := decodeReport(t, res.stdout)
	var names []string
	for _, r := range rep.Results {
		names = append(names, r.Target)
	}
	assert.ElementsMatch(t, []string{"amt-02", "bmc-01"}, names)

	res = oobctl(t, nil, "--targets-file", targets, "--user", simfleet.User, "--only", "amt-09", "power", "status")
	assert.Equal(t, exitUsage, res.code)
	assert.Contains(t, res.stderr, `"amt-09"`)
}

// TestTargetsFileUnknownKey: a misspelt key in a targets file is named,
// with its line, and is a usage error.
func TestTargetsFileUnknownKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.yaml")
	require.NoError(t, os.WriteFile(path, []byte("- name: a\n  address: 127.0.0.1\n- name: b\n  adress: 127.0.0.2\n"), 0o600))
	res := oobctl(t, nil, "--targets-file", path, "--user", "u", "power", "status")
	assert.Equal(t, exitUsage, res.code, res.stderr)
	assert.Contains(t, res.stderr, "line 4")
	assert.Contains(t, res.stderr, "adress")
}

// TestHelpListsEveryPowerAction: the usage names every power action the
// power command takes.
func TestHelpListsEveryPowerAction(t *testing.T) {
	res := oobctl(t, nil, "--help")
	require.Equal(t, exitOK, res.code)
	for a := oobkit.ActionOn; ; a++ {
		name := a.String()
		if strings.HasPrefix(name, "PowerAction(") {
			break
		}
		assert.Regexp(t, `power status\|.*\b`+name+`\b`, res.stdout, name)
	}
}

// TestTableEscapesDeviceText: text from a device cannot forge a row or a
// column of the table: newlines, tabs and control characters are escaped.
func TestTableEscapesDeviceText(t *testing.T) {
	rep := &tasks.Report{Results: []tasks.Result{{Target: "pc\tx", Address: "10.0.0.1", Status: tasks.StatusFailed, Class: "protocol",
		Step: "s", Error: "bad\nforged-pc  10.6.6.6  ok  ok\x1b[2J"}}}
	var b strings.Builder
	writeTable(&b, rep)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 3, b.String()) // header, the one row, the summary
	assert.NotContains(t, b.String(), "\x1b")
	assert.Contains(t, lines[1], `bad\nforged-pc`)
	assert.Contains(t, lines[1], `pc\tx`)
}

// TestTableShowsEveryFailedStep: a computer whose steps went on after a
// failure (continueOnError) shows each failed step, and a step skipped as
// unsupported says so.
func TestTableShowsEveryFailedStep(t *testing.T) {
	rep := &tasks.Report{Results: []tasks.Result{{Target: "pc", Address: "10.0.0.1", Status: tasks.StatusFailed, Class: "auth",
		Step: "a", Error: "first failure", Steps: []tasks.StepResult{
			{ID: "a", Status: tasks.StatusFailed, Error: "first failure"},
			{ID: "b", Status: tasks.StatusSkipped, Class: "unsupported", Error: "no System Defense"},
			{ID: "c", Status: tasks.StatusFailed, Error: "second failure"},
		}}}}
	var b strings.Builder
	writeTable(&b, rep)
	assert.Contains(t, b.String(), "step a: first failure")
	assert.Contains(t, b.String(), "step c: second failure")
	assert.Contains(t, b.String(), "step b: skipped (unsupported)")
}

// TestPortCheckAsAnOperatorExpects: portcheck needs no credential, checks
// the ports asked (even where no management port listens) and shows the
// open and the closed ones.
func TestPortCheckAsAnOperatorExpects(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	open := ln.Addr().(*net.TCPAddr).Port
	l2, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := l2.Addr().(*net.TCPAddr).Port
	require.NoError(t, l2.Close())
	res := oobctl(t, nil, "--target", "127.0.0.1", "portcheck", "--ports", strconv.Itoa(open)+","+strconv.Itoa(closed))
	require.Equal(t, exitOK, res.code, res.stderr)
	assert.Contains(t, res.stdout, "open "+strconv.Itoa(open))
	assert.Contains(t, res.stdout, "closed "+strconv.Itoa(closed))
}

// TestJobFileErrors: an invalid job file is a usage error (exit 2, as the
// usage promises), said once, without doubled prefixes, with the YAML line.
func TestJobFileErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "job.yaml")
	require.NoError(t, os.WriteFile(path, []byte("name: j\nsteps:\n  - task: powerstate\n  - task: power\n    with:\n      action: sideways\n"), 0o600))
	res := oobctl(t, nil, "--target", "127.0.0.1", "--user", "u", "job", "run", path)
	assert.Equal(t, exitUsage, res.code, res.stderr)
	first := strings.SplitN(res.stderr, "\n", 2)[0]
	assert.Contains(t, first, "line 4")
	assert.Contains(t, first, "sideways")
	assert.Equal(t, 1, strings.Count(first, "invalid argument"), first)
	assert.Equal(t, 1, strings.Count(first, "job file"), first)
	_ = time.Second
}

// TestNATSSiteWithoutWorker: --nats with a site no worker serves ends when
// --timeout passes, and says which site has no worker.
func TestNATSSiteWithoutWorker(t *testing.T) {
	url := startNATS(t)
	path := filepath.Join(t.TempDir(), "t.yaml")
	require.NoError(t, os.WriteFile(path, []byte("- name: far\n  address: 127.0.0.1\n  labels: {site: paris}\n"), 0o600))
	res := oobctl(t, nil, "--nats", url, "--targets-file", path, "--timeout", "300ms", "power", "status")
	assert.Equal(t, exitFailed, res.code, res.stderr)
	assert.Contains(t, res.stderr, `site "paris"`)
	assert.Contains(t, res.stdout, `no worker serves site "paris"`)
}

// TestNothingAnsweredSaysWhy: discovery of a computer where nothing
// listens lists each protocol's own failure, and the computer's class is
// unreachable, not the "no credential configured" of a protocol (snmp) that
// --user gives no credential to.
func TestNothingAnsweredSaysWhy(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	p := strconv.Itoa(port)
	path := filepath.Join(t.TempDir(), "t.yaml")
	require.NoError(t, os.WriteFile(path, []byte("- name: dark\n  address: 127.0.0.1\n  ports: {amt: "+p+", dash: "+p+
		", ipmi: "+p+", wmi: "+p+", redirection: "+p+", snmp: "+p+"}\n"), 0o600))
	res := oobctl(t, nil, "--targets-file", path, "--user", "u", "--timeout", "20s", "discover")
	assert.Equal(t, exitFailed, res.code, res.stderr)
	assert.Regexp(t, `dark .* failed\s+unreachable`, res.stdout)
	for _, want := range []string{"amt unreachable", "dash unreachable", "ipmi unreachable", "wmi unreachable", "redirection unreachable"} {
		assert.Contains(t, res.stdout, want)
	}
}

// TestEventLogReadsSELOnIPMI: eventlog on an IPMI computer whose BMC has a
// SEL (OpenIPMI's ipmi_sim, with one record) reads it; a BMC without one
// (go-ipmi's embedded BMC) says so instead of failing the computer.
func TestEventLogReadsSELOnIPMI(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	tg := sim.Target()
	tg.Name = "sim"
	tg.Labels = map[string]string{"protocols": "ipmi"}
	data, err := yaml.Marshal([]oobkit.Target{tg})
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "t.yaml")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	res := oobctlEnv(t, map[string]string{"OOBKIT_PASSWORD": sim.Password}, "--targets-file", path, "--user", sim.Username, "eventlog")
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	assert.Regexp(t, `sim .* ok\s+ipmi .*[1-9]\d* events`, res.stdout)

	_, targets := startFleet(t, simfleet.Config{IPMI: 1})
	res = oobctl(t, nil, "--targets-file", targets, "--user", simfleet.User, "eventlog")
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	assert.Regexp(t, `bmc-01 .* ok\s+ipmi .*no events \(no SEL log here\)`, res.stdout)
}

// oobctlEnv runs oobctl in-process with the given environment.
func oobctlEnv(t *testing.T, env map[string]string, args ...string) cli {
	t.Helper()
	var out, errw syncBuffer
	code := run(t.Context(), args, strings.NewReader(""), &out, &errw, func(k string) string { return env[k] })
	return cli{code: code, stdout: out.String(), stderr: errw.String()}
}

// TestAllowUnencryptedWMI: a lab WinRM that offers basic authentication
// only (AllowUnencrypted, no Negotiate) answers with --allow-unencrypted.
func TestAllowUnencryptedWMI(t *testing.T) {
	pc := wmitest.NewComputer(wmitest.Config{AdminPassword: "Adm1n-Passw0rd"})
	pc.AllowNTLM = false
	require.NoError(t, pc.Start())
	t.Cleanup(func() { _ = pc.Close() })
	tg := pc.Target()
	tg.Name = "lab-pc"
	tg.Labels = map[string]string{"protocols": "wmi"}
	data, err := yaml.Marshal([]oobkit.Target{tg})
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "t.yaml")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	env := map[string]string{"OOBKIT_PASSWORD": "Adm1n-Passw0rd"}
	res := oobctlEnv(t, env, "--targets-file", path, "--user", "Administrator", "--allow-unencrypted", "power", "status")
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	assert.Regexp(t, `lab-pc .* ok\s+wmi .*S0`, res.stdout)
	res = oobctlEnv(t, env, "--targets-file", path, "--user", "Administrator", "power", "status")
	assert.Equal(t, exitFailed, res.code, "NTLM only without the flag")
}
