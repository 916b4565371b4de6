package dash

import (
	"bytes"
	"testing"

	"github.com/oobkit/oobkit/internal/wsman"
)

// FuzzNodeDecoders feeds network bytes through the envelope parser and the
// decoders of the DASH nodes (nodes.go): none may panic or overflow,
// whatever a computer sends.
func FuzzNodeDecoders(f *testing.F) {
	f.Add([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><h:CIM_NumericSensor xmlns:h="x">` +
		`<h:DeviceID>T0</h:DeviceID><h:SensorType>2</h:SensorType><h:BaseUnits>2</h:BaseUnits><h:UnitModifier>-400</h:UnitModifier>` +
		`<h:CurrentReading>45</h:CurrentReading><h:UpperThresholdCritical>9223372036854775807</h:UpperThresholdCritical>` +
		`<h:PossibleStates>Normal</h:PossibleStates><h:PossibleStates>Upper Critical</h:PossibleStates></h:CIM_NumericSensor></s:Body></s:Envelope>`))
	f.Add([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><h:CIM_SoftwareIdentity xmlns:h="x">` +
		`<h:MajorVersion>1</h:MajorVersion><h:BuildNumber>7</h:BuildNumber><h:Classifications>10</h:Classifications>` +
		`<h:Classifications>99</h:Classifications><h:CanBeFRUed>maybe</h:CanBeFRUed></h:CIM_SoftwareIdentity></s:Body></s:Envelope>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := wsman.ParseEnvelope(bytes.NewReader(b))
		if err != nil || env.Content() == nil {
			return
		}
		in := wsman.ParseInstance(env.Content())
		decodeFan(in)
		decodePowerSupply(in)
		for _, numeric := range []bool{true, false} {
			s := decodeSensor(in, numeric)
			if !numeric && (s.Value != nil || s.Thresholds != nil) {
				t.Fatalf("a discrete sensor with a value: %+v", s)
			}
		}
		decodeSoftwareItem(in)
		decodeFRU("CIM_PhysicalPackage", in)
	})
}
