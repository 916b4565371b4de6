package traceroute

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
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
