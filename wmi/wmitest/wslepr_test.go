package wmitest_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

// TestWSLEnumeratesEPRs: wsl's "enum -mode epr" sends
// <wsman:EnumerationMode>EnumerateEPR</wsman:EnumerationMode> (DSP0226
// §8.7); the simulator answers endpoint references with the class's key
// selectors, as WinRM does, not the instances.
func TestWSLEnumeratesEPRs(t *testing.T) {
	bin := requireWSL(t)
	pc := wmitest.NewComputer(wmitest.Config{AdminPassword: "Adm1n-Passw0rd"})
	pc.AllowNTLM = false // wsl speaks basic only
	require.NoError(t, pc.Start())
	defer pc.Close()

	out := runWSL(t, bin, pc, "enum", wsman.WMIBase+"Win32_Service", "-mode", "epr")
	assert.Contains(t, out, "EndpointReference")
	assert.Contains(t, out, `Name="Name"`)
	assert.Contains(t, out, "Spooler")
	assert.NotContains(t, out, "Print Spooler", "an EPR carries the key, not the DisplayName")
}

// TestWSLInvokeByEPR: "wsl invoke CLASS METHOD" without -inst enumerates
// the class with EnumerationMode EnumerateEPR and invokes the method on the
// EPR it gets back. Win32_OperatingSystem has one instance, so
// Win32Shutdown (Flags 1, shutdown) reaches it and the computer shuts
// down. Before the simulator honoured EnumerateEPR, wsl found no EPR and
// silently sent nothing.
func TestWSLInvokeByEPR(t *testing.T) {
	bin := requireWSL(t)
	pc := wmitest.NewComputer(wmitest.Config{AdminPassword: "Adm1n-Passw0rd"})
	pc.AllowNTLM = false
	require.NoError(t, pc.Start())
	defer pc.Close()

	out := runWSL(t, bin, pc, "invoke", wsman.WMIBase+"Win32_OperatingSystem", "Win32Shutdown", "Flags=1")
	assert.Contains(t, out, "Win32Shutdown_OUTPUT")
	assert.Contains(t, out, "ReturnValue")
	assert.False(t, strings.Contains(out, "Fault"), out)
	assert.Equal(t, 1, pc.Shutdowns())
}

func requireWSL(t *testing.T) string {
	t.Helper()
	bin := peer.Require(t, "wsl", "wsl")
	peer.Require(t, "uuidgen", "uuid-runtime")
	peer.Require(t, "curl", "curl")
	peer.Require(t, "xmllint", "libxml2-utils")
	return bin
}
