package snmp

import (
	"context"
	"encoding/hex"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/snmp/snmptest"
)

// trapUser is the v3 user the listener accepts in tests.
func trapUser(auth, priv string) oobkit.Credential {
	return oobkit.Credential{Auth: oobkit.AuthUSM, Username: snmptest.TrapUser, USM: &oobkit.USM{
		AuthProtocol: "SHA", AuthPassphrase: oobkit.NewSecret(auth),
		PrivProtocol: "AES", PrivPassphrase: oobkit.NewSecret(priv),
	}}
}

func startTestListener(t *testing.T, opts ...ListenerOption) *Listener {
	t.Helper()
	opts = append([]ListenerOption{
		WithCommunities(oobkit.NewSecret("public")),
		WithUSMUsers(trapUser(snmptest.AuthPassphrase, snmptest.PrivPassphrase)),
	}, opts...)
	l, err := Listen(context.Background(), "127.0.0.1:0", opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// runNetSNMP runs a net-snmp command line tool with a private persistent
// directory and no MIBs.
func runNetSNMP(t *testing.T, bin string, args ...string) error {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-m", ""}, args...)...)
	cmd.Env = snmptest.Env(t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Logf("%s %v: %v\n%s", bin, args, err, out)
	}
	return err
}

func nextEvent(t *testing.T, l *Listener) oobkit.Event {
	t.Helper()
	select {
	case ev := <-l.Events():
		return ev
	case <-time.After(waitLimit):
		t.Fatalf("no event within %v; stats %+v", waitLimit, l.Stats())
	}
	return oobkit.Event{}
}

// waitLimit bounds how long a test waits for something that normally takes
// milliseconds. It is generous because CI runs every package at once with
// -race on two cores; a passing test never waits it out.
const waitLimit = 30 * time.Second

// waitStats waits until cond holds for the listener's counters.
func waitStats(t *testing.T, l *Listener, cond func(ListenerStats) bool) ListenerStats {
	t.Helper()
	for deadline := time.Now().Add(waitLimit); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if s := l.Stats(); cond(s) {
			return s
		}
	}
	t.Fatalf("counters never matched within %v: %+v", waitLimit, l.Stats())
	return ListenerStats{}
}

func TestListenerNetSNMPSenders(t *testing.T) {
	snmptrap := peer.Require(t, "snmptrap", "snmp")
	snmpinform := peer.Require(t, "snmpinform", "snmp")
	l := startTestListener(t)
	dst := l.Addr().String()
	dellHex := hex.EncodeToString(readHexBytes(t, "testdata/pet-dell.hex"))

	t.Run("v1 PET", func(t *testing.T) {
		require.NoError(t, runNetSNMP(t, snmptrap, "-v", "1", "-c", "public", dst,
			"1.3.6.1.4.1.3183.1.1", "10.1.2.3", "6", strconv.Itoa(dellSpecific), "",
			"1.3.6.1.4.1.3183.1.1.1", "x", dellHex))
		ev := nextEvent(t, l)
		assert.Equal(t, "10.1.2.3", ev.Target, "v1 agent address is the target")
		assert.Equal(t, "Physical Security", ev.SensorType)
		assert.Equal(t, 115, ev.SensorNumber)
		assert.False(t, ev.Assertion)
		assert.Equal(t, oobkit.SeverityCritical, ev.Severity, "as ipmi-pet rates it")
		assert.Equal(t, "356224", ev.Code)
		assert.Contains(t, ev.Description, "General Chassis Intrusion")
		assert.Equal(t, "1", ev.Data["version"])
		assert.Equal(t, "trap", ev.Data["pdu"])
	})
	t.Run("v2c linkDown", func(t *testing.T) {
		require.NoError(t, runNetSNMP(t, snmptrap, "-v", "2c", "-c", "public", dst, "",
			"1.3.6.1.6.3.1.1.5.3", "1.3.6.1.2.1.2.2.1.1.2", "i", "2"))
		ev := nextEvent(t, l)
		assert.Equal(t, "127.0.0.1", ev.Target)
		assert.Equal(t, ".1.3.6.1.6.3.1.1.5.3", ev.Code)
		assert.Equal(t, oobkit.SeverityWarning, ev.Severity)
		assert.Equal(t, "2", ev.Data[".1.3.6.1.2.1.2.2.1.1.2"])
		assert.Equal(t, "2c", ev.Data["version"])
	})
	t.Run("v2c PET form (RFC 3584)", func(t *testing.T) {
		require.NoError(t, runNetSNMP(t, snmptrap, "-v", "2c", "-c", "public", dst, "",
			"1.3.6.1.4.1.3183.1.1.0.65801", "1.3.6.1.4.1.3183.1.1.1", "x",
			hex.EncodeToString(buildPET(3, 0, 0xFFFF, 0x10, 1, 7, []byte{0x59, 0x62, 0x55}, nil))))
		ev := nextEvent(t, l)
		assert.Equal(t, "Temperature", ev.SensorType)
		assert.Equal(t, oobkit.SeverityCritical, ev.Severity)
		assert.Contains(t, ev.Description, "Upper Critical - going high")
	})
	t.Run("v3 authPriv", func(t *testing.T) {
		require.NoError(t, runNetSNMP(t, snmptrap, "-v", "3", "-e", snmptest.TrapEngineID, "-u", snmptest.TrapUser,
			"-l", "authPriv", "-a", "SHA", "-A", snmptest.AuthPassphrase, "-x", "AES", "-X", snmptest.PrivPassphrase,
			dst, "", "1.3.6.1.6.3.1.1.5.1"))
		ev := nextEvent(t, l)
		assert.Equal(t, ".1.3.6.1.6.3.1.1.5.1", ev.Code)
		assert.Equal(t, "3", ev.Data["version"])
		assert.Equal(t, snmptest.TrapUser, ev.Data["user"])
	})
	t.Run("v3 authPriv from a second engine", func(t *testing.T) {
		require.NoError(t, runNetSNMP(t, snmptrap, "-v", "3", "-e", "0x80001f8804616e6f74686572", "-u", snmptest.TrapUser,
			"-l", "authPriv", "-a", "SHA", "-A", snmptest.AuthPassphrase, "-x", "AES", "-X", snmptest.PrivPassphrase,
			dst, "", "1.3.6.1.6.3.1.1.5.2"))
		ev := nextEvent(t, l)
		assert.Equal(t, ".1.3.6.1.6.3.1.1.5.2", ev.Code)
	})
	t.Run("v2c inform acknowledged", func(t *testing.T) {
		before := l.Stats().InformsAcked
		// snmpinform exits 0 only when it got the acknowledgement.
		require.NoError(t, runNetSNMP(t, snmpinform, "-v", "2c", "-c", "public", "-t", "2", "-r", "1", dst, "",
			"1.3.6.1.6.3.1.1.5.4", "1.3.6.1.2.1.2.2.1.1.1", "i", "1"))
		ev := nextEvent(t, l)
		assert.Equal(t, "inform", ev.Data["pdu"])
		assert.Equal(t, ".1.3.6.1.6.3.1.1.5.4", ev.Code)
		assert.Equal(t, before+1, l.Stats().InformsAcked)
	})

	rejects := []struct {
		name string
		args []string
	}{
		{"v1 wrong community", []string{"-v", "1", "-c", "wrong", dst, "1.3.6.1.4.1.3183.1.1", "10.1.2.3", "6", "65801", ""}},
		{"v2c wrong community", []string{"-v", "2c", "-c", "wrong", dst, "", "1.3.6.1.6.3.1.1.5.1"}},
		{"v3 wrong auth passphrase", []string{"-v", "3", "-e", snmptest.TrapEngineID, "-u", snmptest.TrapUser, "-l", "authPriv",
			"-a", "SHA", "-A", "notthepass", "-x", "AES", "-X", snmptest.PrivPassphrase, dst, "", "1.3.6.1.6.3.1.1.5.1"}},
		{"v3 unknown user", []string{"-v", "3", "-e", snmptest.TrapEngineID, "-u", "mallory", "-l", "authPriv",
			"-a", "SHA", "-A", snmptest.AuthPassphrase, "-x", "AES", "-X", snmptest.PrivPassphrase, dst, "", "1.3.6.1.6.3.1.1.5.1"}},
		{"v3 noAuthNoPriv for an authPriv user", []string{"-v", "3", "-e", snmptest.TrapEngineID, "-u", snmptest.TrapUser,
			"-l", "noAuthNoPriv", dst, "", "1.3.6.1.6.3.1.1.5.1"}},
	}
	for _, tt := range rejects {
		t.Run(tt.name, func(t *testing.T) {
			before := l.Stats()
			require.NoError(t, runNetSNMP(t, snmptrap, tt.args...))
			s := waitStats(t, l, func(s ListenerStats) bool { return s.Received > before.Received })
			assert.Equal(t, before.Rejected+1, s.Rejected, "%+v", s)
			assert.Equal(t, before.Accepted, s.Accepted)
		})
	}
	assert.Empty(t, l.Events(), "a rejected trap must not produce an event")
}
