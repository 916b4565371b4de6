package asftest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/asf/asftest"
)

// Config.Power, the initial state as a Table C-3 row as every simulator
// takes it, is reported as the ASF System State of the same row (DSP0136
// §3.2.4.10: 00h S0/G0 … 0Ch Legacy OFF); unknown leaves it to State.
func TestNewServerPower(t *testing.T) {
	for _, tc := range []struct {
		cfg   asftest.Config
		state byte
	}{
		{asftest.Config{}, 0x00},
		{asftest.Config{State: 0x0E}, 0x0E},
		{asftest.Config{Power: oobkit.PowerS0}, 0x00},
		{asftest.Config{Power: oobkit.PowerS3}, 0x03},
		{asftest.Config{Power: oobkit.PowerS5, State: 0x00}, 0x05},
		{asftest.Config{Power: oobkit.PowerG3}, 0x07},
		{asftest.Config{Power: oobkit.PowerLegacyOff}, 0x0C},
	} {
		s, err := asftest.NewServer(tc.cfg)
		require.NoError(t, err)
		assert.Equal(t, tc.state, s.State(), "%+v", tc.cfg)
		assert.Equal(t, s.Port(), s.Target().Port(oobkit.ASF, false))
		assert.False(t, s.Credential().Password.IsZero(), "the administrator key")
		require.NoError(t, s.Close())
	}
}
