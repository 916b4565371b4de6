package redirect

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"os"

	"github.com/oobkit/oobkit"
)

// legacyRSASuites are the RSA key-exchange suites Go no longer offers by
// default (golang/go#63413) but AMT 11/12 firmware may require (reference §1).
var legacyRSASuites = []uint16{
	tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_RSA_WITH_AES_128_CBC_SHA,
	tls.TLS_RSA_WITH_AES_256_CBC_SHA,
}

// tlsConfig turns the credential's TLS settings into a client configuration.
// Verification is on unless InsecureSkipVerify is set; a pin alone decides
// when PinnedSHA256 is set (AMT certificates are usually self-signed).
func tlsConfig(s oobkit.TLSSettings, host string) (*tls.Config, error) {
	pin, err := s.NormalizedPin()
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if s.ServerName != "" {
		cfg.ServerName = s.ServerName
	}
	if s.CAFile != "" || s.CAPEM != "" {
		pool := x509.NewCertPool()
		pem := []byte(s.CAPEM)
		if s.CAFile != "" {
			b, err := os.ReadFile(s.CAFile)
			if err != nil {
				return nil, fmt.Errorf("%w: reading CA file: %v", oobkit.ErrInvalidArgument, err)
			}
			pem = append(pem, b...)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: no certificate in the CA PEM", oobkit.ErrInvalidArgument)
		}
		cfg.RootCAs = pool
	}
	switch {
	case pin != "":
		cfg.InsecureSkipVerify = true // the pin check below replaces chain verification
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return fmt.Errorf("redirection: server sent no certificate")
			}
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if hex.EncodeToString(sum[:]) != pin {
				return fmt.Errorf("redirection: certificate fingerprint does not match the pinned SHA-256")
			}
			return nil
		}
	case s.InsecureSkipVerify:
		cfg.InsecureSkipVerify = true
	}
	if s.LegacyCiphers {
		cfg.MinVersion = tls.VersionTLS10
		for _, cs := range tls.CipherSuites() {
			cfg.CipherSuites = append(cfg.CipherSuites, cs.ID)
		}
		cfg.CipherSuites = append(cfg.CipherSuites, legacyRSASuites...)
	}
	return cfg, nil
}
