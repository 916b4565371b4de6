package profile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/oobkit/oobkit"
)

// Store keeps connection profiles and knows which one is the default. Every
// store starts with the built-in default profile ([DefaultName]). Methods
// return copies: changing a returned Profile changes nothing stored.
//
// Implementations are safe for concurrent use. [FileStore] is also safe for
// several processes sharing one file.
type Store interface {
	// List returns every profile, sorted by name, the built-in default
	// included unless a stored profile overrides it.
	List(ctx context.Context) ([]Profile, error)
	// Get returns the profile called name, or an error wrapping
	// [ErrNotFound].
	Get(ctx context.Context, name string) (Profile, error)
	// Put validates p and stores it, replacing any profile of the same name.
	Put(ctx context.Context, p Profile) error
	// Delete removes the profile called name. Deleting the current default
	// or the built-in profile is refused.
	Delete(ctx context.Context, name string) error
	// SetDefault makes the profile called name the default.
	SetDefault(ctx context.Context, name string) error
	// Default returns the default profile: the one named by SetDefault, else
	// the built-in default.
	Default(ctx context.Context) (Profile, error)
}

var (
	// ErrNotFound is wrapped by errors about a profile that does not exist.
	// Such errors also wrap [oobkit.ErrInvalidArgument].
	ErrNotFound = errors.New("profile not found")
	// ErrCorrupt is wrapped by errors about a store file that cannot be
	// read: damaged, truncated, or encrypted with another key. The file is
	// left as it is and nothing is written over it.
	ErrCorrupt = errors.New("profile store is corrupt")
)

// state is the content of a store: the stored profiles and the default's
// name. Both stores apply the same operations to it.
type state struct {
	def      string
	profiles map[string]Profile
}

func newState() *state { return &state{profiles: make(map[string]Profile)} }

func notFound(name string) error {
	return fmt.Errorf("%w: %w: %q", oobkit.ErrInvalidArgument, ErrNotFound, name)
}

func (s *state) list() []Profile {
	out := make([]Profile, 0, len(s.profiles)+1)
	for _, p := range s.profiles {
		out = append(out, p.Clone())
	}
	if _, ok := s.profiles[DefaultName]; !ok {
		out = append(out, Builtin())
	}
	slices.SortFunc(out, func(a, b Profile) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func (s *state) get(name string) (Profile, error) {
	if p, ok := s.profiles[name]; ok {
		return p.Clone(), nil
	}
	if name == DefaultName {
		return Builtin(), nil
	}
	return Profile{}, notFound(name)
}

func (s *state) put(p Profile) error {
	if err := p.Validate(); err != nil {
		return err
	}
	s.profiles[p.Name] = p.Clone()
	return nil
}

func (s *state) delete(name string) error {
	if _, ok := s.profiles[name]; !ok {
		if name == DefaultName {
			return fmt.Errorf("%w: the built-in default profile cannot be deleted", oobkit.ErrInvalidArgument)
		}
		return notFound(name)
	}
	if name == s.def && name != DefaultName {
		return fmt.Errorf("%w: profile %q is the default; make another profile the default first",
			oobkit.ErrInvalidArgument, name)
	}
	delete(s.profiles, name)
	return nil
}

func (s *state) setDefault(name string) error {
	if _, err := s.get(name); err != nil {
		return err
	}
	s.def = name
	return nil
}

func (s *state) defaultProfile() Profile {
	if s.def != "" {
		if p, ok := s.profiles[s.def]; ok {
			return p.Clone()
		}
	}
	if p, ok := s.profiles[DefaultName]; ok {
		return p.Clone()
	}
	return Builtin()
}

// document returns the state as a wire document with secrets, for the
// encrypted store file.
func (s *state) document() wireDocument {
	ps := make([]Profile, 0, len(s.profiles))
	for _, p := range s.profiles {
		ps = append(ps, p)
	}
	return newDocument(ps, s.def, true)
}

// stateFromDocument rebuilds a state, validating every profile.
func stateFromDocument(d wireDocument) (*state, error) {
	ps, err := d.profiles(true)
	if err != nil {
		return nil, err
	}
	s := newState()
	for _, p := range ps {
		s.profiles[p.Name] = p
	}
	s.def = d.Default
	return s, nil
}
