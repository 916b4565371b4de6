package filter

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNamesRoundTrip(t *testing.T) {
	for _, f := range []TCPFlags{0, SYN, SYN | ACK, FIN | PSH | URG | RST, 0xC0 | ACK} {
		got, err := ParseTCPFlags(f.String())
		require.NoError(t, err)
		assert.Equal(t, f, got, f.String())
	}
	for _, p := range []Protocol{AnyProtocol, ICMP, TCP, UDP, ICMPv6, 47} {
		got, err := ParseProtocol(p.String())
		require.NoError(t, err)
		assert.Equal(t, p, got)
	}
	for _, a := range []AntiSpoofing{AntiSpoofingOff, AntiSpoofingEvent, AntiSpoofingCount, AntiSpoofingCountAndEvent, AntiSpoofingOn} {
		got, err := ParseAntiSpoofing(a.String())
		require.NoError(t, err)
		assert.Equal(t, a, got)
	}
	for _, r := range []PortRange{{}, Ports(80), {First: 50120, Last: 50124}, {First: 0, Last: 1023}} {
		got, err := ParsePortRange(r.String())
		require.NoError(t, err)
		assert.Equal(t, r, got)
	}
	for _, bad := range []string{"0", "0-0", "70-60", "65536", "x"} {
		_, err := ParsePortRange(bad)
		assert.Error(t, err, bad)
	}
	_, err := ParseTCPFlags("syn,fin,bogus")
	assert.ErrorContains(t, err, "bogus")
	_, err = ParseTCPFlags("0x20")
	assert.Error(t, err, "0x20 is URG: use its name")
	_, err = ParseAction("allow")
	assert.Error(t, err)
	_, err = ParseDirection("inbound")
	assert.Error(t, err)
}

func TestClone(t *testing.T) {
	p := featurePolicy(t)
	c := p.Clone()
	require.Equal(t, p, c)
	c.Rule("arp-rx").Ether.EtherType = 1
	c.Rules[len(c.Rules)-2].IP.Src = AddrMatch{}
	c.Rules = c.Rules[:1]
	assert.Equal(t, EtherTypeARP, p.Rule("arp-rx").Ether.EtherType)
	assert.False(t, p.Rules[len(p.Rules)-2].IP.Src.Any())
	assert.Equal(t, featurePolicy(t), p)
}
