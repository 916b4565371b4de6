package simfleet

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// A mixed fleet: named computers of each kind with their protocols label,
// every third one off, one profile for all; Close stops them.
func TestNewMixedFleet(t *testing.T) {
	f, err := New(Config{AMT: 2, IPMI: 2, DASH: 1, WMI: 1})
	require.NoError(t, err)
	defer func() { require.NoError(t, f.Close()) }()

	names := map[string]string{}
	for _, tg := range f.Targets() {
		require.NoError(t, tg.Validate())
		names[tg.Name] = tg.Labels[LabelProtocols]
	}
	assert.Equal(t, map[string]string{
		"amt-01": "amt,redirection", "amt-02": "amt,redirection",
		"bmc-01": "ipmi", "bmc-02": "ipmi", "dash-01": "dash",
		"win-01": "wmi",
	}, names)
	assert.True(t, f.Computer("amt-01").PowerOn())
	assert.False(t, f.Computer("amt-02").PowerOn(), "every third computer of its kind (index 1) starts off")
	assert.False(t, f.Computer("bmc-02").PowerOn())
	assert.Nil(t, f.Computer("nobody"))

	p := f.Profile()
	assert.Equal(t, ProfileName, p.Name)
	for _, proto := range []oobkit.Protocol{oobkit.AMT, oobkit.DASH, oobkit.IPMI, oobkit.Redirection, oobkit.WMI} {
		assert.True(t, p.Protocols[proto].Enabled, "%s", proto)
		assert.Equal(t, User, p.Protocols[proto].Credential.Username)
	}
}

func TestNewRefusesEmptyFleet(t *testing.T) {
	_, err := New(Config{})
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	_, err = New(Config{AMT: 2, Faults: true})
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}
