package snmptest_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/snmp"
	"github.com/oobkit/oobkit/snmp/snmptest"
)

// The shape every oobkit simulator shares: NewServer(Config), Target and
// Credential that a client uses as they are, Close. An SNMP agent has no
// initial power state to honour; what Config sets (address, sysName,
// community, USM user) is read back by the snmp client.
func TestNewServerShape(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  snmptest.Config
		auth oobkit.AuthKind
	}{
		{"defaults", snmptest.Config{}, oobkit.AuthCommunity},
		{"own address, name and community", snmptest.Config{IP: "127.0.0.7", Name: "pc-7", Community: "site-7"}, oobkit.AuthCommunity},
		{"served community", snmptest.Config{Community: snmptest.RWCommunity}, oobkit.AuthCommunity},
		{"USM SHA-512/AES-256", snmptest.Config{User: snmptest.UserSHA512}, oobkit.AuthUSM},
		{"USM MD5 authNoPriv", snmptest.Config{User: snmptest.UserMD5Auth}, oobkit.AuthUSM},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := snmptest.NewServer(tc.cfg)
			peer.Check(t, err)
			dir := s.Dir()
			target, cred := s.Target(), s.Credential()
			wantIP, wantName := "127.0.0.1", "simhost"
			if tc.cfg.IP != "" {
				wantIP = tc.cfg.IP
			}
			if tc.cfg.Name != "" {
				wantName = tc.cfg.Name
			}
			assert.Equal(t, wantIP, target.Address)
			assert.Equal(t, wantName, target.Name)
			assert.Equal(t, s.Port(), target.Port(oobkit.SNMP, false))
			assert.Equal(t, tc.auth, cred.Auth)

			c, err := snmp.New(target, cred)
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			sys, err := c.System(ctx)
			require.NoError(t, err)
			assert.Equal(t, wantName, sys.Name, "sysName is Config.Name")
			assert.Equal(t, snmptest.SysLocation, sys.Location)
			require.NoError(t, c.Close())

			require.NoError(t, s.Close())
			require.NoError(t, s.Close(), "Close twice")
			_, err = os.Stat(dir)
			assert.ErrorIs(t, err, os.ErrNotExist, "Close removes the temporary directory")
		})
	}
}

func TestNewServerRefusesBadConfig(t *testing.T) {
	for _, cfg := range []snmptest.Config{
		{IP: "192.0.2.1"}, {IP: "::1"}, {IP: "nope"},
		{Community: "two words"}, {Community: "quote\""},
		{Name: "line\nbreak"},
		{User: "mallory"},
	} {
		s, err := snmptest.NewServer(cfg)
		if !assert.Error(t, err, "%+v", cfg) {
			_ = s.Close()
		}
	}
}
