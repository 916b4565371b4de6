package ipmitest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestNewSimAnswersIpmitool(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{Username: "root", Password: "s3cret", Power: oobkit.PowerS0})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := sim.Ipmitool(ctx, "chassis", "power", "status")
	require.NoError(t, err)
	assert.Equal(t, "Chassis Power is on", strings.TrimSpace(out))
	assert.Equal(t, "127.0.0.1", sim.Target().Address)
	assert.Equal(t, sim.Port, sim.Target().Port(oobkit.IPMI, false))
	assert.Equal(t, "root", sim.Credential().Username)

	_, err = sim.Ipmitool(ctx, "chassis", "power", "off")
	require.NoError(t, err)
	assert.Equal(t, []string{"power 0"}, sim.ChassisLog())

	got, err := sim.Command(ctx, "sensor_set_value 0x20 0 1 0x58 1")
	require.NoError(t, err)
	assert.NotContains(t, got, "Invalid")
}

func TestTwoSimsDoNotCollide(t *testing.T) {
	a, err := ipmitest.NewSim(ipmitest.SimConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = a.Close() })
	b, err := ipmitest.NewSim(ipmitest.SimConfig{Power: oobkit.PowerS0})
	peer.Check(t, err)
	t.Cleanup(func() { _ = b.Close() })
	assert.NotEqual(t, a.Port, b.Port)
	ctx := context.Background()
	oa, err := a.Ipmitool(ctx, "chassis", "power", "status")
	require.NoError(t, err)
	ob, err := b.Ipmitool(ctx, "chassis", "power", "status")
	require.NoError(t, err)
	assert.Contains(t, oa, "off")
	assert.Contains(t, ob, "on")
}

func TestFleet(t *testing.T) {
	f, err := ipmitest.NewFleet(50, ipmitest.Config{Name: "rack1", Power: oobkit.PowerS0, Username: "u", Password: "p"})
	require.NoError(t, err)
	defer f.Close()
	targets := f.Targets()
	require.Len(t, targets, 50)
	ports := map[int]bool{}
	for i, tg := range targets {
		require.NoError(t, tg.Validate())
		assert.Equal(t, "rack1-"+itoa(i), tg.Name)
		ports[tg.Port(oobkit.IPMI, false)] = true
	}
	assert.Len(t, ports, 50)

	// An independent session straight through go-ipmi sees the chosen state.
	b := f.BMCs[7]
	c, err := client.NewClient("127.0.0.1", b.Port(), "u", "p")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, c.Connect(ctx))
	st, err := c.GetChassisStatus(ctx)
	require.NoError(t, err)
	assert.True(t, st.PowerIsOn)
	require.NoError(t, c.Close(ctx))
	b.SetPowerOn(false)
	assert.False(t, b.PowerOn())
	require.NoError(t, b.Close())
	require.NoError(t, b.Close(), "Close is idempotent")
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// Config.Power, the initial state as a Table C-3 row as every simulator
// takes it, decides the host's power; unknown starts it off.
func TestNewServerPower(t *testing.T) {
	for _, tc := range []struct {
		cfg ipmitest.Config
		on  bool
	}{
		{ipmitest.Config{}, false},
		{ipmitest.Config{Power: oobkit.PowerS0}, true},
		{ipmitest.Config{Power: oobkit.PowerLegacyOn}, true},
		{ipmitest.Config{Power: oobkit.PowerS5}, false},
	} {
		s, err := ipmitest.NewServer(tc.cfg)
		require.NoError(t, err)
		assert.Equal(t, tc.on, s.PowerOn(), "%+v", tc.cfg)
		assert.Equal(t, ipmitest.BMCUser, s.Credential().Username)
		assert.Equal(t, s.Port(), s.Target().Port(oobkit.IPMI, false))
		require.NoError(t, s.Close())
	}
}
