package profile

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
)

// The wire model: how profiles are written to a store file (inside the
// encryption) and to import/export documents. Secrets are plain strings
// here, filled from Secret.Reveal only when the caller asked for them, so
// oobkit.Secret itself can keep redacting in every marshaller.

// documentFormat names the document kind inside store files and exports.
const documentFormat = "oobkit-profiles"

// documentVersion is the version of the wire model.
const documentVersion = 1

// wireDocument is a set of profiles and the name of the default one.
type wireDocument struct {
	Format          string        `json:"format" yaml:"format"`
	Version         int           `json:"version" yaml:"version"`
	SecretsIncluded bool          `json:"secretsIncluded" yaml:"secretsIncluded"`
	Default         string        `json:"default,omitempty" yaml:"default,omitempty"`
	Profiles        []wireProfile `json:"profiles" yaml:"profiles"`
}

type wireProfile struct {
	Name        string                  `json:"name" yaml:"name"`
	Description string                  `json:"description,omitempty" yaml:"description,omitempty"`
	Protocols   map[string]wireSettings `json:"protocols,omitempty" yaml:"protocols,omitempty"`
}

type wireSettings struct {
	Enabled   bool               `json:"enabled" yaml:"enabled"`
	Port      int                `json:"port,omitempty" yaml:"port,omitempty"`
	Timeout   string             `json:"timeout,omitempty" yaml:"timeout,omitempty"`
	Retries   int                `json:"retries,omitempty" yaml:"retries,omitempty"`
	Auth      string             `json:"auth,omitempty" yaml:"auth,omitempty"`
	Username  string             `json:"username,omitempty" yaml:"username,omitempty"`
	Password  string             `json:"password,omitempty" yaml:"password,omitempty"`
	Community string             `json:"community,omitempty" yaml:"community,omitempty"`
	USM       *wireUSM           `json:"usm,omitempty" yaml:"usm,omitempty"`
	TLS       oobkit.TLSSettings `json:"tls,omitzero" yaml:"tls,omitempty"`
	Kerberos  *wireKerberos      `json:"kerberos,omitempty" yaml:"kerberos,omitempty"`
}

type wireUSM struct {
	AuthProtocol   string `json:"authProtocol,omitempty" yaml:"authProtocol,omitempty"`
	AuthPassphrase string `json:"authPassphrase,omitempty" yaml:"authPassphrase,omitempty"`
	PrivProtocol   string `json:"privProtocol,omitempty" yaml:"privProtocol,omitempty"`
	PrivPassphrase string `json:"privPassphrase,omitempty" yaml:"privPassphrase,omitempty"`
	ContextName    string `json:"contextName,omitempty" yaml:"contextName,omitempty"`
}

// toWire converts a profile. Secrets are revealed only when withSecrets.
func toWire(p Profile, withSecrets bool) wireProfile {
	w := wireProfile{Name: p.Name, Description: p.Description}
	if len(p.Protocols) > 0 {
		w.Protocols = make(map[string]wireSettings, len(p.Protocols))
	}
	for proto, s := range p.Protocols {
		w.Protocols[string(proto)] = settingsToWire(s, withSecrets)
	}
	return w
}

// settingsToWire converts one protocol's settings. Secrets are revealed
// only when withSecrets.
func settingsToWire(s Settings, withSecrets bool) wireSettings {
	c := s.Credential
	ws := wireSettings{
		Enabled:  s.Enabled,
		Port:     s.Port,
		Retries:  s.Retries,
		Auth:     string(c.Auth),
		Username: c.Username,
		TLS:      c.TLS,
	}
	if s.Timeout != 0 {
		ws.Timeout = s.Timeout.String()
	}
	if withSecrets {
		ws.Password = c.Password.Reveal()
		ws.Community = c.Community.Reveal()
	}
	if c.USM != nil {
		ws.USM = &wireUSM{AuthProtocol: c.USM.AuthProtocol, PrivProtocol: c.USM.PrivProtocol, ContextName: c.USM.ContextName}
		if withSecrets {
			ws.USM.AuthPassphrase = c.USM.AuthPassphrase.Reveal()
			ws.USM.PrivPassphrase = c.USM.PrivPassphrase.Reveal()
		}
	}
	ws.Kerberos = kerberosToWire(c.Kerberos, withSecrets)
	return ws
}

