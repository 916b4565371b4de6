package amt

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

func TestReturnCodeTables(t *testing.T) {
	tests := []struct {
		name   string
		codes  returnCodes
		rv     int64
		class  error // nil: success
		inText string
	}{
		{"power ok", powerChangeCodes, 0, nil, ""},
		{"power job started", powerChangeCodes, 4096, nil, ""},
		{"power redirection session", powerChangeCodes, 6, oobkit.ErrBusy, "redirection session"},
		{"power invalid transition", powerChangeCodes, 4097, oobkit.ErrInvalidState, "invalid state transition"},
		{"power busy", powerChangeCodes, 4099, oobkit.ErrBusy, "busy"},
		{"state change in use is plain", stateChangeCodes, 6, oobkit.ErrBusy, "in use"},
		{"state change not supported", stateChangeCodes, 1, oobkit.ErrUnsupported, "not supported"},
		{"boot role job started", bootRoleCodes, 4096, nil, ""},
		{"boot role reserved value", bootRoleCodes, 4097, oobkit.ErrDevice, "failure"},
		{"boot order consent", bootOrderCodes, 6, oobkit.ErrInvalidState, "consent"},
		{"unprovision not permitted", unprovisionCodes, 16, oobkit.ErrInvalidState, "not permitted"},
		{"unlisted value", optInCodes, 77, oobkit.ErrDevice, "failure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.codes.Err(oobkit.AMT, "M", tt.rv)
			if tt.class == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.class)
			assert.Contains(t, err.Error(), tt.inText)
			assert.Equal(t, itoa(int(tt.rv)), oobkit.DeviceCode(err))
		})
	}
	assert.NotContains(t, stateChangeCodes[6].Text, "redirection", "with copies; the shared table is unchanged")
}
