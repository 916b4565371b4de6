package ipmi_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
)

// RMCP+ session set-up payload types (IPMI v2.0 §13.27.3).
const (
	payloadRAKP1 = 0x12
	payloadRAKP2 = 0x13
)

// A late RAKP Message 2 makes the console re-send RAKP 1; the BMC then draws
// a new random number, and when the late answer is the one the console
// reads, RAKP 3 fails the BMC's check with a status that reads like a bad
// password. That is a loaded network, not a bad credential: the client must
// open the session anyway, or report ErrUnreachable, never ErrAuth for the
// right password. A wrong password stays ErrAuth, lost packets or not.
func TestSessionSetupWithLateRAKP(t *testing.T) {
	const timeout = 300 * time.Millisecond
	lateOnce := func(k relayKey, nth int) time.Duration {
		if k != (relayKey{false, payloadRAKP2}) {
			return 0
		}
		switch nth {
		case 1:
			return timeout * 3 / 2 // read after RAKP 1 was re-sent
		case 2:
			return 3 * timeout // the answer to the re-sent RAKP 1, read by no one
		}
		return 0
	}
	lateAlways := func(k relayKey, _ int) time.Duration {
		if k != (relayKey{false, payloadRAKP2}) {
			return 0
		}
		return timeout * 3 / 2 // each answer is read after RAKP 1 was re-sent, and is stale by then
	}
	cases := []struct {
		name      string
		password  string
		delay     func(relayKey, int) time.Duration
		wantClass error // nil: the session opens
		minRAKP1  int   // RAKP 1 messages the BMC must have seen
	}{
		{name: "late RAKP 2 once", delay: lateOnce, minRAKP1: 3},
		{name: "late RAKP 2 every time", delay: lateAlways, wantClass: oobkit.ErrUnreachable, minRAKP1: 4},
		{name: "wrong password, late RAKP 2 once", password: "wrong", delay: lateOnce, wantClass: oobkit.ErrAuth, minRAKP1: 3},
		{name: "wrong password", password: "wrong", wantClass: oobkit.ErrAuth, minRAKP1: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ipmitest.NewServer(ipmitest.Config{})
			require.NoError(t, err)
			t.Cleanup(func() { _ = b.Close() })
			relay := startDelayRelay(t, b.Port(), tc.delay)
			target := b.Target()
			target.Ports[oobkit.IPMI] = relay.port()
			cred := b.Credential()
			if tc.password != "" {
				cred = oobkit.UserPassword(cred.Username, tc.password)
			}
			c, err := ipmi.New(target, cred, ipmi.WithTimeout(timeout), ipmi.WithCipherSuites(17))
			require.NoError(t, err)
			t.Cleanup(func() { _ = c.Close() })

			_, err = c.PowerState(testCtx(t))
			assert.GreaterOrEqual(t, relay.total(relayKey{true, payloadRAKP1}), tc.minRAKP1, "RAKP 1 messages sent")
			if tc.wantClass == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.wantClass)
			if tc.wantClass != oobkit.ErrAuth {
				assert.NotErrorIs(t, err, oobkit.ErrAuth)
			}
		})
	}
}
