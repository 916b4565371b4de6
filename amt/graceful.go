package amt

import (
	"context"
	"strconv"

	"github.com/oobkit/oobkit/amt/internal/schema"
)

// GracefulMajor is the first Intel AMT major version whose firmware shuts
// down and restarts gracefully itself, through WS-Management
// (RequestPowerStateChange 12 Off-Soft Graceful and 14 Master Bus Reset
// Graceful, passed to the operating system by the OS agent). The RTSM
// guide: "For Intel AMT 9.0 and higher, graceful shutdown is performed
// through WSMan"; before it, graceful actions go through WMI.
const GracefulMajor = 9

// FirmwareMajor reads the firmware's major version (CIM_SoftwareIdentity
// "AMT", as [Client.Detect] does, without the provisioning and redirection
// reads): 12 for "12.0.67", 0 when the device does not say.
func (c *Client) FirmwareMajor(ctx context.Context) (int, error) {
	ids, err := c.enumerate(ctx, schema.SoftwareID)
	if err != nil {
		return 0, err
	}
	_, major := decodeVersions(ids, map[string]string{})
	return major, nil
}

// BootMark returns a mark that changes when the computer boots: the number
// of "System Boot Initiated" records (IPMI sensor type 1Dh, which the
// management engine logs on every power on and reset, graceful or not) in
// AMT_MessageLog. A caller that asked for a reboot compares the marks
// before and after. A log that wraps can change the mark without a boot;
// a boot the event filters do not log leaves it unchanged.
func (c *Client) BootMark(ctx context.Context) (string, error) {
	recs, err := c.MessageLog(ctx, 0)
	if err != nil {
		return "", err
	}
	n := 0
	for _, r := range recs {
		if r.SensorType == sensorTypeSystemBoot && r.Offset&0x80 == 0 {
			n++
		}
	}
	return strconv.Itoa(n), nil
}

// sensorTypeSystemBoot is IPMI sensor type 1Dh, "System Boot / Restart
// Initiated" (IPMI v2.0 Table 42-3).
const sensorTypeSystemBoot = 0x1d
