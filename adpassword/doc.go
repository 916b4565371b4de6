// Package adpassword resets and changes Active Directory (and Samba AD)
// domain user passwords over LDAP with TLS: the RTSM guide's "Reset Domain
// Password" tool ("You can reset a domain user password."), one account at
// a time or, through package tasks, many.
//
// Two operations, as the directory defines them ([MS-ADTS] 3.1.1.3.1.5.1,
// unicodePwd):
//
//   - a reset ([Reset], [Conn.Reset]): an administrator binds and replaces
//     the account's unicodePwd;
//   - a change ([Change]): the user binds with the old password and, in one
//     modify, deletes the old value and adds the new one, so the directory
//     applies the policy a user faces (minimum age, history).
//
// Passwords travel only over TLS: LDAPS (port 636, the default) or an
// ldap:// connection upgraded with StartTLS. A plain ldap:// server is
// refused with [ReasonPlaintext] before anything is dialed. The directory's
// certificate is verified against the system roots by default, or a CA
// (oobkit.TLSSettings CAFile, CAPEM), or a SHA-256 pin of its leaf; a
// rejected certificate is [ReasonCertificate].
//
// Failures are *oobkit.Error values of a class an operator acts on
// (oobkit.ErrInvalidArgument for a password the policy refuses or an
// unknown account, oobkit.ErrAuth for refused credentials or rights), whose
// Message is the directory's own text ("0000052D: Constraint violation -
// check_password_restrictions: the password was already used (in
// history)!") and whose DeviceCode is the LDAP result code with the
// Windows error ("19/0000052D"). The cause is an [*Error] with a [Reason]:
// errors.Is(err, adpassword.ReasonHistory) tells a history violation from
// a complexity one.
//
// Secrets stay oobkit.Secret until the bytes of the bind or the modify are
// built; nothing here logs a password.
package adpassword
