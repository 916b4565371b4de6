package dash_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

func TestInventory(t *testing.T) {
	_, c := newPair(t, dashtest.Config{Name: "pc-7"})
	inv, err := c.Inventory(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "pc-7", inv.Target)

	require.Len(t, inv.System, 2)
	assert.Equal(t, oobkit.System{Source: oobkit.DASH, Kind: "system", Name: "pc-7", GUID: dashtest.PlatformGUID}, inv.System[0])
	assert.Equal(t, dashtest.Manufacturer, inv.System[1].Manufacturer)
	assert.Equal(t, dashtest.Serial, inv.System[1].Serial)
	require.Len(t, inv.BIOS, 1)
	assert.Equal(t, dashtest.BIOSVersion, inv.BIOS[0].Version)
	require.Len(t, inv.Processors, 1)
	assert.Equal(t, 4200, inv.Processors[0].MaxClockMHz)
	require.Len(t, inv.Memory, 2)
	assert.Equal(t, int64(8192), inv.Memory[0].CapacityMB)
	assert.Equal(t, "DDR4", inv.Memory[0].Type)
	assert.Equal(t, "DIMM A", inv.Memory[0].Slot)

	sensors := map[string]oobkit.Sensor{}
	for _, s := range inv.Sensors {
		assert.Equal(t, oobkit.DASH, s.Source)
		sensors[s.Name] = s
	}
	require.Len(t, sensors, 4)
	assert.Equal(t, "fan", sensors["CPU Fan"].Type)
	assert.Equal(t, 1800.0, *sensors["CPU Fan"].Value)
	assert.Equal(t, "power supply", sensors["Power Supply 1"].Type)
	assert.Equal(t, 250.0, *sensors["Power Supply 1"].Value)
	assert.Equal(t, "warning", sensors["Power Supply 1"].Status)
	assert.Equal(t, "°C", sensors["CPU Temperature"].Unit)
	assert.Equal(t, 45.0, *sensors["CPU Temperature"].Value)
	assert.InDelta(t, 12.05, *sensors["12V Rail"].Value, 1e-9)

	require.Len(t, inv.Software, 2)
	assert.Equal(t, "Management Controller Firmware", inv.Software[1].Name)
	l1, ok := inv.Property("cache CACHE-L1")
	require.True(t, ok)
	assert.Equal(t, "L1 64 KiB (CPU0)", l1)
	l2, _ := inv.Property("cache CACHE-L2")
	assert.Equal(t, "L2 1024 KiB (CPU0)", l2)
}

func TestInventoryWithoutSoftwareProfile(t *testing.T) {
	_, c := newPair(t, dashtest.Config{Profiles: without(dashtest.DefaultProfiles, dash.ProfileSoftwareInv)})
	inv, err := c.Inventory(context.Background())
	require.NoError(t, err, "a class the computer does not serve is skipped")
	assert.Empty(t, inv.Software)
	assert.NotEmpty(t, inv.Processors)
}

func TestTransportFaults(t *testing.T) {
	tests := []struct {
		name   string
		faults wsmantest.Faults
		want   error
	}{
		{"busy", wsmantest.Faults{Busy: true}, oobkit.ErrBusy},
		{"wrong auth", wsmantest.Faults{WrongAuth: true}, oobkit.ErrAuth},
		{"malformed", wsmantest.Faults{MalformedXML: true}, oobkit.ErrProtocol},
		{"dropped", wsmantest.Faults{DropMidResponse: true}, oobkit.ErrUnreachable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, c := newPair(t, dashtest.Config{})
			sim.SetFaults(tt.faults)
			_, err := c.PowerState(context.Background())
			require.ErrorIs(t, err, tt.want)
		})
	}
	t.Run("deadline", func(t *testing.T) {
		sim, c := newPair(t, dashtest.Config{})
		sim.SetFaults(wsmantest.Faults{Latency: 2 * time.Second})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := c.PowerState(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("wrong credential", func(t *testing.T) {
		sim, _ := newPair(t, dashtest.Config{})
		c, err := dash.New(sim.Target(), oobkit.UserPassword("admin", "wrong"))
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Profiles(context.Background())
		require.ErrorIs(t, err, oobkit.ErrAuth)
		assert.NotContains(t, err.Error(), "wrong")
	})
}

func TestTLSPinned(t *testing.T) {
	sim, err := dashtest.NewServer(dashtest.Config{TLS: true})
	require.NoError(t, err)
	defer sim.Close()
	c, err := dash.New(sim.Target(), sim.Credential())
	require.NoError(t, err)
	defer c.Close()
	assert.Contains(t, c.Endpoint(), "https://")
	st, err := c.PowerState(context.Background())
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerS0, st)
}

func TestFleetOnOneHost(t *testing.T) {
	h := wsmantest.NewHost()
	require.NoError(t, h.Start())
	defer h.Close()
	tr := h.Transport()
	defer tr.CloseIdleConnections()
	const n = 20
	sims := make([]*dashtest.Computer, n)
	clients := make([]*dash.Client, n)
	for i := range sims {
		sims[i] = dashtest.NewComputer(dashtest.Config{Name: "pc-" + itoa(i), Power: oobkit.PowerS5})
		target := sims[i].AddTo(h, "127.0.0.1:"+itoa(21000+i))
		var err error
		clients[i], err = dash.New(target, sims[i].Credential(), dash.WithTransport(tr))
		require.NoError(t, err)
	}
	require.NoError(t, clients[0].SetPower(context.Background(), oobkit.ActionOn))
	assert.Equal(t, 2, sims[0].PowerState())
	assert.Equal(t, 8, sims[1].PowerState(), "only the addressed computer changes")
	for _, c := range clients[1:] {
		require.NoError(t, c.SetPower(context.Background(), oobkit.ActionOn))
	}
	for _, s := range sims {
		assert.Equal(t, 2, s.PowerState())
	}
	assert.LessOrEqual(t, h.Connections(), int64(n+1), "keep-alive: about one connection per computer")
}
