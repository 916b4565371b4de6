package amt

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// pullItems returns the instances of a PullResponse (nil when the bytes are
// not one).
func pullItems(b []byte) []*wsman.Instance {
	env, err := wsman.ParseEnvelope(bytes.NewReader(b))
	if err != nil || env.Content() == nil {
		return nil
	}
	items := env.Content().SelectElement("Items")
	if items == nil {
		return nil
	}
	var out []*wsman.Instance
	for _, e := range items.ChildElements() {
		out = append(out, wsman.ParseInstance(e))
	}
	return out
}

const pullHead = `<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" ` +
	`xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" ` +
	`xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration"><s:Header/><s:Body><n:PullResponse><n:Items>`

const pullTail = `</n:Items><n:EndOfSequence/></n:PullResponse></s:Body></s:Envelope>`

// FuzzDecodeSubscriptions: any Pull answer decodes to subscriptions or none,
// never a panic; each association with both references gives one
// subscription, PET subscribers always say snmp.
func FuzzDecodeSubscriptions(f *testing.F) {
	f.Add([]byte(pullHead + `<h:CIM_FilterCollectionSubscription xmlns:h="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_FilterCollectionSubscription">` +
		`<h:Filter><a:Address>x</a:Address><a:ReferenceParameters><w:ResourceURI>http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_FilterCollection</w:ResourceURI>` +
		`<w:SelectorSet><w:Selector Name="InstanceID">Intel(r) AMT:All</w:Selector></w:SelectorSet></a:ReferenceParameters></h:Filter>` +
		`<h:Handler><a:Address>x</a:Address><a:ReferenceParameters><w:ResourceURI>http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ListenerDestinationWSManagement</w:ResourceURI>` +
		`<w:SelectorSet><w:Selector Name="Name">L1</w:Selector></w:SelectorSet></a:ReferenceParameters></h:Handler></h:CIM_FilterCollectionSubscription>` +
		`<h:CIM_ListenerDestinationWSManagement xmlns:h="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ListenerDestinationWSManagement">` +
		`<h:DeliveryMode>3</h:DeliveryMode><h:Destination>http://10.0.0.1:8080/</h:Destination><h:Name>L1</h:Name></h:CIM_ListenerDestinationWSManagement>` + pullTail))
	f.Add([]byte(pullHead + `<h:AMT_SNMPEventSubscriber xmlns:h="http://intel.com/wbem/wscim/1/amt-schema/1/AMT_SNMPEventSubscriber">` +
		`<h:AccessInfo>10.0.0.9</h:AccessInfo><h:Name>S1</h:Name><h:PolicyID>1</h:PolicyID></h:AMT_SNMPEventSubscriber>` + pullTail))
	f.Add([]byte(pullHead + pullTail))
	f.Add([]byte("<s:Envelope"))
	f.Fuzz(func(t *testing.T, b []byte) {
		items := pullItems(b)
		subs := decodeSubscriptions(items, items)
		if len(subs) > len(items) {
			t.Fatalf("%d subscriptions from %d instances", len(subs), len(items))
		}
		for _, s := range subs {
			if len(s.sel) != 2 {
				t.Fatalf("a subscription without both references: %+v", s)
			}
		}
		pets := decodePETSubscribers(items)
		if len(pets) != len(items) {
			t.Fatalf("%d PET subscribers from %d instances", len(pets), len(items))
		}
		for _, p := range pets {
			if p.Delivery != oobkit.DeliverySNMPTrap {
				t.Fatalf("PET subscriber with delivery %q", p.Delivery)
			}
		}
	})
}

func TestDecodeSubscriptionsSeeds(t *testing.T) {
	subs := decodeSubscriptions(pullItems([]byte(pullHead+`<h:CIM_FilterCollectionSubscription xmlns:h="x">`+
		`<h:Filter><a:Address>x</a:Address><a:ReferenceParameters><w:SelectorSet><w:Selector Name="InstanceID">Intel(r) AMT:All</w:Selector></w:SelectorSet></a:ReferenceParameters></h:Filter>`+
		`<h:Handler><a:Address>x</a:Address><a:ReferenceParameters><w:SelectorSet><w:Selector Name="Name">L1</w:Selector></w:SelectorSet></a:ReferenceParameters></h:Handler>`+
		`</h:CIM_FilterCollectionSubscription>`+pullTail)), pullItems([]byte(pullHead+
		`<h:CIM_ListenerDestinationWSManagement xmlns:h="y"><h:DeliveryMode>3</h:DeliveryMode><h:Destination>http://10.0.0.1/</h:Destination><h:Name>L1</h:Name></h:CIM_ListenerDestinationWSManagement>`+pullTail)))
	require.Len(t, subs, 1)
	assert.Equal(t, FilterAll, subs[0].Filter)
	assert.Equal(t, "http://10.0.0.1/", subs[0].Destination)
	assert.Equal(t, oobkit.DeliveryPushWithAck, subs[0].Delivery)
}
