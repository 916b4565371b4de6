package profile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/oobkit/oobkit"
)

// wireKerberos is oobkit.KerberosSettings on the wire; the keytab's
// content is a secret, revealed only with the other secrets.
type wireKerberos struct {
	Realm      string   `json:"realm,omitempty" yaml:"realm,omitempty"`
	KDC        []string `json:"kdc,omitempty" yaml:"kdc,omitempty"`
	Krb5Conf   string   `json:"krb5conf,omitempty" yaml:"krb5conf,omitempty"`
	Keytab     string   `json:"keytab,omitempty" yaml:"keytab,omitempty"`
	KeytabData string   `json:"keytabData,omitempty" yaml:"keytabData,omitempty"`
	CCache     string   `json:"ccache,omitempty" yaml:"ccache,omitempty"`
	SPN        string   `json:"spn,omitempty" yaml:"spn,omitempty"`
}

func kerberosToWire(k *oobkit.KerberosSettings, withSecrets bool) *wireKerberos {
	if k == nil {
		return nil
	}
	w := &wireKerberos{Realm: k.Realm, KDC: k.KDC, Krb5Conf: k.Krb5Conf, Keytab: k.Keytab, CCache: k.CCache, SPN: k.SPN}
	if withSecrets {
		w.KeytabData = k.KeytabData.Reveal()
	}
	return w
}

func kerberosFromWire(w *wireKerberos) *oobkit.KerberosSettings {
	if w == nil {
		return nil
	}
	return &oobkit.KerberosSettings{Realm: w.Realm, KDC: w.KDC, Krb5Conf: w.Krb5Conf, Keytab: w.Keytab,
		KeytabData: optionalSecret(w.KeytabData), CCache: w.CCache, SPN: w.SPN}
}

// kerberosComplete checks a Kerberos credential: a principal with a realm
// (user@REALM, or the realm in the Kerberos settings). Without a password,
// keytab or credential cache the default credential cache is used (as
// kinit left it), and without a KDC list or krb5.conf the system's
// krb5.conf (see package kerberos). The messages name the missing field,
// never a value.
func kerberosComplete(c oobkit.Credential) error {
	if !strings.Contains(c.Username, "@") && (c.Kerberos == nil || c.Kerberos.Realm == "") {
		return fmt.Errorf("enabled without a credential: a Kerberos principal is user@REALM (or give the realm)")
	}
	return nil
}

// sameKerberos reports whether two Kerberos settings name the same key
// source, KDCs and service principal.
func sameKerberos(a, b *oobkit.KerberosSettings) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Realm == b.Realm && slices.Equal(a.KDC, b.KDC) && a.Krb5Conf == b.Krb5Conf && a.Keytab == b.Keytab &&
		a.KeytabData.Equal(b.KeytabData) && a.CCache == b.CCache && a.SPN == b.SPN
}
