package ipmi_test

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
)

func TestSimRefusedCredentials(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	cases := []struct {
		name string
		cred oobkit.Credential
	}{
		{"wrong password", oobkit.UserPassword(sim.Username, "not-the-password")},
		{"unknown user", oobkit.UserPassword("nobody", sim.Password)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ipmi.New(sim.Target(), tc.cred)
			require.NoError(t, err)
			defer c.Close()
			_, err = c.PowerState(testCtx(t))
			require.ErrorIs(t, err, oobkit.ErrAuth)
			assert.Equal(t, oobkit.CodeAuth, oobkit.ReturnCode(err))
			assert.NotContains(t, err.Error(), "not-the-password")
			// ipmitool agrees that the credential is refused.
			out, terr := exec.CommandContext(testCtx(t), "ipmitool", "-I", "lanplus", "-C", "3", "-N", "1", "-R", "1",
				"-H", "127.0.0.1", "-p", strconv.Itoa(sim.Port), "-U", tc.cred.Username, "-P", tc.cred.Password.Reveal(),
				"chassis", "power", "status").CombinedOutput()
			require.Error(t, terr, "ipmitool accepted the credential: %s", out)
		})
	}
}

func TestNoBMCListening(t *testing.T) {
	// A UDP port that was free a moment ago: nothing answers.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	port := pc.LocalAddr().(*net.UDPAddr).Port
	require.NoError(t, pc.Close())

	target := oobkit.Target{Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.IPMI: port}}
	c, err := ipmi.New(target, oobkit.UserPassword("admin", "password"), ipmi.WithTimeout(200*time.Millisecond), ipmi.WithRetries(1))
	require.NoError(t, err)
	defer c.Close()
	_, err = c.PowerState(context.Background())
	require.ErrorIs(t, err, oobkit.ErrUnreachable)
	assert.Equal(t, oobkit.CodeUnreachable, oobkit.ReturnCode(err))
}

func TestCallerContextBoundsSilentBMC(t *testing.T) {
	// A socket that takes every datagram and never answers: with a 30 s
	// exchange timeout, only the caller's context can end the call.
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer silent.Close()
	target := oobkit.Target{Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.IPMI: silent.LocalAddr().(*net.UDPAddr).Port}}
	c, err := ipmi.New(target, oobkit.UserPassword("admin", "password"), ipmi.WithTimeout(30*time.Second), ipmi.WithRetries(0))
	require.NoError(t, err)
	defer c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = c.PowerState(ctx)
	require.Error(t, err)
	// DeadlineExceeded, not the exchange's own timeout, says the caller's
	// deadline ended the call (no wall-clock bound asserted).
	assert.ErrorIs(t, err, context.DeadlineExceeded, "%v", err)
	assert.Equal(t, oobkit.CodeUnreachable, oobkit.ReturnCode(err), "no session before the deadline: unreachable")

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = c.PowerState(ctx)
	assert.ErrorIs(t, err, context.Canceled, "%v", err) // cancellation, not the exchange timeout, ended the call
	assert.Equal(t, oobkit.CodeCanceled, oobkit.ReturnCode(err))
}

func TestSimUnsupportedCommand(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	ctx := testCtx(t)
	c := newSimClient(t, sim)
	// App netFn 06h, command 7Fh is not defined by IPMI v2.0: ipmi_sim answers C1h.
	_, err = c.Raw(ctx, 0x06, 0x7F, nil)
	require.ErrorIs(t, err, oobkit.ErrUnsupported)
	assert.Equal(t, "0xc1", oobkit.DeviceCode(err))
	out, _ := sim.Ipmitool(ctx, "raw", "0x06", "0x7f")
	assert.Contains(t, out, "rsp=0xc1")

	// The session survives a refused command.
	b, err := c.Raw(ctx, 0x06, 0x01, nil) // Get Device ID
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(b), 11)
}

func TestClosedClientAndBadInput(t *testing.T) {
	_, err := ipmi.New(oobkit.Target{}, oobkit.UserPassword("a", "b"))
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	_, err = ipmi.New(oobkit.Target{Address: "127.0.0.1"}, oobkit.UserPassword("this-name-is-too-long", "b"))
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	_, err = ipmi.New(oobkit.Target{Address: "127.0.0.1"}, oobkit.Credential{Auth: oobkit.AuthNTLM})
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)

	c, err := ipmi.New(oobkit.Target{Address: "127.0.0.1"}, oobkit.UserPassword("a", "b"))
	require.NoError(t, err)
	assert.Equal(t, oobkit.IPMI, c.Protocol())
	require.NoError(t, c.Close())
	_, err = c.PowerState(context.Background())
	require.ErrorIs(t, err, oobkit.ErrInvalidState)
	require.ErrorIs(t, c.SetPower(context.Background(), oobkit.ActionNone), oobkit.ErrInvalidArgument)
}
