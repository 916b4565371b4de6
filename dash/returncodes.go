package dash

import (
	"strconv"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/cim"
	"github.com/oobkit/oobkit/internal/wsman"
)

// powerReturnCodes are CIM_PowerManagementService.RequestPowerStateChange
// return values (DSP1027): the standard CIM method codes, shared with package
// amt through internal/cim.
var powerReturnCodes = cim.MethodCodes

// bootReturnCodes are CIM_BootConfigSetting.ChangeBootOrder and
// CIM_BootService.SetBootConfigRole return values (DSP1012).
var bootReturnCodes = cim.ReturnCodes{
	0:    {Class: nil, Text: "completed with no error"},
	1:    {Class: oobkit.ErrUnsupported, Text: "not supported"},
	2:    {Class: oobkit.ErrDevice, Text: "unknown or unspecified error"},
	3:    {Class: oobkit.ErrBusy, Text: "busy"},
	4:    {Class: oobkit.ErrInvalidArgument, Text: "invalid reference"},
	5:    {Class: oobkit.ErrInvalidArgument, Text: "invalid parameter"},
	6:    {Class: oobkit.ErrAuth, Text: "access denied"},
	4096: {Class: nil, Text: "method parameters checked, job started"},
}

// biosReturnCodes are CIM_BIOSService.SetBIOSAttribute(s) return values
// (DSP1061; CIM schema: 0 Completed with No Error, 1 Not Supported, 2 Error).
var biosReturnCodes = cim.ReturnCodes{
	0:    {Class: nil, Text: "completed with no error"},
	1:    {Class: oobkit.ErrUnsupported, Text: "not supported"},
	2:    {Class: oobkit.ErrDevice, Text: "error"},
	4096: {Class: nil, Text: "job started"},
}

// checkReturn maps a method output's ReturnValue to nil or a classified
// error carrying the value as DeviceCode.
func checkReturn(op string, out *wsman.Instance, table cim.ReturnCodes) error {
	rv, ok := out.ReturnValue()
	if !ok {
		return errorf(op, oobkit.ErrProtocol, "", "the answer has no ReturnValue")
	}
	rc, known := table[rv]
	if !known {
		return errorf(op, oobkit.ErrDevice, strconv.FormatInt(rv, 10), "return value %d", rv)
	}
	if rc.Class == nil {
		return nil
	}
	return errorf(op, rc.Class, strconv.FormatInt(rv, 10), "%s", rc.Text)
}
