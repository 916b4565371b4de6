// Package profile keeps connection profiles: which management protocols to
// use on a computer and, for each, the credential and connection settings.
//
// A [Profile] holds, per [oobkit.Protocol], a [Settings]: enabled or not,
// the [oobkit.Credential] (user and password, Kerberos principal, SNMP
// community or USM user, authentication kind, TLS verification, pinned
// certificate fingerprint, CA), port, timeout and retries.
// [Profile.Validate] refuses unknown protocols and enabled protocols without
// a credential.
//
// A [Store] keeps profiles and names the default one; every store starts
// with a built-in default ([DefaultName], [Builtin]). [MemoryStore] lives in
// memory; [FileStore] lives in one file, encrypted with AES-256-GCM under a
// key the caller supplies or a key file beside it, written atomically with
// mode 0600, locked with flock(2) so that goroutines and processes sharing
// the file never lose an update, and refused (never overwritten) when it is
// damaged, with the last good copy kept as <file>.bak ([RecoverFile]).
//
// The [Runtime] profile remembers, per computer and protocol, the
// credential that last worked. [Runtime.Resolve] lists the credentials to
// try in order — the profile a task names, the default profile, the one
// that last worked — and the caller reports the outcome with
// [Runtime.Succeeded] and [Runtime.Failed]:
//
//	cands, err := rt.Resolve(ctx, target, oobkit.AMT, taskProfile)
//	for _, c := range cands {
//		err = connectAndWork(ctx, target, c.Credential())
//		if err == nil {
//			rt.Succeeded(target, c)
//			break
//		}
//		rt.Failed(target, c, err)
//	}
//
// [Export] and [Import] move profiles as JSON or YAML documents; secrets are
// left out unless [ExportOptions].IncludeSecrets asks for them.
//
// Secrets stay secret: a [Profile], [Candidate], [Entry] or [Key] prints,
// logs and marshals with every secret redacted, and no error text of this
// package contains one.
package profile
