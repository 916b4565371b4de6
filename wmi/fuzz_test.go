package wmi_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/wmi"
)

// FuzzDecodeResponse feeds WinRM response bytes through the envelope parser
// and every WMI decoder (events, inventory, services, processes, users and
// groups, printers and print jobs, registry values, nodes' instances, the
// group helper's outcome): none may panic, whatever the device sends.
func FuzzDecodeResponse(f *testing.F) {
	for _, name := range []string{"wsmv-4.1.1-get-response.xml", "wsmv-4.1.2-pull-response.xml",
		"wsmv-4.1.4-invoke-response.xml", "winrm-fault-access-denied.xml"} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><p:Win32_NTLogEvent><p:TimeGenerated><cim:Datetime>20240101120000.000000+060</cim:Datetime></p:TimeGenerated><p:EventType>9</p:EventType></p:Win32_NTLogEvent></s:Body></s:Envelope>`))
	// The group helper's failure event, and one whose text ends in ":".
	f.Add([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><p:Win32_NTLogEvent><p:EventCode>1001</p:EventCode><p:Message>oobkit-group 0011 Users alice: Access is denied.</p:Message></p:Win32_NTLogEvent></s:Body></s:Envelope>`))
	f.Add([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><p:Win32_NTLogEvent><p:EventCode>1001</p:EventCode><p:Message>oobkit-group 0011 Users alice:</p:Message></p:Win32_NTLogEvent></s:Body></s:Envelope>`))
	// StdRegProv.EnumValues output and a Win32_GroupUser association.
	f.Add([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><p:EnumValues_OUTPUT><p:sNames>Path</p:sNames><p:sNames>Count</p:sNames><p:Types>2</p:Types><p:Types>4</p:Types><p:ReturnValue>0</p:ReturnValue></p:EnumValues_OUTPUT></s:Body></s:Envelope>`))
	f.Add([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Body><p:Win32_GroupUser><p:PartComponent><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address><a:ReferenceParameters><w:ResourceURI>http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_UserAccount</w:ResourceURI><w:SelectorSet><w:Selector Name="Domain">PC42</w:Selector><w:Selector Name="Name">alice</w:Selector></w:SelectorSet></a:ReferenceParameters></p:PartComponent></p:Win32_GroupUser></s:Body></s:Envelope>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := wsman.ParseEnvelope(bytes.NewReader(b))
		if err != nil || env == nil || env.Content() == nil {
			return
		}
		var instances []*wsman.Instance
		content := env.Content()
		instances = append(instances, wsman.ParseInstance(content))
		if items := content.SelectElement("Items"); items != nil {
			for _, it := range items.ChildElements() {
				instances = append(instances, wsman.ParseInstance(it))
			}
		}
		classes := map[string][]*wsman.Instance{}
		for _, in := range instances {
			gi := wmi.FromWSMan(in)
			assert.Len(t, gi.Properties, len(in.Props))
			for _, p := range gi.Properties {
				_ = gi.Get(p.Name)
			}
			_ = wmi.DecodeService(in)
			_ = wmi.DecodeProcess(in)
			_ = wmi.DecodeLocalUser(in)
			_ = wmi.DecodeLocalGroup(in)
			if m, ok := wmi.DecodeGroupMember(in); ok {
				assert.Contains(t, m, `\`)
			}
			_ = wmi.DecodePrinter(in)
			_ = wmi.DecodePrintJob(in)
			if values, err := wmi.DecodeEnumValues(in); err == nil {
				assert.LessOrEqual(t, len(values), 1024)
			}
			e := wmi.DecodeEvent(in, "pc")
			assert.NotEmpty(t, e.Description)
			// The group helper's outcome is read from an event's text:
			// whatever the text, a result comes back (tag "" matches any).
			if err := wmi.HelperResult([]oobkit.Event{e}, "AddGroupMember", ""); err != nil {
				assert.NotErrorIs(t, err, wmi.ErrNoHelperEvent)
			}
			for _, class := range wmi.InventoryClasses {
				classes[class] = append(classes[class], in)
			}
		}
		inv := wmi.DecodeInventory(classes)
		require.NotNil(t, inv)
	})
}

// FuzzParseDatetime: any text parses or errs; a parsed DMTF value renders
// back to the same instant.
func FuzzParseDatetime(f *testing.F) {
	for _, s := range []string{"20240301102030.500000+060", "2024-03-01T10:20:30.5Z", "2024-03-01T10:20:30+01:00",
		"2024-03-01", "", "********************.******+***", "99999999999999.999999-999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := wmi.ParseDatetime(s)
		if err != nil {
			assert.True(t, tm.IsZero())
		}
	})
}

func TestParseDatetime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"20240301102030.500000+060", time.Date(2024, 3, 1, 9, 20, 30, 500000000, time.UTC), false},
		{"20240301102030.000000-300", time.Date(2024, 3, 1, 15, 20, 30, 0, time.UTC), false},
		{"2024-03-01T10:20:30.5Z", time.Date(2024, 3, 1, 10, 20, 30, 500000000, time.UTC), false},
		{"2024-03-01T10:20:30+01:00", time.Date(2024, 3, 1, 9, 20, 30, 0, time.UTC), false},
		{"", time.Time{}, false},
		{"2024130110203.000000+000", time.Time{}, true},
		{"20241301102030.000000+000", time.Time{}, true},
		{"2024****102030.000000+000", time.Time{}, true},
		{"yesterday", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := wmi.ParseDatetime(tt.in)
		if tt.err {
			assert.Error(t, err, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.True(t, tt.want.Equal(got), "%s: got %s", tt.in, got)
	}
}
