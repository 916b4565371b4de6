package tlsconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
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
)

// selfSigned returns a fresh self-signed certificate (RSA when rsaKey, for
// the RSA key-exchange suites) and its SHA-256.
func selfSigned(t *testing.T, rsaKey bool) (tls.Certificate, string) {
	t.Helper()
	var pub, priv any
	if rsaKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		pub, priv = &k.PublicKey, k
	} else {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		pub, priv = &k.PublicKey, k
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "amt"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageKeyEncipherment | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	require.NoError(t, err)
	sum := sha256.Sum256(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv}, hex.EncodeToString(sum[:])
}

// serve accepts loopback connections and hands each to handle, until the
// end of the test.
func serve(t *testing.T, handle func(net.Conn)) string {
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
	return ln.Addr().String()
}

// tlsServer serves TLS with cfg: each connection is read until the client
// goes.
func tlsServer(t *testing.T, cfg *tls.Config) string {
	return serve(t, func(c net.Conn) {
		tc := tls.Server(c, cfg)
		if tc.Handshake() == nil {
			_, _ = io.Copy(io.Discard, tc)
		}
	})
}

// answer is a plain TCP server that writes reply once it has read something.
func answer(t *testing.T, reply string) string {
	return serve(t, func(c net.Conn) {
		buf := make([]byte, 512)
		if _, err := c.Read(buf); err == nil {
			_, _ = io.WriteString(c, reply)
		}
	})
}

// handshake connects to addr as a client with cfg and returns the error of
// the handshake, or of the first read (TLS 1.3 servers judge the client's
// certificate after the client's handshake is done).
func handshake(t *testing.T, addr string, cfg *tls.Config) error {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	require.NoError(t, err)
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	c := tls.Client(nc, cfg)
	if err := c.Handshake(); err != nil {
		return err
	}
	_, err = c.Read(make([]byte, 1))
	return err
}

// TestHandshakeClass: a TLS handshake refusal is an authentication failure
// (certificates) or a protocol error (versions, cipher suites, plain HTTP on
// the TLS port), never "unreachable", which the runner retries.
func TestHandshakeClass(t *testing.T) {
	ecCert, ecPin := selfSigned(t, false)
	rsaCert, _ := selfSigned(t, true)
	insecure := func(c *tls.Config) *tls.Config { c.InsecureSkipVerify = true; return c } //nolint:gosec // the server is the test's own
	ours := func(s oobkit.TLSSettings) *tls.Config {
		cfg, err := Config(s, "127.0.0.1")
		require.NoError(t, err)
		return cfg
	}
	tests := []struct {
		name   string
		server string
		client *tls.Config
		want   error // nil: a network failure, for the caller to class unreachable
	}{
		{"server TLS 1.3 only, client TLS 1.2 at most",
			tlsServer(t, &tls.Config{Certificates: []tls.Certificate{ecCert}, MinVersion: tls.VersionTLS13}),
			insecure(&tls.Config{MaxVersion: tls.VersionTLS12}), oobkit.ErrProtocol},
		{"server TLS 1.1 at most, oobkit's TLS 1.2 minimum",
			tlsServer(t, &tls.Config{Certificates: []tls.Certificate{ecCert}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}),
			ours(oobkit.TLSSettings{InsecureSkipVerify: true}), oobkit.ErrProtocol},
		{"client TLS 1.3 only, server TLS 1.2 at most (this side refuses)",
			tlsServer(t, &tls.Config{Certificates: []tls.Certificate{ecCert}, MaxVersion: tls.VersionTLS12}),
			insecure(&tls.Config{MinVersion: tls.VersionTLS13}), oobkit.ErrProtocol},
		{"no cipher suite in common (RSA key exchange without LegacyCiphers)",
			tlsServer(t, &tls.Config{Certificates: []tls.Certificate{rsaCert}, MaxVersion: tls.VersionTLS12,
				CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}}), //nolint:gosec // the point of the test
			ours(oobkit.TLSSettings{InsecureSkipVerify: true}), oobkit.ErrProtocol},
		{"plain HTTP on the TLS port", answer(t, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
			ours(oobkit.TLSSettings{InsecureSkipVerify: true}), oobkit.ErrProtocol},
		{"something else on the TLS port", answer(t, "SSH-2.0-OpenSSH_9.6\r\n"),
			ours(oobkit.TLSSettings{InsecureSkipVerify: true}), oobkit.ErrNotDetected},
		{"self-signed certificate, verification on",
			tlsServer(t, &tls.Config{Certificates: []tls.Certificate{ecCert}}), ours(oobkit.TLSSettings{}), oobkit.ErrAuth},
		{"pin mismatch",
			tlsServer(t, &tls.Config{Certificates: []tls.Certificate{ecCert}}),
			ours(oobkit.TLSSettings{PinnedSHA256: strings.Repeat("ab", 32)}), oobkit.ErrAuth},
		{"the device wants a client certificate",
			tlsServer(t, &tls.Config{Certificates: []tls.Certificate{ecCert}, ClientAuth: tls.RequireAnyClientCert}),
			ours(oobkit.TLSSettings{PinnedSHA256: ecPin}), oobkit.ErrAuth},
		{"the device closes the connection at once", serve(t, func(net.Conn) {}),
			ours(oobkit.TLSSettings{InsecureSkipVerify: true}), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := handshake(t, tc.server, tc.client)
			require.Error(t, err)
			class, why := HandshakeClass(err)
			if tc.want == nil {
				assert.Nil(t, class, "%v", err)
				return
			}
			assert.True(t, errors.Is(class, tc.want), "%v: got %v, want %v", err, class, tc.want)
			assert.NotEmpty(t, why)
		})
	}
}

func TestRefusalClassIgnoresOtherErrors(t *testing.T) {
	for _, err := range []error{io.EOF, errors.New("tls: something local"), &net.OpError{Op: "read", Err: errors.New("x")}} {
		class, _ := RefusalClass(err)
		assert.Nil(t, class, "%v", err)
	}
	class, _ := HandshakeClass(errors.New("tls: server selected unsupported protocol version 301"))
	assert.Equal(t, oobkit.ErrProtocol, class)
}
