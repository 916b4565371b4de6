package redirect_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
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
	"github.com/oobkit/oobkit/internal/tlsconf"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// TestTLSVerification runs SOL sessions on the TLS port against the
// simulator's self-signed certificate: verification is on by default, a pin
// or the certificate as a private root lets the session through, a wrong pin
// is refused with the pin mismatch, and skipping verification needs the
// explicit switch.
func TestTLSVerification(t *testing.T) {
	// Sessions of the subtests may overlap while the device winds the last one down.
	sim := newSim(t, redirecttest.Config{TLS: true, AllowConcurrent: true})
	certPEM := fetchCertPEM(t, sim.Addr())
	tests := []struct {
		name    string
		tls     oobkit.TLSSettings
		ok      bool
		pinMiss bool
	}{
		{name: "verified by default: self-signed refused", tls: oobkit.TLSSettings{Enabled: true}},
		{name: "pinned", tls: oobkit.TLSSettings{Enabled: true, PinnedSHA256: sim.Fingerprint()}, ok: true},
		{name: "pinned with colons, upper case", tls: oobkit.TLSSettings{Enabled: true, PinnedSHA256: colons(strings.ToUpper(sim.Fingerprint()))}, ok: true},
		{name: "wrong pin refused", tls: oobkit.TLSSettings{Enabled: true, PinnedSHA256: strings.Repeat("ab", 32)}, pinMiss: true},
		{name: "private root", tls: oobkit.TLSSettings{Enabled: true, CAPEM: certPEM}, ok: true},
		{name: "insecure opt-in", tls: oobkit.TLSSettings{Enabled: true, InsecureSkipVerify: true}, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cred := sim.Credential()
			cred.TLS = tt.tls
			c, err := redirect.New(sim.Target(), cred, redirect.WithTimeout(15*time.Second))
			require.NoError(t, err)
			sol, err := c.OpenSOL(ctxT(t), redirect.SOLSettings{})
			if tt.ok {
				require.NoError(t, err)
				require.NoError(t, sol.Close())
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, oobkit.ErrAuth, "the device failed to prove who it is")
			assert.True(t, tlsconf.IsCertificateError(err), "a certificate refusal: %v", err)
			var pm *tlsconf.PinMismatchError
			assert.Equal(t, tt.pinMiss, errors.As(err, &pm), "pin mismatch: %v", err)
		})
	}
}

// TestTLSBadSettings: settings that cannot work are refused before any
// connection.
func TestTLSBadSettings(t *testing.T) {
	sim := newSim(t, redirecttest.Config{TLS: true})
	cred := sim.Credential()
	cred.TLS = oobkit.TLSSettings{Enabled: true, CAPEM: "not a certificate"}
	c, err := redirect.New(sim.Target(), cred)
	require.NoError(t, err)
	_, err = c.OpenSOL(ctxT(t), redirect.SOLSettings{})
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Zero(t, sim.Stats().Sessions)

	cred.TLS = oobkit.TLSSettings{Enabled: true, PinnedSHA256: "abc"}
	_, err = redirect.New(sim.Target(), cred)
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}

// TestTLSLegacyCiphers puts a TLS front in front of the simulator that, like
// AMT 11/12 firmware, speaks TLS 1.2 at most with RSA key exchange only (a
// suite Go no longer offers by default). The session needs LegacyCiphers.
func TestTLSLegacyCiphers(t *testing.T) {
	sim := newSim(t, redirecttest.Config{AllowConcurrent: true})
	front, fingerprint := rsaOnlyFront(t, sim.Addr())
	target := sim.Target()
	target.Ports = map[oobkit.Protocol]int{oobkit.Redirection: front.Addr().(*net.TCPAddr).Port}
	for _, legacy := range []bool{false, true} {
		cred := sim.Credential()
		cred.TLS = oobkit.TLSSettings{Enabled: true, PinnedSHA256: fingerprint, LegacyCiphers: legacy}
		c, err := redirect.New(target, cred, redirect.WithTimeout(15*time.Second))
		require.NoError(t, err)
		sol, err := c.OpenSOL(ctxT(t), redirect.SOLSettings{})
		if !legacy {
			require.Error(t, err, "RSA key exchange offered without LegacyCiphers")
			// No cipher suite in common: the device refused the handshake, a
			// protocol error that retrying will not mend, not "unreachable".
			assert.ErrorIs(t, err, oobkit.ErrProtocol)
			assert.NotErrorIs(t, err, oobkit.ErrUnreachable)
			continue
		}
		require.NoError(t, err)
		_, err = io.WriteString(sol, "old firmware\r")
		require.NoError(t, err)
		readUntil(t, sol, "old firmware\r")
		require.NoError(t, sol.Close())
	}
}

// fetchCertPEM returns the PEM of the certificate served at addr.
func fetchCertPEM(t *testing.T, addr string) string {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // only reads the certificate
	require.NoError(t, err)
	defer conn.Close()
	der := conn.ConnectionState().PeerCertificates[0].Raw
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func colons(hex string) string {
	var parts []string
	for i := 0; i < len(hex); i += 2 {
		parts = append(parts, hex[i:i+2])
	}
	return strings.Join(parts, ":")
}

// rsaOnlyFront listens on loopback with a fresh RSA certificate, TLS 1.2 at
// most and only TLS_RSA_WITH_AES_128_CBC_SHA, and relays each connection to
// backend in plain TCP. It returns the listener and the certificate's
// SHA-256.
func rsaOnlyFront(t *testing.T, backend string) (net.Listener, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "old-amt"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageKeyEncipherment | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		MaxVersion:   tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}, //nolint:gosec // the point of the test
	})
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer in.Close()
				out, err := net.Dial("tcp", backend)
				if err != nil {
					return
				}
				defer out.Close()
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _ = io.Copy(out, in)
					out.Close()
				}()
				_, _ = io.Copy(in, out)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	sum := sha256.Sum256(der)
	return ln, hex.EncodeToString(sum[:])
}
