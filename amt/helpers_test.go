package amt_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
)

// start runs a simulated device for the test and a client for it.
func start(t *testing.T, cfg amttest.Config) (*amttest.Server, *amt.Client) {
	t.Helper()
	// AMT 16.1 and later answer over TLS only (amttest.Generation.TLSOnly).
	cfg.TLS = cfg.Generation().TLSOnly
	srv, err := amttest.NewServer(cfg)
	require.NoError(t, err)
	c, err := amt.New(srv.Target(), srv.Credential())
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = c.Close()
		_ = srv.Close()
	})
	return srv, c
}

// requireClass asserts err wraps class and is an *oobkit.Error.
func requireClass(t *testing.T, err, class error) *oobkit.Error {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, class, "error %v", err)
	var oe *oobkit.Error
	require.True(t, errors.As(err, &oe), "not an *oobkit.Error: %T %v", err, err)
	return oe
}
