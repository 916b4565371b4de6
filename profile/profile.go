package profile

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/oobkit/oobkit"
)

// Settings is how one profile uses one protocol: whether it is enabled, the
// credential to present, and connection settings. The authentication kind
// (digest, Kerberos, basic, NTLM, password, community, USM) and the TLS
// settings (verification, pinned SHA-256 fingerprint, CA) live in
// Credential.Auth and Credential.TLS, so a protocol client receives them in
// the one value it already takes.
type Settings struct {
	// Enabled says the profile uses this protocol. An enabled protocol must
	// carry a credential (see [Profile.Validate]).
	Enabled bool `json:"enabled" yaml:"enabled"`
	// Credential is what the protocol presents. Its secrets redact
	// themselves in every output.
	Credential oobkit.Credential `json:"credential" yaml:"credential"`
	// Port overrides the protocol's well-known port; 0 keeps it.
	Port int `json:"port,omitempty" yaml:"port,omitempty"`
	// Timeout bounds one attempt; 0 means the client's default.
	Timeout time.Duration `json:"timeout,omitempty" yaml:"timeout,omitempty"`
	// Retries is how many more attempts follow a failed one.
	Retries int `json:"retries,omitempty" yaml:"retries,omitempty"`
}

// Auth returns the effective authentication kind for protocol p:
// Credential.Auth, or p's default when it is empty.
func (s Settings) Auth(p oobkit.Protocol) oobkit.AuthKind {
	if s.Credential.Auth != "" {
		return s.Credential.Auth
	}
	return DefaultAuth(p)
}

// DefaultAuth returns the authentication kind a protocol uses when a
// credential names none: digest for AMT, DASH, redirection and ASF (the
// field notes' "ASF digest or Domain account"), password for IPMI, basic
// for WMI, community for SNMP.
func DefaultAuth(p oobkit.Protocol) oobkit.AuthKind {
	switch p {
	case oobkit.AMT, oobkit.DASH, oobkit.Redirection, oobkit.ASF:
		return oobkit.AuthDigest
	case oobkit.IPMI:
		return oobkit.AuthPassword
	case oobkit.WMI:
		return oobkit.AuthBasic
	case oobkit.SNMP:
		return oobkit.AuthCommunity
	}
	return ""
}

// Profile is a named connection profile: which protocols to use on a
// computer and, for each, the credential and settings. A Profile is a plain
// value; stores hand out copies, so changing one never changes the stored
// profile until it is Put back.
type Profile struct {
	// Name identifies the profile in a store.
	Name string `json:"name" yaml:"name"`
	// Description is free text for operators.
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// Protocols holds the settings of each protocol the profile knows,
	// enabled or not.
	Protocols map[oobkit.Protocol]Settings `json:"protocols,omitempty" yaml:"protocols,omitempty"`
}

// Settings returns the settings of protocol p and whether the profile has
// any for it (enabled or not).
func (p Profile) Settings(proto oobkit.Protocol) (Settings, bool) {
	s, ok := p.Protocols[proto]
	if ok {
		s.Credential = cloneCredential(s.Credential)
	}
	return s, ok
}

// Credential returns the credential of protocol proto when the profile
// enables it, and false when the protocol is absent or disabled.
func (p Profile) Credential(proto oobkit.Protocol) (oobkit.Credential, bool) {
	s, ok := p.Settings(proto)
	if !ok || !s.Enabled {
		return oobkit.Credential{}, false
	}
	return s.Credential, true
}

// Enabled lists the protocols the profile enables, in [oobkit.Protocols]
// order.
func (p Profile) Enabled() []oobkit.Protocol {
	var out []oobkit.Protocol
	for _, proto := range oobkit.Protocols {
		if s, ok := p.Protocols[proto]; ok && s.Enabled {
			out = append(out, proto)
		}
	}
	return out
}

// Set stores the settings of protocol proto. It refuses an unknown protocol
// with an error wrapping [oobkit.ErrInvalidArgument].
func (p *Profile) Set(proto oobkit.Protocol, s Settings) error {
	if !proto.Valid() {
		_, err := oobkit.ParseProtocol(string(proto))
		return fmt.Errorf("profile %q: %w", p.Name, err)
	}
	if p.Protocols == nil {
		p.Protocols = make(map[oobkit.Protocol]Settings)
	}
	s.Credential = cloneCredential(s.Credential)
	p.Protocols[proto] = s
	return nil
}

// Enable turns protocol proto on with credential cred, keeping the port,
// timeout and retries already set for it.
func (p *Profile) Enable(proto oobkit.Protocol, cred oobkit.Credential) error {
	s := p.Protocols[proto]
	s.Enabled = true
	s.Credential = cred
	return p.Set(proto, s)
}

// Clone returns a deep copy of p.
func (p Profile) Clone() Profile {
	c := p
	if p.Protocols != nil {
		c.Protocols = maps.Clone(p.Protocols)
		for k, s := range c.Protocols {
			s.Credential = cloneCredential(s.Credential)
			c.Protocols[k] = s
		}
	}
	return c
}

// cloneCredential copies the one pointer field of a credential. Secrets are
// immutable values and need no copy.
func cloneCredential(c oobkit.Credential) oobkit.Credential {
	if c.USM != nil {
		u := *c.USM
		c.USM = &u
	}
	if c.Kerberos != nil {
		k := *c.Kerberos
		k.KDC = slices.Clone(k.KDC)
		c.Kerberos = &k
	}
	return c
}

// sameCredential reports whether a and b present the same identity: the same
// kind, user, secrets and TLS settings. Ports and timeouts do not count.
func sameCredential(a, b oobkit.Credential) bool {
	if a.Auth != b.Auth || a.Username != b.Username || !a.Password.Equal(b.Password) ||
		!a.Community.Equal(b.Community) || a.TLS != b.TLS || !sameKerberos(a.Kerberos, b.Kerberos) {
		return false
	}
	if (a.USM == nil) != (b.USM == nil) {
		return false
	}
	if a.USM == nil {
		return true
	}
	x, y := a.USM, b.USM
	return x.AuthProtocol == y.AuthProtocol && x.PrivProtocol == y.PrivProtocol && x.ContextName == y.ContextName &&
		x.AuthPassphrase.Equal(y.AuthPassphrase) && x.PrivPassphrase.Equal(y.PrivPassphrase)
}
