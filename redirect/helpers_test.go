package redirect_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// newSim starts a simulator and closes it with the test.
func newSim(t testing.TB, cfg redirecttest.Config) *redirecttest.Server {
	t.Helper()
	s, err := redirecttest.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// newClient returns a client for sim with its own credential. The step
// timeout is generous: tests must not depend on the machine's speed.
func newClient(t testing.TB, sim *redirecttest.Server, opts ...redirect.Option) *redirect.Client {
	t.Helper()
	c, err := redirect.New(sim.Target(), sim.Credential(), append([]redirect.Option{redirect.WithTimeout(15 * time.Second)}, opts...)...)
	require.NoError(t, err)
	return c
}

// ctxT bounds a test's calls: long enough for a loaded CI machine, short
// enough that a hang fails the test instead of the whole run.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// image returns n pseudo-random bytes and their hex SHA-256.
func image(n int, seed uint64) (*bytes.Reader, string) {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	sum := sha256.Sum256(b)
	return bytes.NewReader(b), hex.EncodeToString(sum[:])
}
