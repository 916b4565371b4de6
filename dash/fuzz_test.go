package dash

import (
	"bytes"
	"testing"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dmtf"
	"github.com/oobkit/oobkit/internal/cim"
	"github.com/oobkit/oobkit/internal/wsman"
)

const biosFailure = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>
<h:SetBIOSAttribute_OUTPUT xmlns:h="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_BIOSService">
<h:Error><e:CIM_Error xmlns:e="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_Error">
<e:CIMStatusCode>2</e:CIMStatusCode><e:MessageID>X1</e:MessageID><e:Message>denied</e:Message></e:CIM_Error></h:Error>
<h:ReturnValue>2</h:ReturnValue><h:SetResult>3</h:SetResult></h:SetBIOSAttribute_OUTPUT></s:Body></s:Envelope>`

// FuzzDecoders feeds network bytes through the envelope parser and every
// decoder of this package that reads a device's answer.
func FuzzDecoders(f *testing.F) {
	f.Add([]byte(biosFailure))
	f.Add([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><h:CIM_BIOSInteger xmlns:h="x">` +
		`<h:AttributeName>a</h:AttributeName><h:LowerBound>1</h:LowerBound><h:UpperBound>x</h:UpperBound></h:CIM_BIOSInteger></s:Body></s:Envelope>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := wsman.ParseEnvelope(bytes.NewReader(b))
		if err != nil || env.Content() == nil {
			return
		}
		el := env.Content()
		in := wsman.ParseInstance(el)
		for _, bc := range biosClasses {
			_ = decodeBIOSAttribute(bc.kind, in)
		}
		base := &oobkit.Error{Protocol: oobkit.DASH, Op: "SetBIOSAttribute", Class: oobkit.ErrDevice, DeviceCode: "2"}
		if err := biosError("SetBIOSAttribute", base, el, true); err == nil {
			t.Fatal("biosError lost the error")
		}
		for _, table := range []cim.ReturnCodes{powerReturnCodes, bootReturnCodes, biosReturnCodes} {
			_ = checkReturn("x", in, table)
		}
		for _, v := range in.Ints("PowerState") {
			_ = StateFromDMTF(dmtf.PowerState(v))
		}
		_ = isRemote(BootSource{StructuredBootString: in.Get("StructuredBootString"), ElementName: in.Get("ElementName")})
	})
}
