package profile

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/oobkit/oobkit"
)

// maxNameLen bounds a profile name.
const maxNameLen = 128

// Validate reports the first problem that makes p unusable, as an error
// wrapping [oobkit.ErrInvalidArgument]: a missing or malformed name, an
// unknown protocol, an enabled protocol without a credential, an
// authentication kind the protocol cannot use, an incomplete SNMP v3 user,
// a port, timeout or retry count out of range, or a malformed pinned
// fingerprint. Protocols are checked in [oobkit.Protocols] order so the
// error is stable. Error texts never contain a secret.
func (p Profile) Validate() error {
	if err := validateName(p.Name); err != nil {
		return err
	}
	unknown := make([]string, 0)
	for proto := range p.Protocols {
		if !proto.Valid() {
			unknown = append(unknown, string(proto))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		_, err := oobkit.ParseProtocol(unknown[0])
		return fmt.Errorf("profile %q: %w", p.Name, err)
	}
	for _, proto := range oobkit.Protocols {
		s, ok := p.Protocols[proto]
		if !ok {
			continue
		}
		if err := s.validate(proto); err != nil {
			return fmt.Errorf("%w: profile %q, %s: %s", oobkit.ErrInvalidArgument, p.Name, proto, err)
		}
	}
	return nil
}

func validateName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return fmt.Errorf("%w: a profile needs a name", oobkit.ErrInvalidArgument)
	case len(name) > maxNameLen:
		return fmt.Errorf("%w: profile name longer than %d bytes", oobkit.ErrInvalidArgument, maxNameLen)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("%w: profile name %q contains a control character", oobkit.ErrInvalidArgument, name)
	}
	return nil
}

// validate returns a plain-text problem (the caller adds the class and the
// profile and protocol names).
func (s Settings) validate(proto oobkit.Protocol) error {
	switch {
	case s.Port < 0 || s.Port > 65535:
		return fmt.Errorf("port %d is out of range 1-65535", s.Port)
	case s.Timeout < 0:
		return fmt.Errorf("timeout %s is negative", s.Timeout)
	case s.Retries < 0 || s.Retries > 100:
		return fmt.Errorf("retries %d is out of range 0-100", s.Retries)
	}
	if _, err := s.Credential.TLS.NormalizedPin(); err != nil {
		return fmt.Errorf("TLS: pinned certificate fingerprint must be 64 hex digits of SHA-256")
	}
	if s.Credential.TLS.InsecureSkipVerify && s.Credential.TLS.PinnedSHA256 != "" {
		return fmt.Errorf("TLS: a pinned fingerprint and InsecureSkipVerify contradict each other")
	}
	auth := s.Auth(proto)
	if err := authFits(proto, auth); err != nil {
		return err
	}
	if !s.Enabled {
		return nil
	}
	return credentialComplete(s.Credential, auth)
}

// authFits checks that protocol proto can use authentication kind auth.
func authFits(proto oobkit.Protocol, auth oobkit.AuthKind) error {
	var allowed []oobkit.AuthKind
	switch proto {
	case oobkit.AMT:
		allowed = []oobkit.AuthKind{oobkit.AuthDigest, oobkit.AuthKerberos}
	case oobkit.DASH:
		allowed = []oobkit.AuthKind{oobkit.AuthDigest, oobkit.AuthBasic, oobkit.AuthKerberos}
	case oobkit.Redirection:
		allowed = []oobkit.AuthKind{oobkit.AuthDigest, oobkit.AuthKerberos, oobkit.AuthPassword}
	case oobkit.IPMI:
		allowed = []oobkit.AuthKind{oobkit.AuthPassword}
	case oobkit.WMI:
		allowed = []oobkit.AuthKind{oobkit.AuthBasic, oobkit.AuthNTLM, oobkit.AuthKerberos}
	case oobkit.SNMP:
		allowed = []oobkit.AuthKind{oobkit.AuthCommunity, oobkit.AuthUSM}
	case oobkit.ASF:
		// The field notes' profile form: "ASF digest or Domain account".
		// Digest is the RSP user name and RAKP key (package asf); password
		// is the same key without a user name (RAKP's name is optional);
		// kerberos stands for the domain account, which package asf refuses
		// as unsupported (ASF 2.0 RSP defines only RAKP's pre-shared keys).
		allowed = []oobkit.AuthKind{oobkit.AuthDigest, oobkit.AuthPassword, oobkit.AuthKerberos}
	}
	if slices.Contains(allowed, auth) {
		return nil
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return fmt.Errorf("authentication kind %q is not usable here (use one of: %s)", auth, strings.Join(names, ", "))
}

// credentialComplete checks that an enabled protocol has what its
// authentication kind needs. The messages name the missing field, never a
// value.
func credentialComplete(c oobkit.Credential, auth oobkit.AuthKind) error {
	switch auth {
	case oobkit.AuthDigest, oobkit.AuthBasic, oobkit.AuthNTLM:
		if c.Username == "" || c.Password.IsZero() {
			return fmt.Errorf("enabled without a credential: %s authentication needs a user name and a password", auth)
		}
	case oobkit.AuthPassword:
		// IPMI allows the anonymous (empty) user, never an empty password.
		if c.Password.IsZero() {
			return fmt.Errorf("enabled without a credential: a password is required")
		}
	case oobkit.AuthKerberos:
		if c.Username == "" {
			return fmt.Errorf("enabled without a credential: Kerberos needs a user principal")
		}
		return kerberosComplete(c)
	case oobkit.AuthCommunity:
		if c.Community.IsZero() {
			return fmt.Errorf("enabled without a credential: SNMP v1/v2c needs a community")
		}
	case oobkit.AuthUSM:
		return usmComplete(c)
	}
	return nil
}

func usmComplete(c oobkit.Credential) error {
	u := c.USM
	if c.Username == "" || u == nil {
		return fmt.Errorf("enabled without a credential: SNMP v3 needs a USM user name and USM settings")
	}
	authProtos := []string{"", "MD5", "SHA", "SHA224", "SHA256", "SHA384", "SHA512"}
	privProtos := []string{"", "DES", "AES", "AES192", "AES256"}
	switch {
	case !slices.Contains(authProtos, u.AuthProtocol):
		return fmt.Errorf("unknown SNMP v3 authentication protocol %q", u.AuthProtocol)
	case !slices.Contains(privProtos, u.PrivProtocol):
		return fmt.Errorf("unknown SNMP v3 privacy protocol %q", u.PrivProtocol)
	case u.AuthProtocol != "" && u.AuthPassphrase.IsZero():
		return fmt.Errorf("SNMP v3 authentication protocol %s needs an authentication passphrase", u.AuthProtocol)
	case u.PrivProtocol != "" && u.AuthProtocol == "":
		return fmt.Errorf("SNMP v3 privacy needs an authentication protocol too")
	case u.PrivProtocol != "" && u.PrivPassphrase.IsZero():
		return fmt.Errorf("SNMP v3 privacy protocol %s needs a privacy passphrase", u.PrivProtocol)
	}
	return nil
}
