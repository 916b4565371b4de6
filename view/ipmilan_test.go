package view

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLANValue decodes Get LAN Configuration Parameters responses (IPMI
// v2.0 §23.2, Table 23-4): a revision byte, then the parameter's data.
func TestLANValue(t *testing.T) {
	for _, c := range []struct {
		num  byte
		size int
		resp []byte
		want string
	}{
		{3, 4, []byte{0x11, 192, 0, 2, 7}, "192.0.2.7"},
		{4, 1, []byte{0x11, 0x02}, "DHCP"},
		{4, 1, []byte{0x11, 0x01}, "static"},
		{5, 6, []byte{0x11, 0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e}, "00:1a:2b:3c:4d:5e"},
	} {
		got, err := lanValue(c.num, c.size, c.resp)
		require.NoError(t, err)
		assert.Equal(t, c.want, got)
	}
	_, err := lanValue(3, 4, []byte{0x11, 192})
	assert.Error(t, err, "short")
}

// FuzzLANValue: any BMC answer decodes or fails, never panics.
func FuzzLANValue(f *testing.F) {
	f.Add(byte(3), []byte{0x11, 192, 0, 2, 7})
	f.Add(byte(5), []byte{0x11, 1, 2, 3, 4, 5, 6})
	f.Add(byte(4), []byte{})
	f.Fuzz(func(t *testing.T, num byte, resp []byte) {
		for _, p := range lanParams {
			_, _ = lanValue(p.num, p.size, resp)
		}
	})
}
