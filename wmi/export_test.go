package wmi

import (
	"context"

	"github.com/oobkit/oobkit/internal/wsman"
)

// The decoders take the internal wsman.Instance, so they are unexported;
// the external fuzz test reaches them through these names.
var (
	DecodeEvent     = decodeEvent
	DecodeInventory = decodeInventory
	DecodeProcess   = decodeProcess
	DecodeService   = decodeService
	FromWSMan       = fromWSMan

	DecodeLocalUser   = decodeLocalUser
	DecodeLocalGroup  = decodeLocalGroup
	DecodeGroupMember = decodeGroupMember
	DecodePrinter     = decodePrinter
	DecodePrintJob    = decodePrintJob
	DecodeEnumValues  = decodeEnumValues
	HelperResult      = helperResult
	ErrNoHelperEvent  = errNoHelperEvent
)

// DeleteInstanceForTest sends a WS-Transfer Delete of a GroupUser-like
// instance (both keys as references) so tests can see a provider refuse.
func DeleteInstanceForTest(ctx context.Context, c *Client, class string) error {
	return explain(c.ws.Delete(ctx, uri(class), wsman.Sel("GroupComponent", `Win32_Group.Domain="PC42",Name="Users"`,
		"PartComponent", `Win32_UserAccount.Domain="PC42",Name="alice"`)))
}
