package wsman

import (
	"bytes"
	"testing"
	"time"

	"github.com/beevik/etree"
)

// render writes, without building a tree, the document Message.Document
// builds: every kind of header, body and character that can occur.
func TestRenderMatchesDocument(t *testing.T) {
	body := etree.NewElement("n:Enumerate")
	body.CreateElement("w:OptimizeEnumeration")
	body.CreateElement("w:MaxElements").SetText("100")
	id := etree.NewElement("e:Identifier")
	id.SetText("uuid:1&2")
	odd := "a<b>&c'd\"e\x01f\xffg\tñ€𝄞"
	epr := &EndpointReference{ResourceURI: "http://u/" + odd, Selectors: Sel("Name", odd, "Empty", "")}
	msgs := []*Message{
		{Body: etree.NewElement("wsmid:Identify")},
		{Action: ActionGet, ResourceURI: "http://r/x"},
		{Action: ActionGet, ResourceURI: "http://r/x", To: "http://h:16992/wsman", Timeout: 90 * time.Second,
			MaxEnvelopeSize: 153600, Selectors: Sel("InstanceID", odd, "Other", "")},
		{Action: ActionGet, Selectors: Selectors{{Name: "ServiceProvided", EPR: epr}, {Name: "Bare", EPR: &EndpointReference{}},
			{Name: "Sub", EPR: &EndpointReference{Address: "http://x", Identifier: "id" + odd}}}},
		{Action: ActionEnumerate, ResourceURI: "http://r/y", Body: body, Options: []MessageOption{{"o" + odd, "v" + odd}, {"e", ""}}},
		{Action: ActionUnsubscribe, Headers: []*etree.Element{id}, Body: etree.NewElement("e:Unsubscribe")},
	}
	for i, m := range msgs {
		var want bytes.Buffer
		doc := m.Document("uuid:" + odd)
		doc.WriteSettings.CanonicalEndTags = false
		if _, err := doc.WriteTo(&want); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		m.render(&got, "uuid:"+odd)
		if got.String() != want.String() {
			t.Errorf("message %d:\n got %s\nwant %s", i, got.String(), want.String())
		}
	}
}
