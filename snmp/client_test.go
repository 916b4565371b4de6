package snmp

import (
	"context"
	"errors"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/snmp/snmptest"
)

func usmCred(user, auth, priv string) oobkit.Credential {
	u := &oobkit.USM{AuthProtocol: auth, AuthPassphrase: oobkit.NewSecret(snmptest.AuthPassphrase)}
	if priv != "" {
		u.PrivProtocol, u.PrivPassphrase = priv, oobkit.NewSecret(snmptest.PrivPassphrase)
	}
	return oobkit.Credential{Auth: oobkit.AuthUSM, Username: user, USM: u}
}

// startAgent starts snmptest's real snmpd for the test (skipped or failed
// by internal/peer when snmpd is missing) and stops it in t.Cleanup.
func startAgent(t testing.TB, cfg snmptest.Config) *snmptest.Server {
	t.Helper()
	s, err := snmptest.NewServer(cfg)
	peer.Check(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// snmpgetter reads values with net-snmp's snmpget, the reference client.
type snmpgetter struct {
	t    *testing.T
	bin  string
	addr string
}

func (s snmpgetter) get(oid string) string {
	s.t.Helper()
	cmd := exec.Command(s.bin, "-v2c", "-c", snmptest.Community, "-m", "", "-On", "-Oqv", "-Oe", "-r", "1", "-t", "1", s.addr, oid)
	cmd.Env = snmptest.Env(s.t.TempDir())
	out, err := cmd.Output()
	require.NoError(s.t, err, "snmpget %s", oid)
	v := strings.TrimSpace(string(out))
	return strings.Trim(v, `"`)
}

func TestInventoryMatchesSnmpget(t *testing.T) {
	snmpget := peer.Require(t, "snmpget", "snmp")
	agent := startAgent(t, snmptest.Config{})
	ref := snmpgetter{t: t, bin: snmpget, addr: agent.Addr()}

	want := map[string]string{
		"sysDescr": ref.get(OIDSysDescr), "sysObjectID": ref.get(OIDSysObjectID),
		"sysContact": ref.get(OIDSysContact), "sysName": ref.get(OIDSysName), "sysLocation": ref.get(OIDSysLocation),
	}
	require.Equal(t, snmptest.SysLocation, want["sysLocation"])

	creds := []struct {
		name string
		cred oobkit.Credential
		opts []Option
		want Version
	}{
		{"v2c", oobkit.Credential{Community: oobkit.NewSecret(snmptest.Community)}, nil, Version2c},
		{"v1", oobkit.Credential{Community: oobkit.NewSecret(snmptest.Community)}, []Option{WithVersion(Version1)}, Version1},
		{"v3 SHA/AES", usmCred(snmptest.UserSHA, "SHA", "AES"), nil, Version3},
		{"v3 SHA-256/AES", usmCred(snmptest.UserSHA256, "SHA-256", "AES"), nil, Version3},
		{"v3 SHA-512/AES256", usmCred(snmptest.UserSHA512, "SHA512", "AES256"), nil, Version3},
		{"v3 MD5 authNoPriv", usmCred(snmptest.UserMD5Auth, "MD5", ""), nil, Version3},
	}
	for _, tt := range creds {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(agent.Target(), tt.cred, tt.opts...)
			require.NoError(t, err)
			defer c.Close()
			assert.Equal(t, tt.want, c.Version())
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			inv, err := c.Inventory(ctx)
			require.NoError(t, err)
			assert.Equal(t, "simhost", inv.Target)
			for name, v := range want {
				got, ok := inv.Property(name)
				assert.True(t, ok, name)
				assert.Equal(t, v, got, name)
			}
			require.Len(t, inv.System, 1)
			assert.Equal(t, oobkit.SNMP, inv.System[0].Source)
			assert.Equal(t, want["sysName"], inv.System[0].Name)

			// Interfaces: ifDescr.1 / ifName.1 and the loopback's address.
			require.NotEmpty(t, inv.Network)
			assert.Equal(t, ref.get(".1.3.6.1.2.1.31.1.1.1.1.1"), inv.Network[0].Name)
			assert.Equal(t, oobkit.SNMP, inv.Network[0].Source)
			var addrs []string
			for _, n := range inv.Network {
				addrs = append(addrs, n.Addresses...)
			}
			assert.Contains(t, addrs, "127.0.0.1")

			// Processors: one per hrDevice processor row, named by hrDeviceDescr.
			require.NotEmpty(t, inv.Processors)
			idx := strings.TrimPrefix(inv.Processors[0].Socket, "hrDevice.")
			assert.Equal(t, ref.get(OIDHrDeviceEntry+".3."+idx), inv.Processors[0].Name)

			// Storage: the RAM row and the first volume agree with hrStorage.
			require.NotEmpty(t, inv.Memory)
			checkStorage(t, ref, inv)
		})
	}
}

