package amt_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// TestSecretsNeverLeak drives the client with canary passwords through a
// wrong password, injected faults, refusals and every operation, logging at
// debug level, and checks that neither password appears in any error text,
// in the log, or in the client's formatted value.
func TestSecretsNeverLeak(t *testing.T) {
	const good, wrong = "canary-Good-7f3a9c", "canary-Wrong-51d2e8"
	srv, err := amttest.NewServer(amttest.Config{Password: good})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })

	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := context.Background()
	var texts []string
	record := func(err error) {
		if err != nil {
			texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		}
	}

	bad, err := amt.New(srv.Target(), oobkit.UserPassword("admin", wrong), amt.WithLogger(logger))
	require.NoError(t, err)
	defer bad.Close()
	_, err = bad.Detect(ctx)
	requireClass(t, err, oobkit.ErrAuth)
	record(err)
	texts = append(texts, fmt.Sprintf("%+v %#v", bad, bad))

	c, err := amt.New(srv.Target(), srv.Credential(), amt.WithLogger(logger))
	require.NoError(t, err)
	defer c.Close()
	texts = append(texts, fmt.Sprintf("%+v %#v", c, c))
	for _, f := range []wsmantest.Faults{{Busy: true}, {MalformedXML: true}, {DropMidResponse: true}, {WrongAuth: true}} {
		srv.SetFaults(f)
		_, err := c.PowerState(ctx)
		require.Error(t, err)
		record(err)
	}
	srv.SetFaults(wsmantest.Faults{})
	for _, op := range operations {
		record(op.call(ctx, c))
	}
	record(c.SetPower(ctx, oobkit.ActionOn)) // refused: already on

	require.NotZero(t, logs.Len(), "debug logging was on")
	for _, secret := range []string{good, wrong} {
		assert.NotContains(t, logs.String(), secret)
		for _, s := range texts {
			assert.NotContains(t, s, secret)
		}
	}
}
