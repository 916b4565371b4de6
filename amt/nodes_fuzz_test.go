package amt

import (
	"testing"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
)

// FuzzNodeResponses feeds arbitrary response bodies through the envelope
// parser and the decoders of the AMT nodes (nodes.go, netsettings.go):
// none may panic, whatever a device sends.
func FuzzNodeResponses(f *testing.F) {
	in := wsman.NewInstance(schema.Ethernet, "AMT_EthernetPortSettings").Set("InstanceID", schema.EthernetSettingsPrefix+"0").
		Set("DHCPEnabled", "false").Set("IPAddress", "192.0.2.10").Set("LinkPolicy", "1", "14", "x")
	f.Add(enumBody(in))
	act := wsman.NewInstance(schema.AgentWatchdogAction, "AMT_AgentPresenceWatchdogAction").
		Set("PolicyRuleName", "ASNFZ4mrze8BI0VniavN7w==").Set("OldState", "-1").Set("NewState", "99999999999999999999").
		Set("ActionSd", "7")
	f.Add(enumBody(act))
	f.Add([]byte("<not xml"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ins, err := responseInstances(b)
		if err != nil {
			return
		}
		for _, in := range ins {
			if in == nil {
				continue
			}
			decodeBattery(in)
			decodeFRU(schema.Chassis, in)
			decodeWatchdogNode(in)
			decodeWatchdogAction(in)
			decodeWirelessProfile(in)
			decodeMPServer(in)
			decodeRemoteAccessRule(in)
			decodeAppliesToMPS(in)
			n := decodeNetworkSettings(in)
			cutsOff(n, n)
		}
	})
}

// enumBody wraps one instance in a PullResponse envelope.
func enumBody(in *wsman.Instance) []byte {
	doc := `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Header></s:Header><s:Body><n:PullResponse><n:Items>`
	d := etree.NewDocument()
	d.SetRoot(in.Element())
	body, _ := d.WriteToString()
	return []byte(doc + body + `</n:Items><n:EndOfSequence/></n:PullResponse></s:Body></s:Envelope>`)
}
