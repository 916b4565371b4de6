package amt

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dmtf"
	"github.com/oobkit/oobkit/internal/wsman"
)

// The fixtures in testdata are written after responses captured from real
// AMT 12 firmware (the shapes published by go-wsman-messages: "h:" class
// prefixes, uuid:00000000-8086-… message IDs, multi-valued properties as
// repeated elements, AMT's record encoding).

// fixtureInstances parses a recorded response into its instances: the items
// of a PullResponse, or the single body element of a Get / method output.
func fixtureInstances(t *testing.T, name string) []*wsman.Instance {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	ins, err := responseInstances(b)
	require.NoError(t, err)
	require.NotEmpty(t, ins)
	return ins
}

func responseInstances(b []byte) ([]*wsman.Instance, error) {
	env, err := wsman.ParseEnvelope(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	content := env.Content()
	if content == nil {
		return nil, nil
	}
	if items := content.SelectElement("Items"); items != nil {
		var out []*wsman.Instance
		for _, it := range items.ChildElements() {
			out = append(out, wsman.ParseInstance(it))
		}
		return out, nil
	}
	return []*wsman.Instance{wsman.ParseInstance(content)}, nil
}

func TestFixturePowerStatus(t *testing.T) {
	st, err := decodePowerStatus(fixtureInstances(t, "associatedpower_pull.xml")[0])
	require.NoError(t, err)
	assert.Equal(t, oobkit.PowerS0, st.State)
	assert.Equal(t, []dmtf.PowerState{10, 8, 5, 11, 4, 7, 14, 12}, st.Available)
	for action, want := range map[oobkit.PowerAction]dmtf.PowerState{oobkit.ActionOff: 8, oobkit.ActionShutdown: 12,
		oobkit.ActionReset: 10, oobkit.ActionReboot: 14, oobkit.ActionCycle: 5, oobkit.ActionSleep: 4, oobkit.ActionHibernate: 7} {
		v, err := ChooseValue(action, st.Available)
		require.NoError(t, err)
		assert.Equal(t, want, v, action.String())
	}
}

func TestFixtureReturnValues(t *testing.T) {
	tests := []struct {
		file   string
		codes  returnCodes
		method string
		class  error
		code   string
	}{
		{"requestpowerstatechange.xml", powerChangeCodes, "RequestPowerStateChange", nil, ""},
		{"requestpowerstatechange_unsupported.xml", powerChangeCodes, "RequestPowerStateChange", oobkit.ErrDevice, "2"},
		{"unprovision_notpermitted.xml", unprovisionCodes, "Unprovision", oobkit.ErrInvalidState, "16"},
		{"messagelog_positiontofirstrecord.xml", logCodes, "PositionToFirstRecord", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			out := fixtureInstances(t, tt.file)[0]
			rv, ok := out.ReturnValue()
			require.True(t, ok)
			err := tt.codes.Err(oobkit.AMT, tt.method, rv)
			if tt.class == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.class)
			assert.Equal(t, tt.code, oobkit.DeviceCode(err))
		})
	}
}

func TestFixtureDetection(t *testing.T) {
	mode, state := decodeProvisioning(fixtureInstances(t, "setupandconfiguration_get.xml")[0])
	assert.Equal(t, ModeAdminControl, mode)
	assert.Equal(t, StatePost, state)
	versions := map[string]string{}
	v, major := decodeVersions(fixtureInstances(t, "softwareidentity_pull.xml"), versions)
	assert.Equal(t, "12.0.67", v)
	assert.Equal(t, 12, major)
	assert.Equal(t, "1581", versions["Build Number"])
	assert.Len(t, versions, 11)
	r := decodeRedirection(fixtureInstances(t, "redirectionservice_get.xml")[0])
	assert.Equal(t, RedirectionSettings{SOL: true, IDER: true, Listener: true}, r)
	assert.True(t, decodeKVM(fixtureInstances(t, "kvm_pull.xml")[0]), "EnabledState 6 (enabled but offline) is enabled")
}

