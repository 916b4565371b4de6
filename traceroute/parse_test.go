package traceroute

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// extErr builds an IP_RECVERR control message's data as the kernel does.
func extErr(typ, code byte, from [4]byte) []byte {
	b := make([]byte, sizeofExtErr+16)
	b[4], b[5], b[6] = eeOriginICMP, typ, code
	binary.NativeEndian.PutUint16(b[sizeofExtErr:], unix.AF_INET)
	copy(b[sizeofExtErr+4:], from[:])
	return b
}

func TestParseExtendedErr(t *testing.T) {
	a, reply, stop, ok := parseExtendedErr(unix.IPPROTO_IP, unix.IP_RECVERR, extErr(11, 0, [4]byte{192, 0, 2, 1}))
	assert.True(t, ok)
	assert.False(t, stop)
	assert.Equal(t, "time-exceeded", reply)
	assert.Equal(t, netip.MustParseAddr("192.0.2.1"), a)
	_, reply, stop, ok = parseExtendedErr(unix.IPPROTO_IP, unix.IP_RECVERR, extErr(3, 3, [4]byte{192, 0, 2, 9}))
	assert.True(t, ok && stop)
	assert.Equal(t, "port-unreachable", reply)
	_, _, _, ok = parseExtendedErr(unix.IPPROTO_IP, unix.IP_RECVERR, []byte{1, 2, 3})
	assert.False(t, ok)
}

// FuzzParseExtendedErr: the error queue's bytes come from the network (an
// ICMP message's type, code and source); decoding never panics.
func FuzzParseExtendedErr(f *testing.F) {
	f.Add(extErr(11, 0, [4]byte{10, 0, 0, 1}))
	f.Add(extErr(3, 3, [4]byte{10, 0, 0, 2}))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _, _ = parseExtendedErr(unix.IPPROTO_IP, unix.IP_RECVERR, b)
	})
}

// TestMatchReply: the probe socket is not connected, so anyone can send it
// a datagram; only the computer's own answer ends the trace.
func TestMatchReply(t *testing.T) {
	dst, other := netip.MustParseAddr("192.0.2.9"), netip.MustParseAddr("198.51.100.7")
	reply, ok := matchReply(UDP, dst, dst, []byte("x"), 3)
	assert.True(t, ok)
	assert.Equal(t, "udp-reply", reply)
	_, ok = matchReply(UDP, dst, other, []byte("x"), 3)
	assert.False(t, ok, "a datagram from another address is not the answer")

	echo := func(seq int) []byte {
		b, err := (&icmp.Message{Type: ipv4.ICMPTypeEchoReply, Body: &icmp.Echo{Seq: seq, Data: []byte("oobkit")}}).Marshal(nil)
		require.NoError(t, err)
		return b
	}
	reply, ok = matchReply(ICMP, dst, dst, echo(3), 3)
	assert.True(t, ok)
	assert.Equal(t, "echo-reply", reply)
	_, ok = matchReply(ICMP, dst, other, echo(3), 3)
	assert.False(t, ok, "an echo reply from another address")
	_, ok = matchReply(ICMP, dst, dst, echo(2), 3)
	assert.False(t, ok, "the reply to another probe")
}

// TestIsProbe: an ICMP error is matched to its probe by the TTL carried in
// the payload it returns; a payload too short to carry it matches nothing.
func TestIsProbe(t *testing.T) {
	req, err := (&icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{Seq: 5, Data: []byte("oobkit traceroute")}}).Marshal(nil)
	require.NoError(t, err)
	assert.True(t, isProbe(ICMP, req, 5))
	assert.False(t, isProbe(ICMP, req, 4))
	for n := range 8 {
		assert.False(t, isProbe(ICMP, req[:n], 5), "%d bytes of an echo request hold no sequence number", n)
	}
	assert.True(t, isProbe(UDP, []byte{7, 'o'}, 7))
	assert.False(t, isProbe(UDP, []byte{6, 'o'}, 7))
	assert.False(t, isProbe(UDP, nil, 7), "an empty UDP payload")
	assert.False(t, isProbe(Auto, req, 5))
}

// FuzzMatch: a datagram's and an ICMP error's payload come from the
// network; matching them to a probe never panics, and nothing but dst's
// answer is accepted.
func FuzzMatch(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 3}, 3, true)
	f.Add([]byte{3}, 3, false)
	f.Fuzz(func(t *testing.T, b []byte, ttl int, fromDst bool) {
		dst, src := netip.MustParseAddr("192.0.2.9"), netip.MustParseAddr("192.0.2.10")
		if fromDst {
			src = dst
		}
		for _, m := range []Method{ICMP, UDP} {
			if _, ok := matchReply(m, dst, src, b, ttl); ok && !fromDst {
				t.Fatal("accepted an answer from another address")
			}
			if isProbe(m, b, ttl) && len(b) < 1 {
				t.Fatal("matched an empty payload")
			}
		}
	})
}
