package amt

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
)

// The bodies below are written after the documented formats of the classes
// (Intel AMT SDK class reference, DMTF CIM schema) and the fixtures
// published with go-wsman-messages
// (https://github.com/device-management-toolkit/go-wsman-messages/tree/main/pkg/wsman/wsmantesting/responses),
// not after amttest: they check the decoders against what a device sends,
// not against the simulator written with them.

const nodeEnvStart = `<?xml version="1.0" encoding="UTF-8"?>
<a:Envelope xmlns:a="http://www.w3.org/2003/05/soap-envelope" xmlns:b="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:c="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:g="http://schemas.xmlsoap.org/ws/2004/09/enumeration" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<a:Header><b:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</b:To><b:RelatesTo>1</b:RelatesTo><b:Action a:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/09/enumeration/PullResponse</b:Action><b:MessageID>uuid:00000000-8086-8086-8086-000000000353</b:MessageID></a:Header>
<a:Body><g:PullResponse><g:Items>`

const nodeEnvEnd = `</g:Items><g:EndOfSequence></g:EndOfSequence></g:PullResponse></a:Body></a:Envelope>`

func nodeItems(t *testing.T, items string) []*wsman.Instance {
	t.Helper()
	ins, err := responseInstances([]byte(nodeEnvStart + items + nodeEnvEnd))
	require.NoError(t, err)
	require.NotEmpty(t, ins)
	return ins
}

// CIM_Battery as go-wsman-messages' fixture responses/cim/battery/pull.xml
// has it: BatteryStatus 2 is CIM's "Unknown" (not Win32_Battery's "on AC"),
// ChargingStatus 0 "Unknown", Chemistry 2 "Unknown", no EstimatedRunTime.
// Value maps: CIM schema 2.42 CIM_Battery (https://www.dmtf.org/standards/cim/schemas).
func TestDecodeBatteryCIMValues(t *testing.T) {
	ins := nodeItems(t, `<h:CIM_Battery xmlns:h="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_Battery">
<h:BatteryStatus>2</h:BatteryStatus><h:ChargingStatus>0</h:ChargingStatus><h:Chemistry>2</h:Chemistry>
<h:CreationClassName>CIM_Battery</h:CreationClassName><h:DesignCapacity>5601</h:DesignCapacity><h:DesignVoltage>11550</h:DesignVoltage>
<h:DeviceID>BAT0001</h:DeviceID><h:ElementName></h:ElementName><h:EnabledState>2</h:EnabledState>
<h:EstimatedChargeRemaining>0</h:EstimatedChargeRemaining><h:FullChargeCapacity>0</h:FullChargeCapacity><h:HealthState>0</h:HealthState>
<h:RequestedState>2</h:RequestedState><h:SystemCreationClassName>CIM_ComputerSystem</h:SystemCreationClassName><h:SystemName>ManagedSystem</h:SystemName>
</h:CIM_Battery>`)
	assert.Equal(t, Battery{DeviceID: "BAT0001", Status: "unknown", Charging: "unknown", Chemistry: "unknown", ChargePercent: 0,
		RunTimeMinutes: -1, DesignCapacity: 5601, DesignVoltage: 11550, Health: "unknown"}, decodeBattery(ins[0]))
	for v, want := range map[string]string{"1": "other", "2": "unknown", "3": "fully charged", "4": "low", "5": "critical",
		"6": "charging", "10": "undefined", "11": "partially charged", "12": "learning", "13": "overcharged"} {
		assert.Equal(t, want, batteryStatus[v], "BatteryStatus %s", v)
	}
	for v, want := range map[string]string{"0": "unknown", "2": "charging", "3": "discharging", "4": "idle"} {
		assert.Equal(t, want, chargingStatus[v], "ChargingStatus %s", v)
	}
}

