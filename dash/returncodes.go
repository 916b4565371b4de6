package dash

import (
	"strconv"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// returnCode is the meaning of one method ReturnValue.
type returnCode struct {
	class error // nil: success
	text  string
}

// powerReturnCodes are CIM_PowerManagementService.RequestPowerStateChange
// return values (DSP1027; CIM schema ValueMap).
var powerReturnCodes = map[int64]returnCode{
	0:    {nil, "completed with no error"},
	1:    {oobkit.ErrUnsupported, "not supported"},
	2:    {oobkit.ErrDevice, "unknown or unspecified error"},
	3:    {oobkit.ErrBusy, "cannot complete within the timeout period"},
	4:    {oobkit.ErrDevice, "failed"},
	5:    {oobkit.ErrInvalidArgument, "invalid parameter"},
	6:    {oobkit.ErrBusy, "in use"},
	4096: {nil, "method parameters checked, job started"},
	4097: {oobkit.ErrInvalidState, "invalid state transition"},
	4098: {oobkit.ErrUnsupported, "use of timeout parameter not supported"},
	4099: {oobkit.ErrBusy, "busy"},
}

// bootReturnCodes are CIM_BootConfigSetting.ChangeBootOrder and
// CIM_BootService.SetBootConfigRole return values (DSP1012).
var bootReturnCodes = map[int64]returnCode{
	0:    {nil, "completed with no error"},
	1:    {oobkit.ErrUnsupported, "not supported"},
	2:    {oobkit.ErrDevice, "unknown or unspecified error"},
	3:    {oobkit.ErrBusy, "busy"},
	4:    {oobkit.ErrInvalidArgument, "invalid reference"},
	5:    {oobkit.ErrInvalidArgument, "invalid parameter"},
	6:    {oobkit.ErrAuth, "access denied"},
	4096: {nil, "method parameters checked, job started"},
}

// biosReturnCodes are CIM_BIOSService.SetBIOSAttribute(s) return values
// (DSP1061; CIM schema: 0 Completed with No Error, 1 Not Supported, 2 Error).
var biosReturnCodes = map[int64]returnCode{
	0:    {nil, "completed with no error"},
	1:    {oobkit.ErrUnsupported, "not supported"},
	2:    {oobkit.ErrDevice, "error"},
	4096: {nil, "job started"},
}

// checkReturn maps a method output's ReturnValue to nil or a classified
// error carrying the value as DeviceCode.
func checkReturn(op string, out *wsman.Instance, table map[int64]returnCode) error {
	rv, ok := out.ReturnValue()
	if !ok {
		return errorf(op, oobkit.ErrProtocol, "", "the answer has no ReturnValue")
	}
	rc, known := table[rv]
	if !known {
		return errorf(op, oobkit.ErrDevice, strconv.FormatInt(rv, 10), "return value %d", rv)
	}
	if rc.class == nil {
		return nil
	}
	return errorf(op, rc.class, strconv.FormatInt(rv, 10), "%s", rc.text)
}
