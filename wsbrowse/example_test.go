package wsbrowse_test

import (
	"fmt"

	"github.com/oobkit/oobkit/wsbrowse"
)

// Class names become resource URIs by the rules of the service.
func ExampleResourceURI() {
	for _, q := range []struct {
		f     wsbrowse.Flavor
		class string
	}{{wsbrowse.AMT, "AMT_GeneralSettings"}, {wsbrowse.WMI, "Win32_BIOS"}, {wsbrowse.OpenWSMan, "Linux_OperatingSystem"}} {
		uri, _ := wsbrowse.ResourceURI(q.f, q.class)
		fmt.Println(uri)
	}
	// Output:
	// http://intel.com/wbem/wscim/1/amt-schema/1/AMT_GeneralSettings
	// http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_BIOS
	// http://sblim.sf.net/wbem/wscim/1/cim-schema/2/Linux_OperatingSystem
}
