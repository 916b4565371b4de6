package ipmi

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openSessionResponse is an RMCP+ Open Session Response datagram (IPMI
// v2.0 §13.6, §13.20) with the given algorithms, as pyghmi sends one.
func openSessionResponse(auth, integ, conf uint8) []byte {
	p := []byte{0x06, 0x00, 0xff, 0x07, 0x06, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 36, 0}
	p = append(p, 0x00, 0x00, 0x04, 0x00, 0xa3, 0xa2, 0xa1, 0xa0, 0x11, 0x22, 0x33, 0x44)
	p = append(p, 0, 0, 0, 8, auth, 0, 0, 0, 1, 0, 0, 8, integ, 0, 0, 0, 2, 0, 0, 8, conf, 0, 0, 0)
	return p
}

func TestParseOpenSessionResponse(t *testing.T) {
	got, ok := parseOpenSessionResponse(openSessionResponse(1, 1, 1))
	require.True(t, ok)
	assert.Equal(t, algorithms{1, 1, 1}, got.algorithms)
	assert.Equal(t, uint32(0x44332211), got.bmcSessionID)
	assert.Equal(t, "RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128 (cipher suite 3)", got.String())
	want17, _ := suiteAlgorithms(17)
	assert.Equal(t, "RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128 (cipher suite 17)", want17.String())

	failed := openSessionResponse(1, 1, 1)
	failed[17] = 0x11 // status: invalid authentication algorithm, no payloads follow
	_, ok = parseOpenSessionResponse(failed[:24])
	assert.False(t, ok)
	other := openSessionResponse(1, 1, 1)
	other[5] = 0x13 // RAKP message 2
	_, ok = parseOpenSessionResponse(other)
	assert.False(t, ok)
	_, ok = parseOpenSessionResponse(openSessionResponse(1, 1, 1)[:30])
	assert.False(t, ok)

	w := &wire{}
	w.received(openSessionResponse(1, 1, 1))
	require.ErrorContains(t, checkOffer(w, 17), "cipher suite 3")
	require.NoError(t, checkOffer(w, 3))
}

func TestParseDeviceID(t *testing.T) {
	// pyghmi: 14 data bytes, the auxiliary revision cut short.
	d, err := parseDeviceID([]byte{0, 0, 1, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	require.NoError(t, err)
	assert.Equal(t, "1.00", d.Firmware)
	assert.Equal(t, "2.0", d.IPMIVersion)
	assert.Empty(t, d.AuxFirmware)
	// ipmi_sim's answer has all 15; a BCD minor revision 12h reads "12".
	d, err = parseDeviceID([]byte{0x20, 0x81, 0x09, 0x12, 0x02, 0x9f, 0x91, 0x12, 0x00, 0x02, 0x0f, 1, 2, 3, 4})
	require.NoError(t, err)
	assert.Equal(t, "9.12", d.Firmware)
	assert.Equal(t, uint32(0x1291), d.ManufacturerID)
	assert.Equal(t, uint16(0x0f02), d.ProductID)
	assert.True(t, d.ProvidesSDRs)
	assert.Equal(t, []string{"chassis", "event-receiver", "fru", "sel", "sdr", "sensor"}, d.Supports)
	assert.Equal(t, "01020304", d.AuxFirmware)
	_, err = parseDeviceID(make([]byte, 10))
	require.Error(t, err)
}
