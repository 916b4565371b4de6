package redirect

import (
	"crypto/tls"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

func TestTLSConfig(t *testing.T) {
	tests := []struct {
		name     string
		s        oobkit.TLSSettings
		insecure bool
		pinned   bool
		minVer   uint16
		rsa      bool
		err      error
	}{
		{name: "verify by default", s: oobkit.TLSSettings{Enabled: true}, minVer: tls.VersionTLS12},
		{name: "pinned", s: oobkit.TLSSettings{PinnedSHA256: strings.Repeat("AB:", 31) + "AB"}, insecure: true, pinned: true, minVer: tls.VersionTLS12},
		{name: "explicit insecure", s: oobkit.TLSSettings{InsecureSkipVerify: true}, insecure: true, minVer: tls.VersionTLS12},
		{name: "legacy ciphers", s: oobkit.TLSSettings{LegacyCiphers: true}, minVer: tls.VersionTLS10, rsa: true},
		{name: "bad pin", s: oobkit.TLSSettings{PinnedSHA256: "abc"}, err: oobkit.ErrInvalidArgument},
		{name: "bad CA", s: oobkit.TLSSettings{CAPEM: "nope"}, err: oobkit.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := tlsConfig(tt.s, "10.0.0.1")
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.insecure, cfg.InsecureSkipVerify)
			assert.Equal(t, tt.pinned, cfg.VerifyConnection != nil)
			assert.Equal(t, tt.minVer, cfg.MinVersion)
			assert.Equal(t, tt.rsa, len(cfg.CipherSuites) > 0 && contains(cfg.CipherSuites, tls.TLS_RSA_WITH_AES_128_CBC_SHA))
			assert.Equal(t, "10.0.0.1", cfg.ServerName)
		})
	}
}

func contains(s []uint16, v uint16) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
