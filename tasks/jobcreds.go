package tasks

import (
	"context"
	"fmt"
	"slices"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/profile"
)

// JobCredentials are a job's task-specified credentials: tried first, before
// the profile chosen for the run, the default profile and the runtime
// profile, by every step of the job on every computer, each protocol on its
// own. In a job file:
//
//	credentials:
//	  profile: amt-admins        # a profile of the runner's profile store
//	# or
//	credentials:
//	  user: admin
//	  passwordEnv: AMT_ADMIN_PW  # read by the process that runs the job
//	  protocols: [amt, redirection]   # the default: AMT functions
//
// Secrets never travel in the job: a program sets Password or Set, which
// are never marshaled; a job file names an environment variable or a stored
// profile, which a worker of a distributed runner resolves on its side.
type JobCredentials struct {
	// Profile names a profile the runner's [Credentials] source looks up
	// (it must implement [ProfileLookup], as [ProfileCredentials] does).
	Profile string `json:"profile,omitempty"`
	// User is a user name to present to Protocols with Password.
	User string `json:"user,omitempty"`
	// PasswordEnv names the environment variable holding User's password,
	// when Password is not set.
	PasswordEnv string `json:"passwordEnv,omitempty"`
	// Password is User's password, set by programs; never marshaled.
	Password oobkit.Secret `json:"-"`
	// Protocols are the protocols User applies to; empty means AMT and
	// redirection, "all AMT functions" of the job.
	Protocols []oobkit.Protocol `json:"protocols,omitempty"`
	// Set is a profile value a program supplies; never marshaled. It is
	// used before Profile and User.
	Set *profile.Profile `json:"-"`
}

// ProfileLookup is implemented by [Credentials] sources that can look a
// named profile up, for [JobCredentials].Profile.
type ProfileLookup interface {
	LookupProfile(ctx context.Context, name string) (profile.Profile, error)
}

// Validate checks the task-specified credentials' shape (not that the
// profile exists or the variable is set: the process running the job checks
// that).
func (jc *JobCredentials) Validate() error {
	if jc == nil {
		return nil
	}
	n := 0
	if jc.Set != nil {
		n++
		if err := jc.Set.Validate(); err != nil {
			return err
		}
	}
	if jc.Profile != "" {
		n++
	}
	if jc.User != "" {
		n++
		if jc.Password.IsZero() && jc.PasswordEnv == "" {
			return fmt.Errorf("%w: credentials: user %q needs passwordEnv (or a Password set by the program)", oobkit.ErrInvalidArgument, jc.User)
		}
	}
	if n != 1 {
		return fmt.Errorf("%w: credentials: give exactly one of profile or user", oobkit.ErrInvalidArgument)
	}
	for _, p := range jc.Protocols {
		if !p.Valid() {
			return fmt.Errorf("%w: credentials: unknown protocol %q", oobkit.ErrInvalidArgument, p)
		}
	}
	return nil
}

// resolve returns the task-specified profile: Set, the profile looked up by
// name, or one made of User and the password.
func (jc *JobCredentials) resolve(ctx context.Context, creds Credentials) (*profile.Profile, error) {
	if jc == nil {
		return nil, nil
	}
	if jc.Set != nil {
		p := jc.Set.Clone()
		return &p, nil
	}
	if jc.Profile != "" {
		pl, ok := creds.(ProfileLookup)
		if !ok {
			return nil, fmt.Errorf("%w: credentials: profile %q named, but the credential source cannot look profiles up", oobkit.ErrInvalidArgument, jc.Profile)
		}
		p, err := pl.LookupProfile(ctx, jc.Profile)
		if err != nil {
			return nil, fmt.Errorf("task-specified credentials: %w", err)
		}
		return &p, nil
	}
	pw, err := secretInput(jc.Password, jc.PasswordEnv, "task-specified password")
	if err != nil {
		return nil, err
	}
	protos := jc.Protocols
	if len(protos) == 0 {
		protos = []oobkit.Protocol{oobkit.AMT, oobkit.Redirection}
	}
	p := profile.Profile{Name: "task"}
	for _, pr := range protos {
		if err := p.Enable(pr, oobkit.Credential{Username: jc.User, Password: pw}); err != nil {
			return nil, err
		}
	}
	return &p, nil
}

// CredentialOutcome says what a computer did with one credential.
type CredentialOutcome string

// Credential outcomes.
const (
	// CredentialAccepted: the computer accepted the credential.
	CredentialAccepted CredentialOutcome = "accepted"
	// CredentialRefused: the computer refused it (an authentication
	// failure).
	CredentialRefused CredentialOutcome = "refused"
	// CredentialNotRetried: the computer refused it earlier in this job, so
	// it was not offered again (account lockout safety).
	CredentialNotRetried CredentialOutcome = "not-retried"
	// CredentialFailed: the attempt failed for another reason (unreachable,
	// busy…), which says nothing about the credential.
	CredentialFailed CredentialOutcome = "failed"
)

// CredentialAttempt is one credential offered to one protocol of a
// computer: where it came from and what the computer did with it. It never
// holds the secret.
type CredentialAttempt struct {
	// Protocol is the protocol the credential was offered to.
	Protocol oobkit.Protocol `json:"protocol"`
	// Source is where it came from: task, explicit, default, runtime (see
	// package profile), or the source's own name.
	Source string `json:"source"`
	// Profile names the profile it came from.
	Profile string `json:"profile,omitempty"`
	// User is the user name presented, if any.
	User string `json:"user,omitempty"`
	// Outcome says what happened.
	Outcome CredentialOutcome `json:"outcome"`
}

func attemptOf(p oobkit.Protocol, nc NamedCredential, o CredentialOutcome) CredentialAttempt {
	return CredentialAttempt{Protocol: p, Source: nc.Source, Profile: nc.Name, User: nc.Credential.Username, Outcome: o}
}

// taskCandidates returns the task-specified credentials of protocol p.
func taskCandidates(task *profile.Profile, p oobkit.Protocol) []NamedCredential {
	if task == nil {
		return nil
	}
	s, ok := task.Settings(p)
	if !ok || !s.Enabled {
		return nil
	}
	return []NamedCredential{{Name: task.Name, Source: string(profile.SourceTask), Credential: s.Credential, Port: s.Port}}
}

// sameIdentity reports whether a and b present the same account and secret.
func sameIdentity(a, b oobkit.Credential) bool {
	if a.Auth != b.Auth || a.Username != b.Username || !a.Password.Equal(b.Password) || !a.Community.Equal(b.Community) {
		return false
	}
	if (a.USM == nil) != (b.USM == nil) {
		return false
	}
	return a.USM == nil || (a.USM.AuthPassphrase.Equal(b.USM.AuthPassphrase) && a.USM.PrivPassphrase.Equal(b.USM.PrivPassphrase) &&
		a.USM.AuthProtocol == b.USM.AuthProtocol && a.USM.PrivProtocol == b.USM.PrivProtocol)
}

// mergeCandidates puts first before rest, each credential once.
func mergeCandidates(first, rest []NamedCredential) []NamedCredential {
	out := slices.Clone(first)
	for _, c := range rest {
		if !slices.ContainsFunc(out, func(o NamedCredential) bool { return sameIdentity(o.Credential, c.Credential) }) {
			out = append(out, c)
		}
	}
	return out
}

// accountRealm groups protocols that check the same accounts on a computer:
// AMT's web services and its redirection ports share the Intel ME's users,
// so a password AMT refused is not offered to redirection in the same job.
func accountRealm(p oobkit.Protocol) oobkit.Protocol {
	if p == oobkit.Redirection {
		return oobkit.AMT
	}
	return p
}
