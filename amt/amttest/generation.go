package amttest

import (
	"strconv"
	"strings"
)

// Generation is what a firmware version implies for a device, as Intel
// documents it publicly. The simulator states these facts; which of them it
// enforces is said per field.
type Generation struct {
	// TLSOnly: remote connections to the plain ports 16992 (WS-Man), 16994
	// (redirection) and 623 are refused; only 16993, 16995 and 664 answer.
	// Intel, "Intel AMT and Security Considerations": "Starting from Alder
	// Lake platforms with Raptor Lake CPUs running Intel CSME 16.1 firmware,
	// remote connections to Intel AMT unsecure TCP/IP ports 16992, 16994 and
	// 623 are no longer supported"
	// (https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/WordDocuments/intelamtandsecurityconsiderations1.htm).
	// Enforced: the device closes every plain-HTTP connection unanswered
	// (NewServer, Handler behind a plain listener), and a Fleet, which is
	// plain HTTP on 16992, refuses the connection as a port that does not
	// listen. Serve such a device with Config.TLS set.
	TLSOnly bool
	// LocalTLSOnly: also local (host) connections must use TLS, "Starting
	// from Intel CSME 19 firmware on Arrow Lake platforms" (same page).
	LocalTLSOnly bool
	// RFB4: the KVM server offers RFB 4.0 besides 3.8. Intel, "KVM and Intel
	// AMT": "The RFB 4.0 protocol is deprecated. Starting Intel CSME 21
	// (Panther Lake platform) it will no longer be supported"
	// (https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/WordDocuments/kvmandintelamt.htm).
	// The page dates RFB 4.0 from Release 6.0 (KVM's first release).
	RFB4 bool
	// ModernStandby: the firmware reports the OS low-power state of
	// Modern Standby (InstantGo / Connected Standby) through
	// OSPowerSavingState, while CIM_AssociatedPowerManagementService.PowerState
	// stays S0. Intel, "Remote Power Management of Intel AMT Devices with
	// InstantGo": "Intel AMT added support for InstantGo in version 10.0 …
	// when a system is in the low OS power state (S0) of InstantGo, the
	// hardware power state will show as S0. This requires an additional
	// query for the OSPowerSavingState"
	// (https://www.intel.com/content/www/us/en/docs/active-management-technology/developer-guide/2021/remote-power-management-of-intel-amt-devices-with.html).
	// Enforced: such a device serves IPS_PowerManagementService (Config.
	// OSPowerSaving, Device.SetOSPowerSaving); older firmware lacks it.
	ModernStandby bool
	// PET: SNMP Platform Event Traps exist (below ME 18; see alerts.go).
	PET bool
}

// version returns the firmware's major and minor numbers.
func (c Config) version() (major, minor int) {
	parts := strings.SplitN(c.withDefaults().Firmware, ".", 3)
	major, _ = strconv.Atoi(parts[0])
	if len(parts) > 1 {
		minor, _ = strconv.Atoi(parts[1])
	}
	return major, minor
}

// Generation returns what the configured firmware version implies. AMT
// and CSME versions share their numbering from AMT 11 / CSME 11 on.
func (c Config) Generation() Generation {
	major, minor := c.version()
	atLeast := func(ma, mi int) bool { return major > ma || major == ma && minor >= mi }
	return Generation{
		TLSOnly:       atLeast(16, 1),
		LocalTLSOnly:  atLeast(19, 0),
		RFB4:          major >= 6 && major < 21,
		ModernStandby: major >= 10,
		PET:           c.withDefaults().petSupported(),
	}
}
