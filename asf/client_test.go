package asf_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/asf"
	"github.com/oobkit/oobkit/asf/asftest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startDevice starts a simulated managed client and closes it with the test.
func startDevice(t *testing.T, cfg asftest.Config) *asftest.Server {
	t.Helper()
	d, err := asftest.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// newClient returns a client for d with cred and closes it with the test.
func newClient(t *testing.T, d *asftest.Server, cred oobkit.Credential, opts ...asf.Option) *asf.Client {
	t.Helper()
	opts = append([]asf.Option{asf.WithSecurePort(d.SecurePort()), asf.WithTimeout(2 * time.Second)}, opts...)
	c, err := asf.New(d.Target(), cred, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestPresencePing(t *testing.T) {
	d := startDevice(t, asftest.Config{})
	c := newClient(t, d, oobkit.Credential{})
	pong, err := c.Ping(context.Background())
	require.NoError(t, err)
	// "If no OEM-specific capabilities exist, this field contains the ASF
	// IANA (4542) and the OEM-defined field is set to all zeroes" (§3.2.4.3).
	assert.Equal(t, uint32(asf.IANA), pong.IANA)
	assert.Zero(t, pong.OEM)
	assert.True(t, pong.ASF(), "0001b ASF, Version 1.0")
	assert.False(t, pong.IPMI)
	assert.True(t, pong.Security, "RMCP security extensions are supported")
	assert.Equal(t, 1, d.Counters().Pings)

	plain := startDevice(t, asftest.Config{NoSecurity: true, IPMI: true})
	pong, err = newClient(t, plain, oobkit.Credential{}).Ping(context.Background())
	require.NoError(t, err)
	assert.True(t, pong.IPMI)
	assert.False(t, pong.Security)
}

// TestSystemStateRows: every System State value of §3.2.4.5 reads back
// with its Table C-3 row and oobkit power state, over the compatibility
// port (no key) and through an RSP session (key).
func TestSystemStateRows(t *testing.T) {
	d := startDevice(t, asftest.Config{})
	rows := []struct {
		state asf.SystemState
		row   int
		power oobkit.PowerState
	}{
		{asf.StateS0, 1, oobkit.PowerS0},
		{asf.StateS1, 2, oobkit.PowerS1},
		{asf.StateS2, 3, oobkit.PowerS2},
		{asf.StateS3, 4, oobkit.PowerS3},
		{asf.StateS4, 5, oobkit.PowerS4},
		{asf.StateS5, 6, oobkit.PowerS5},
		{asf.StateS4S5, 7, oobkit.PowerS4S5},
		{asf.StateG3, 8, oobkit.PowerG3},
		{asf.StateSleeping, 9, oobkit.PowerSleeping},
		{asf.StateG1, 10, oobkit.PowerG1},
		{asf.StateS5Override, 11, oobkit.PowerS5Override},
		{asf.StateLegacyOn, 12, oobkit.PowerLegacyOn},
		{asf.StateLegacyOff, 13, oobkit.PowerLegacyOff},
		// The field notes' "FromState detected as unknown:14".
		{asf.StateUnknown, 14, oobkit.PowerUnknown},
	}
	for _, cred := range []oobkit.Credential{{}, d.Credential()} {
		c := newClient(t, d, cred)
		for _, r := range rows {
			d.SetState(byte(r.state))
			st, err := c.Status(context.Background())
			require.NoError(t, err)
			assert.Equal(t, r.state, st.State)
			assert.Equal(t, r.row, st.State.Row(), "%v", r.state)
			ps, err := c.PowerState(context.Background())
			require.NoError(t, err)
			assert.Equal(t, r.power, ps, "%v", r.state)
			assert.Equal(t, r.row, ps.Code(), "%v maps to its own Table C-3 row", r.state)
		}
	}
	assert.Equal(t, 1, d.Counters().Sessions, "the keyed client opened one session and reused it")
}

// TestRemoteControlWithRSP: each remote-control message travels through an
// RSP session and changes the simulated system state; one session serves
// them all.
func TestRemoteControlWithRSP(t *testing.T) {
	d := startDevice(t, asftest.Config{Username: "console", State: asftest.StateS5})
	c := newClient(t, d, d.Credential())
	ctx := context.Background()
	steps := []struct {
		action oobkit.PowerAction
		typ    byte
		after  oobkit.PowerState
	}{
		{oobkit.ActionOn, asf.TypePowerUp, oobkit.PowerS0},
		{oobkit.ActionReset, asf.TypeReset, oobkit.PowerS0},
		{oobkit.ActionCycle, asf.TypePowerCycle, oobkit.PowerS0},
		{oobkit.ActionOff, asf.TypePowerDown, oobkit.PowerS5},
	}
	var want []byte
	for _, s := range steps {
		require.NoError(t, c.SetPower(ctx, s.action), "%v", s.action)
		want = append(want, s.typ)
		ps, err := c.PowerState(ctx)
		require.NoError(t, err)
		assert.Equal(t, s.after, ps, "after %v", s.action)
	}
	assert.Equal(t, want, d.Actions())
	assert.Equal(t, 1, d.Counters().Sessions)
	assert.Zero(t, d.Counters().Discarded)
	g, err := c.GUID(ctx)
	require.NoError(t, err)
	assert.Equal(t, d.GUID(), g)
	// The power table gates: power on a running computer is refused.
	require.NoError(t, c.SetPower(ctx, oobkit.ActionOn))
	err = c.SetPower(ctx, oobkit.ActionOn)
	require.ErrorIs(t, err, oobkit.ErrInvalidState)
	assert.Equal(t, "1", oobkit.DeviceCode(err), "Table C-3 row 1, S0")
	// ASF has no graceful shutdown.
	require.ErrorIs(t, c.SetPower(ctx, oobkit.ActionShutdown), oobkit.ErrUnsupported)
}

// TestWrongKeyRefused: a wrong key, a role whose key differs and an
// unknown user name are all refused as authentication failures, and the
// computer is not touched.
func TestWrongKeyRefused(t *testing.T) {
	d := startDevice(t, asftest.Config{Username: "console", OperatorKey: "operator-key"})
	ctx := context.Background()
	cases := []struct {
		name string
		cred oobkit.Credential
		opts []asf.Option
		code string
	}{
		{"wrong key", oobkit.Credential{Username: "console", Password: oobkit.NewSecret("not-the-key")}, nil, ""},
		{"admin key for the operator role", d.Credential(), []asf.Option{asf.WithRole(asf.RoleOperator)}, ""},
		{"unknown user", oobkit.Credential{Username: "intruder", Password: oobkit.NewSecret(asftest.DefaultKey)}, nil, "0x0d"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, d, tc.cred, tc.opts...)
			err := c.SetPower(ctx, oobkit.ActionOff)
			require.ErrorIs(t, err, oobkit.ErrAuth)
			assert.Equal(t, tc.code, oobkit.DeviceCode(err))
			assert.NotContains(t, err.Error(), asftest.DefaultKey)
		})
	}
	assert.Empty(t, d.Actions())
	assert.Zero(t, d.Counters().Sessions)

	opCred := oobkit.Credential{Username: "console", Password: oobkit.NewSecret("operator-key")}
	op := newClient(t, d, opCred, asf.WithRole(asf.RoleOperator), asf.WithTimeout(200*time.Millisecond), asf.WithRetries(1))
	err := op.SetPower(ctx, oobkit.ActionOff)
	require.ErrorIs(t, err, oobkit.ErrAuth, "right role key, wrong generation key: the session's integrity fails")
	assert.Contains(t, err.Error(), "generation key")
	assert.Empty(t, d.Actions())

	op = newClient(t, d, opCred, asf.WithRole(asf.RoleOperator), asf.WithGenerationKey(oobkit.NewSecret(asftest.DefaultKey)))
	require.NoError(t, op.SetPower(ctx, oobkit.ActionOff), "the operator key and the device's KG open an operator session")
	assert.Equal(t, []byte{asf.TypePowerDown}, d.Actions())
}

func TestCredentialRules(t *testing.T) {
	target := oobkit.Target{Address: "127.0.0.1"}
	_, err := asf.New(target, oobkit.Credential{Auth: oobkit.AuthKerberos, Username: "DOMAIN\\op"})
	require.ErrorIs(t, err, oobkit.ErrUnsupported, "a domain account has no RMCP logon")
	_, err = asf.New(target, oobkit.UserPassword("u", "a key longer than twenty bytes"))
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	_, err = asf.New(target, oobkit.UserPassword("a user name of more than 16", "k"))
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	_, err = asf.New(target, oobkit.UserPassword("u", "00112233445566778899aabbccddeeff00112233"))
	require.NoError(t, err, "40 hex digits are a 160-bit key")

	d := startDevice(t, asftest.Config{Key: "00112233445566778899aabbccddeeff00112233"})
	c := newClient(t, d, d.Credential())
	require.NoError(t, c.SetPower(context.Background(), oobkit.ActionReset))

	nokey := newClient(t, d, oobkit.Credential{})
	require.ErrorIs(t, nokey.SetPower(context.Background(), oobkit.ActionReset), oobkit.ErrAuth)
}

// udpResponder answers every datagram with reply(datagram); nil stays silent.
func udpResponder(t *testing.T, reply func([]byte) []byte) oobkit.Target {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			n, from, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			if r := reply(buf[:n]); r != nil {
				_, _ = conn.WriteToUDP(r, from)
			}
		}
	}()
	t.Cleanup(func() { _ = conn.Close(); <-done })
	return oobkit.Target{Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.ASF: conn.LocalAddr().(*net.UDPAddr).Port}}
}

