package filter

import (
	"maps"
	"testing"

	"github.com/oobkit/oobkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestToAMTProperties(t *testing.T) {
	p := featurePolicy(t)
	a, err := ToAMT(p)
	require.NoError(t, err)
	require.Len(t, a.Filters, len(p.Rules))
	assert.Equal(t, uint32(3600), a.TimeoutSeconds)
	assert.Equal(t, map[string]string{
		"PolicyName": p.Name, "PolicyPrecedence": "7", "AntiSpoofingSupport": "3",
		"TxDefaultDrop": "true", "TxDefaultMatchEvent": "false", "TxDefaultCount": "true",
		"RxDefaultDrop": "true", "RxDefaultMatchEvent": "false", "RxDefaultCount": "true",
	}, a.Policy)

	byName := map[string]AMTInstance{}
	for _, f := range a.Filters {
		byName[f.Properties["ElementName"]] = f
	}
	assert.Equal(t, AMTInstance{Class: "AMT_Hdr8021Filter", Properties: map[string]string{
		"ElementName": "arp-rx", "FilterDirection": "1", "FilterProfile": "3", "ActionEventOnMatch": "false", "HdrProtocolID8021": "2054",
	}}, byName["arp-rx"])
	assert.Equal(t, AMTInstance{Class: "AMT_IPHeadersFilter", Properties: map[string]string{
		"ElementName": "ns-http-tcp-tx-to", "FilterDirection": "0", "FilterProfile": "3", "ActionEventOnMatch": "false",
		"HdrIPVersion": "4", "HdrProtocolID": "6", "HdrDestAddress": "0A000005", "HdrDestPortStart": "80", "HdrDestPortEnd": "80",
	}}, byName["ns-http-tcp-tx-to"])
	assert.Equal(t, map[string]string{
		"ElementName": "ping", "FilterDirection": "1", "FilterProfile": "2", "FilterProfileData": "10", "ActionEventOnMatch": "true",
		"HdrIPVersion": "4", "HdrProtocolID": "1",
	}, byName["ping"].Properties)
	assert.Equal(t, map[string]string{
		"ElementName": "lab-range", "FilterDirection": "1", "FilterProfile": "1", "ActionEventOnMatch": "false", "HdrIPVersion": "4",
		"HdrSrcAddress": "0A090001", "HdrSrcAddressEndOfRange": "0A090063", "HdrDestAddress": "0A000001", "HdrDestMask": "FF00FF00",
	}, byName["lab-range"].Properties)
	syn := byName["syn-scan"].Properties
	assert.Equal(t, "20010DB8000000000000000000000000", syn["HdrSrcAddress"])
	assert.Equal(t, "FFFFFFFF000000000000000000000000", syn["HdrSrcMask"])
	assert.Equal(t, "2", syn["TCPFlagsOn"])
	assert.Equal(t, "144", syn["TCPFlagsOff"])
	assert.Equal(t, "0", byName["vlan-proto"].Properties["FilterProfile"], "pass+count")
}

func TestAMTRoundTrip(t *testing.T) {
	for name, p := range map[string]*Policy{
		"features": featurePolicy(t), "allow all": AllowAll(), "limit ping": LimitPing(3),
		"remediation v6": must(DefaultRemediation(mustAddr("2001:db8::5"), RemediationOptions{AntiSpoofing: AntiSpoofingOn})),
	} {
		t.Run(name, func(t *testing.T) {
			a, err := ToAMT(p)
			require.NoError(t, err)
			back, err := FromAMT(a)
			require.NoError(t, err)
			assert.Equal(t, p, back)
		})
	}
}

func must(p *Policy, err error) *Policy {
	if err != nil {
		panic(err)
	}
	return p
}

func TestFromAMTDeviceForms(t *testing.T) {
	// What a device reports carries keys and class names the mapping does
	// not use, may omit ElementName, and may give addresses in text form.
	a := &AMTPolicy{
		Policy: map[string]string{"InstanceID": "Intel(r) AMT:Handle:7", "PolicyName": "dev", "RxDefaultDrop": "true", "FilterCreationHandles": "1"},
		Filters: []AMTInstance{{Class: ClassIPHeadersFilter, Properties: map[string]string{
			"InstanceID": "Intel(r) AMT:Handle:1", "CreationClassName": "AMT_IPHeadersFilter", "FilterDirection": "1", "FilterProfile": "4",
			"HdrIPVersion": "4", "HdrSrcAddress": "192.0.2.0", "HdrSrcMask": "255.255.255.0", "HdrProtocolID": "17", "HdrDestPortStart": "161",
		}}},
	}
	p, err := FromAMT(a)
	require.NoError(t, err)
	require.Len(t, p.Rules, 1)
	r := p.Rules[0]
	assert.Equal(t, "filter-1", r.Name)
	assert.Equal(t, "192.0.2.0/24", r.IP.Src.String())
	assert.Equal(t, Ports(161), r.IP.DstPorts)
	assert.Equal(t, Drop, p.Receive.Action)
	assert.Equal(t, Pass, p.Transmit.Action)
}

func TestFromAMTErrors(t *testing.T) {
	base := func() map[string]string {
		return map[string]string{"FilterDirection": "0", "FilterProfile": "3", "HdrIPVersion": "4"}
	}
	tests := []struct {
		name  string
		class string
		edit  map[string]string
		msg   string
	}{
		{"bad direction", ClassIPHeadersFilter, map[string]string{"FilterDirection": "2"}, "unknown direction"},
		{"bad profile", ClassIPHeadersFilter, map[string]string{"FilterProfile": "9"}, "unknown profile"},
		{"not a number", ClassIPHeadersFilter, map[string]string{"HdrProtocolID": "tcp"}, "not a number"},
		{"bad address", ClassIPHeadersFilter, map[string]string{"HdrSrcAddress": "zz"}, "not an address"},
		{"negated", ClassIPHeadersFilter, map[string]string{"IsNegated": "true"}, "negated"},
		{"wrong version", ClassIPHeadersFilter, map[string]string{"HdrIPVersion": "6", "HdrSrcAddress": "0A000001"}, "not an IPv6 match"},
		{"unknown class", "AMT_Whatever", nil, "unknown filter class"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := base()
			maps.Copy(props, tt.edit)
			_, err := FromAMT(&AMTPolicy{Policy: map[string]string{"PolicyName": "x"}, Filters: []AMTInstance{{Class: tt.class, Properties: props}}})
			require.ErrorIs(t, err, oobkit.ErrProtocol)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
	_, err := FromAMT(&AMTPolicy{Policy: map[string]string{"AntiSpoofingSupport": "9"}})
	assert.ErrorIs(t, err, oobkit.ErrProtocol)
}

func TestToAMTRefusesMalformed(t *testing.T) {
	p := AllowAll()
	p.Rules = []Rule{{Name: "r", Direction: Receive, Action: Pass}}
	_, err := ToAMT(p)
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}