// checkStorage finds the hrStorage row of the first volume and compares it.
func checkStorage(t *testing.T, ref snmpgetter, inv *oobkit.Inventory) {
	t.Helper()
	var vol *oobkit.Disk
	for i := range inv.Disks {
		if inv.Disks[i].Kind == "volume" {
			vol = &inv.Disks[i]
			break
		}
	}
	require.NotNil(t, vol, "no volume in %+v", inv.Disks)
	for i := 1; i < 200; i++ {
		idx := strconv.Itoa(i)
		descr := ref.get(OIDHrStorageEntry + ".3." + idx)
		if descr != vol.Name {
			continue
		}
		units, _ := strconv.ParseInt(ref.get(OIDHrStorageEntry+".4."+idx), 10, 64)
		size, _ := strconv.ParseInt(ref.get(OIDHrStorageEntry+".5."+idx), 10, 64)
		assert.Equal(t, size*units/(1<<20), vol.CapacityMB, vol.Name)
		return
	}
	t.Fatalf("volume %q not found with snmpget", vol.Name)
}

func TestClientErrors(t *testing.T) {
	agent := startAgent(t, snmptest.Config{})
	target := agent.Target()
	// snmpd answers a refused v3 user at once with a usmStats report, so
	// those cases get a timeout long enough for a loaded machine (it costs
	// nothing when snmpd is quick); a wrong community gets silence, so that
	// case waits out a short timeout.
	tests := []struct {
		name    string
		cred    oobkit.Credential
		timeout time.Duration
		class   error
	}{
		{"v3 wrong auth passphrase", oobkit.Credential{Username: snmptest.UserSHA, USM: &oobkit.USM{
			AuthProtocol: "SHA", AuthPassphrase: oobkit.NewSecret("wrongpass1"),
			PrivProtocol: "AES", PrivPassphrase: oobkit.NewSecret(snmptest.PrivPassphrase)}}, 10 * time.Second, oobkit.ErrAuth},
		{"v3 unknown user", usmCred("nobody", "SHA", "AES"), 10 * time.Second, oobkit.ErrAuth},
		{"v2c wrong community", oobkit.Credential{Community: oobkit.NewSecret("wrong")}, 300 * time.Millisecond, oobkit.ErrNotDetected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(target, tt.cred, WithTimeout(tt.timeout), WithRetries(0))
			require.NoError(t, err)
			defer c.Close()
			_, err = c.Detect(context.Background())
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.class)
			assert.NotContains(t, err.Error(), "wrongpass1")
			assert.NotContains(t, err.Error(), snmptest.PrivPassphrase)
		})
	}

	t.Run("detect succeeds", func(t *testing.T) {
		c, err := New(target, oobkit.Credential{Community: oobkit.NewSecret(snmptest.Community)})
		require.NoError(t, err)
		defer c.Close()
		sys, err := c.Detect(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "simhost", sys.Name)
		assert.Positive(t, sys.UpTime)
	})
}

func TestClientContextAndArguments(t *testing.T) {
	// A socket that reads and never answers: the context deadline ends the
	// wait, not the (long) request timeout.
	silent, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer silent.Close()
	target := oobkit.Target{Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.SNMP: silent.LocalAddr().(*net.UDPAddr).Port}}
	c, err := New(target, oobkit.Credential{Community: oobkit.NewSecret("public")}, WithTimeout(30*time.Second))
	require.NoError(t, err)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = c.System(ctx)
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err) // the deadline, not the 30 s request timeout

	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel2() }()
	_, err = c.System(ctx2)
	assert.ErrorIs(t, err, context.Canceled)

	require.NoError(t, c.Close())
	_, err = c.System(context.Background())
	assert.ErrorIs(t, err, oobkit.ErrInvalidState)

	for name, cred := range map[string]oobkit.Credential{
		"no community":      {},
		"no user":           {Auth: oobkit.AuthUSM},
		"bad auth protocol": {Username: "u", USM: &oobkit.USM{AuthProtocol: "ROT13", AuthPassphrase: oobkit.NewSecret("x")}},
		"priv without auth": {Username: "u", USM: &oobkit.USM{PrivProtocol: "AES", PrivPassphrase: oobkit.NewSecret("x")}},
		"auth without pass": {Username: "u", USM: &oobkit.USM{AuthProtocol: "SHA"}},
	} {
		_, err := New(oobkit.Target{Address: "127.0.0.1"}, cred)
		assert.ErrorIs(t, err, oobkit.ErrInvalidArgument, name)
	}
}
