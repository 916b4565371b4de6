package cim

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oobkit/oobkit"
)

func TestReturnCodes(t *testing.T) {
	tests := []struct {
		rv    int64
		class error
	}{
		{0, nil}, {4096, nil}, {1, oobkit.ErrUnsupported}, {3, oobkit.ErrBusy}, {6, oobkit.ErrBusy},
		{4097, oobkit.ErrInvalidState}, {4099, oobkit.ErrBusy}, {77, oobkit.ErrDevice},
	}
	for _, tt := range tests {
		err := MethodCodes.Err(oobkit.DASH, "RequestPowerStateChange", tt.rv)
		if tt.class == nil {
			assert.NoError(t, err, tt.rv)
			continue
		}
		assert.ErrorIs(t, err, tt.class, tt.rv)
		var oe *oobkit.Error
		assert.True(t, errors.As(err, &oe))
		assert.Equal(t, oobkit.DASH, oe.Protocol)
	}
	custom := MethodCodes.With(ReturnCodes{6: {oobkit.ErrAuth, "access denied"}}).UpTo(4096)
	assert.ErrorIs(t, custom.Err(oobkit.AMT, "m", 6), oobkit.ErrAuth)
	assert.NotContains(t, custom, int64(4097))
	assert.ErrorIs(t, MethodCodes.Err(oobkit.AMT, "m", 6), oobkit.ErrBusy, "With copies; the shared table is unchanged")
}
