// Package tlsconf turns oobkit.TLSSettings into a *tls.Config, the one way
// every oobkit transport (WS-Management, the AMT redirection channel) sets up
// TLS: verification on by default, SHA-256 pinning of the leaf certificate,
// private roots, an explicit insecure switch, and a legacy-cipher opt-in for
// old AMT firmware.
package tlsconf

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"

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

// alertByText maps the text of every TLS alert ("tls: protocol version not
// supported") to its number. A received alert reaches the caller as a
// *net.OpError "remote error" around an unexported type whose text is the
// one tls.AlertError gives for the same number.
var alertByText = func() map[string]uint8 {
	m := map[string]uint8{}
	for i := range 256 {
		m[tls.AlertError(uint8(i)).Error()] = uint8(i)
	}
	return m
}()

// certificateAlerts are the alerts by which a server refuses the client's
// certificate, or its lack of one (RFC 8446 §6.2, RFC 5246 §7.2.2).
var certificateAlerts = map[uint8]bool{
	42:  true, // bad_certificate
	43:  true, // unsupported_certificate
	44:  true, // certificate_revoked
	45:  true, // certificate_expired
	46:  true, // certificate_unknown
	48:  true, // unknown_ca
	49:  true, // access_denied
	116: true, // certificate_required
}

// receivedAlert returns the alert the server sent, if err is one.
func receivedAlert(err error) (uint8, bool) {
	var ae tls.AlertError
	if errors.As(err, &ae) {
		return uint8(ae), true
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "remote error" && oe.Err != nil {
		a, ok := alertByText[oe.Err.Error()]
		return a, ok
	}
	return 0, false
}

// networkFailure reports whether err says the connection failed (timed out,
// reset, closed, canceled) rather than that TLS was refused.
func networkFailure(err error) bool {
	var ne net.Error
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) ||
		(errors.As(err, &ne) && ne.Timeout())
}

// HandshakeClass classifies err, the failure of a TLS handshake, and says
// why in a few words:
//   - [oobkit.ErrAuth]: the device's certificate was refused
//     ([IsCertificateError]: unknown authority, wrong name, pin mismatch), or
//     the device refused this side's certificate or its lack of one (a
//     certificate alert);
//   - [oobkit.ErrProtocol]: the two sides share no TLS version or cipher
//     suite (any other alert, received or sent), or the port answered in
//     plain HTTP;
//   - [oobkit.ErrNotDetected]: the port answered something that is not TLS;
//   - nil: the connection failed (timeout, reset, closed, canceled); the
//     caller classes that as unreachable.
//
// None of the classes it returns is worth retrying: the next handshake
// would meet the same settings.
func HandshakeClass(err error) (class error, why string) {
	if class, why := RefusalClass(err); class != nil {
		return class, why
	}
	if err == nil || networkFailure(err) {
		return nil, ""
	}
	// What is left is crypto/tls refusing the server's choices (a version
	// or cipher suite this side does not accept, a malformed handshake),
	// after sending the server an alert.
	return oobkit.ErrProtocol, "the TLS handshake failed"
}

// RefusalClass is [HandshakeClass] for an error that may not come from a
// handshake (an HTTP client's): it recognises only the unmistakable signs of
// a TLS refusal (a refused certificate, an alert from the device, a plain
// HTTP or non-TLS answer) and returns nil for anything else.
func RefusalClass(err error) (class error, why string) {
	if err == nil {
		return nil, ""
	}
	if IsCertificateError(err) {
		return oobkit.ErrAuth, "the device's TLS certificate was rejected"
	}
	if errors.Is(err, http.ErrSchemeMismatch) {
		return oobkit.ErrProtocol, "the TLS port answered in plain HTTP"
	}
	var rhe tls.RecordHeaderError
	if errors.As(err, &rhe) {
		if string(rhe.RecordHeader[:]) == "HTTP/" {
			return oobkit.ErrProtocol, "the TLS port answered in plain HTTP"
		}
		return oobkit.ErrNotDetected, "the port does not speak TLS"
	}
	if a, ok := receivedAlert(err); ok {
		if certificateAlerts[a] {
			return oobkit.ErrAuth, "the device refused the TLS handshake: it wants a client certificate it accepts"
		}
		return oobkit.ErrProtocol, "the device refused the TLS handshake"
	}
	return nil, ""
}
