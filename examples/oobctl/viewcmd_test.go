package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/simfleet"
	"github.com/oobkit/oobkit/traceroute"
	"github.com/oobkit/oobkit/view"
	"github.com/oobkit/oobkit/wsbrowse"
)

// TestViewCommand: "oobctl view" prints every node of Tables of
// a Windows computer, --json as one document, --node one node.
func TestViewCommand(t *testing.T) {
	_, targets := startFleet(t, simfleet.Config{WMI: 1})
	base := []string{"--targets-file", targets, "--user", simfleet.User, "view"}
	res := oobctl(t, nil, base...)
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stdout, "== Basic Information/Computer name  [Table A-4, out-of-band; WMI or AMT or DASH]  served by WMI")
	assert.Contains(t, res.stdout, "== Basic Information/Product  [Table A-4; AMT]  not served")
	assert.Equal(t, len(view.Rows()), strings.Count(res.stdout, "\n== ")+1)

	res = oobctl(t, nil, append(base, "--json")...)
	require.Equal(t, 0, res.code, res.stderr)
	var doc struct {
		Target string
		Nodes  []struct {
			Table, Group, Data string
			ServedBy           []string
			Error              string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &doc), res.stdout)
	require.Len(t, doc.Nodes, len(view.Rows()))
	assert.Equal(t, "Basic Information", doc.Nodes[0].Group, "in the tables' order")
	assert.Equal(t, []string{"wmi"}, doc.Nodes[0].ServedBy)

	res = oobctl(t, nil, append(base, "--node", "Operation system")...)
	require.Equal(t, 0, res.code, res.stderr)
	assert.Equal(t, 1, strings.Count(res.stdout, "== "))
	assert.Contains(t, res.stdout, "Operating System: Microsoft Windows")

	res = oobctl(t, nil, append(base, "--node", "Product")...)
	assert.Equal(t, exitFailed, res.code, "one node asked and not served")

	res = oobctl(t, nil, append(base, "--node", "Flux Capacitor")...)
	assert.Equal(t, exitUsage, res.code)
	assert.Contains(t, res.stderr, `no node "Flux Capacitor"`)
}

// TestViewCommandFallback: an AMT computer's "Computer name" comes from AMT
// after WMI (first in "WMI or AMT or DASH") is found missing.
func TestViewCommandFallback(t *testing.T) {
	_, targets := startFleet(t, simfleet.Config{AMT: 1})
	res := oobctl(t, nil, "--targets-file", targets, "--user", simfleet.User, "view", "--node", "Computer name")
	require.Equal(t, 0, res.code, res.stderr+res.stdout)
	assert.Contains(t, res.stdout, "served by AMT")
}

// TestViewCommandCustom: a custom view file's nodes join the view; a bad
// file is a usage error naming the line.
func TestViewCommandCustom(t *testing.T) {
	_, targets := startFleet(t, simfleet.Config{WMI: 1})
	dir := t.TempDir()
	good := filepath.Join(dir, "services.yaml")
	require.NoError(t, os.WriteFile(good, []byte("name: Services\nflavor: wmi\nnodes:\n  - name: Running\n    class: Win32_Service\n    filter: State = 'Running'\n    properties: [Name, State]\n"), 0o600))
	res := oobctl(t, nil, "--targets-file", targets, "--user", simfleet.User, "view", "--custom", good, "--node", "Services/Running")
	require.Equal(t, 0, res.code, res.stderr+res.stdout)
	assert.Contains(t, res.stdout, "[custom view; WSMAN]  served by WSMAN")
	assert.Contains(t, res.stdout, "State: Running")

	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("name: x\nflavor: wmi\nnodes:\n  - name: a\n    class: Win32_BIOS\n    colour: red\n"), 0o600))
	res = oobctl(t, nil, "--targets-file", targets, "--user", simfleet.User, "view", "--custom", bad)
	assert.Equal(t, exitUsage, res.code)
	assert.Contains(t, res.stderr, `line 6: unknown key "colour"`)

	amtView := filepath.Join(dir, "amt.yaml")
	require.NoError(t, os.WriteFile(amtView, []byte("name: A\nflavor: amt\nnodes:\n  - name: g\n    class: AMT_GeneralSettings\n"), 0o600))
	res = oobctl(t, nil, "--targets-file", targets, "--user", simfleet.User, "view", "--custom", good, "--custom", amtView)
	assert.Equal(t, exitUsage, res.code)
	assert.Contains(t, res.stderr, "share one WS-Management service")
}