func TestFixtureEventLog(t *testing.T) {
	recs, more, next, err := decodeGetRecords(fixtureInstances(t, "messagelog_getrecords.xml")[0])
	require.NoError(t, err)
	assert.False(t, more)
	assert.Equal(t, "3", next)
	require.Len(t, recs, 2)
	// Y8iYZf8GbwVoEP8mYaoKAAAAAAAA: ts 0x6598C863, sensor 6, type 0x6F,
	// offset 5, source 0x68, severity 16, entity 38 (the reference's worked example).
	r := recs[0]
	assert.Equal(t, time.Unix(0x6598C863, 0).UTC(), r.Time)
	assert.Equal(t, uint8(6), r.SensorType)
	assert.Equal(t, uint8(0x6f), r.EventType)
	assert.Equal(t, uint8(5), r.Offset)
	assert.Equal(t, uint8(16), r.Severity)
	assert.Equal(t, uint8(38), r.Entity)
	assert.Equal(t, uint8(97), r.EntityInstance)
	// The IPMI tables name the event (sensor type 06h offset 05h), as
	// ipmi's SEL decoder and snmp's PET decoder name it; AMT's event data
	// adds the count of failed logins.
	ev := r.Event()
	assert.Equal(t, "Platform Security Violation Attempt Sensor #255: Out-of-band Access Password Violation (Assertion); "+
		"Authentication failed 10 times. The system may be under attack.", ev.Description)
	assert.Equal(t, "Authentication failed 10 times. The system may be under attack.", ev.Data["detail"])
	assert.Equal(t, oobkit.SeverityCritical, ev.Severity, "the IPMI tables' rating (FreeIPMI's), as for a SEL record of the event")
	assert.Equal(t, oobkit.SeverityCritical, r.SeverityLevel(), "the firmware's ASF severity byte")
	assert.Equal(t, "16", ev.Data["asfSeverity"])
	assert.Equal(t, "Platform Security Violation Attempt", ev.SensorType)
	assert.Equal(t, "sensor-specific", ev.EventType)
	assert.Equal(t, 5, ev.Offset)
	assert.True(t, ev.Assertion)
	assert.Equal(t, "066f05", ev.Code)
	assert.Equal(t, "Remote Management Communication Device 97", ev.Entity)
	assert.Equal(t, "38", ev.Data["entityID"])
	assert.Equal(t, "aa0a000000000000", ev.Data["eventData"])
	// IgYBZf8PbwJoAf8iAEAHAAAAAAAA: BIOS progress, PCI resource configuration.
	ev = recs[1].Event()
	assert.Equal(t, "System Firmware Progress Sensor #255: System Firmware Progress (Assertion); PCI resource configuration", ev.Description)
	assert.Equal(t, ev.Description, recs[1].Description())
	assert.Equal(t, "System Firmware", ev.Entity)
	assert.Equal(t, oobkit.SeverityInfo, ev.Severity)
	assert.Equal(t, oobkit.SeverityInfo, recs[1].SeverityLevel())
	assert.Equal(t, recs[1], mustDecode(t, recs[1].Encode()), "Encode is Decode's inverse")
}

func mustDecode(t *testing.T, b []byte) Record {
	r, err := DecodeRecord(b)
	require.NoError(t, err)
	return r
}

func TestFixtureBootSettingsPut(t *testing.T) {
	in := fixtureInstances(t, "bootsettingdata_get.xml")[0]
	assert.Equal(t, BootSettings{}, decodeBootSettings(in))
	s, src, err := settingsFor(oobkit.BootOptions{Device: oobkit.BootIDERCD, SOL: true, LockKeyboard: true})
	require.NoError(t, err)
	assert.Empty(t, src)
	s.apply(in)
	for _, f := range readOnlyBootFields {
		assert.False(t, in.Has(f), "read-only %s must not be sent", f)
	}
	assert.Equal(t, "Intel(r) AMT:BootSettingData 0", in.Get("InstanceID"))
	assert.Equal(t, s, decodeBootSettings(in))
	assert.Equal(t, "1", in.Get("IDERBootDevice"))
}

func TestFixtureSettings(t *testing.T) {
	c := decodeConsent(fixtureInstances(t, "optin_get.xml")[0])
	assert.Equal(t, Consent{Required: ConsentAll, State: ConsentNotStarted, CanModifyPolicy: true}, c)
	assert.False(t, c.Granted())

	inv := &oobkit.Inventory{}
	decodeGeneral(inv, fixtureInstances(t, "generalsettings_get.xml")[0])
	v, _ := inv.Property("amt.idleWakeTimeout")
	assert.Equal(t, "65535", v)
	v, _ = inv.Property("amt.digestRealm")
	assert.Equal(t, "Digest:A3829B3827DE4D33D4449B366831FD01", v)

	schemes := fixtureInstances(t, "systempowerscheme_pull.xml")
	require.Len(t, schemes, 2)
	assert.Equal(t, "SCHEME 2", schemes[1].Get("InstanceID"))

	for _, in := range fixtureInstances(t, "physicalmemory_pull.xml") {
		decodeMemory(inv, in)
	}
	require.Len(t, inv.Memory, 1)
	assert.Equal(t, oobkit.MemoryModule{Source: oobkit.AMT, Slot: "BANK 0", Manufacturer: "859B", PartNumber: "CT16G4SFRA266.C8FE",
		Serial: "E0AF89A0", CapacityMB: 16384, SpeedMHz: 2667, Type: "DDR4"}, inv.Memory[0])

	decodeSystemPackage(inv, fixtureInstances(t, "systempackage_pull.xml")[0])
	assert.Equal(t, "2E2DCE8B-71B4-F911-9C3B-94C691A9D1E0", inv.System[0].GUID)
}