// fromWire converts back. It checks the protocol names and durations but not
// the profile as a whole; callers run Validate when they need to.
func fromWire(w wireProfile) (Profile, error) {
	p := Profile{Name: w.Name, Description: w.Description}
	for name, ws := range w.Protocols {
		proto, err := oobkit.ParseProtocol(name)
		if err != nil {
			return Profile{}, fmt.Errorf("profile %q: %w", w.Name, err)
		}
		s, err := settingsFromWire(w.Name, proto, ws)
		if err != nil {
			return Profile{}, err
		}
		if p.Protocols == nil {
			p.Protocols = make(map[oobkit.Protocol]Settings)
		}
		if _, dup := p.Protocols[proto]; dup {
			return Profile{}, fmt.Errorf("%w: profile %q names %s twice", oobkit.ErrInvalidArgument, w.Name, proto)
		}
		p.Protocols[proto] = s
	}
	return p, nil
}

// settingsFromWire converts one protocol's settings of the named profile
// back, checking the timeout.
func settingsFromWire(profile string, proto oobkit.Protocol, ws wireSettings) (Settings, error) {
	var timeout time.Duration
	if ws.Timeout != "" {
		var err error
		timeout, err = time.ParseDuration(ws.Timeout)
		if err != nil {
			return Settings{}, fmt.Errorf("%w: profile %q, %s: timeout %q is not a duration such as 5s",
				oobkit.ErrInvalidArgument, profile, proto, ws.Timeout)
		}
	}
	c := oobkit.Credential{Auth: oobkit.AuthKind(ws.Auth), Username: ws.Username, TLS: ws.TLS}
	c.Password = optionalSecret(ws.Password)
	c.Community = optionalSecret(ws.Community)
	if ws.USM != nil {
		c.USM = &oobkit.USM{
			AuthProtocol:   ws.USM.AuthProtocol,
			AuthPassphrase: optionalSecret(ws.USM.AuthPassphrase),
			PrivProtocol:   ws.USM.PrivProtocol,
			PrivPassphrase: optionalSecret(ws.USM.PrivPassphrase),
			ContextName:    ws.USM.ContextName,
		}
	}
	c.Kerberos = kerberosFromWire(ws.Kerberos)
	return Settings{Enabled: ws.Enabled, Credential: c, Port: ws.Port, Timeout: timeout, Retries: ws.Retries}, nil
}

// optionalSecret keeps an absent secret as the zero Secret.
func optionalSecret(s string) oobkit.Secret {
	if s == "" {
		return oobkit.Secret{}
	}
	return oobkit.NewSecret(s)
}

// newDocument builds the wire document of a set of profiles, sorted by name.
func newDocument(profiles []Profile, def string, withSecrets bool) wireDocument {
	d := wireDocument{Format: documentFormat, Version: documentVersion, SecretsIncluded: withSecrets, Default: def,
		Profiles: make([]wireProfile, 0, len(profiles))}
	for _, p := range profiles {
		d.Profiles = append(d.Profiles, toWire(p, withSecrets))
	}
	slices.SortFunc(d.Profiles, func(a, b wireProfile) int { return strings.Compare(a.Name, b.Name) })
	return d
}

// profiles converts a decoded document, checking its header, that names are
// unique and that the default names one of the profiles (or the built-in
// default). Each profile is converted but validated only when validate.
func (d wireDocument) profiles(validate bool) ([]Profile, error) {
	if d.Format != documentFormat {
		return nil, fmt.Errorf("%w: not an oobkit profile document (format %q, want %q)",
			oobkit.ErrInvalidArgument, d.Format, documentFormat)
	}
	if d.Version != documentVersion {
		return nil, fmt.Errorf("%w: profile document version %d is not supported (want %d)",
			oobkit.ErrInvalidArgument, d.Version, documentVersion)
	}
	out := make([]Profile, 0, len(d.Profiles))
	seen := make(map[string]bool, len(d.Profiles))
	for _, w := range d.Profiles {
		if seen[w.Name] {
			return nil, fmt.Errorf("%w: profile %q appears twice", oobkit.ErrInvalidArgument, w.Name)
		}
		seen[w.Name] = true
		p, err := fromWire(w)
		if err != nil {
			return nil, err
		}
		if validate {
			if err := p.Validate(); err != nil {
				return nil, err
			}
		}
		out = append(out, p)
	}
	if d.Default != "" && !seen[d.Default] && d.Default != DefaultName {
		return nil, fmt.Errorf("%w: the default profile %q is not in the document", oobkit.ErrInvalidArgument, d.Default)
	}
	return out, nil
}
