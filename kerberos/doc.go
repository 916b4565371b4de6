// Package kerberos signs oobkit's clients in with Kerberos, as Active
// Directory-integrated Intel AMT, Windows' WinRM and AMT redirection take
// it: a domain user's credential (user@REALM with a password, a keytab or
// an MIT credential cache) gets a ticket-granting ticket from the realm's
// KDC once, then one service ticket per device, which every later call to
// that device reuses until it expires. The tickets travel as SPNEGO tokens
// (RFC 4178, RFC 4121): in HTTP "Authorization: Negotiate" (RFC 4559) for
// WS-Management and in AuthenticateSession type 2 for redirection.
//
// The clients (amt, wmi, redirect) use this package when a credential's
// Auth is oobkit.AuthKerberos; the credential's KerberosSettings name the
// KDCs (or a krb5.conf), the key source and, when the derived one does not
// fit, the service principal. [Default] is the process-wide ticket cache;
// pass another with the clients' WithKerberosCache option to count or
// isolate.
//
// A cache keeps a signed-in user's client (which holds the key source and
// runs gokrb5's TGT renewal goroutine) only while it is used: one idle for
// [DefaultIdleTTL], or the least recently used past [DefaultMaxClients],
// is destroyed ([WithIdleTTL], [WithMaxClients] change both);
// [Cache.Forget] drops one credential's at once, [Cache.Close] all.
//
// A failed sign-in is an *[Error] that wraps oobkit.ErrAuth and carries a
// [Reason]: clock skew, wrong realm, expired ticket, unknown SPN, wrong
// password, and the rest of RFC 4120 §7.5.9's codes that matter to an
// operator. A refusal by the device itself (a 401, or a failed
// AuthenticateSession) is read back from the KRB-ERROR token it sends.
//
// The Kerberos protocol itself is github.com/jcmturner/gokrb5/v8's.
package kerberos
