package tasks

import (
	"context"
	"errors"
	"fmt"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/profile"
)

// ProfileCredentials adapts package profile to [Credentials]: candidates come
// from [profile.Runtime.Resolve] (the explicit profile, then the store's
// default, then every credential that worked on the computer before, most
// recent first), and every outcome is reported back, so the runtime profile
// learns the credentials that work on each computer — task-specified ones
// ([JobCredentials]) included.
type ProfileCredentials struct {
	// Runtime resolves and learns credentials.
	Runtime *profile.Runtime
	// Explicit is the profile chosen for the run, tried after the job's
	// task-specified credentials; nil for none.
	Explicit *profile.Profile
	// Origin is what a success teaches the runtime profile: [profile.OriginTask]
	// when empty; one-to-one tools set [profile.OriginOneToOne].
	Origin profile.Origin
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

// LookupProfile returns the profile called name from the runtime profile's
// store, for [JobCredentials].Profile.
func (pc ProfileCredentials) LookupProfile(ctx context.Context, name string) (profile.Profile, error) {
	st := pc.Runtime.Store()
	if st == nil {
		return profile.Profile{}, fmt.Errorf("%w: no profile store to look %q up in", oobkit.ErrInvalidArgument, name)
	}
	return st.Get(ctx, name)
}

func candidateOf(p oobkit.Protocol, cred NamedCredential) profile.Candidate {
	if c, ok := cred.ref.(profile.Candidate); ok {
		return c
	}
	// A credential the source did not offer (task-specified): learn it too.
	return profile.Candidate{Source: profile.Source(cred.Source), Profile: cred.Name, Protocol: p,
		Settings: profile.Settings{Enabled: true, Credential: cred.Credential, Port: cred.Port}}
}

// Succeeded tells the runtime profile that cred worked.
func (pc ProfileCredentials) Succeeded(t oobkit.Target, p oobkit.Protocol, cred NamedCredential) {
	origin := pc.Origin
	if origin == "" {
		origin = profile.OriginTask
	}
	pc.Runtime.Learn(t, candidateOf(p, cred), origin)
}

// Failed tells the runtime profile that cred failed.
func (pc ProfileCredentials) Failed(t oobkit.Target, p oobkit.Protocol, cred NamedCredential, err error) {
	pc.Runtime.Failed(t, candidateOf(p, cred), err)
}