func TestErrorClasses(t *testing.T) {
	ctx := context.Background()
	fast := []asf.Option{asf.WithTimeout(50 * time.Millisecond), asf.WithRetries(1)}
	t.Run("silence is unreachable", func(t *testing.T) {
		c, err := asf.New(udpResponder(t, func([]byte) []byte { return nil }), oobkit.Credential{}, fast...)
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Ping(ctx)
		require.ErrorIs(t, err, oobkit.ErrUnreachable)
		assert.Contains(t, err.Error(), "after 2 attempts")
	})
	t.Run("garbage is a protocol error", func(t *testing.T) {
		c, err := asf.New(udpResponder(t, func([]byte) []byte { return []byte("HTTP/1.0 400 Bad Request\r\n") }), oobkit.Credential{}, fast...)
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Ping(ctx)
		require.ErrorIs(t, err, oobkit.ErrProtocol)
	})
	t.Run("oversize is a protocol error", func(t *testing.T) {
		c, err := asf.New(udpResponder(t, func([]byte) []byte { return make([]byte, 1500) }), oobkit.Credential{}, fast...)
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Ping(ctx)
		require.ErrorIs(t, err, oobkit.ErrProtocol)
		assert.Contains(t, err.Error(), "larger than")
	})
	t.Run("closed port is unreachable", func(t *testing.T) {
		l, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		require.NoError(t, err)
		port := l.LocalAddr().(*net.UDPAddr).Port
		require.NoError(t, l.Close())
		c, err := asf.New(oobkit.Target{Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.ASF: port}}, oobkit.Credential{}, fast...)
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Ping(ctx)
		require.ErrorIs(t, err, oobkit.ErrUnreachable)
	})
	t.Run("cancelled context", func(t *testing.T) {
		c, err := asf.New(udpResponder(t, func([]byte) []byte { return nil }), oobkit.Credential{}, asf.WithTimeout(time.Hour))
		require.NoError(t, err)
		defer c.Close()
		cctx, cancel := context.WithCancel(ctx)
		go cancel()
		_, err = c.Ping(cctx)
		require.ErrorIs(t, err, oobkit.ErrUnreachable)
		require.True(t, errors.Is(err, context.Canceled))
	})
	t.Run("a pong from another protocol's answer type", func(t *testing.T) {
		c, err := asf.New(udpResponder(t, func(b []byte) []byte {
			r := append([]byte(nil), b...)
			r[8] = 0x42 // a System State Response where a pong is due
			return r
		}), oobkit.Credential{}, fast...)
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Ping(ctx)
		require.ErrorIs(t, err, oobkit.ErrProtocol)
	})
}

func TestCapabilities(t *testing.T) {
	d := startDevice(t, asftest.Config{SystemCapabilities: 0x0C}) // reset and power-up on the secure port only
	c := newClient(t, d, d.Credential())
	caps, err := c.Capabilities(context.Background())
	require.NoError(t, err)
	anyPort, secure := caps.Supports(asf.TypeReset)
	assert.False(t, anyPort)
	assert.True(t, secure)
	require.ErrorIs(t, c.SetPower(context.Background(), oobkit.ActionOff), oobkit.ErrUnsupported,
		"power-down is not in the capabilities")
	require.NoError(t, c.SetPower(context.Background(), oobkit.ActionReset))
}
