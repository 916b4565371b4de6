package redirect_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/redirect"
)

// loopback accepts connections until the end of the test and hands each
// to handle.
func loopback(t *testing.T, handle func(net.Conn)) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				handle(c)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().(*net.TCPAddr).Port
}

// TestTLSRefusalIsNotUnreachable: a redirection port whose TLS this side
// cannot speak (an old version only) or that answers in plain HTTP fails
// the session with a protocol error, not "unreachable", which the runner
// would retry.
func TestTLSRefusalIsNotUnreachable(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "old-amt"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	tls11 := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11} //nolint:gosec // the point of the test
	tests := []struct {
		name string
		port int
	}{
		{"the device speaks TLS 1.1 at most", loopback(t, func(c net.Conn) {
			tc := tls.Server(c, tls11)
			if tc.Handshake() == nil {
				_, _ = io.Copy(io.Discard, tc)
			}
		})},
		{"plain HTTP on the TLS port", loopback(t, func(c net.Conn) {
			if _, err := c.Read(make([]byte, 512)); err == nil {
				_, _ = io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
			}
		})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := oobkit.Target{Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.Redirection: tc.port}}
			cred := oobkit.UserPassword("admin", "P@ssw0rd")
			cred.TLS = oobkit.TLSSettings{Enabled: true, InsecureSkipVerify: true}
			c, err := redirect.New(target, cred, redirect.WithTimeout(15*time.Second))
			require.NoError(t, err)
			_, err = c.OpenSOL(ctxT(t), redirect.SOLSettings{})
			require.Error(t, err)
			assert.ErrorIs(t, err, oobkit.ErrProtocol, "%v", err)
			assert.NotErrorIs(t, err, oobkit.ErrUnreachable)
			assert.Equal(t, 1, strings.Count(err.Error(), "protocol error"), err.Error())
		})
	}
}
