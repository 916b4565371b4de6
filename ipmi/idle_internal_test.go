package ipmi

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
)

// bmcSessionID is the ID ipmi_sim gave the client's session, as its Open
// Session Response said.
func bmcSessionID(t *testing.T, c *Client) uint32 {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	require.NotNil(t, c.wire)
	open, ok := c.wire.offered()
	require.True(t, ok)
	return open.bmcSessionID
}

// A session the BMC has closed, as it does after its inactivity timeout
// (IPMI v2.0 §6.12.15; ipmi_sim after about 30 s), is noticed by the idle
// probe and replaced before the next command: the command goes out once and
// succeeds. Without the probe, the first call after the closure fails for
// lack of an answer. The closure is driven by an administrator's Close
// Session naming the client's session ID (IPMI v2.0 §22.19), sent by
// ipmitool on a session of its own, so the test does not wait 30 s.
func TestSimIdleSessionRenewed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		probe time.Duration
		ok    bool
	}{
		{"probed", time.Nanosecond, true}, // every reuse is "idle"
		{"not probed", time.Hour, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, err := ipmitest.NewSim(ipmitest.SimConfig{})
			peer.Check(t, err)
			t.Cleanup(func() { _ = sim.Close() })
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			c, err := New(sim.Target(), sim.Credential(), WithIdleProbe(tc.probe))
			require.NoError(t, err)
			defer c.Close()

			_, err = c.PowerState(ctx)
			require.NoError(t, err)
			var sid [4]byte
			binary.LittleEndian.PutUint32(sid[:], bmcSessionID(t, c))
			args := []string{"raw", "0x06", "0x3c"}
			for _, b := range sid {
				args = append(args, fmt.Sprintf("0x%02x", b))
			}
			_, err = sim.Ipmitool(ctx, args...)
			require.NoError(t, err, "Close Session of the client's session")

			before := len(sim.ChassisLog())
			err = c.SetPower(ctx, oobkit.ActionOn)
			if !tc.ok {
				require.ErrorIs(t, err, oobkit.ErrUnreachable, "the closed session gets no answer")
				assert.Len(t, sim.ChassisLog(), before, "nothing was sent blindly")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []string{"power 1"}, sim.ChassisLog()[before:], "Chassis Control sent exactly once")
		})
	}
}
