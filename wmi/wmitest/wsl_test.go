package wmitest_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

// runWSL runs Dell's wsl against pc in basic mode, in a scratch directory
// (wsl writes request/response files where it runs), bounded by a timeout.
func runWSL(t *testing.T, bin string, pc *wmitest.Computer, args ...string) string {
	t.Helper()
	u, err := url.Parse(pc.URL())
	require.NoError(t, err)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	// wsl runs curl in a child shell: if the deadline kills wsl, its
	// children may still hold the output pipe; WaitDelay bounds that wait.
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = append(withoutProxy(os.Environ()), "HOME="+dir, "WSENDPOINT="+u.Host, "WSUSER=Administrator",
		"WSPASS=Adm1n-Passw0rd", "WSNOSSL=1", "IPINTERACTIVE=0", "KEEPHISTORY=0", "OUTLEVEL=2",
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "wsl: %s", out)
	return string(out)
}

// withoutProxy drops proxy settings from env: a CI proxy must not see (or
// swallow) curl's requests to the loopback simulator.
func withoutProxy(env []string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasSuffix(strings.ToLower(name), "_proxy") {
			out = append(out, kv)
		}
	}
	return out
}

// TestWSLEnumeratesWin32Service: a real third-party WS-Man client (wsl,
// basic auth over curl) enumerates a class and reads an instance from the
// simulator.
func TestWSLEnumeratesWin32Service(t *testing.T) {
	bin := peer.Require(t, "wsl", "wsl")
	peer.Require(t, "uuidgen", "uuid-runtime")
	peer.Require(t, "curl", "curl")             // wsl's HTTP client
	peer.Require(t, "xmllint", "libxml2-utils") // wsl formats requests with it
	pc := wmitest.NewComputer(wmitest.Config{AdminPassword: "Adm1n-Passw0rd"})
	pc.AllowNTLM = false // wsl speaks basic only
	require.NoError(t, pc.Start())
	defer pc.Close()

	out := runWSL(t, bin, pc, "enum", wsman.WMIBase+"Win32_Service")
	for _, name := range []string{"Spooler", "RpcSs", "WinRM", "Fax"} {
		assert.Contains(t, out, name)
	}
	assert.Contains(t, out, "Print Spooler")
	assert.Greater(t, pc.Server().Counters().Requests, int64(0))

	out = runWSL(t, bin, pc, "get", wsman.WMIBase+"Win32_Service", "Name=Spooler")
	assert.Contains(t, out, "Running")
	assert.False(t, strings.Contains(out, "Fault"), out)
}
