package dash

import (
	"errors"
	"strings"

	"github.com/oobkit/oobkit"
)

// redacted replaces a secret a device echoed into its error text.
const redacted = "[redacted]"

// biosSecrets are the values of a BIOS change that must never reach an
// error text: the administrator password (AuthorizationToken) and the new
// value of every attribute whose name says it is a password (DSP1061
// CIM_BIOSPassword attributes are named so, e.g. "AdminPassword").
func biosSecrets(settings []BIOSSetting, password oobkit.Secret) []string {
	var out []string
	if !password.IsZero() {
		out = append(out, password.Reveal())
	}
	for _, s := range settings {
		if strings.Contains(strings.ToLower(s.Name), "password") {
			out = append(out, s.Values...)
		}
	}
	return out
}

// redact returns err with every secret removed from its text. A device may
// quote the parameters it refused (a CIM_Error Message, a SOAP fault's
// reason or detail); the classes, device code and sentinel errors stay, so
// errors.Is still works. A cause whose text held a secret is replaced by
// its redacted text.
func redact(err error, secrets ...string) error {
	if err == nil || !containsAny(err.Error(), secrets) {
		return err
	}
	var oe *oobkit.Error
	if !errors.As(err, &oe) {
		return errors.New(scrub(err.Error(), secrets))
	}
	e := *oe
	e.Message = scrub(e.Message, secrets)
	if e.Err != nil && containsAny(e.Err.Error(), secrets) {
		e.Err = errors.New(scrub(e.Err.Error(), secrets))
	}
	return &e
}

func containsAny(s string, secrets []string) bool {
	for _, v := range secrets {
		if v != "" && strings.Contains(s, v) {
			return true
		}
	}
	return false
}

func scrub(s string, secrets []string) string {
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	return s
}
