package wmitest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

// NewServer is the shape every simulator shares: Target reaches the
// listener, Credential is the built-in Administrator (pinned over TLS), and
// Config.Power says whether Windows runs.
func TestNewServer(t *testing.T) {
	s, err := wmitest.NewServer(wmitest.Config{Name: "PC7", TLS: true})
	require.NoError(t, err)
	defer s.Close()
	tg := s.Target()
	assert.Equal(t, "PC7", tg.Name)
	assert.NotZero(t, tg.Port(oobkit.WMI, true))
	cred := s.Credential()
	assert.Equal(t, "Administrator", cred.Username)
	assert.Equal(t, wmitest.DefaultAdminPassword, cred.Password.Reveal())
	assert.Equal(t, s.Fingerprint(), cred.TLS.PinnedSHA256)
	assert.True(t, s.IsOn())

	off, err := wmitest.NewServer(wmitest.Config{Power: oobkit.PowerS5})
	require.NoError(t, err)
	defer off.Close()
	assert.False(t, off.IsOn(), "S5: Windows is not running")
	assert.Empty(t, off.Credential().TLS.PinnedSHA256)
}
