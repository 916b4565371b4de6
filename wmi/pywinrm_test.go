package wmi_test

import (
	"context"
	_ "embed"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

// These tests drive the simulator with pywinrm (Debian python3-winrm), an
// independent WinRM client whose NTLM is requests_ntlm/pyspnego's, and
// compare what it sees with what the SDK sees.

//go:embed testdata/pywinrm_peer.py
var pywinrmScript []byte

// debianPython is Debian's interpreter, which sees python3-winrm in
// dist-packages ("python3" on PATH may be a pyenv shim that does not).
const debianPython = "/usr/bin/python3"

// runPywinrm runs the pywinrm peer script against pc over NTLM as the
// built-in Administrator and returns its standard output.
func runPywinrm(t *testing.T, pc *wmitest.Computer, args ...string) string {
	t.Helper()
	if exec.Command(debianPython, "-c", "import winrm.protocol, requests_ntlm").Run() != nil {
		if peer.Required() {
			t.Fatalf("real peer pywinrm is missing: install Debian package %q (scripts/test.sh does this)", "python3-winrm")
		}
		t.Skipf("real peer pywinrm not installed: apt-get install python3-winrm (or run scripts/test.sh)")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "pywinrm_peer.py")
	require.NoError(t, os.WriteFile(script, pywinrmScript, 0o600))
	// NTLM hashes the password with MD4, which OpenSSL 3 keeps in its
	// legacy provider; Debian's python hashlib finds it only when the
	// provider is activated (https://www.openssl.org/docs/man3.0/man7/OSSL_PROVIDER-legacy.html).
	conf := filepath.Join(dir, "openssl.cnf")
	require.NoError(t, os.WriteFile(conf, []byte(legacyOpenSSLConf), 0o600))
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(c, debianPython, append([]string{script, pc.URL(), `PC42\Administrator`, adminPassword}, args...)...)
	cmd.Env = append(os.Environ(), "OPENSSL_CONF="+conf, "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "pywinrm: %s", stderr.String())
	return string(out)
}

// legacyOpenSSLConf activates OpenSSL 3's default and legacy providers.
const legacyOpenSSLConf = `openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
legacy = legacy_sect
[default_sect]
activate = 1
[legacy_sect]
activate = 1
`

// TestPywinrmEnumerateMatchesSDK: pywinrm and the SDK, both over NTLM,
// enumerate Win32_Service and see the same services.
func TestPywinrmEnumerateMatchesSDK(t *testing.T) {
	pc := newComputer(t, false)
	peerNames := strings.Fields(runPywinrm(t, pc, "enum", "Win32_Service", "Name"))
	require.NotEmpty(t, peerNames)

	svcs, err := ntlmClient(t, pc).Services(ctx(t))
	require.NoError(t, err)
	var sdkNames []string
	for _, s := range svcs {
		sdkNames = append(sdkNames, s.Name)
	}
	sort.Strings(peerNames)
	sort.Strings(sdkNames)
	assert.Equal(t, sdkNames, peerNames)
	assert.Positive(t, pc.Counters().Unauthorized, "NTLM's negotiate leg is a 401 challenge")
}

// TestPywinrmCreateResolvesCmd: Win32_Process.Create with the command line
// "cmd /c echo hi" starts C:\Windows\System32\cmd.exe on Windows:
// CreateProcess appends ".exe" to a file name without an extension and
// searches the system directory for it
// (https://learn.microsoft.com/windows/win32/api/processthreadsapi/nf-processthreadsapi-createprocessw,
// lpCommandLine). pywinrm creates it over NTLM; the SDK then finds the new
// process and its executable.
func TestPywinrmCreateResolvesCmd(t *testing.T) {
	pc := newComputer(t, false)
	pc.Do(func(c *wmitest.Computer) { c.HelperRuntime = time.Hour }) // keep it running while we look
	out := runPywinrm(t, pc, "create", "cmd /c echo hi")
	m := regexp.MustCompile(`ReturnValue=(\d+) ProcessId=(\S+)`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	require.Equal(t, "0", m[1], "Win32_Process.Create ReturnValue (9 = path not found)")

	procs, err := ntlmClient(t, pc).Processes(ctx(t))
	require.NoError(t, err)
	found := false
	for _, p := range procs {
		if strconv.FormatUint(uint64(p.PID), 10) == m[2] {
			found = true
			assert.Equal(t, `C:\Windows\System32\cmd.exe`, p.ExecutablePath)
			assert.Equal(t, "cmd /c echo hi", p.CommandLine)
		}
	}
	assert.True(t, found, "process %s not listed by the SDK", m[2])
}

// TestPywinrmReadsViewClasses: pywinrm reads classes of the one-to-one
// view from wmitest with WQL — a property list, a WHERE, a class in
// root/cimv2/TerminalServices — and sees what the SDK sees; a bad query
// is WinRM's CannotProcessFilter fault, as pywinrm reads it.
func TestPywinrmReadsViewClasses(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	for _, tc := range []struct{ ns, class, prop, where string }{
		{"root/cimv2", "Win32_Share", "Name", ""},
		{"root/cimv2", "Win32_CacheMemory", "Purpose", ""},
		{"root/cimv2", "Win32_IP4RouteTable", "NextHop", " WHERE Destination = '0.0.0.0'"},
		{"root/cimv2", "Win32_Printer", "DeviceID", " WHERE Default = TRUE"},
		{"root/cimv2/TerminalServices", "Win32_TerminalService", "TotalSessions", ""},
	} {
		q := "SELECT " + tc.prop + " FROM " + tc.class + tc.where
		lines := strings.Split(strings.TrimSpace(runPywinrm(t, pc, "query", tc.ns, q, tc.prop)), "\n")
		require.NotEmpty(t, lines, q)
		assert.Equal(t, "ELEMENTS=1", lines[len(lines)-1], "%s: only the selected property", q)
		items, err := c.NamespaceQuery(ctx(t), tc.ns, q)
		require.NoError(t, err, q)
		var sdk []string
		for _, in := range items {
			sdk = append(sdk, in.Get(tc.prop))
		}
		assert.Equal(t, sdk, lines[:len(lines)-1], q)
	}
	out := runPywinrm(t, pc, "query", "root/cimv2", "SELECT Name Path FROM Win32_Share", "Name")
	assert.Contains(t, out, "FAULT The data source could not process the filter.")
	assert.Contains(t, out, "'fault_subcode': 'w:CannotProcessFilter'")
}

// TestPywinrmPausesPrinter: Table A-1's "Manage Printers" through an
// independent client: pywinrm invokes Win32_Printer.Pause and Resume on the
// queue the SDK lists, and the SDK sees the queue paused, then resumed.
func TestPywinrmPausesPrinter(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	printers, err := c.Printers(ctx(t))
	require.NoError(t, err)
	name := printers[0].Name

	out := runPywinrm(t, pc, "invoke", "Win32_Printer", "Pause", "DeviceID", name)
	assert.Equal(t, "ReturnValue=0", strings.TrimSpace(out))
	printers, err = c.Printers(ctx(t))
	require.NoError(t, err)
	assert.True(t, printers[0].Paused)

	out = runPywinrm(t, pc, "invoke", "Win32_Printer", "Resume", "DeviceID", name)
	assert.Equal(t, "ReturnValue=0", strings.TrimSpace(out))
	printers, err = c.Printers(ctx(t))
	require.NoError(t, err)
	assert.False(t, printers[0].Paused)
}
