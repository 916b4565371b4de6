// Package cim holds what the WS-Management protocols share about CIM
// itself, so amt and dash (which may not import each other) read it the same
// way: today, the meaning of CIM method return values.
package cim

import (
	"maps"
	"strconv"

	"github.com/oobkit/oobkit"
)

// ReturnCode is the meaning of one method ReturnValue.
type ReturnCode struct {
	// Class is an oobkit error class; nil means success.
	Class error
	// Text is the value's meaning, as the CIM schema's Values qualifier says.
	Text string
}

// ReturnCodes maps a method's ReturnValue to its meaning. A value not listed
// is a device error.
type ReturnCodes map[int64]ReturnCode

// MethodCodes are the return values CIM methods share (DMTF DSP0200 method
// return codes, as CIM_EnabledLogicalElement.RequestStateChange and
// CIM_PowerManagementService.RequestPowerStateChange define them: DSP1027).
// 4096 means the job started: success. 3, "cannot complete within the
// timeout period", is ErrBusy: the request may succeed later.
var MethodCodes = ReturnCodes{
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

// With returns a copy of t with over's rows replacing or adding rows.
func (t ReturnCodes) With(over ReturnCodes) ReturnCodes {
	out := maps.Clone(t)
	maps.Copy(out, over)
	return out
}

// UpTo returns a copy of t without the values above last (methods whose
// ValueMap reserves them).
func (t ReturnCodes) UpTo(last int64) ReturnCodes {
	out := maps.Clone(t)
	maps.DeleteFunc(out, func(k int64, _ ReturnCode) bool { return k > last })
	return out
}

// Err returns nil for a success value, or an *oobkit.Error of the value's
// class carrying the value as DeviceCode.
func (t ReturnCodes) Err(p oobkit.Protocol, method string, rv int64) error {
	rc, ok := t[rv]
	if ok && rc.Class == nil || !ok && rv == 0 {
		return nil
	}
	if !ok {
		rc = ReturnCode{oobkit.ErrDevice, "the device reported a failure (return value " + strconv.FormatInt(rv, 10) + ")"}
	}
	return &oobkit.Error{Protocol: p, Op: method, Class: rc.Class, DeviceCode: strconv.FormatInt(rv, 10), Message: rc.Text}
}
