package redirecttest

import (
	"strconv"
	"strings"
)

const (
	rfb38 = "RFB 003.008\n"
	rfb40 = "RFB 004.000\n"
)

// RFBVersion returns the RFB ProtocolVersion message a KVM server of AMT
// firmware amtVersion ("16.0.15") announces: its highest version (RFC 6143
// §7.1.1), "RFB 004.000\n" from AMT 6 up to CSME 20, "RFB 003.008\n" from
// CSME 21 on, and for an empty or unparsable version. Intel, "KVM and
// Intel AMT": "The KVM server supports RFB versions 3.8 or before and
// version 4.0. … Note: The RFB 4.0 protocol is deprecated. Starting Intel
// CSME 21 (Panther Lake platform) it will no longer be supported"
// (https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/WordDocuments/kvmandintelamt.htm);
// KVM itself dates from Release 6.0 (same page). Either way a viewer that
// answers 3.8 gets RFB 3.8, as consoles do with AMT 11.8's 4.0 announce
// (see package rfb); RFB 4.0's own messages are not modelled, so a viewer
// answering 4.0 is refused. Captures in MeshCommander show AMT 12 and later
// announcing 3.8 on 16994/16995, so this follows Intel's statement of what
// the server supports rather than a recorded device.
func RFBVersion(amtVersion string) string {
	major, err := strconv.Atoi(strings.SplitN(strings.TrimSpace(amtVersion), ".", 2)[0])
	if err != nil || major < 6 || major >= 21 {
		return rfb38
	}
	return rfb40
}
