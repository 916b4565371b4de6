package wmitest

import "github.com/oobkit/oobkit"

// DefaultAdminPassword is the built-in Administrator's password of a
// NewServer computer whose Config names none.
const DefaultAdminPassword = "Adm1n-Passw0rd"

// Config describes a computer for NewServer (and NewComputer): the shape every oobkit
// simulator's Config shares for what they have in common.
type Config struct {
	// Name is the computer name (default "PC42").
	Name string
	// AdminPassword is the built-in Administrator's (and the helpdesk
	// administrator's) password (default DefaultAdminPassword).
	AdminPassword string
	// TLS serves HTTPS with a fresh self-signed certificate, which
	// Credential pins; without it the computer serves plain HTTP.
	TLS bool
	// Power is the initial power state, a row of Table C-3 (the zero
	// value, unknown, means S0). Windows runs in S0 and Legacy ON; in any
	// other row the computer is off and answers nothing until PowerOn.
	Power oobkit.PowerState
}

// Server is a simulated Windows computer serving on its own listener: the
// shape every oobkit simulator shares (NewServer, Target, Credential,
// Close).
type Server struct {
	*Computer
	cfg Config
}

// NewServer starts a simulated computer described by cfg on 127.0.0.1;
// Close stops it.
func NewServer(cfg Config) (*Server, error) {
	if cfg.AdminPassword == "" {
		cfg.AdminPassword = DefaultAdminPassword
	}
	c := NewComputer(cfg)
	var err error
	if cfg.TLS {
		err = c.StartTLS()
	} else {
		err = c.Start()
	}
	if err != nil {
		return nil, err
	}
	return &Server{Computer: c, cfg: cfg}, nil
}

// Credential returns the built-in Administrator with basic authentication;
// over TLS it pins the computer's certificate. (Plain HTTP needs the
// client's consent to send it unencrypted, as WinRM's AllowUnencrypted.)
func (s *Server) Credential() oobkit.Credential {
	cred := oobkit.Credential{Auth: oobkit.AuthBasic, Username: "Administrator", Password: oobkit.NewSecret(s.cfg.AdminPassword)}
	if s.cfg.TLS {
		cred.TLS = oobkit.TLSSettings{Enabled: true, PinnedSHA256: s.Fingerprint()}
	}
	return cred
}
