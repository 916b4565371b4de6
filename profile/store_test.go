package profile

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// stores returns one of each Store implementation, fresh.
func stores(t *testing.T) map[string]Store {
	t.Helper()
	key, err := NewKey()
	require.NoError(t, err)
	fs, err := OpenFile(filepath.Join(t.TempDir(), "profiles.store"), WithKey(key))
	require.NoError(t, err)
	return map[string]Store{"memory": NewMemoryStore(), "file": fs}
}

func names(ps []Profile) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

func TestStoreOperations(t *testing.T) {
	ctx := context.Background()
	for kind, s := range stores(t) {
		t.Run(kind, func(t *testing.T) {
			// A new store holds only the built-in default, which is the default.
			list, err := s.List(ctx)
			require.NoError(t, err)
			assert.Equal(t, []string{DefaultName}, names(list))
			def, err := s.Default(ctx)
			require.NoError(t, err)
			assert.Equal(t, Builtin(), def)

			require.NoError(t, s.Put(ctx, fullProfile("lab", "s3")))
			require.NoError(t, s.Put(ctx, amtProfile("amt-only", "a1")))
			list, err = s.List(ctx)
			require.NoError(t, err)
			assert.Equal(t, []string{"amt-only", DefaultName, "lab"}, names(list))

			got, err := s.Get(ctx, "lab")
			require.NoError(t, err)
			assert.Equal(t, secretsOf(fullProfile("lab", "s3")), secretsOf(got), "secrets survive the store")
			assert.Equal(t, fullProfile("lab", "s3").Enabled(), got.Enabled())
			gotAMT, _ := got.Settings(oobkit.AMT)
			wantAMT, _ := fullProfile("lab", "s3").Settings(oobkit.AMT)
			assert.Equal(t, wantAMT.Port, gotAMT.Port)
			assert.Equal(t, wantAMT.Timeout, gotAMT.Timeout)
			assert.Equal(t, wantAMT.Credential.TLS, gotAMT.Credential.TLS)

			// Changing a returned copy changes nothing stored.
			got.Protocols[oobkit.AMT] = Settings{}
			again, err := s.Get(ctx, "lab")
			require.NoError(t, err)
			assert.True(t, again.Protocols[oobkit.AMT].Enabled)

			// Replace.
			require.NoError(t, s.Put(ctx, amtProfile("amt-only", "a2")))
			got, err = s.Get(ctx, "amt-only")
			require.NoError(t, err)
			c, _ := got.Credential(oobkit.AMT)
			assert.Equal(t, "a2", c.Password.Reveal())

			// Default.
			require.NoError(t, s.SetDefault(ctx, "lab"))
			def, err = s.Default(ctx)
			require.NoError(t, err)
			assert.Equal(t, "lab", def.Name)
			err = s.Delete(ctx, "lab")
			require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
			assert.Contains(t, err.Error(), "is the default")

			// Override the built-in default, then delete the override.
			over := amtProfile(DefaultName, "d1")
			require.NoError(t, s.Put(ctx, over))
			got, err = s.Get(ctx, DefaultName)
			require.NoError(t, err)
			assert.Equal(t, []oobkit.Protocol{oobkit.AMT}, got.Enabled())
			require.NoError(t, s.Delete(ctx, DefaultName))
			got, err = s.Get(ctx, DefaultName)
			require.NoError(t, err)
			assert.Equal(t, Builtin(), got)
			err = s.Delete(ctx, DefaultName)
			require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
			assert.Contains(t, err.Error(), "built-in")

			require.NoError(t, s.SetDefault(ctx, DefaultName))
			require.NoError(t, s.Delete(ctx, "lab"))
			list, err = s.List(ctx)
			require.NoError(t, err)
			assert.Equal(t, []string{"amt-only", DefaultName}, names(list))
		})
	}
}

func TestStoreRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	for kind, s := range stores(t) {
		t.Run(kind, func(t *testing.T) {
			tests := []struct {
				name  string
				op    func() error
				class error
				text  string
			}{
				{"get missing", func() error { _, err := s.Get(ctx, "nope"); return err }, ErrNotFound, `"nope"`},
				{"delete missing", func() error { return s.Delete(ctx, "nope") }, ErrNotFound, `"nope"`},
				{"default missing", func() error { return s.SetDefault(ctx, "nope") }, ErrNotFound, `"nope"`},
				{"put invalid", func() error {
					return s.Put(ctx, Profile{Name: "x", Protocols: map[oobkit.Protocol]Settings{oobkit.AMT: {Enabled: true}}})
				}, oobkit.ErrInvalidArgument, "enabled without a credential"},
				{"put unknown protocol", func() error {
					return s.Put(ctx, Profile{Name: "x", Protocols: map[oobkit.Protocol]Settings{"ftp": {}}})
				}, oobkit.ErrInvalidArgument, "unknown protocol"},
			}
			for _, tt := range tests {
				err := tt.op()
				require.Error(t, err, tt.name)
				assert.ErrorIs(t, err, tt.class, tt.name)
				assert.ErrorIs(t, err, oobkit.ErrInvalidArgument, tt.name)
				assert.Contains(t, err.Error(), tt.text, tt.name)
			}
			list, err := s.List(ctx)
			require.NoError(t, err)
			assert.Equal(t, []string{DefaultName}, names(list), "a refused write stores nothing")

			cctx, cancel := context.WithCancel(ctx)
			cancel()
			assert.ErrorIs(t, s.Put(cctx, amtProfile("x", "y")), context.Canceled)
		})
	}
}

// TestStoreConcurrentGoroutines has many goroutines put, read and delete at
// once; every put that was not deleted must be there at the end.
func TestStoreConcurrentGoroutines(t *testing.T) {
	ctx := context.Background()
	for kind, s := range stores(t) {
		t.Run(kind, func(t *testing.T) {
			const workers, each = 8, 6
			var wg sync.WaitGroup
			errs := make(chan error, workers*each*3)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						name := fmt.Sprintf("w%d-%d", w, i)
						errs <- s.Put(ctx, amtProfile(name, name))
						_, err := s.List(ctx)
						errs <- err
						if i%3 == 0 {
							errs <- s.Delete(ctx, name)
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			for w := range workers {
				for i := range each {
					name := fmt.Sprintf("w%d-%d", w, i)
					p, err := s.Get(ctx, name)
					if i%3 == 0 {
						assert.ErrorIs(t, err, ErrNotFound, name)
						continue
					}
					require.NoError(t, err, name)
					c, _ := p.Credential(oobkit.AMT)
					assert.Equal(t, name, c.Password.Reveal())
				}
			}
		})
	}
}