// TestWSManCommand: identify, enum and get against a simulated AMT device
// and a simulated Windows computer.
func TestWSManCommand(t *testing.T) {
	_, targets := startFleet(t, simfleet.Config{AMT: 1, WMI: 1})
	amtOnly := []string{"--targets-file", targets, "--only", "amt-01", "--user", simfleet.User}
	res := oobctl(t, nil, append(amtOnly, "wsman", "identify")...)
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stdout, "Protocol version:")

	res = oobctl(t, nil, append(amtOnly, "wsman", "get", "AMT_GeneralSettings")...)
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stdout, "AMT_GeneralSettings\n")
	assert.Contains(t, res.stdout, "HostName: amt-01")

	res = oobctl(t, nil, append(amtOnly, "wsman", "enum", wsbrowseURI(t, wsbrowse.AMT, "CIM_Chassis"), "--json")...)
	require.Equal(t, 0, res.code, res.stderr)
	var items []wsbrowse.Instance
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &items))
	require.NotEmpty(t, items)
	assert.Equal(t, "CIM_Chassis", items[0].Class)

	res = oobctl(t, nil, append(amtOnly, "wsman", "enum", "Win32_BIOS")...)
	assert.Equal(t, exitFailed, res.code)
	assert.Contains(t, res.stderr, "no namespace rule for WIN32 classes")

	res = oobctl(t, nil, append(amtOnly, "wsman", "fly")...)
	assert.Equal(t, exitUsage, res.code)

	winOnly := []string{"--targets-file", targets, "--only", "win-01", "--user", simfleet.User}
	res = oobctl(t, nil, append(winOnly, "wsman", "get", "Win32_Service", "Name=Spooler", "--flavor", "wmi")...)
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stdout, "Name: Spooler")
}

func wsbrowseURI(t *testing.T, f wsbrowse.Flavor, class string) string {
	u, err := wsbrowse.ResourceURI(f, class)
	require.NoError(t, err)
	return u
}

// TestWMIQueryCommand: a WQL query, and bad WQL as a usage error.
func TestWMIQueryCommand(t *testing.T) {
	_, targets := startFleet(t, simfleet.Config{WMI: 1})
	base := []string{"--targets-file", targets, "--user", simfleet.User, "wmi", "query"}
	res := oobctl(t, nil, append(base, "SELECT * FROM Win32_Service WHERE State = 'Running'")...)
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stdout, "State: Running")
	assert.NotContains(t, res.stdout, "State: Stopped")

	res = oobctl(t, nil, append(base, "SELECT * Win32_Service")...)
	assert.Equal(t, exitUsage, res.code)
	assert.Contains(t, res.stderr, "bad WQL")

	res = oobctl(t, nil, append(base, "SELECT * FROM Win32_Service WHERE State ~~ 3")...)
	assert.Equal(t, exitUsage, res.code)
	assert.Contains(t, res.stderr, "rejected the WQL query")
}

// TestTracerouteCommand: one hop to the loopback computer, no credential.
func TestTracerouteCommand(t *testing.T) {
	res := oobctl(t, nil, "--target", "127.0.0.1", "traceroute", "--method", "udp", "--max-hops", "3")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stdout, "reached 127.0.0.1 in 1 hops")

	res = oobctl(t, nil, "--target", "127.0.0.1", "traceroute", "--json")
	require.Equal(t, 0, res.code, res.stderr)
	rep := decodeReport(t, res.stdout)
	require.Len(t, rep.Results, 1)
	var out traceroute.Result
	stepOutput(t, rep.Results[0], "traceroute", &out)
	assert.True(t, out.Reached)

	res = oobctl(t, nil, "--target", "127.0.0.1", "traceroute", "--method", "tcp")
	assert.Equal(t, exitUsage, res.code)
}

// TestViewCommandOpenWSManPlainHTTP: OpenWSMan takes basic, not NTLM;
// oobctl no longer turns the WMI credential into basic over plain HTTP
// behind the user's back (the password would cross the network
// base64-encoded): without TLS it is a usage error before anything is
// sent, and --allow-unencrypted is the user's explicit choice.
func TestViewCommandOpenWSManPlainHTTP(t *testing.T) {
	_, targets := startFleet(t, simfleet.Config{WMI: 1})
	linux := filepath.Join(t.TempDir(), "linux.yaml")
	require.NoError(t, os.WriteFile(linux, view.SampleLinuxOpenWSMan, 0o600))
	res := oobctl(t, nil, "--targets-file", targets, "--user", simfleet.User, "view", "--custom", linux)
	assert.Equal(t, exitUsage, res.code, res.stdout+res.stderr)
	assert.Contains(t, res.stderr, "clear text")
	assert.Empty(t, res.stdout, "nothing read")

	res = oobctl(t, nil, "--targets-file", targets, "--user", simfleet.User, "--allow-unencrypted", "view", "--custom", linux, "--node", "Linux OpenWSMan/Computer System")
	assert.NotEqual(t, exitUsage, res.code, res.stdout+res.stderr)
	assert.Contains(t, res.stdout, "== Linux OpenWSMan/Computer System  [custom view; WSMAN]")
}
