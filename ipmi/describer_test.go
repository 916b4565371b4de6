package ipmi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/ipmi/ipmitest"
)

// TestDescribe: Describe reports the BMC's Get Device ID (the embedded BMC
// says firmware 1.10, manufacturer 0157h).
func TestDescribe(t *testing.T) {
	_, c := startBMC(t, ipmitest.Config{})
	d, err := c.Describe(testCtx(t))
	require.NoError(t, err)
	assert.Equal(t, "1.10", d["firmware"])
	assert.NotEmpty(t, d["ipmiVersion"])
	assert.Equal(t, "343", d["manufacturerID"])
	assert.Equal(t, "true", d["available"])
}