// Agent presence as AMT_AgentPresenceWatchdog.AddAction leaves it: the
// states on an AMT_StateTransitionCondition, the action on an
// AMT_AgentPresenceWatchdogAction, linked by CIM_ConcreteDependency
// (classes: https://github.com/intel/lms, CIM_Framework/CIMFramework/CPPClasses/Include/
// AMT_StateTransitionCondition.h, AMT_AgentPresenceWatchdogAction.h; links as
// https://github.com/Ylianst/MeshCommander/blob/master/index.html
// PullWatchdogResponse follows them). A dependency between other classes
// and a link to an instance not listed are ignored.
func TestLinkWatchdogActions(t *testing.T) {
	const amt = "http://intel.com/wbem/wscim/1/amt-schema/1/"
	epr := func(class string, kv ...string) string {
		s := `<b:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</b:Address><b:ReferenceParameters><c:ResourceURI>` +
			amt + class + `</c:ResourceURI><c:SelectorSet><c:Selector Name="CreationClassName">` + class + `</c:Selector>`
		for i := 0; i+1 < len(kv); i += 2 {
			s += `<c:Selector Name="` + kv[i] + `">` + kv[i+1] + `</c:Selector>`
		}
		return s + `<c:Selector Name="SystemCreationClassName">CIM_ComputerSystem</c:Selector><c:Selector Name="SystemName">Intel(r) AMT</c:Selector></c:SelectorSet></b:ReferenceParameters>`
	}
	dep := func(ant, dep string) string {
		return `<h:CIM_ConcreteDependency xmlns:h="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ConcreteDependency"><h:Antecedent>` +
			ant + `</h:Antecedent><h:Dependent>` + dep + `</h:Dependent></h:CIM_ConcreteDependency>`
	}
	wd := epr("AMT_AgentPresenceWatchdog", "DeviceID", "ASNFZ4mrze8BI0VniavN7w==")
	cond := func(n string) string { return epr("AMT_StateTransitionCondition", "PolicyConditionName", n) }
	act := func(n string) string { return epr("AMT_AgentPresenceWatchdogAction", "PolicyActionName", n) }
	conds := nodeItems(t, `<h:AMT_StateTransitionCondition xmlns:h="`+amt+`AMT_StateTransitionCondition">
<h:CreationClassName>AMT_StateTransitionCondition</h:CreationClassName><h:NewState>10</h:NewState><h:OldState>4</h:OldState>
<h:PolicyConditionName>Condition 1</h:PolicyConditionName></h:AMT_StateTransitionCondition>
<h:AMT_StateTransitionCondition xmlns:h="`+amt+`AMT_StateTransitionCondition">
<h:NewState>4</h:NewState><h:OldState>31</h:OldState><h:PolicyConditionName>Condition 2</h:PolicyConditionName></h:AMT_StateTransitionCondition>`)
	acts := nodeItems(t, `<h:AMT_AgentPresenceWatchdogAction xmlns:h="`+amt+`AMT_AgentPresenceWatchdogAction">
<h:ActionSd>1</h:ActionSd><h:CreationClassName>AMT_AgentPresenceWatchdogAction</h:CreationClassName><h:EventOnTransition>true</h:EventOnTransition>
<h:PolicyActionName>Action 1</h:PolicyActionName></h:AMT_AgentPresenceWatchdogAction>`)
	deps := nodeItems(t, dep(wd, cond("Condition 1"))+dep(cond("Condition 1"), act("Action 1"))+dep(wd, cond("Condition 2"))+
		dep(wd, cond("Gone"))+dep(epr("AMT_GeneralSettings", "InstanceID", "x"), epr("AMT_EthernetPortSettings", "InstanceID", "y")))
	got := linkWatchdogActions(conds, acts, deps)
	assert.Equal(t, map[string][]WatchdogAction{"ASNFZ4mrze8BI0VniavN7w==": {
		{Condition: "Condition 1", Name: "Action 1", OldStates: []string{"running"}, NewStates: []string{"stopped", "expired"},
			Event: true, SystemDefense: "deactivate policy"},
		{Condition: "Condition 2", OldStates: []string{"not started", "stopped", "running", "expired", "suspended"},
			NewStates: []string{"running"}},
	}}, got)
	assert.Equal(t, "01234567-89AB-CDEF-0123-456789ABCDEF", agentID("ASNFZ4mrze8BI0VniavN7w=="))
}

