package tasks

import (
	"context"
	"errors"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/profile"
)

// ProfileCredentials adapts package profile to [Credentials]: candidates come
// from [profile.Runtime.Resolve] (the explicit profile, then the store's
// default, then the credential that last worked on the computer), and every
// outcome is reported back, so the runtime profile learns the credential that
// works on each computer.
type ProfileCredentials struct {
	// Runtime resolves and learns credentials.
	Runtime *profile.Runtime
	// Explicit is the profile a job names, tried first; nil for none.
	Explicit *profile.Profile
}

// Candidates resolves the credentials of protocol p for t. A protocol no
// profile enables yields an empty list.
func (pc ProfileCredentials) Candidates(ctx context.Context, t oobkit.Target, p oobkit.Protocol) ([]NamedCredential, error) {
	cands, err := pc.Runtime.Resolve(ctx, t, p, pc.Explicit)
	if errors.Is(err, profile.ErrNoCandidate) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]NamedCredential, len(cands))
	for i, c := range cands {
		out[i] = NamedCredential{Name: c.Profile, Source: string(c.Source), Credential: c.Credential(), Port: c.Settings.Port, ref: c}
	}
	return out, nil
}

// Succeeded tells the runtime profile that cred worked.
func (pc ProfileCredentials) Succeeded(t oobkit.Target, _ oobkit.Protocol, cred NamedCredential) {
	if c, ok := cred.ref.(profile.Candidate); ok {
		pc.Runtime.Succeeded(t, c)
	}
}

// Failed tells the runtime profile that cred failed.
func (pc ProfileCredentials) Failed(t oobkit.Target, _ oobkit.Protocol, cred NamedCredential, err error) {
	if c, ok := cred.ref.(profile.Candidate); ok {
		pc.Runtime.Failed(t, c, err)
	}
}
