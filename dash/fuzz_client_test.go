package dash_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dash"
)

// fuzzDevice answers every request with fuzzed body content: an Enumerate
// gets the bytes as its items (with EndOfSequence), anything else (Get,
// Identify, a method's _OUTPUT) gets them as the SOAP body. It lets the
// fuzzer reach every decoder of the client through its public operations.
type fuzzDevice []byte

func (d fuzzDevice) RoundTrip(r *http.Request) (*http.Response, error) {
	req, _ := io.ReadAll(r.Body)
	_ = r.Body.Close()
	content := string(d)
	if bytes.Contains(req, []byte("/enumeration/Enumerate<")) {
		content = `<n:EnumerateResponse xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration" ` +
			`xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><w:Items>` + content +
			`</w:Items><w:EndOfSequence/></n:EnumerateResponse>`
	}
	env := `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header/><s:Body>` + content + `</s:Body></s:Envelope>`
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/soap+xml"}},
		Body: io.NopCloser(strings.NewReader(env)), ContentLength: int64(len(env)), Request: r}, nil
}

// FuzzDeviceAnswers runs every read and change of the client against a
// device whose answers are fuzzed: none may panic or hang.
func FuzzDeviceAnswers(f *testing.F) {
	cim := `xmlns:h="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/X"`
	for _, seed := range []string{
		`<h:CIM_RegisteredProfile ` + cim + `><h:InstanceID>p1</h:InstanceID><h:RegisteredName>BIOS Management</h:RegisteredName>` +
			`<h:RegisteredVersion>1.0.0</h:RegisteredVersion><h:RegisteredOrganization>2</h:RegisteredOrganization></h:CIM_RegisteredProfile>`,
		`<h:CIM_AssociatedPowerManagementService ` + cim + `><h:PowerState>2</h:PowerState>` +
			`<h:AvailableRequestedPowerStates>8</h:AvailableRequestedPowerStates><h:AvailableRequestedPowerStates>5</h:AvailableRequestedPowerStates></h:CIM_AssociatedPowerManagementService>`,
		`<h:CIM_BIOSInteger ` + cim + `><h:AttributeName>POSTDelay</h:AttributeName><h:CurrentValue>5</h:CurrentValue>` +
			`<h:LowerBound>0</h:LowerBound><h:UpperBound>30</h:UpperBound><h:ProgrammaticUnit>sec</h:ProgrammaticUnit></h:CIM_BIOSInteger>`,
		`<h:CIM_NumericSensor ` + cim + `><h:ElementName>CPU</h:ElementName><h:CurrentReading>45</h:CurrentReading>` +
			`<h:UnitModifier>-3</h:UnitModifier><h:BaseUnits>2</h:BaseUnits><h:HealthState>5</h:HealthState></h:CIM_NumericSensor>`,
		`<h:CIM_BootSourceSetting ` + cim + `><h:InstanceID>Intel(r) AMT: Force PXE Boot</h:InstanceID>` +
			`<h:StructuredBootString>CIM:Network:1</h:StructuredBootString></h:CIM_BootSourceSetting>`,
		`<h:RequestPowerStateChange_OUTPUT ` + cim + `><h:ReturnValue>0</h:ReturnValue></h:RequestPowerStateChange_OUTPUT>`,
		`<h:CIM_IndicationSubscription ` + cim + `><h:Filter><a:Address xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing">x</a:Address></h:Filter></h:CIM_IndicationSubscription>`,
		`<h:CIM_PhysicalMemory ` + cim + `><h:Capacity>99999999999999999999999</h:Capacity><h:MemoryType>26</h:MemoryType></h:CIM_PhysicalMemory>`,
	} {
		f.Add([]byte(seed))
	}
	dest := oobkit.AlertDestination{Delivery: oobkit.DeliveryPushWithAck, Address: "http://127.0.0.1:9/events"}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := dash.New(oobkit.Target{Address: "127.0.0.1"}, oobkit.UserPassword("admin", "pw"),
			dash.WithTransport(fuzzDevice(b)))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// Every call is bounded by ctx; an answer that makes the client spin
		// past it crashes the worker, so the fuzzer records the input.
		wd := time.AfterFunc(20*time.Second, func() { panic("client still busy 20 s after a 5 s deadline") })
		defer wd.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = c.Identify(ctx)
		_, _ = c.Profiles(ctx)
		_, _ = c.PowerStatus(ctx)
		_ = c.SetPower(ctx, oobkit.ActionReset)
		_, _ = c.BootSources(ctx)
		_ = c.SetNextBoot(ctx, oobkit.BootOptions{Device: oobkit.BootPXE})
		_, _ = c.BIOSAttributes(ctx)
		_, _ = c.SetBIOSAttributes(ctx, []dash.BIOSSetting{{Name: "a", Values: []string{"1", "2"}}}, oobkit.NewSecret("pw"))
		_, _ = c.Inventory(ctx)
		_, _ = c.IndicationFilters(ctx)
		_, _ = c.Subscriptions(ctx)
		_, _ = c.ApplyAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{dest}, RemoveThirdParty: true, AllowPartial: true})
	})
}
