package wmi

import "github.com/oobkit/oobkit/kerberos"

// WithKerberosCache makes a Kerberos credential (cred.Auth
// oobkit.AuthKerberos) take its tickets from cache instead of the
// process-wide kerberos.Default. The computer's service principal is
// HTTP/<host>, then WSMAN/<host>, unless cred.Kerberos.SPN names it.
func WithKerberosCache(cache *kerberos.Cache) Option { return func(c *config) { c.krb = cache } }
