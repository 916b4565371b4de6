package oobkit

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// AuthKind is how a credential authenticates.
type AuthKind string

// The authentication kinds oobkit knows.
const (
	AuthDigest    AuthKind = "digest"    // HTTP digest (AMT, DASH) and the redirection digest
	AuthBasic     AuthKind = "basic"     // HTTP basic (WinRM over HTTPS, some DASH)
	AuthNTLM      AuthKind = "ntlm"      // NTLM (WinRM)
	AuthKerberos  AuthKind = "kerberos"  // Kerberos / Negotiate (AMT, WinRM)
	AuthPassword  AuthKind = "password"  // user + password on a binary protocol (IPMI RMCP+, legacy redirection)
	AuthCommunity AuthKind = "community" // SNMP v1/v2c community
	AuthUSM       AuthKind = "usm"       // SNMP v3 user-based security
)

// Credential is what one protocol presents to a target: a user and password,
// a Kerberos identity, an SNMP community or USM user, and TLS settings. Every
// secret field is a [Secret], so printing, logging or marshalling a
// Credential never reveals one.
type Credential struct {
	// Auth selects the authentication kind. Empty means the protocol's default
	// (digest for AMT/DASH, password for IPMI, community for SNMP, basic for WMI).
	Auth AuthKind `json:"auth,omitempty" yaml:"auth,omitempty"`
	// Username is the account name (AMT "admin", IPMI user, DOMAIN\user).
	Username string `json:"username,omitempty" yaml:"username,omitempty"`
	// Password is the account password.
	Password Secret `json:"password,omitzero" yaml:"password,omitempty"`
	// Community is the SNMP v1/v2c community.
	Community Secret `json:"community,omitzero" yaml:"community,omitempty"`
	// USM holds SNMP v3 settings; Username is the USM user name.
	USM *USM `json:"usm,omitempty" yaml:"usm,omitempty"`
	// TLS holds transport security settings for protocols that use TLS.
	TLS TLSSettings `json:"tls,omitzero" yaml:"tls,omitempty"`
	// Kerberos holds where a Kerberos identity's keys come from besides the
	// password (keytab, credential cache) and how to reach its KDC. Used
	// when Auth is [AuthKerberos]; Username is then the user principal
	// ("user@REALM", or "user" with Kerberos.Realm).
	Kerberos *KerberosSettings `json:"kerberos,omitempty" yaml:"kerberos,omitempty"`
}

// KerberosSettings completes a Kerberos credential (see package
// github.com/oobkit/oobkit/kerberos). The keys come from, in order: the
// keytab (Keytab or KeytabData), the credential cache (CCache), the
// credential's Password.
type KerberosSettings struct {
	// Realm is the user's realm when Username carries none.
	Realm string `json:"realm,omitempty" yaml:"realm,omitempty"`
	// KDC lists "host:port" addresses of the realm's KDCs. Empty: Krb5Conf.
	KDC []string `json:"kdc,omitempty" yaml:"kdc,omitempty"`
	// Krb5Conf is the path of a krb5.conf naming the realm's KDCs.
	Krb5Conf string `json:"krb5conf,omitempty" yaml:"krb5conf,omitempty"`
	// Keytab is the path of a keytab holding the user's keys.
	Keytab string `json:"keytab,omitempty" yaml:"keytab,omitempty"`
	// KeytabData is a keytab's content, base64, for callers that hold it in
	// memory or in a sealed profile.
	KeytabData Secret `json:"keytabData,omitzero" yaml:"keytabData,omitempty"`
	// CCache is the path of an MIT credential cache (kinit's FILE: cache).
	CCache string `json:"ccache,omitempty" yaml:"ccache,omitempty"`
	// SPN overrides the service principal derived from the target's name.
	SPN string `json:"spn,omitempty" yaml:"spn,omitempty"`
}

// USM holds SNMP v3 user-based security settings.
type USM struct {
	// AuthProtocol is one of "", "MD5", "SHA", "SHA224", "SHA256", "SHA384", "SHA512".
	AuthProtocol string `json:"authProtocol,omitempty" yaml:"authProtocol,omitempty"`
	// AuthPassphrase authenticates the messages.
	AuthPassphrase Secret `json:"authPassphrase,omitzero" yaml:"authPassphrase,omitempty"`
	// PrivProtocol is one of "", "DES", "AES", "AES192", "AES256".
	PrivProtocol string `json:"privProtocol,omitempty" yaml:"privProtocol,omitempty"`
	// PrivPassphrase encrypts the messages.
	PrivPassphrase Secret `json:"privPassphrase,omitzero" yaml:"privPassphrase,omitempty"`
	// ContextName is the SNMP v3 context, usually empty.
	ContextName string `json:"contextName,omitempty" yaml:"contextName,omitempty"`
}

// TLSSettings says whether and how to use TLS. Verification is on by default:
// a certificate is accepted when it chains to the system roots (or CAFile /
// CAPEM) or when its SHA-256 fingerprint equals PinnedSHA256. Turning
// verification off takes an explicit InsecureSkipVerify.
type TLSSettings struct {
	// Enabled selects the TLS port and scheme (16993, 664, 5986, 16995).
	Enabled bool `json:"enabled,omitempty" yaml:"enabled,omitempty"`
	// PinnedSHA256 is the hex SHA-256 of the leaf certificate (colons and case
	// are ignored). When set, the pin alone decides: self-signed AMT
	// certificates are accepted if and only if they match.
	PinnedSHA256 string `json:"pinnedSHA256,omitempty" yaml:"pinnedSHA256,omitempty"`
	// CAFile is a PEM file of roots to trust instead of the system roots.
	CAFile string `json:"caFile,omitempty" yaml:"caFile,omitempty"`
	// CAPEM is PEM text of roots to trust, for callers that hold it in memory.
	CAPEM string `json:"caPEM,omitempty" yaml:"caPEM,omitempty"`
	// ServerName overrides the name checked in the certificate.
	ServerName string `json:"serverName,omitempty" yaml:"serverName,omitempty"`
	// InsecureSkipVerify accepts any certificate. Never the default.
	InsecureSkipVerify bool `json:"insecureSkipVerify,omitempty" yaml:"insecureSkipVerify,omitempty"`
	// LegacyCiphers allows TLS 1.0/1.1 and RSA key-exchange suites for AMT 11/12
	// firmware that offers nothing else.
	LegacyCiphers bool `json:"legacyCiphers,omitempty" yaml:"legacyCiphers,omitempty"`
}

// NormalizedPin returns PinnedSHA256 in lower-case hex without separators,
// or an error wrapping [ErrInvalidArgument] if it is not 32 bytes of hex.
func (t TLSSettings) NormalizedPin() (string, error) {
	if t.PinnedSHA256 == "" {
		return "", nil
	}
	p := strings.ToLower(strings.NewReplacer(":", "", " ", "", "-", "").Replace(t.PinnedSHA256))
	b, err := hex.DecodeString(p)
	if err != nil || len(b) != 32 {
		return "", fmt.Errorf("%w: pinned certificate fingerprint must be 64 hex digits of SHA-256", ErrInvalidArgument)
	}
	return p, nil
}

// UserPassword returns a digest/password credential, the common case for AMT,
// DASH and IPMI.
func UserPassword(user, password string) Credential {
	return Credential{Username: user, Password: NewSecret(password)}
}