// AMT_RemoteAccessPolicyRule's ExtendedData, as the SDK documents it
// (quoted on PeriodicSchedule): network-order uint32 periodic type, then
// the interval in seconds (type 0) or hour and minute (type 1). The
// periodic rule is go-wsman-messages' fixture
// responses/amt/remoteaccess/policyrule/pull.xml.
func TestDecodeRemoteAccessRulePeriodic(t *testing.T) {
	ins := nodeItems(t, `<h:AMT_RemoteAccessPolicyRule xmlns:h="http://intel.com/wbem/wscim/1/amt-schema/1/AMT_RemoteAccessPolicyRule">
<h:CreationClassName>AMT_RemoteAccessPolicyRule</h:CreationClassName><h:ElementName>Intel(r) AMT:Remote Access Policy</h:ElementName>
<h:ExtendedData>AAAAAAAAABk=</h:ExtendedData><h:PolicyRuleName>Periodic</h:PolicyRuleName>
<h:SystemCreationClassName>CIM_ComputerSystem</h:SystemCreationClassName><h:SystemName>Intel(r) AMT</h:SystemName>
<h:Trigger>2</h:Trigger><h:TunnelLifeTime>0</h:TunnelLifeTime></h:AMT_RemoteAccessPolicyRule>
<h:AMT_RemoteAccessPolicyRule xmlns:h="http://intel.com/wbem/wscim/1/amt-schema/1/AMT_RemoteAccessPolicyRule">
<h:ExtendedData>AAAAAA==</h:ExtendedData><h:PolicyRuleName>User Initiated</h:PolicyRuleName><h:Trigger>0</h:Trigger>
<h:TunnelLifeTime>300</h:TunnelLifeTime></h:AMT_RemoteAccessPolicyRule>`)
	assert.Equal(t, RemoteAccessRule{Name: "Periodic", Trigger: "periodic", ExtendedData: "AAAAAAAAABk=",
		Periodic: &PeriodicSchedule{Interval: 25 * time.Second}}, decodeRemoteAccessRule(ins[0]))
	assert.Equal(t, RemoteAccessRule{Name: "User Initiated", Trigger: "user initiated", TunnelLifeTime: 5 * time.Minute,
		ExtendedData: "AAAAAA=="}, decodeRemoteAccessRule(ins[1]))
	// 00000001 00000017 0000003B: daily at 23:59.
	assert.Equal(t, &PeriodicSchedule{Daily: true, Hour: 23, Minute: 59}, decodePeriodic("AAAAAQAAABcAAAA7"))
	// 00000000 00015180: every 86400 s.
	assert.Equal(t, &PeriodicSchedule{Interval: 24 * time.Hour}, decodePeriodic("AAAAAAABUYA="))
	for _, bad := range []string{"", "AAAA", "AAAAAgAAAAE=", "AAAAAQAAABgAAAAA", "not base64"} {
		assert.Nil(t, decodePeriodic(bad), bad)
	}
}

// AMT_EthernetPortSettings of the recorded AMT 12 response
// (testdata/ethernetport_pull.xml): the wireless instance reports
// WLANLinkProtectionLevel, LinkPreference and LinkControl (ValueMap 1 ME,
// 2 HOST), the wired one IpSyncEnabled and SharedStaticIp.
func TestDecodeNetworkSettingsRecorded(t *testing.T) {
	ins := fixtureInstances(t, "ethernetport_pull.xml")
	require.Len(t, ins, 2)
	wired, wireless := decodeNetworkSettings(ins[0]), decodeNetworkSettings(ins[1])
	assert.Equal(t, Wired, wired.Interface)
	assert.True(t, wired.IPSync)
	assert.False(t, wired.SharedStaticIP)
	assert.Equal(t, []int{1, 14, 16}, wired.LinkPolicy)
	assert.Equal(t, Wireless, wireless.Interface)
	assert.Equal(t, 2, wireless.LinkPreference)
	assert.Equal(t, 2, wireless.LinkControl)
	// A wireless-only computer's wireless instance need not be number 1:
	// WLANLinkProtectionLevel tells it apart, as MeshCommander does.
	ins[1].Set("InstanceID", "Intel(r) AMT Ethernet Port Settings 0").Delete("PhysicalConnectionType")
	assert.Equal(t, Wireless, decodeNetworkSettings(ins[1]).Interface)
}

// The FRU node on the recorded AMT 12 responses (testdata, see
// SOURCES.md): the chassis has no CanBeFRUed, the memory module's
// blank-padded PartNumber is trimmed.
func TestDecodeFRURecorded(t *testing.T) {
	yes := true
	assert.Equal(t, FRU{Class: "CIM_Card", Name: "Managed System Base Board", Tag: "CIM_Card", Manufacturer: "Intel Corporation",
		Model: "NUC9V7QNB", SerialNumber: "KNQN0221020W", Version: "K47180-402", CanBeFRUed: &yes},
		decodeFRU(schema.Card, fixtureInstances(t, "card_pull.xml")[0]))
	assert.Equal(t, FRU{Class: "CIM_Chassis", Name: "Managed System Chassis", Tag: "CIM_Chassis", Manufacturer: "Intel(R) Client Systems",
		Model: "NUC9V7QNX", SerialNumber: "JRQN0243007J", Version: "K47174-402"},
		decodeFRU(schema.Chassis, fixtureInstances(t, "chassis_pull.xml")[0]))
	assert.Equal(t, FRU{Class: "CIM_PhysicalMemory", Name: "Managed System Memory Chip", Tag: "9876543210", Manufacturer: "859B",
		SerialNumber: "E0AF89A0", PartNumber: "CT16G4SFRA266.C8FE"},
		decodeFRU(schema.Memory, fixtureInstances(t, "physicalmemory_pull.xml")[0]))
}
