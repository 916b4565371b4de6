package snmp

import (
	"fmt"
	"strings"

	"github.com/gosnmp/gosnmp"

	"github.com/oobkit/oobkit"
)

// Version is an SNMP protocol version.
type Version int

// SNMP versions.
const (
	// VersionAuto picks v3 when the credential has a USM user, else v2c.
	VersionAuto Version = iota
	Version1
	Version2c
	Version3
)

// String returns "auto", "1", "2c" or "3".
func (v Version) String() string {
	switch v {
	case Version1:
		return "1"
	case Version2c:
		return "2c"
	case Version3:
		return "3"
	}
	return "auto"
}

func (v Version) gosnmp() gosnmp.SnmpVersion {
	switch v {
	case Version1:
		return gosnmp.Version1
	case Version3:
		return gosnmp.Version3
	}
	return gosnmp.Version2c
}

func versionOf(v gosnmp.SnmpVersion) Version {
	switch v {
	case gosnmp.Version1:
		return Version1
	case gosnmp.Version3:
		return Version3
	}
	return Version2c
}

// isUSM reports whether cred describes an SNMPv3 USM user.
func isUSM(cred oobkit.Credential) bool {
	return cred.Auth == oobkit.AuthUSM || cred.USM != nil
}

// authProtocol maps the oobkit.USM names (case-insensitive, "SHA-256" and
// "SHA256" alike) to gosnmp's.
func authProtocol(name string) (gosnmp.SnmpV3AuthProtocol, error) {
	switch strings.ToUpper(strings.ReplaceAll(name, "-", "")) {
	case "", "NONE":
		return gosnmp.NoAuth, nil
	case "MD5":
		return gosnmp.MD5, nil
	case "SHA", "SHA1":
		return gosnmp.SHA, nil
	case "SHA224":
		return gosnmp.SHA224, nil
	case "SHA256":
		return gosnmp.SHA256, nil
	case "SHA384":
		return gosnmp.SHA384, nil
	case "SHA512":
		return gosnmp.SHA512, nil
	}
	return 0, fmt.Errorf("%w: unknown SNMPv3 auth protocol %q", oobkit.ErrInvalidArgument, name)
}

// privProtocol maps the oobkit.USM names to gosnmp's. "AES192"/"AES256" are
// the Blumenthal key extension that net-snmp uses; "AES192C"/"AES256C" the
// Reeder (Cisco) one.
func privProtocol(name string) (gosnmp.SnmpV3PrivProtocol, error) {
	switch strings.ToUpper(strings.ReplaceAll(name, "-", "")) {
	case "", "NONE":
		return gosnmp.NoPriv, nil
	case "DES":
		return gosnmp.DES, nil
	case "AES", "AES128":
		return gosnmp.AES, nil
	case "AES192":
		return gosnmp.AES192, nil
	case "AES256":
		return gosnmp.AES256, nil
	case "AES192C":
		return gosnmp.AES192C, nil
	case "AES256C":
		return gosnmp.AES256C, nil
	}
	return 0, fmt.Errorf("%w: unknown SNMPv3 privacy protocol %q", oobkit.ErrInvalidArgument, name)
}

// usmParams builds gosnmp's USM parameters and message flags from cred.
// engineID is the authoritative engine ID when the caller knows it (trap
// receivers), "" for discovery.
func usmParams(cred oobkit.Credential, engineID string) (*gosnmp.UsmSecurityParameters, gosnmp.SnmpV3MsgFlags, error) {
	if cred.Username == "" {
		return nil, 0, fmt.Errorf("%w: SNMPv3 credential has no user name", oobkit.ErrInvalidArgument)
	}
	var u oobkit.USM
	if cred.USM != nil {
		u = *cred.USM
	}
	ap, err := authProtocol(u.AuthProtocol)
	if err != nil {
		return nil, 0, err
	}
	pp, err := privProtocol(u.PrivProtocol)
	if err != nil {
		return nil, 0, err
	}
	flags := gosnmp.NoAuthNoPriv
	if ap != gosnmp.NoAuth {
		flags = gosnmp.AuthNoPriv
		if u.AuthPassphrase.IsZero() {
			return nil, 0, fmt.Errorf("%w: SNMPv3 user %q has an auth protocol but no auth passphrase", oobkit.ErrInvalidArgument, cred.Username)
		}
	}
	if pp != gosnmp.NoPriv {
		if ap == gosnmp.NoAuth {
			return nil, 0, fmt.Errorf("%w: SNMPv3 privacy needs authentication", oobkit.ErrInvalidArgument)
		}
		if u.PrivPassphrase.IsZero() {
			return nil, 0, fmt.Errorf("%w: SNMPv3 user %q has a privacy protocol but no privacy passphrase", oobkit.ErrInvalidArgument, cred.Username)
		}
		flags = gosnmp.AuthPriv
	}
	return &gosnmp.UsmSecurityParameters{
		UserName:                 cred.Username,
		AuthoritativeEngineID:    engineID,
		AuthenticationProtocol:   ap,
		AuthenticationPassphrase: u.AuthPassphrase.Reveal(),
		PrivacyProtocol:          pp,
		PrivacyPassphrase:        u.PrivPassphrase.Reveal(),
	}, flags, nil
}
