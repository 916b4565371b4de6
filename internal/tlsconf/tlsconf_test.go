package tlsconf

import (
	"crypto/tls"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// The end-to-end behaviour (verification on, pin accepted or refused, private
// roots, insecure opt-in) is tested through internal/wsman and redirect
// against real TLS listeners; these cases cover the configuration itself.
func TestConfig(t *testing.T) {
	cfg, err := Config(oobkit.TLSSettings{}, "amt.example")
	require.NoError(t, err)
	assert.False(t, cfg.InsecureSkipVerify, "verification is on by default")
	assert.Equal(t, "amt.example", cfg.ServerName)
	assert.Equal(t, uint16(tls.VersionTLS12), cfg.MinVersion)
	assert.Nil(t, cfg.CipherSuites)

	cfg, err = Config(oobkit.TLSSettings{PinnedSHA256: strings.Repeat("AB:", 31) + "AB", ServerName: "x"}, "amt.example")
	require.NoError(t, err)
	assert.True(t, cfg.InsecureSkipVerify, "the pin replaces chain verification")
	assert.NotNil(t, cfg.VerifyConnection)
	assert.Equal(t, "x", cfg.ServerName)
	assert.Error(t, cfg.VerifyConnection(tls.ConnectionState{}), "no certificate: refused")

	cfg, err = Config(oobkit.TLSSettings{LegacyCiphers: true}, "")
	require.NoError(t, err)
	assert.Equal(t, uint16(tls.VersionTLS10), cfg.MinVersion)
	assert.Contains(t, cfg.CipherSuites, tls.TLS_RSA_WITH_AES_128_CBC_SHA)

	_, err = Config(oobkit.TLSSettings{CAPEM: "not pem"}, "")
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	_, err = Config(oobkit.TLSSettings{CAFile: "/nonexistent/ca.pem"}, "")
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	_, err = Config(oobkit.TLSSettings{PinnedSHA256: "abc"}, "")
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)

	assert.True(t, IsCertificateError(&PinMismatchError{Want: "a", Got: "b"}))
	assert.False(t, IsCertificateError(assert.AnError))
}
