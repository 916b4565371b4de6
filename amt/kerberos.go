package amt

import "github.com/oobkit/oobkit/kerberos"

// WithKerberosCache makes a Kerberos credential (cred.Auth
// oobkit.AuthKerberos) take its tickets from cache instead of the
// process-wide kerberos.Default. The device's service principal is
// HTTP/<host>:16992 (16993 over TLS), then HTTP/<host>, unless
// cred.Kerberos.SPN names it.
func WithKerberosCache(cache *kerberos.Cache) Option { return func(c *config) { c.krb = cache } }
