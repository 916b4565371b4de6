package profile

import (
	"context"
	"sync"
)

// MemoryStore is a [Store] held in memory, for tests, short-lived programs
// and callers that persist profiles themselves. It is safe for concurrent
// use. The zero value is not usable; call [NewMemoryStore].
type MemoryStore struct {
	mu sync.RWMutex
	st *state
}

// NewMemoryStore returns a store holding only the built-in default profile.
func NewMemoryStore() *MemoryStore { return &MemoryStore{st: newState()} }

// List implements [Store].
func (m *MemoryStore) List(ctx context.Context) ([]Profile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.st.list(), nil
}

// Get implements [Store].
func (m *MemoryStore) Get(ctx context.Context, name string) (Profile, error) {
	if err := ctx.Err(); err != nil {
		return Profile{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.st.get(name)
}

// Default implements [Store].
func (m *MemoryStore) Default(ctx context.Context) (Profile, error) {
	if err := ctx.Err(); err != nil {
		return Profile{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.st.defaultProfile(), nil
}

// Put implements [Store].
func (m *MemoryStore) Put(ctx context.Context, p Profile) error {
	return m.update(ctx, func(s *state) error { return s.put(p) })
}

// Delete implements [Store].
func (m *MemoryStore) Delete(ctx context.Context, name string) error {
	return m.update(ctx, func(s *state) error { return s.delete(name) })
}

// SetDefault implements [Store].
func (m *MemoryStore) SetDefault(ctx context.Context, name string) error {
	return m.update(ctx, func(s *state) error { return s.setDefault(name) })
}

func (m *MemoryStore) update(ctx context.Context, fn func(*state) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return fn(m.st)
}
