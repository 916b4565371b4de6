package dash_test

import (
	"errors"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newPair starts a simulated computer and a client for it.
func newPair(t *testing.T, cfg dashtest.Config) (*dashtest.Server, *dash.Client) {
	t.Helper()
	sim, err := dashtest.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { sim.Close() })
	c, err := dash.New(sim.Target(), sim.Credential())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return sim, c
}

func without(profiles []string, drop string) []string {
	var out []string
	for _, p := range profiles {
		if p != drop {
			out = append(out, p)
		}
	}
	return out
}

func itoa(v int) string { return strconv.Itoa(v) }

func errorsIs(err, target error) bool { return errors.Is(err, target) }
