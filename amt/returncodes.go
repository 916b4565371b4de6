package amt

import (
	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/cim"
)

// returnCodes maps a method's ReturnValue to its meaning; the standard CIM
// values and their classes live in internal/cim, shared with package dash.
type returnCodes = cim.ReturnCodes

// cimMethodCodes are the return values CIM methods share.
var cimMethodCodes = cim.MethodCodes

// powerChangeCodes: CIM_PowerManagementService.RequestPowerStateChange;
// "in use" is a redirection session (Intel: power off or cycle is rejected
// while SOL, IDE-R or KVM is active).
var powerChangeCodes = cimMethodCodes.With(returnCodes{
	6: {Class: oobkit.ErrBusy, Text: "in use: a redirection session (SOL, IDE-R or KVM) blocks power control"},
})

// stateChangeCodes: RequestStateChange of AMT_RedirectionService and
// CIM_KVMRedirectionSAP (CIM_EnabledLogicalElement).
var stateChangeCodes = cimMethodCodes

// bootRoleCodes: CIM_BootService.SetBootConfigRole, whose ValueMap stops at
// 4096 (job started).
var bootRoleCodes = cimMethodCodes.UpTo(4096)

// bootOrderCodes: CIM_BootConfigSetting.ChangeBootOrder.
var bootOrderCodes = returnCodes{
	1: {Class: oobkit.ErrUnsupported, Text: "not supported"},
	2: {Class: oobkit.ErrDevice, Text: "unknown or unspecified error"},
	3: {Class: oobkit.ErrBusy, Text: "busy"},
	4: {Class: oobkit.ErrInvalidArgument, Text: "invalid reference"},
	5: {Class: oobkit.ErrInvalidArgument, Text: "invalid parameter"},
	6: {Class: oobkit.ErrInvalidState, Text: "access denied: user consent is required first (StartConsent, SendConsentCode)"},
}

// optInCodes: IPS_OptInService methods (go-wsman-messages ips/optin/decoder.go).
var optInCodes = returnCodes{
	1: {Class: oobkit.ErrDevice, Text: "internal error"},
	2: {Class: oobkit.ErrInvalidState, Text: "invalid state for this consent step"},
	3: {Class: oobkit.ErrBusy, Text: "blocked"},
	4: {Class: oobkit.ErrDevice, Text: "failed (FFS)"},
}

// unprovisionCodes: AMT_SetupAndConfigurationService.Unprovision.
var unprovisionCodes = returnCodes{
	1:    {Class: oobkit.ErrDevice, Text: "internal error"},
	16:   {Class: oobkit.ErrInvalidState, Text: "not permitted (e.g. client control mode cannot unprovision an admin-mode device)"},
	36:   {Class: oobkit.ErrInvalidArgument, Text: "invalid parameter"},
	2076: {Class: oobkit.ErrBusy, Text: "blocked by another component"},
}

// logCodes: AMT_MessageLog methods.
var logCodes = returnCodes{
	1: {Class: oobkit.ErrUnsupported, Text: "not supported"},
	2: {Class: oobkit.ErrInvalidArgument, Text: "invalid record pointed to"},
	3: {Class: oobkit.ErrInvalidArgument, Text: "no record exists"},
}

// genericCodes: methods whose return values are plain success/failure.
var genericCodes = returnCodes{
	1: {Class: oobkit.ErrDevice, Text: "internal error"},
	2: {Class: oobkit.ErrUnsupported, Text: "not supported"},
	5: {Class: oobkit.ErrInvalidArgument, Text: "invalid parameter"},
}
