// Package tlsconf turns oobkit.TLSSettings into a *tls.Config, the one way
// every oobkit transport (WS-Management, the AMT redirection channel) sets up
// TLS: verification on by default, SHA-256 pinning of the leaf certificate,
// private roots, an explicit insecure switch, and a legacy-cipher opt-in for
// old AMT firmware.
package tlsconf

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"

	"github.com/oobkit/oobkit"
)

// PinMismatchError reports a server certificate whose fingerprint is not the
// pinned one.
type PinMismatchError struct{ Want, Got string }

// Error says which fingerprint the server presented and which was pinned.
func (e *PinMismatchError) Error() string {
	return fmt.Sprintf("server certificate SHA-256 %s does not match the pinned %s", e.Got, e.Want)
}

// legacyRSASuites are the RSA key-exchange suites Go dropped from its
// defaults in 1.22 (golang/go#63413) but AMT 11/12 firmware may require
// (device-management-toolkit/console issue #445).
var legacyRSASuites = []uint16{
	tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_RSA_WITH_AES_128_CBC_SHA,
	tls.TLS_RSA_WITH_AES_256_CBC_SHA,
}

// Config builds the client configuration for s. serverName, when not empty,
// is the name to verify unless s.ServerName overrides it. With a pin, the pin
// alone decides (self-signed AMT certificates): chain verification is
// replaced by comparing the leaf's SHA-256, and a mismatch fails the
// handshake with a *PinMismatchError.
func Config(s oobkit.TLSSettings, serverName string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: serverName}
	if s.ServerName != "" {
		cfg.ServerName = s.ServerName
	}
	if s.LegacyCiphers {
		cfg.MinVersion = tls.VersionTLS10
		for _, cs := range tls.CipherSuites() {
			cfg.CipherSuites = append(cfg.CipherSuites, cs.ID)
		}
		cfg.CipherSuites = append(cfg.CipherSuites, legacyRSASuites...)
	}
	if s.CAFile != "" || s.CAPEM != "" {
		pem := []byte(s.CAPEM)
		if s.CAFile != "" {
			b, err := os.ReadFile(s.CAFile)
			if err != nil {
				return nil, fmt.Errorf("%w: reading CA file: %v", oobkit.ErrInvalidArgument, err)
			}
			pem = append(pem, b...)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: no certificate found in the CA PEM", oobkit.ErrInvalidArgument)
		}
		cfg.RootCAs = pool
	}
	pin, err := s.NormalizedPin()
	if err != nil {
		return nil, err
	}
	switch {
	case pin != "":
		cfg.InsecureSkipVerify = true // replaced by the pin check below
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the server sent no certificate")
			}
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if got := hex.EncodeToString(sum[:]); got != pin {
				return &PinMismatchError{Want: pin, Got: got}
			}
			return nil
		}
	case s.InsecureSkipVerify:
		cfg.InsecureSkipVerify = true
	}
	return cfg, nil
}

// IsCertificateError reports whether err is a refusal of the server's
// certificate (unknown authority, wrong name, invalid, pin mismatch): the
// device failed to prove who it is.
func IsCertificateError(err error) bool {
	var pin *PinMismatchError
	var uae x509.UnknownAuthorityError
	var hne x509.HostnameError
	var cie x509.CertificateInvalidError
	var cve *tls.CertificateVerificationError
	return errors.As(err, &pin) || errors.As(err, &uae) || errors.As(err, &hne) || errors.As(err, &cie) || errors.As(err, &cve)
}
