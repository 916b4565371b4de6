package amt_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/amttest"
)

// TestRefusedActionSaysItsClassOnce: an action the power state forbids read
// "amt: SetPower: invalid state: invalid state: …".
func TestRefusedActionSaysItsClassOnce(t *testing.T) {
	_, c := start(t, amttest.Config{Power: oobkit.PowerS5})
	err := c.SetPower(context.Background(), oobkit.ActionReset)
	require.ErrorIs(t, err, oobkit.ErrInvalidState)
	assert.Equal(t, 1, strings.Count(err.Error(), oobkit.ErrInvalidState.Error()), err.Error())
}