func TestFixtureFault(t *testing.T) {
	b, err := os.ReadFile("testdata/fault_accessdenied.xml")
	require.NoError(t, err)
	_, err = wsman.ParseEnvelope(bytes.NewReader(b))
	f, ok := err.(*wsman.Fault)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "AccessDenied", f.Subcode)
	assert.ErrorIs(t, f.Class(), oobkit.ErrAuth)
}

func TestFixtureSystemDefense(t *testing.T) {
	links := fixtureInstances(t, "portpolicy_pull.xml")
	require.Len(t, links, 2)
	for i, want := range []Interface{Wired, Wireless} {
		iface, pid, err := decodePortPolicy(links[i])
		require.NoError(t, err)
		assert.Equal(t, want, iface)
		assert.Equal(t, "Intel(r) AMT:Policy 7", pid)
	}

	stats := fixtureInstances(t, "filterstatistics_pull.xml")
	require.Len(t, stats, 2)
	assert.Equal(t, FilterStatistic{Interface: Wired, Filter: "Intel(r) AMT:Filter 3", Rule: "mgmt-http", ReadCount: 4, Matched: 117},
		decodeFilterStatistic(stats[0]), "the filter is found inside the nested EPR selector")
	assert.Equal(t, Wireless, decodeFilterStatistic(stats[1]).Interface)

	pol := fixtureInstances(t, "defensepolicy_get.xml")[0]
	assert.Equal(t, []string{"Intel(r) AMT:Filter 3", "Intel(r) AMT:Filter 4", "Intel(r) AMT:Filter 5"},
		pol.All("FilterCreationHandles"), "a multi-valued property keeps every value in order")
	assert.Equal(t, "quarantine", toAMTInstance(pol).Properties["PolicyName"])
}

func TestFixtureInventory(t *testing.T) {
	inv := &oobkit.Inventory{}
	for _, f := range []struct {
		file   string
		decode func(*oobkit.Inventory, *wsman.Instance)
	}{
		{"bios_pull.xml", decodeBIOS},
		{"ethernetport_pull.xml", decodeEthernet},
		{"processor_pull.xml", decodeProcessor},
		{"mediaaccess_pull.xml", decodeMedia},
	} {
		for _, in := range fixtureInstances(t, f.file) {
			f.decode(inv, in)
		}
	}
	require.Len(t, inv.BIOS, 1)
	assert.Equal(t, "2020-08-10T00:00:00Z", inv.BIOS[0].ReleaseDate, "the <Datetime> wrapper is read through")
	assert.Equal(t, "QNCFLX70.0054.2020.0810.2227", inv.BIOS[0].Version)
	assert.Equal(t, "Intel Corp.", inv.BIOS[0].Vendor)

	require.Len(t, inv.Network, 2)
	wired, wireless := inv.Network[0], inv.Network[1]
	assert.False(t, wired.Wireless)
	assert.Equal(t, "c8-d9-d2-7a-1e-33", wired.MAC)
	assert.Equal(t, []string{"192.168.0.24"}, wired.Addresses)
	require.NotNil(t, wired.DHCP)
	assert.True(t, *wired.DHCP)
	assert.True(t, wireless.Wireless)
	require.NotNil(t, wireless.LinkUp)
	assert.False(t, *wireless.LinkUp)

	require.Len(t, inv.Processors, 1)
	assert.Equal(t, 8300, inv.Processors[0].MaxClockMHz)
	assert.Equal(t, 2400, inv.Processors[0].CurrentClockM)
	assert.Equal(t, "198", inv.Processors[0].Family)

	require.Len(t, inv.Disks, 1)
	assert.Equal(t, int64(500107), inv.Disks[0].CapacityMB)
	assert.Equal(t, "MEDIA DEV 0", inv.Disks[0].Name)
}
