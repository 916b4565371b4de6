package ipmi_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
)

// TestRefusedActionSaysItsClassOnce: an action the power state forbids read
// "ipmi: Chassis Control: invalid state: invalid state: …".
func TestRefusedActionSaysItsClassOnce(t *testing.T) {
	b, c := startBMC(t, ipmitest.Config{})
	b.SetPowerOn(true)
	err := c.SetPower(testCtx(t), oobkit.ActionOn)
	require.ErrorIs(t, err, oobkit.ErrInvalidState)
	assert.Equal(t, 1, strings.Count(err.Error(), oobkit.ErrInvalidState.Error()), err.Error())
}
