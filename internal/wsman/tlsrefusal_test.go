package wsman_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// TestTLSRefusalIsNotUnreachable: a TLS handshake the device refuses (no
// version or cipher suite in common) and a plain HTTP answer on the TLS port
// are protocol errors, which the runner does not retry; before, they were
// "unreachable" and retried to no avail.
func TestTLSRefusalIsNotUnreachable(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	tlsServer := func(cfg *tls.Config) *httptest.Server {
		srv := httptest.NewUnstartedServer(ok)
		srv.TLS = cfg
		srv.StartTLS()
		return srv
	}
	tests := []struct {
		name string
		srv  *httptest.Server
		url  func(*httptest.Server) string
	}{
		{"the device speaks TLS 1.1 at most", tlsServer(&tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}),
			func(s *httptest.Server) string { return s.URL + "/wsman" }},
		{"the device offers only RSA key exchange (no LegacyCiphers)", tlsServer(&tls.Config{MaxVersion: tls.VersionTLS12,
			CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}}), //nolint:gosec // the point of the test
			func(s *httptest.Server) string { return s.URL + "/wsman" }},
		{"plain HTTP on the TLS port", httptest.NewServer(ok),
			func(s *httptest.Server) string { return strings.Replace(s.URL, "http://", "https://", 1) + "/wsman" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer tc.srv.Close()
			cred := oobkit.Credential{Auth: oobkit.AuthBasic, TLS: oobkit.TLSSettings{Enabled: true, InsecureSkipVerify: true}}
			c, err := wsman.New(tc.url(tc.srv), cred)
			require.NoError(t, err)
			defer c.CloseIdleConnections()
			_, err = c.Get(context.Background(), uriGS, nil)
			require.Error(t, err)
			assert.ErrorIs(t, err, oobkit.ErrProtocol, "%v", err)
			assert.NotErrorIs(t, err, oobkit.ErrUnreachable)
			assert.Equal(t, 1, strings.Count(err.Error(), "protocol error"), err.Error())
		})
	}
}

// TestProtocolErrorsSayTheirClassOnce: the errors of a malformed or an
// oversize answer said "protocol error: protocol error:".
func TestProtocolErrorsSayTheirClassOnce(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"malformed", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>`))
		}},
		{"oversize", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(strings.Repeat("x", 2048)))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			c, err := wsman.New(srv.URL+"/wsman", oobkit.Credential{Auth: oobkit.AuthBasic}, wsman.WithMaxResponseBytes(1024))
			require.NoError(t, err)
			defer c.CloseIdleConnections()
			_, err = c.Get(context.Background(), uriGS, nil)
			require.ErrorIs(t, err, oobkit.ErrProtocol)
			assert.Equal(t, 1, strings.Count(err.Error(), "protocol error"), err.Error())
		})
	}
}
