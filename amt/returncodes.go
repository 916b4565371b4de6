package amt

import (
	"maps"
	"strconv"

	"github.com/oobkit/oobkit"
)

// returnCode is the meaning of one ReturnValue of a method.
type returnCode struct {
	class error // nil means success
	text  string
}

// returnCodes maps a method's ReturnValue to a class; values not listed are
// ErrDevice.
type returnCodes map[int64]returnCode

func (t returnCodes) err(method string, rv int64) error {
	if rv == 0 {
		return nil
	}
	rc, ok := t[rv]
	if ok && rc.class == nil {
		return nil
	}
	if !ok {
		rc = returnCode{oobkit.ErrDevice, "the device reported a failure"}
	}
	return &oobkit.Error{Protocol: oobkit.AMT, Op: method, Class: rc.class,
		DeviceCode: strconv.FormatInt(rv, 10), Message: rc.text}
}

// cimMethodCodes are the return values CIM methods share (DMTF DSP0200
// method return codes; CIM_EnabledLogicalElement.RequestStateChange,
// CIM_PowerManagementService.RequestPowerStateChange; go-wsman-messages
// cim/power/decoder.go). 4096 means the job started: success.
var cimMethodCodes = returnCodes{
	1:    {oobkit.ErrUnsupported, "not supported"},
	2:    {oobkit.ErrDevice, "unknown or unspecified error"},
	3:    {oobkit.ErrDevice, "cannot complete within the timeout period"},
	4:    {oobkit.ErrDevice, "failed"},
	5:    {oobkit.ErrInvalidArgument, "invalid parameter"},
	6:    {oobkit.ErrBusy, "in use"},
	4096: {nil, "method parameters checked, job started"},
	4097: {oobkit.ErrInvalidState, "invalid state transition"},
	4098: {oobkit.ErrUnsupported, "use of timeout parameter not supported"},
	4099: {oobkit.ErrBusy, "busy"},
}

// with returns a copy of t with over's entries replacing or adding rows.
func (t returnCodes) with(over returnCodes) returnCodes {
	out := maps.Clone(t)
	maps.Copy(out, over)
	return out
}

// upTo returns a copy of t without the values above last (methods whose
// ValueMap reserves them).
func (t returnCodes) upTo(last int64) returnCodes {
	out := maps.Clone(t)
	maps.DeleteFunc(out, func(k int64, _ returnCode) bool { return k > last })
	return out
}

// powerChangeCodes: CIM_PowerManagementService.RequestPowerStateChange;
// "in use" is a redirection session (Intel: power off or cycle is rejected
// while SOL, IDE-R or KVM is active).
var powerChangeCodes = cimMethodCodes.with(returnCodes{
	6: {oobkit.ErrBusy, "in use: a redirection session (SOL, IDE-R or KVM) blocks power control"},
})

// stateChangeCodes: RequestStateChange of AMT_RedirectionService and
// CIM_KVMRedirectionSAP (CIM_EnabledLogicalElement).
var stateChangeCodes = cimMethodCodes

// bootRoleCodes: CIM_BootService.SetBootConfigRole, whose ValueMap stops at
// 4096 (job started).
var bootRoleCodes = cimMethodCodes.upTo(4096)

// bootOrderCodes: CIM_BootConfigSetting.ChangeBootOrder.
var bootOrderCodes = returnCodes{
	1: {oobkit.ErrUnsupported, "not supported"},
	2: {oobkit.ErrDevice, "unknown or unspecified error"},
	3: {oobkit.ErrBusy, "busy"},
	4: {oobkit.ErrInvalidArgument, "invalid reference"},
	5: {oobkit.ErrInvalidArgument, "invalid parameter"},
	6: {oobkit.ErrInvalidState, "access denied: user consent is required first (StartConsent, SendConsentCode)"},
}

// optInCodes: IPS_OptInService methods (go-wsman-messages ips/optin/decoder.go).
var optInCodes = returnCodes{
	1: {oobkit.ErrDevice, "internal error"},
	2: {oobkit.ErrInvalidState, "invalid state for this consent step"},
	3: {oobkit.ErrBusy, "blocked"},
	4: {oobkit.ErrDevice, "failed (FFS)"},
}

// unprovisionCodes: AMT_SetupAndConfigurationService.Unprovision.
var unprovisionCodes = returnCodes{
	1:    {oobkit.ErrDevice, "internal error"},
	16:   {oobkit.ErrInvalidState, "not permitted (e.g. client control mode cannot unprovision an admin-mode device)"},
	36:   {oobkit.ErrInvalidArgument, "invalid parameter"},
	2076: {oobkit.ErrBusy, "blocked by another component"},
}

// logCodes: AMT_MessageLog methods.
var logCodes = returnCodes{
	1: {oobkit.ErrUnsupported, "not supported"},
	2: {oobkit.ErrInvalidArgument, "invalid record pointed to"},
	3: {oobkit.ErrInvalidArgument, "no record exists"},
}

// genericCodes: methods whose return values are plain success/failure.
var genericCodes = returnCodes{
	1: {oobkit.ErrDevice, "internal error"},
	2: {oobkit.ErrUnsupported, "not supported"},
	5: {oobkit.ErrInvalidArgument, "invalid parameter"},
}
