package ipmi

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/bougou/go-ipmi/pkg/types"
	"github.com/stretchr/testify/assert"

	"github.com/oobkit/oobkit"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		name  string
		err   error
		class error
		code  string
	}{
		{"invalid command", types.NewResponseError(0xC1, "x"), oobkit.ErrUnsupported, "0xc1"},
		{"node busy", fmt.Errorf("wrapped: %w", types.NewResponseError(0xC0, "x")), oobkit.ErrBusy, "0xc0"},
		{"privilege", types.NewResponseError(0xD4, "x"), oobkit.ErrAuth, "0xd4"},
		{"bad field", types.NewResponseError(0xCC, "x"), oobkit.ErrInvalidArgument, "0xcc"},
		{"command specific", types.NewResponseError(0x81, "x"), oobkit.ErrDevice, "0x81"},
		{"unauthorized name", types.NewRmcpStatusError(types.RmcpStatusCodeUnauthorizedName), oobkit.ErrAuth, "rmcp+ 0x0d"},
		{"no cipher suite", types.NewRmcpStatusError(types.RmcpStatusCodeNoCipherSuiteMatch), oobkit.ErrUnsupported, "rmcp+ 0x11"},
		{"no resources", types.NewRmcpStatusError(types.RmcpStatusCodeNoResToCreateSess), oobkit.ErrBusy, "rmcp+ 0x01"},
		{"flattened status text", errors.New("connect20 failed, errs: \ncmd: rakp1 failed, err: RMCP+ status 0x0d: Unauthorized name"), oobkit.ErrAuth, "rmcp+ 0x0d"},
		{"rakp", fmt.Errorf("x: %w", client.ErrRAKPAuthentication), oobkit.ErrAuth, ""},
		{"rakp text", errors.New("rakp2 failed: RAKP authentication failed"), oobkit.ErrAuth, ""},
		{"timeout", fmt.Errorf("x: %w", os.ErrDeadlineExceeded), oobkit.ErrUnreachable, ""},
		{"no datagram", errors.New("IPMI LAN: no UDP datagram matched before read deadline"), oobkit.ErrUnreachable, ""},
		{"short", fmt.Errorf("x: %w", types.ErrUnpackedDataTooShort), oobkit.ErrProtocol, ""},
		{"other", errors.New("boom"), oobkit.ErrDevice, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := classify("Op", tc.err)
			assert.ErrorIs(t, err, tc.class)
			assert.Equal(t, tc.code, oobkit.DeviceCode(err))
			var oe *oobkit.Error
			if assert.ErrorAs(t, err, &oe) {
				assert.Equal(t, oobkit.IPMI, oe.Protocol)
				assert.Equal(t, "Op", oe.Op)
			}
		})
	}
	assert.ErrorIs(t, classify("Op", fmt.Errorf("x: %w", context.Canceled)), context.Canceled)
	assert.NoError(t, classify("Op", nil))
}

func TestFormatGUID(t *testing.T) {
	g := [16]byte{0xa1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xa1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}
	assert.Equal(t, "efcdab89-6745-23a1-efcd-ab89674523a1", formatGUID(g))
}
