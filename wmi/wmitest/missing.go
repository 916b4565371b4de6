package wmitest

import (
	"strings"

	"github.com/oobkit/oobkit/internal/wsman"
)

// lacks returns the fault WinRM answers for a class listed in c.Missing:
// WMI's wbemErrInvalidClass (0x80041010, "Invalid class") carried in a
// WS-Management fault, as WinRM reports a WMI provider error
// (https://learn.microsoft.com/windows/win32/wmisdk/wmi-error-constants).
// The caller holds c.mu.
func (c *Computer) lacks(class string) error {
	for _, m := range c.Missing {
		if strings.EqualFold(m, class) {
			return &wsman.Fault{Code: "Sender", Subcode: "DestinationUnreachable",
				Reason: "The WS-Management service cannot process the request. The WMI service returned an 'invalid class' error.",
				Detail: "WMI error 0x80041010: invalid class " + class}
		}
	}
	return nil
}
