package asf_test

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/asf"
	"github.com/oobkit/oobkit/asf/asftest"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
)

// rmcppingAddr is the loopback address the rmcpping test gives the
// simulator: rmcpping has no port option and sends to 623 only, so the
// device takes 623 on an address of its own, clear of 127.0.0.1.
const rmcppingAddr = "127.0.62.3"

// TestRmcppingGetsPong: FreeIPMI's rmcpping, written by others, sends an
// RMCP Presence Ping to the simulator and reads its Presence Pong.
func TestRmcppingGetsPong(t *testing.T) {
	bin := peer.Require(t, "rmcpping", "freeipmi-tools")
	d, err := asftest.NewServer(asftest.Config{Addr: rmcppingAddr, Port: 623})
	if errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EADDRINUSE) {
		if peer.Required() {
			t.Fatalf("asftest cannot bind %s:623 for rmcpping: %v", rmcppingAddr, err)
		}
		t.Skipf("asftest cannot bind %s:623 for rmcpping (needs root or a free port): %v", rmcppingAddr, err)
	}
	require.NoError(t, err)
	defer d.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-c", "2", "-i", "1", "-t", "5", "-v", rmcppingAddr).CombinedOutput()
	require.NoError(t, err, "rmcpping exits 0 when it got at least one pong:\n%s", out)
	// rmcpping prints each pong: "pong received from 127.0.62.3:
	// message_tag=170, ipmi not-supported", then its statistics.
	assert.Contains(t, string(out), "pong received from "+rmcppingAddr, "%s", out)
	assert.Contains(t, string(out), "ipmi not-supported", "the pong's Supported Entities say ASF only")
	assert.Contains(t, string(out), "2 pongs received", "%s", out)
	assert.GreaterOrEqual(t, d.Counters().Pings, 1)
	t.Logf("rmcpping:\n%s", out)
}

// TestPingIPMISim: the SDK's presence ping against OpenIPMI's ipmi_sim, a
// BMC written by others that answers ASF presence ping; its pong says IPMI.
func TestPingIPMISim(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	target := oobkit.Target{Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.ASF: sim.Port}}
	c, err := asf.New(target, oobkit.Credential{})
	require.NoError(t, err)
	defer c.Close()
	pong, err := c.Ping(context.Background())
	require.NoError(t, err)
	assert.True(t, pong.IPMI, "Supported Entities bit 7: IPMI")
	t.Logf("ipmi_sim pong: %+v", *pong)
}

// TestPingAsftestAndIPMISimAlike: the same client call reads both devices;
// only the entities differ.
func TestPingAsftestAndIPMISimAlike(t *testing.T) {
	d := startDevice(t, asftest.Config{IPMI: true})
	pong, err := newClient(t, d, oobkit.Credential{}).Ping(context.Background())
	require.NoError(t, err)
	assert.True(t, pong.IPMI && pong.ASF())
	assert.False(t, strings.Contains(d.Target().Address, "0.0.0.0"))
	assert.Equal(t, asf.StateS0.Row(), 1)
}
