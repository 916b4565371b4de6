package amt

import (
	"context"

	"github.com/oobkit/oobkit/internal/wsman"
)

// OSPowerSavingState values of IPS_PowerManagementService (AMT 10 and
// later): whether the OS of a host in S0 runs at full power or sits in
// Modern Standby (InstantGo, Connected Standby).
const (
	OSPowerUnknown     = 0
	OSPowerUnsupported = 1
	OSPowerFull        = 2
	OSPowerSaving      = 3
)

const ipsPowerService = wsman.IPSBase + "IPS_PowerManagementService"

// OSPowerSavingState reads IPS_PowerManagementService.OSPowerSavingState:
// OSPowerFull, OSPowerSaving, OSPowerUnsupported or OSPowerUnknown. Firmware
// before AMT 10 lacks the class and answers with a fault (the error says
// so).
//
// Table C-3 row: Modern Standby does not change it. Intel, "Remote Power
// Management of Intel AMT Devices with InstantGo": "in the case of
// InstantGo the OS, not the hardware, controls the low power state. This
// leaves the hardware in S0 power state and not S3 or S4 sleep states …
// when a system is in the low OS power state (S0) of InstantGo, the
// hardware power state will show as S0. This requires an additional query
// for the OSPowerSavingState"
// (https://www.intel.com/content/www/us/en/docs/active-management-technology/developer-guide/2021/remote-power-management-of-intel-amt-devices-with.html).
// The row is the hardware's ACPI system state, so [Client.PowerState]
// stays S0/G0 "working" (row 1, whose AMT reboot and power off still
// apply); OSPowerSaving is the OS's state within S0, read with this extra
// Get only by callers that need it (an agent task that wants the OS awake).
func (c *Client) OSPowerSavingState(ctx context.Context) (int, error) {
	in, err := c.get(ctx, ipsPowerService, wsman.Sel("Name", "Intel(r) AMT Power Management Service"))
	if err != nil {
		return OSPowerUnknown, err
	}
	v, ok := in.Int("OSPowerSavingState")
	if !ok {
		return OSPowerUnknown, nil
	}
	return int(v), nil
}
